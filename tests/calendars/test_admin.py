"""Staff edit GRS in the admin, held to the API's rules and messages."""

from datetime import date

import pytest

from calendars import rules
from calendars.engine import business_time
from calendars.engine.timezones import java_zone
from calendars.models import Calendar, CalendarException, Package
from tests.factories import CalendarFactory, HolidayFactory, UserFactory

from .conftest import CHANGE, api_client, member, url

ADD = "/admin/calendars/calendar/add/"
INLINE = "exceptions"


def form(calendar_values: dict, package, exceptions: list[dict] = (), initial: int = 0) -> dict:
    data = {
        "package": str(package.pk),
        f"{INLINE}-TOTAL_FORMS": str(len(exceptions)),
        f"{INLINE}-INITIAL_FORMS": str(initial),
        f"{INLINE}-MIN_NUM_FORMS": "0",
        f"{INLINE}-MAX_NUM_FORMS": "1000",
        **{k: "" if v is None else str(v) for k, v in calendar_values.items()},
    }
    for i, item in enumerate(exceptions):
        data.update({f"{INLINE}-{i}-{k}": "" if v is None else str(v) for k, v in item.items()})
    return data


GOOD = {
    "name": "Support desk",
    "week_starts": 2,
    "week_ends": 6,
    "day_starts": "08:00",
    "day_ends": "18:00",
    "time_zone_id": "PST",
}


def values_of(calendar) -> dict:
    """The calendar's values as its change page posts them."""
    return {
        "name": calendar.name,
        "week_starts": calendar.week_starts,
        "week_ends": calendar.week_ends,
        "day_starts": f"{calendar.day_starts_hour:02d}:{calendar.day_starts_min:02d}",
        "day_ends": f"{calendar.day_ends_hour:02d}:{calendar.day_ends_min:02d}",
        "time_zone_id": calendar.time_zone_id,
    }


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "the form was accepted"
    adminform = response.context["adminform"]
    return {name: list(errs) for name, errs in adminform.form.errors.items()}


def test_admin_pages_load(staff, calendar):
    HolidayFactory(calendar=calendar)
    for path in [
        "/admin/calendars/tenant/",
        "/admin/calendars/package/",
        "/admin/calendars/calendar/",
        CHANGE.format(calendar.pk),
        ADD,
        f"/admin/calendars/tenant/{calendar.package.tenant_id}/change/",
        "/admin/calendars/grssession/",
    ]:
        assert staff.get(path).status_code == 200, path


def test_add_calendar_with_an_exception(staff, package):
    holiday = {"name": "New Year", "type": "HOLIDAY", "placement": "ANNUAL",
               "annual_month": 1, "annual_day": 1}  # fmt: skip
    response = staff.post(ADD, form(GOOD, package, [holiday]))
    assert response.status_code == 302
    calendar = Calendar.objects.get()
    assert calendar.time_zone_id == "PST"
    assert calendar.exceptions.get().annual_day == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "name must be specified"),
        ("week_starts", "0", "weekStarts is invalid. Must be between 1 and 7."),
        ("week_ends", "", "weekEnds is invalid. Must be between 1 and 7."),
        ("week_starts", "Monday", "weekStarts is invalid. Must be between 1 and 7."),
        ("day_starts", "abc", "dayStartsHour is invalid. Must be between 0 and 23."),
        ("day_ends", "24:00", "dayEndsHour is invalid. Must be between 0 and 23."),
        ("day_starts", "09:60", "dayStartsHour is invalid. Must be between 0 and 23."),
        ("time_zone_id", "america/new_york", "Unrecognized time zone ID."),
        ("time_zone_id", "", "Unrecognized time zone ID."),
    ],
)
def test_calendar_form_uses_the_api_messages(staff, package, field, value, message):
    response = staff.post(ADD, form({**GOOD, field: value}, package))
    assert field_errors(response) == {field: [message]}
    assert not Calendar.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone_id", "america/new_york", "Unrecognized time zone ID."),
        ("week_starts", "0", "weekStarts is invalid. Must be between 1 and 7."),
    ],
)
def test_a_change_refused_shows_the_stored_week(staff, calendar, field, value, message):
    response = staff.post(CHANGE.format(calendar.pk), form({**values_of(calendar), field: value},
                                                           calendar.package))  # fmt: skip
    assert field_errors(response) == {field: [message]}
    assert f"in {calendar.time_zone_id}" in response.content.decode()  # the stored zone's week
    assert Calendar.objects.get(pk=calendar.pk).time_zone_id == calendar.time_zone_id


def test_an_empty_working_hour_names_both_its_fields(staff, package):
    response = staff.post(ADD, form({**GOOD, "day_ends": ""}, package))
    assert field_errors(response) == {
        "day_ends": [
            "dayEndsHour is invalid. Must be between 0 and 23.",
            "dayEndsMin is invalid. Must be between 0 and 59.",
        ]
    }


def test_exception_inline_uses_the_api_messages(staff, calendar):
    bad = {"name": "Day", "type": "HOLIDAY", "placement": "ANNUAL", "annual_month": 2,
           "annual_day": 30}  # fmt: skip
    response = staff.post(
        CHANGE.format(calendar.pk), form(values_of(calendar), calendar.package, [bad])
    )
    assert response.status_code == 200
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert inline_errors == [
        {"annual_day": ["annualDay is invalid. Must be a day of annualMonth."]}
    ]
    assert not CalendarException.objects.exists()


def test_fields_the_placement_and_type_do_not_use_are_ignored(staff, calendar):
    # Hidden on the page, they may keep values from before the placement or type changed.
    item = {"name": "Day", "type": "HOLIDAY", "placement": "ANNUAL", "annual_month": 2,
            "annual_day": 29, "relative_month": 3, "relative_type": "LAST",
            "fixed_day": "2026-06-10", "time_change_start": "09:00"}  # fmt: skip
    response = staff.post(
        CHANGE.format(calendar.pk), form(values_of(calendar), calendar.package, [item])
    )
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors
    saved = CalendarException.objects.get()
    assert (saved.annual_month, saved.annual_day) == (2, 29)
    assert saved.relative_month is saved.relative_type is saved.fixed_date is None
    assert saved.time_change_start_hour is None


def test_fixed_date_is_picked_as_a_date_in_the_calendars_zone(staff, package):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from calendars.engine import business_time
    from calendars.engine.timezones import java_zone

    day = {"name": "Inventory", "type": "TIME_CHANGE", "placement": "FIXED",
           "fixed_day": "2026-06-10", "time_change_start": "10:00",
           "time_change_stop": "14:30"}  # fmt: skip
    response = staff.post(ADD, form({**GOOD, "time_zone_id": "Asia/Tokyo"}, package, [day]))
    assert response.status_code == 302
    saved = CalendarException.objects.get()
    tokyo_midnight = datetime(2026, 6, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    assert saved.fixed_date == int(tokyo_midnight.timestamp() * 1000)
    assert business_time.local_date_of_epoch_ms(saved.fixed_date, java_zone("Asia/Tokyo")) == (
        tokyo_midnight.date()
    )
    assert (saved.time_change_start_hour, saved.time_change_start_min) == (10, 0)
    assert (saved.time_change_stop_hour, saved.time_change_stop_min) == (14, 30)
    # The page shows the date back; saving it unchanged keeps the stored value, even one
    # the API set to another instant of that day.
    saved.fixed_date += 5 * 3600 * 1000
    saved.save()
    calendar = saved.calendar
    page = staff.get(CHANGE.format(calendar.pk)).content.decode()
    assert 'type="date" name="exceptions-0-fixed_day" value="2026-06-10"' in page
    kept = {**day, "id": saved.pk, "calendar": calendar.pk}
    response = staff.post(
        CHANGE.format(calendar.pk), form(values_of(calendar), package, [kept], initial=1)
    )
    assert response.status_code == 302
    assert CalendarException.objects.get().fixed_date == saved.fixed_date


@pytest.mark.parametrize(
    ("fixed_day", "message"),
    [
        ("", "fixedDate must be specified with type of FIXED"),
        ("10/06/2026", "fixedDate must be specified with type of FIXED"),
        # Midnight of 1 January 0001 in Tokyo is before the year 1 in UTC.
        ("0001-01-01", rules.FIXED_DATE_RANGE),
    ],
)
def test_fixed_date_problems_use_the_api_message(staff, package, fixed_day, message):
    day = {"name": "Inventory", "type": "HOLIDAY", "placement": "FIXED", "fixed_day": fixed_day}
    response = staff.post(ADD, form({**GOOD, "time_zone_id": "Asia/Tokyo"}, package, [day]))
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors == [{"fixed_day": [message]}]
    assert not Calendar.objects.exists()


def test_fixed_dates_at_the_ends_of_the_range(staff, package):
    last = {"name": "Last", "type": "HOLIDAY", "placement": "FIXED", "fixed_day": "9999-12-31"}
    first = {**last, "name": "First", "fixed_day": "0001-01-01"}
    response = staff.post(ADD, form({**GOOD, "time_zone_id": "Etc/GMT+12"}, package, [last]))
    assert response.status_code == 302
    assert CalendarException.objects.get().fixed_date == 253_402_300_800_000 - 12 * 3600_000
    response = staff.post(ADD, form({**GOOD, "time_zone_id": "UTC"}, package, [first]))
    assert response.status_code == 302
    assert CalendarException.objects.get(name="First").fixed_date == -62_135_596_800_000


def test_change_page_names_days_and_offers_the_java_zones(staff, calendar):
    page = staff.get(CHANGE.format(calendar.pk)).content.decode()
    assert '<option value="2" selected>Monday</option>' in page
    assert '<option value="1">Sunday</option>' in page
    assert 'type="time" name="day_starts" value="09:00"' in page
    assert 'list="java-zone-ids"' in page
    assert '<option value="America/Argentina/ComodRivadavia">' in page  # a Java-only link
    assert '<option value="SystemV/EST5EDT">' in page
    assert f'href="/staff/calendars/{calendar.external_id}/week/"' in page


def test_a_zone_change_keeps_fixed_dates_as_dates_at_the_ends_of_the_years(staff, calendar):
    # The API refuses a zone that would move a stored fixedDate outside the years 1..9999
    # (1008); the page posts the date itself, so the day stays the day in the new zone.
    Calendar.objects.filter(pk=calendar.pk).update(time_zone_id="UTC")
    holiday = HolidayFactory(calendar=calendar, placement="FIXED", annual_month=None,
                             annual_day=None, fixed_date=-62_135_596_800_000)  # fmt: skip
    calendar.refresh_from_db()
    values = {**values_of(calendar), "time_zone_id": "America/New_York"}
    item = {"id": holiday.pk, "calendar": calendar.pk, "name": holiday.name, "type": "HOLIDAY",
            "placement": "FIXED", "fixed_day": "0001-01-01"}  # fmt: skip
    response = staff.post(CHANGE.format(calendar.pk), form(values, calendar.package, [item], 1))
    assert response.status_code == 302
    holiday.refresh_from_db()
    new_york = java_zone("America/New_York")
    assert business_time.local_date_of_epoch_ms(holiday.fixed_date, new_york) == date(1, 1, 1)
    assert rules.fixed_date_in_zone(holiday.fixed_date, new_york)


def test_exception_inline_type_and_placement_messages(staff, calendar):
    bad = {"name": "", "type": "", "placement": "WEEKLY"}
    response = staff.post(
        CHANGE.format(calendar.pk), form(values_of(calendar), calendar.package, [bad])
    )
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert inline_errors == [
        {
            "name": ["name must be specified"],
            "type": ["type is invalid. Must be HOLIDAY or TIME_CHANGE."],
            "placement": ["placement is invalid. Must be FIXED, ANNUAL or RELATIVE."],
        }
    ]


def test_unlock_action(staff, user, package):
    locked, free = CalendarFactory(package=package), CalendarFactory(package=package)
    client = api_client(user)
    assert client.get(url(package, "lockcalendar", locked)).status_code == 204
    listing = staff.get("/admin/calendars/calendar/").content.decode()
    assert "locked by alice" in listing
    response = staff.post(
        "/admin/calendars/calendar/",
        {"action": "unlock", "_selected_action": [locked.pk, free.pk]},
        follow=True,
    )
    assert "Unlocked 1 calendar(s)." in response.content.decode()
    locked.refresh_from_db()
    assert locked.lock_user is None


def test_tenant_members_are_edited_in_the_admin(staff, tenant, user):
    other = UserFactory(username="carol")
    response = staff.post(
        f"/admin/calendars/tenant/{tenant.pk}/change/",
        {"name": tenant.name, "members": [user.pk, other.pk]},
    )
    assert response.status_code == 302
    assert set(tenant.members.values_list("username", flat=True)) == {"alice", "carol"}


def test_change_page_shows_the_working_week_and_next_exceptions(staff, package):
    from datetime import UTC, datetime, time, timedelta

    from django.utils import timezone

    from calendars.engine.timezones import java_zone

    # Every day, 08:00-12:00 in UTC: seven blocks this week whatever today is.
    calendar = CalendarFactory(
        package=package,
        week_starts=1,
        week_ends=7,
        day_starts_hour=8,
        day_starts_min=0,
        day_ends_hour=12,
        day_ends_min=0,
        time_zone_id="UTC",
    )
    today = timezone.now().astimezone(java_zone("UTC")).date()
    for n, name in [(3, "Soon"), (40, "Later"), (400, "Next year")]:
        day = today + timedelta(days=n)
        noon = datetime.combine(day, time(12), UTC)
        CalendarException.objects.create(
            calendar=calendar, name=name, type="HOLIDAY", placement="FIXED",
            fixed_date=int(noon.timestamp() * 1000),
        )  # fmt: skip
    html = staff.get(CHANGE.format(calendar.pk)).content.decode()
    assert 'id="week"' in html
    # Seven days minus the holiday if it falls this week.
    this_week = (today + timedelta(days=3)).isocalendar()[:2] == today.isocalendar()[:2]
    assert html.count('class="block working"') == 7 - this_week
    assert html.count(">08:00-12:00</div>") == 7 - this_week
    assert 'id="next-exceptions"' in html
    upcoming = html[html.index('id="next-exceptions"') :]
    assert upcoming.index("Soon") < upcoming.index("Later") < upcoming.index("Next year")
    assert (today + timedelta(days=3)).strftime("%-d %b %Y") in upcoming


def test_add_page_has_no_week(staff, package):
    assert 'id="week"' not in staff.get(ADD).content.decode()


def _tenants(n):
    from tests.factories import TenantFactory

    for tenant in TenantFactory.create_batch(n):
        tenant.members.add(UserFactory())


def _packages(n):
    from tests.factories import PackageFactory

    PackageFactory.create_batch(n)


def _calendars(n):
    for calendar in CalendarFactory.create_batch(n):
        HolidayFactory(calendar=calendar)


def _sessions(n):
    from calendars import services

    for _ in range(n):
        services.grs_session_create(user=UserFactory())


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/admin/calendars/tenant/", _tenants),
        ("/admin/calendars/package/", _packages),
        ("/admin/calendars/calendar/", _calendars),
        ("/admin/calendars/calendar/?q=Calendar", _calendars),
        ("/admin/calendars/grssession/", _sessions),
    ],
)
def test_changelist_query_count_does_not_grow(staff, django_assert_num_queries, path, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make(1)
    with CaptureQueriesContext(connection) as one:
        assert staff.get(path).status_code == 200
    make(40)
    with django_assert_num_queries(len(one.captured_queries)):
        response = staff.get(path)
    assert response.context["cl"].result_count >= 41


# Business nodes, templates, packages and the must-change-password flag ----------------


def test_business_node_template_and_package_pages(staff, package):
    from calendars.models import BusinessNode, Template

    root = package.tenant.root_node()
    template = Template.objects.create(tenant=package.tenant, name="XYZ", version=1)
    for path in [
        "/admin/calendars/businessnode/",
        "/admin/calendars/businessnode/add/",
        f"/admin/calendars/businessnode/{root.pk}/change/",
        "/admin/calendars/template/",
        f"/admin/calendars/template/{template.pk}/change/",
        "/admin/calendars/package/add/",
        f"/admin/calendars/package/{package.pk}/change/",
    ]:
        assert staff.get(path).status_code == 200, path
    response = staff.post(
        "/admin/calendars/businessnode/add/",
        {"tenant": package.tenant_id, "parent": root.pk, "name": "Finance"},
    )
    assert response.status_code == 302
    finance = BusinessNode.objects.get(name="Finance")
    response = staff.post(
        "/admin/calendars/package/add/",
        {
            "node": finance.pk,
            "name": "dmd",
            "type": "samples",
            "business_name": "XYZ",
            "description": "",
            "templates": [template.pk],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Package.objects.get(name="dmd")
    assert (created.tenant, created.node, list(created.templates.all())) == (
        package.tenant,
        finance,
        [template],
    )
    # A second root for the tenant is refused with a clear message.
    response = staff.post(
        "/admin/calendars/businessnode/add/", {"tenant": package.tenant_id, "name": "Root 2"}
    )
    assert response.status_code == 200
    assert "root node already" in response.content.decode()


def test_staff_flag_must_change_password_on_the_user_page(staff, db):
    from calendars.models import GrsAccount

    user = UserFactory(username="dora")
    page = staff.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "must_change_password" in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "username": "dora",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "grs_account-TOTAL_FORMS": "1",
            "grs_account-INITIAL_FORMS": "0",
            "grs_account-MIN_NUM_FORMS": "0",
            "grs_account-MAX_NUM_FORMS": "1",
            "grs_account-0-must_change_password": "on",
            "is_active": "on",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    response = staff.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    assert GrsAccount.objects.get(user=user).must_change_password is True


def clerk_client(*codenames: str):
    """A staff user with only the given calendars permissions, logged in."""
    from django.contrib.auth.models import Permission
    from django.test import Client

    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    browser = Client()
    browser.force_login(clerk)
    return browser


def test_a_calendar_another_user_locked_is_saved_only_over_the_lock(staff, calendar, other):
    assert api_client(other).get(url(calendar.package, "lockcalendar", calendar)).status_code == 204
    change = form({**values_of(calendar), "name": "Renamed"}, calendar.package)

    assert field_errors(staff.post(CHANGE.format(calendar.pk), change)) == {
        "override_lock": [rules.LOCK_HELD_OVERRIDE]
    }
    clerk = clerk_client("view_calendar", "change_calendar")  # may not override
    refused = clerk.post(CHANGE.format(calendar.pk), {**change, "override_lock": "on"})
    assert field_errors(refused) == {"override_lock": [rules.permission_missing("OVERRIDE_LOCKS")]}
    calendar.refresh_from_db()
    assert calendar.name != "Renamed"

    saved = staff.post(CHANGE.format(calendar.pk), {**change, "override_lock": "on"})
    assert saved.status_code == 302
    calendar.refresh_from_db()
    assert calendar.name == "Renamed"
    assert calendar.lock_owner() == other.username  # overriding saves; it does not unlock


def test_an_exception_of_a_locked_calendar_is_saved_only_over_the_lock(staff, calendar, other):
    holiday = HolidayFactory(calendar=calendar)
    assert api_client(other).get(url(calendar.package, "lockcalendar", calendar)).status_code == 204
    page = f"/admin/calendars/calendarexception/{holiday.pk}/change/"
    change = {"calendar": calendar.pk, "name": "Renamed", "type": "HOLIDAY",
              "placement": "ANNUAL", "annual_month": 1, "annual_day": 2}  # fmt: skip

    assert field_errors(staff.post(page, change)) == {"override_lock": [rules.LOCK_HELD_OVERRIDE]}
    assert staff.post(page, {**change, "override_lock": "on"}).status_code == 302
    holiday.refresh_from_db()
    assert holiday.name == "Renamed"


def test_the_lock_holder_saves_in_the_admin_without_overriding(calendar, tenant):
    from django.contrib.auth.models import Permission
    from django.test import Client

    holder = member(tenant, "CALENDAR_VIEW", "CALENDAR_MODIFY", username="holder")
    holder.is_staff = True
    holder.save()
    holder.user_permissions.add(*Permission.objects.filter(codename="change_calendar"))
    lock = url(calendar.package, "lockcalendar", calendar)
    assert api_client(holder).get(lock).status_code == 204
    browser = Client()
    browser.force_login(holder)
    change = form({**values_of(calendar), "name": "Mine"}, calendar.package)
    assert browser.post(CHANGE.format(calendar.pk), change).status_code == 302
    calendar.refresh_from_db()
    assert calendar.name == "Mine"


@pytest.mark.parametrize("what", ["calendar", "exception", "package"])
@pytest.mark.parametrize("how", ["delete page", "delete action"])
def test_deleting_what_another_user_locked_needs_override_locks(staff, calendar, other, what, how):
    holiday = HolidayFactory(calendar=calendar)
    assert api_client(other).get(url(calendar.package, "lockcalendar", calendar)).status_code == 204
    obj = {"calendar": calendar, "exception": holiday, "package": calendar.package}[what]
    model = type(obj)._meta.model_name
    refusal = rules.lock_held_delete(
        f"{calendar.name} ({calendar.external_id}), locked by {other.username}"
    )

    def delete(browser):
        if how == "delete page":
            page = f"/admin/calendars/{model}/{obj.pk}/delete/"
            return browser.get(page), browser.post(page, {"post": "yes"})
        action = {"action": "delete_selected", "_selected_action": [obj.pk]}
        changelist = f"/admin/calendars/{model}/"
        return browser.post(changelist, action), browser.post(changelist, {**action, "post": "yes"})

    clerk = clerk_client(f"view_{model}", f"delete_{model}", "delete_calendarexception",
                         "delete_calendar")  # fmt: skip
    confirm, refused = delete(clerk)
    assert refusal in confirm.content.decode()  # said on the confirmation page
    assert refused.status_code == 403
    assert CalendarException.objects.filter(pk=holiday.pk).exists()  # nothing deleted

    # Staff who may override locks delete it; so may anyone once the lock is gone.
    confirm, deleted = delete(staff)
    assert refusal not in confirm.content.decode()
    assert deleted.status_code == 302
    assert not type(obj).objects.filter(pk=obj.pk).exists()


def test_deleting_a_calendar_the_clerk_locked_or_nobody_holds_needs_no_override(calendar, other):
    other_calendar = CalendarFactory(package=calendar.package)
    assert api_client(other).get(url(calendar.package, "lockcalendar", calendar)).status_code == 204
    clerk = clerk_client("view_calendar", "delete_calendar", "delete_calendarexception")
    page = f"/admin/calendars/calendar/{other_calendar.pk}/delete/"
    assert clerk.post(page, {"post": "yes"}).status_code == 302
    assert not Calendar.objects.filter(pk=other_calendar.pk).exists()
    Calendar.objects.filter(pk=calendar.pk).update(lock_user=None, lock_at=None)
    assert (
        clerk.post(f"/admin/calendars/calendar/{calendar.pk}/delete/", {"post": "yes"}).status_code
        == 302
    )


def test_adding_a_calendar_to_a_full_package_is_refused(staff, package, monkeypatch):
    monkeypatch.setattr(rules, "PACKAGE_CALENDARS_MAX", 1)
    assert staff.post(ADD, form(GOOD, package)).status_code == 302
    refused = staff.post(ADD, form({**GOOD, "name": "Second"}, package))
    assert field_errors(refused) == {"package": [rules.package_full().message]}
    assert Calendar.objects.count() == 1


def test_a_tenant_name_taken_in_any_letter_case_is_refused_in_the_admin(staff):
    from calendars.models import Tenant

    Tenant.objects.create(name="Acme")
    refused = staff.post("/admin/calendars/tenant/add/", {"name": "ACME"})
    assert refused.status_code == 200
    assert "A tenant with this name (in any letter case) exists." in refused.content.decode()
    assert Tenant.objects.filter(name__iexact="acme").count() == 1
