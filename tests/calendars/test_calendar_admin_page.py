"""A calendar's admin change page in headless chromium: each exception shows only the
fields its placement and type use, the page stays short, and the user's and events'
admin pages link to the staff week pages."""

from datetime import UTC, datetime

import pytest
from selenium.webdriver.support.select import Select

from calendars.models import CalendarException
from tests import browser as browsing
from tests.browser import SCREENSHOTS, follow, log_in
from tests.factories import CalendarFactory, EventFactory, UserFactory

browser = browsing.browser  # headless chromium, a module-scoped fixture
browser_without_javascript = browsing.browser_without_javascript

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def four_exceptions():
    calendar = CalendarFactory(time_zone_id="America/New_York")
    add = CalendarException.objects.create
    add(calendar=calendar, name="New Year", type="HOLIDAY", placement="ANNUAL",
        annual_month=1, annual_day=1)  # fmt: skip
    add(calendar=calendar, name="Thanksgiving", type="HOLIDAY", placement="RELATIVE",
        relative_type="FOURTH", relative_day_of_week=5, relative_month=11)  # fmt: skip
    add(calendar=calendar, name="Inventory", type="HOLIDAY", placement="FIXED",
        fixed_date=int(datetime(2026, 6, 10, 16, tzinfo=UTC).timestamp() * 1000))  # fmt: skip
    add(calendar=calendar, name="Christmas Eve", type="TIME_CHANGE", placement="ANNUAL",
        annual_month=12, annual_day=24, time_change_start_hour=9, time_change_start_min=0,
        time_change_stop_hour=13, time_change_stop_min=0)  # fmt: skip
    return calendar


# The optional parts four_exceptions' exceptions show, in order.
FOUR_SHOWN = [
    ["when-annual"],
    ["when-relative"],
    ["when-fixed"],
    ["when-annual", "when-time-change"],
]


def shown(browser, index: int) -> list[str]:
    """The optional parts of exception ``index`` that are on screen."""
    form = browser.find_element("id", f"exceptions-{index}")
    parts = ["when-fixed", "when-annual", "when-relative", "when-time-change"]
    return [p for p in parts if form.find_element("css selector", f"fieldset.{p}").is_displayed()]


def test_each_exception_shows_only_the_fields_it_uses(browser, live_server):
    calendar = four_exceptions()
    log_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/calendars/calendar/{calendar.pk}/change/")

    assert [shown(browser, i) for i in range(4)] == FOUR_SHOWN
    date_input = browser.find_element("name", "exceptions-2-fixed_day")
    assert date_input.get_attribute("type") == "date"
    assert date_input.get_attribute("value") == "2026-06-10"  # noon in New York that day

    # Named week days and months, HH:MM times.
    def selected(name: str) -> str:
        return Select(browser.find_element("name", name)).first_selected_option.text

    assert selected("week_starts") == "Monday"
    assert selected("exceptions-1-relative_day_of_week") == "Thursday"
    assert selected("exceptions-1-relative_month") == "November"
    assert browser.find_element("name", "day_ends").get_attribute("value") == "17:30"
    assert (
        browser.find_element("name", "exceptions-3-time_change_stop").get_attribute("value")
        == "13:00"
    )
    # Four exceptions take a few hundred pixels, not thousands.
    group = browser.find_element("id", "exceptions-group")
    assert group.rect["height"] < 800, group.rect
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, height + 40)
    SCREENSHOTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "calendar_change_page.png"))
    browser.set_window_size(1400, 1100)

    # Changing the placement shows the new placement's fields at once (CSS, no script).
    Select(browser.find_element("name", "exceptions-0-placement")).select_by_value("FIXED")
    assert shown(browser, 0) == ["when-fixed"]
    Select(browser.find_element("name", "exceptions-0-type")).select_by_value("TIME_CHANGE")
    assert shown(browser, 0) == ["when-fixed", "when-time-change"]


def test_the_change_page_works_without_javascript(browser_without_javascript, live_server):
    browser = browser_without_javascript
    browser.get("data:text/html,<title>off</title><script>document.title = 'on'</script>")
    assert browser.title == "off"  # scripts do not run in this browser
    calendar = four_exceptions()
    log_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/calendars/calendar/{calendar.pk}/change/")
    assert [shown(browser, i) for i in range(4)] == FOUR_SHOWN
    name = browser.find_element("name", "name")
    name.clear()
    name.send_keys("Renamed without scripts")
    Select(browser.find_element("name", "week_starts")).select_by_visible_text("Tuesday")
    Select(browser.find_element("name", "exceptions-1-relative_type")).select_by_value("LAST")
    stop = browser.find_element("name", "exceptions-3-time_change_stop")
    stop.clear()
    stop.send_keys("14:30")  # a time input: typed as hours and minutes
    browser.find_element("name", "_continue").click()
    # The new page's message: nothing is read from the old page.
    assert "was changed successfully" in browser.find_element("css selector", ".success").text

    calendar.refresh_from_db()
    assert (calendar.name, calendar.week_starts) == ("Renamed without scripts", 3)
    thanksgiving, christmas_eve = calendar.exceptions.order_by("id")[1::2]
    assert thanksgiving.relative_type == "LAST"
    assert (christmas_eve.time_change_stop_hour, christmas_eve.time_change_stop_min) == (14, 30)

    # The API's rules and messages, shown without scripts too.
    name = browser.find_element("name", "name")
    name.clear()
    name.send_keys("   ")
    browser.find_element("name", "_continue").click()
    assert "name must be specified" in browser.find_element("css selector", ".errorlist").text


def test_admin_links_to_the_staff_week_pages(browser, live_server):

    calendar = four_exceptions()
    student = UserFactory(username="ada")
    EventFactory(
        external_id="class-1",
        user=student,
        title="Course FMAR2: Financial markets, a very long title that needs the room",
        start_time=datetime(2026, 6, 10, 20, tzinfo=UTC),
        end_time=datetime(2026, 6, 10, 22, tzinfo=UTC),
    )
    log_in(browser, live_server)

    browser.get(f"{live_server.url}/admin/calendars/calendar/{calendar.pk}/change/")
    follow(browser, browser.find_element("id", "calendar-week-link"))
    assert browser.current_url.endswith(f"/staff/calendars/{calendar.external_id}/week/")

    browser.get(f"{live_server.url}/admin/auth/user/{student.pk}/change/")
    follow(browser, browser.find_element("id", "user-week-link"))
    assert browser.current_url.endswith(f"/staff/users/{student.pk}/week/")

    browser.get(f"{live_server.url}/admin/events/calendarevent/")
    row = browser.find_element("css selector", "#result_list tbody tr")
    assert row.find_element("css selector", ".field-when").text == "2026-06-10 20:00\u201322:00 UTC"
    title = row.find_element("css selector", ".field-title")
    assert browser.save_screenshot(str(SCREENSHOTS / "events_changelist.png"))
    # The title is the widest column; the others keep to one line.
    others = row.find_elements("css selector", "td:not(.field-title), th")
    assert all(title.rect["width"] > cell.rect["width"] for cell in others)
    kept = row.find_elements("css selector", ".field-when, .field-student")
    assert [cell.value_of_css_property("white-space") for cell in kept] == ["nowrap"] * 2
    follow(browser, row.find_element("link text", "week"))
    assert browser.current_url.endswith(f"/staff/users/{student.pk}/week/?date=2026-06-10")
    block = browser.find_element("css selector", '[data-external-id="class-1"]')
    assert block.is_displayed()
    assert browser.find_element("css selector", ".breadcrumbs").text.endswith("Week of events")
    assert browser.save_screenshot(str(SCREENSHOTS / "user_week_in_admin.png"))


def test_public_holidays_action_in_chromium(browser, live_server):
    calendar = CalendarFactory(time_zone_id="America/New_York")
    log_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/calendars/calendar/")
    browser.find_element(
        "css selector", f'input[name="_selected_action"][value="{calendar.pk}"]'
    ).click()
    Select(browser.find_element("name", "action")).select_by_value("add_public_holidays")
    follow(browser, browser.find_element("css selector", 'button[name="index"]'))

    assert browser.find_element("tag name", "h1").text == "Add public holidays"
    Select(browser.find_element("name", "country")).select_by_value("US")
    browser.find_element("name", "subdivision").send_keys("NY")
    years = browser.find_element("name", "years")
    years.clear()
    years.send_keys("2026-2030")
    assert browser.save_screenshot(str(SCREENSHOTS / "public_holidays_action.png"))
    follow(browser, browser.find_element("css selector", 'input[name="apply"]'))

    message = browser.find_element("css selector", ".messagelist .success").text
    assert message == f"{calendar}: added 26 holiday exception(s) (0 already there)."
    browser.get(f"{live_server.url}/staff/calendars/{calendar.external_id}/week/?date=2026-11-23")
    thursday = browser.find_element("css selector", '.day[data-day="3"]')
    assert thursday.text == "Holiday\nThanksgiving Day"
    assert browser.save_screenshot(str(SCREENSHOTS / "calendar_week_thanksgiving.png"))


def test_a_calendar_with_500_exceptions_shows_a_page_of_them(browser, live_server):
    calendar = CalendarFactory(time_zone_id="America/New_York")
    CalendarException.objects.bulk_create(
        CalendarException(calendar=calendar, name=f"Closed {n}", type="HOLIDAY",
                          placement="ANNUAL", annual_month=n % 12 + 1, annual_day=n % 28 + 1)
        for n in range(500)
    )  # fmt: skip
    log_in(browser, live_server)
    browser.get(f"{live_server.url}/admin/calendars/calendar/{calendar.pk}/change/")

    pager = browser.find_element("id", "exceptions-pager")
    assert pager.text.startswith("Exceptions 1\u201310 of 500, in list order: page 1 of 50.")
    forms = browser.find_elements("css selector", "#exceptions-group .inline-related.has_original")
    assert len(forms) == 10
    assert browser.find_element("id", "exceptions-group").rect["height"] < 2000  # ten forms
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1400, height + 40)
    assert browser.save_screenshot(str(SCREENSHOTS / "calendar_change_page_500_exceptions.png"))
    browser.set_window_size(1400, 1100)

    follow(browser, browser.find_element("id", "exceptions-next"))
    assert browser.current_url.endswith("?exc_page=2")
    assert browser.find_element("name", "exceptions-0-name").get_attribute("value") == "Closed 10"

    follow(browser, browser.find_element("id", "exceptions-list-link"))
    paginator = browser.find_element("css selector", ".paginator")
    assert paginator.text.endswith("500 calendar exceptions")
    assert str(calendar) in browser.find_element("id", "changelist-filter").text
    assert browser.save_screenshot(str(SCREENSHOTS / "calendar_exceptions_changelist.png"))
    follow(browser, browser.find_element("link text", "Closed 0"))
    assert browser.find_element("name", "name").get_attribute("value") == "Closed 0"
    # The exception's page shows only what its placement uses, as the calendar's does.
    assert browser.find_element("css selector", "fieldset.when-annual").is_displayed()
    assert not browser.find_element("css selector", "fieldset.when-fixed").is_displayed()
    assert browser.save_screenshot(str(SCREENSHOTS / "calendar_exception_change_page.png"))
