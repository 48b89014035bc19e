"""A calendar's change page shows a page of its exceptions, whatever their number (up to
1000), and saving it touches only those; the exceptions' own admin finds the others."""

from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from calendars import rules
from calendars.admin import EXCEPTIONS_PER_PAGE
from calendars.models import Calendar, CalendarException
from tests.factories import CalendarFactory

from .conftest import CHANGE

EXCEPTIONS = "/admin/calendars/calendarexception/"
FIELDS = [f.attname for f in CalendarException._meta.concrete_fields]


def with_exceptions(count: int, **calendar) -> Calendar:
    calendar = CalendarFactory(**calendar)
    CalendarException.objects.bulk_create(
        CalendarException(calendar=calendar, name=f"Closed {n}", type="HOLIDAY",
                          placement="ANNUAL", annual_month=n % 12 + 1, annual_day=n % 28 + 1)
        for n in range(count)
    )  # fmt: skip
    return calendar


def stored(calendar: Calendar) -> dict[int, tuple]:
    return {row[0]: row for row in calendar.exceptions.values_list(*FIELDS)}


def posted(response) -> dict[str, str]:
    """The change page's forms as a browser posts them back, unchanged."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += inline.formset.forms
        management = inline.formset.management_form
        data.update(
            {management.add_prefix(n): str(management[n].value()) for n in management.fields}
        )
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = (
                value.strftime("%H:%M") if hasattr(value, "strftime") else str(value)
            )
    return data


def shown_ids(response) -> list[int]:
    (inline,) = response.context["inline_admin_formsets"]
    return [form.instance.pk for form in inline.formset.forms]


def test_the_change_page_costs_the_same_queries_with_5_and_500_exceptions(staff):
    small, big = with_exceptions(5), with_exceptions(500)
    counts = []
    for calendar in (small, big):
        staff.get(CHANGE.format(calendar.pk))  # the session and caches warm
        with CaptureQueriesContext(connection) as queries:
            response = staff.get(CHANGE.format(calendar.pk))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert len(shown_ids(response)) == EXCEPTIONS_PER_PAGE


def test_the_page_shows_a_page_of_exceptions_and_links_to_all(staff):
    calendar = with_exceptions(25)
    ids = sorted(stored(calendar))
    page = staff.get(CHANGE.format(calendar.pk))
    html = page.content.decode()
    assert shown_ids(page) == ids[:10]
    assert "Exceptions 1&ndash;10 of 25, in list order: page 1 of 3." in html
    assert f'href="{EXCEPTIONS}?calendar__id__exact={calendar.pk}"' in html
    assert "Find among all 25 exceptions" in html
    assert 'href="?exc_page=2" id="exceptions-next"' in html
    assert 'id="exceptions-previous"' not in html

    last = staff.get(CHANGE.format(calendar.pk) + "?exc_page=3")
    assert shown_ids(last) == ids[20:]
    assert "Exceptions 21&ndash;25 of 25" in last.content.decode()
    assert 'id="exceptions-next"' not in last.content.decode()
    # Past the end: the last page; not a number: the first.
    assert shown_ids(staff.get(CHANGE.format(calendar.pk) + "?exc_page=99")) == ids[20:]
    for junk in ["x", "-1", "0", "\u00b2", "9" * 40]:
        response = staff.get(CHANGE.format(calendar.pk), {"exc_page": junk})
        assert response.status_code == 200, junk
        assert shown_ids(response) in (ids[:10], ids[20:]), junk


def test_a_small_calendar_has_no_pager(staff):
    calendar = with_exceptions(3)
    html = staff.get(CHANGE.format(calendar.pk)).content.decode()
    assert "Exceptions 1&ndash;3 of 3, in list order." in html
    assert 'id="exceptions-next"' not in html
    assert f'href="{EXCEPTIONS}add/?calendar={calendar.pk}"' in html


def test_saving_a_page_of_500_leaves_the_unshown_exceptions_intact(staff):
    calendar = with_exceptions(500)
    before = stored(calendar)
    page = staff.get(CHANGE.format(calendar.pk) + "?exc_page=7")
    shown = shown_ids(page)
    assert shown == sorted(before)[60:70]
    data = posted(page)
    data["exceptions-0-name"] = "Renamed"
    data["exceptions-1-DELETE"] = "on"
    data["name"] = "Renamed calendar"
    assert len(data) < 1000  # Django's DATA_UPLOAD_MAX_NUMBER_FIELDS
    response = staff.post(CHANGE.format(calendar.pk) + "?exc_page=7", data)
    assert response.status_code == 302, response.context["errors"]

    after = stored(calendar)
    assert CalendarException.objects.get(pk=shown[0]).name == "Renamed"
    assert shown[1] not in after
    unshown = set(before) - set(shown)
    assert {pk: after[pk] for pk in unshown} == {pk: before[pk] for pk in unshown}
    assert {pk: after[pk] for pk in shown[2:]} == {pk: before[pk] for pk in shown[2:]}
    assert Calendar.objects.get(pk=calendar.pk).name == "Renamed calendar"
    # "Save and continue editing" comes back to the same page of exceptions (Django keeps
    # the query string).
    data = posted(staff.get(CHANGE.format(calendar.pk) + "?exc_page=7"))
    data["_continue"] = "1"
    response = staff.post(CHANGE.format(calendar.pk) + "?exc_page=7", data)
    assert response["Location"] == CHANGE.format(calendar.pk) + "?exc_page=7"


def test_a_page_posted_after_the_list_moved_edits_the_exceptions_it_showed(staff):
    calendar = with_exceptions(30)
    page = staff.get(CHANGE.format(calendar.pk) + "?exc_page=2")
    shown = shown_ids(page)
    data = posted(page)
    data["exceptions-3-name"] = "Edited"
    # Meanwhile the API deletes the first exceptions: page 2 now holds other ones.
    CalendarException.objects.filter(pk__in=sorted(stored(calendar))[:5]).delete()
    before = stored(calendar)
    response = staff.post(CHANGE.format(calendar.pk) + "?exc_page=2", data)
    assert response.status_code == 302, response.context["errors"]
    after = stored(calendar)
    assert after[shown[3]][FIELDS.index("name")] == "Edited"
    assert {pk: row for pk, row in after.items() if pk != shown[3]} == {
        pk: row for pk, row in before.items() if pk != shown[3]
    }


def test_ids_of_another_calendar_are_ignored(staff):
    mine, other = with_exceptions(2), with_exceptions(2)
    data = posted(staff.get(CHANGE.format(mine.pk)))
    theirs = sorted(stored(other))
    data["exceptions-0-id"] = str(theirs[0])
    data["exceptions-0-name"] = "Hijacked"
    staff.post(CHANGE.format(mine.pk), data)
    assert not CalendarException.objects.filter(name="Hijacked").exists()
    assert len(stored(mine)) == 2


def test_the_page_cannot_take_a_calendar_past_its_limit(staff):
    calendar = with_exceptions(rules.MAX_EXCEPTIONS)
    data = posted(staff.get(CHANGE.format(calendar.pk)))
    data["exceptions-TOTAL_FORMS"] = str(EXCEPTIONS_PER_PAGE + 1)
    new = f"exceptions-{EXCEPTIONS_PER_PAGE}"
    data.update({f"{new}-name": "One more", f"{new}-type": "HOLIDAY",
                 f"{new}-placement": "ANNUAL", f"{new}-annual_month": "5",
                 f"{new}-annual_day": "1", f"{new}-calendar": str(calendar.pk)})  # fmt: skip
    response = staff.post(CHANGE.format(calendar.pk), data)
    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert list(inline.formset.non_form_errors()) == [
        rules.too_many_exceptions(rules.MAX_EXCEPTIONS + 1)
    ]
    assert calendar.exceptions.count() == rules.MAX_EXCEPTIONS
    # Deleting one on the same page makes room.
    data["exceptions-0-DELETE"] = "on"
    assert staff.post(CHANGE.format(calendar.pk), data).status_code == 302
    assert calendar.exceptions.count() == rules.MAX_EXCEPTIONS
    assert calendar.exceptions.filter(name="One more").exists()


def test_the_exceptions_changelist_filters_by_calendar_and_searches_names(staff):
    calendar, other = with_exceptions(30), with_exceptions(5)
    CalendarException.objects.filter(calendar=calendar, name="Closed 17").update(name="Inventory")
    response = staff.get(EXCEPTIONS, {"calendar__id__exact": calendar.pk})
    assert response.status_code == 200
    assert {ex.calendar_id for ex in response.context["cl"].result_list} == {calendar.pk}
    assert str(calendar) in response.content.decode()  # the chosen calendar, in the filter
    assert str(other) not in response.content.decode()
    found = staff.get(EXCEPTIONS, {"calendar__id__exact": calendar.pk, "q": "invent"})
    assert [ex.name for ex in found.context["cl"].result_list] == ["Inventory"]
    assert staff.get(EXCEPTIONS, {"calendar__id__exact": "x"}).context["cl"].result_count == 0


def test_the_exceptions_changelist_query_count_does_not_grow(staff):
    counts = []
    for count in (3, 60):
        calendar = with_exceptions(count)
        staff.get(EXCEPTIONS, {"calendar__id__exact": calendar.pk})
        with CaptureQueriesContext(connection) as queries:
            staff.get(EXCEPTIONS, {"calendar__id__exact": calendar.pk})
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_an_exception_page_uses_the_api_rules_and_the_calendar_zone(staff):
    calendar = with_exceptions(1, time_zone_id="America/New_York")
    exception = calendar.exceptions.get()
    page = f"{EXCEPTIONS}{exception.pk}/change/"
    updated = Calendar.objects.get(pk=calendar.pk).updated_at
    bad = {"name": "Leap", "type": "HOLIDAY", "placement": "ANNUAL", "annual_month": "2",
           "annual_day": "30"}  # fmt: skip
    response = staff.post(page, bad)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "annual_day": ["annualDay is invalid. Must be a day of annualMonth."]
    }
    fixed = {"name": "Inventory", "type": "TIME_CHANGE", "placement": "FIXED",
             "fixed_day": "2026-06-10", "time_change_start": "09:00",
             "time_change_stop": "13:30"}  # fmt: skip
    assert staff.post(page, fixed).status_code == 302
    exception.refresh_from_db()
    assert exception.fixed_date == int(datetime(2026, 6, 10, 4, tzinfo=UTC).timestamp() * 1000)
    assert (exception.time_change_stop_hour, exception.time_change_stop_min) == (13, 30)
    assert exception.annual_month is None  # the unused placement's fields are dropped
    assert Calendar.objects.get(pk=calendar.pk).updated_at > updated
    listed = staff.get(EXCEPTIONS, {"calendar__id__exact": calendar.pk}).content.decode()
    assert "2026-06-10, 09:00\u201313:30" in listed


def test_adding_an_exception_on_its_own_page_keeps_the_limit(staff):
    calendar = with_exceptions(rules.MAX_EXCEPTIONS - 1)
    holiday = {"calendar": calendar.pk, "name": "Founders", "type": "HOLIDAY",
               "placement": "RELATIVE", "relative_type": "FIRST", "relative_day_of_week": "2",
               "relative_month": "9"}  # fmt: skip
    form = staff.get(f"{EXCEPTIONS}add/", {"calendar": calendar.pk})
    assert form.context["adminform"].form.initial["calendar"] == str(calendar.pk)
    assert staff.post(f"{EXCEPTIONS}add/", holiday).status_code == 302
    assert calendar.exceptions.count() == rules.MAX_EXCEPTIONS
    response = staff.post(f"{EXCEPTIONS}add/", {**holiday, "name": "One more"})
    assert response.status_code == 200
    assert list(response.context["adminform"].form.non_field_errors()) == [
        rules.too_many_exceptions(rules.MAX_EXCEPTIONS + 1)
    ]
    listed = staff.get(EXCEPTIONS, {"q": "Founders"}).content.decode()
    assert "First Monday of September" in listed


def test_a_zone_that_moves_a_paged_away_fixed_date_out_of_the_years_is_refused(staff):
    # As the API's PUT calendar (1008): the page re-anchors the dates it shows, but one
    # paged away keeps its instant, which New York puts on 31 December of the year 0.
    calendar = with_exceptions(12, time_zone_id="UTC")
    far = CalendarException.objects.create(
        calendar=calendar, name="Year one", type="HOLIDAY", placement="FIXED",
        fixed_date=rules.FIXED_DATE_MIN,
    )  # fmt: skip
    page = staff.get(CHANGE.format(calendar.pk))
    assert far.pk not in shown_ids(page)
    data = {**posted(page), "time_zone_id": "America/New_York"}
    response = staff.post(CHANGE.format(calendar.pk), data)
    assert response.status_code == 200
    (inline,) = response.context["inline_admin_formsets"]
    assert inline.formset.non_form_errors() == [rules.zone_moves_fixed_date(12)]
    calendar.refresh_from_db()
    assert calendar.time_zone_id == "UTC"
    # Any zone that keeps it within the years is taken.
    response = staff.post(CHANGE.format(calendar.pk), {**data, "time_zone_id": "Asia/Tokyo"})
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.time_zone_id == "Asia/Tokyo"
