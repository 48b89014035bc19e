"""The staff page of a calendar's working week, in headless chromium, and its grid."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from calendars.models import CalendarException
from tests import browser as browsing
from tests.browser import SCREENSHOTS, day_of, log_in
from tests.factories import CalendarFactory, UserFactory

browser = browsing.browser  # headless chromium, a module-scoped fixture

# 2026-06-08 is a Monday.
WEEK = "2026-06-08"


def nine_to_five(**fields):
    """Monday-Friday 09:00-17:00 in New York, a holiday on Wednesday 2026-06-10."""
    calendar = CalendarFactory(
        office=True,
        time_zone_id="America/New_York",
        **fields,
    )
    CalendarException.objects.create(
        calendar=calendar,
        name="Midweek holiday",
        type="HOLIDAY",
        placement="FIXED",
        fixed_date=int(datetime(2026, 6, 10, 16, tzinfo=UTC).timestamp() * 1000),
    )
    return calendar


def night_shift():
    """Monday only, 22:00-06:00 in EST: Monday night into Tuesday morning."""
    return CalendarFactory(
        week_starts=2,
        week_ends=2,
        day_starts_hour=22,
        day_starts_min=0,
        day_ends_hour=6,
        day_ends_min=0,
        time_zone_id="EST",
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_blocks_sit_in_their_day_columns(browser, live_server):
    calendar = nine_to_five()
    night = night_shift()
    log_in(browser, live_server)

    browser.get(f"{live_server.url}/staff/calendars/{night.uuid}/week/?date={WEEK}")
    blocks = browser.find_elements("css selector", ".block.working")
    assert sorted(day_of(browser, b) for b in blocks) == [0, 1]  # split at midnight
    assert sorted(b.text for b in blocks) == ["00:00-06:00", "22:00-00:00"]

    browser.get(f"{live_server.url}/staff/calendars/{calendar.external_id}/week/?date={WEEK}")
    blocks = browser.find_elements("css selector", ".block.working")
    assert sorted(day_of(browser, b) for b in blocks) == [0, 1, 3, 4]  # not Wednesday
    assert {b.text for b in blocks} == {"09:00-17:00"}
    # 09:00 is 9/24 of the way down the column, 17:00 at 17/24.
    for block in blocks:
        column = browser.find_element(
            "css selector", f'.day[data-day="{block.get_attribute("data-day")}"]'
        )
        top = (block.rect["y"] - column.rect["y"]) / column.rect["height"]
        assert abs(top - 9 / 24) < 0.01
        assert abs(block.rect["height"] / column.rect["height"] - 8 / 24) < 0.01
    listed = browser.find_element("id", "week-exceptions").text
    assert "Wed 10 Jun 2026: Midweek holiday (HOLIDAY, no work)" in listed
    SCREENSHOTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "calendar_week.png"))


@pytest.fixture
def staff_client(db, django_user_model):
    client = Client()
    client.force_login(UserFactory(username="boss", password="pw", staff=True))
    return client


def test_page_needs_staff(client, db):
    calendar = nine_to_five()
    response = client.get(f"/staff/calendars/{calendar.external_id}/week/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.parametrize("calendar_id", ["Calendar_999999", "nope", "Calendar_01"])
def test_unknown_calendar_is_a_404(staff_client, calendar_id):
    assert staff_client.get(f"/staff/calendars/{calendar_id}/week/").status_code == 404


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("2026-13-99", "date must be a calendar date written YYYY-MM-DD, e.g. 2026-06-08; "),
        ("next week", "date must be a calendar date written YYYY-MM-DD"),
        ("0001-01-01", "date must lie between 0002-01-07 and 9998-12-27 (whole weeks in the"),
        ("0002-01-06", "got &#x27;0002-01-06&#x27;."),
        ("9998-12-28", "date must lie between 0002-01-07 and 9998-12-27"),
    ],
)
def test_bad_date_is_a_400_that_says_why(staff_client, value, why):
    calendar = nine_to_five()
    response = staff_client.get(f"/staff/calendars/{calendar.external_id}/week/", {"date": value})
    assert response.status_code == 400
    page = response.content.decode()
    assert why in page
    assert "Calendar service administration" in page  # in the admin's frame
    assert f'href="/staff/calendars/{calendar.external_id}/week/"' in page  # this week


@pytest.mark.parametrize("value", ["", "0002-01-07", "9998-12-27", "2028-02-29"])
def test_edge_dates_draw_their_week(staff_client, value):
    calendar = nine_to_five()
    response = staff_client.get(f"/staff/calendars/{calendar.external_id}/week/", {"date": value})
    assert response.status_code == 200


def test_dst_week_in_new_york(staff_client):
    # 2026-03-08 (Sunday) springs forward: the Monday-Friday blocks stay 09:00-17:00 local.
    calendar = nine_to_five()
    response = staff_client.get(f"/staff/calendars/{calendar.external_id}/week/?date=2026-03-09")
    blocks = response.context["blocks"]
    assert [(b.day, b.start.hour, b.end.hour) for b in blocks] == [(d, 9, 17) for d in range(5)]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_grid_marks_holidays_and_changed_hours_on_their_days(browser, live_server):
    calendar = nine_to_five()
    CalendarException.objects.create(
        calendar=calendar,
        name="Short Thursday",
        type="TIME_CHANGE",
        placement="ANNUAL",
        annual_month=6,
        annual_day=11,
        time_change_start_hour=10,
        time_change_start_min=0,
        time_change_stop_hour=14,
        time_change_stop_min=30,
    )
    log_in(browser, live_server)
    browser.get(f"{live_server.url}/staff/calendars/{calendar.external_id}/week/?date={WEEK}")

    wednesday = browser.find_element("css selector", '.day[data-day="2"]')
    assert "holiday" in wednesday.get_attribute("class").split()
    assert wednesday.text == "Holiday\nMidweek holiday"
    head = browser.find_element("css selector", '.head[data-day="2"]')
    assert head.find_element("css selector", ".tag.holiday").text == "Midweek holiday"
    thursday = browser.find_element("css selector", '.head[data-day="3"]')
    assert thursday.find_element("css selector", ".tag.changed").text == (
        "Short Thursday · 10:00-14:30"
    )
    changed = browser.find_elements("css selector", ".block.working.changed")
    assert [(day_of(browser, b), b.text) for b in changed] == [(3, "10:00-14:30\nShort Thursday")]
    plain = browser.find_elements("css selector", ".block.working:not(.changed)")
    assert sorted(day_of(browser, b) for b in plain) == [0, 1, 4]
    # The page is in the admin's frame: its header, breadcrumbs and logout.
    assert browser.find_element("id", "site-name").text == "Calendar service administration"
    crumbs = browser.find_element("css selector", ".breadcrumbs").text
    assert crumbs.startswith(
        "Home \u203a Business calendars (GRS) \u203a Calendars \u203a Calendar_"
    )
    assert crumbs.endswith("Working week")
    assert browser.find_element("css selector", "#logout-form button").text.lower() == "log out"
    assert browser.save_screenshot(str(SCREENSHOTS / "calendar_week_exceptions.png"))
