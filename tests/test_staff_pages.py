"""Staff pages in a real headless browser (Debian's chromium and chromedriver)."""

from datetime import UTC, datetime

import pytest

from tests import browser as browsing
from tests.browser import SCREENSHOTS, day_of, log_in
from tests.factories import EventFactory, UserFactory

browser = browsing.browser  # headless chromium, a module-scoped fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_user_week_places_events_in_their_day_columns(browser, live_server):
    student = UserFactory(username="ada")

    def add(ext, start, end, type_id=1):
        EventFactory(
            external_id=ext,
            user=student,
            type_id=type_id,
            title=ext,
            start_time=start,
            end_time=end,
        )

    add("mon-class", datetime(2026, 6, 8, 9, tzinfo=UTC), datetime(2026, 6, 8, 10, 30, tzinfo=UTC))
    add(
        "wed-interview",
        datetime(2026, 6, 10, 14, tzinfo=UTC),
        datetime(2026, 6, 10, 15, tzinfo=UTC),
        2,
    )
    add(
        "fri-overnight",
        datetime(2026, 6, 12, 23, tzinfo=UTC),
        datetime(2026, 6, 13, 1, tzinfo=UTC),
        3,
    )
    add("next-week", datetime(2026, 6, 15, 9, tzinfo=UTC), datetime(2026, 6, 15, 10, tzinfo=UTC))
    log_in(browser, live_server)

    browser.get(f"{live_server.url}/staff/users/{student.pk}/week/?date=2026-06-10")

    assert "ada (UserId" in browser.find_element("tag name", "h1").text
    blocks = browser.find_elements("css selector", ".block")
    placed = sorted((b.get_attribute("data-external-id"), day_of(browser, b)) for b in blocks)
    assert placed == [
        ("fri-overnight", 4),  # Friday 23:00-24:00
        ("fri-overnight", 5),  # and Saturday 00:00-01:00
        ("mon-class", 0),
        ("wed-interview", 2),
    ]
    # Vertically, 09:00 sits 9/24 of the way down its column.
    monday = browser.find_element("css selector", '.day[data-day="0"]').rect
    block = browser.find_element("css selector", '[data-external-id="mon-class"]').rect
    assert abs((block["y"] - monday["y"]) / monday["height"] - 9 / 24) < 0.01
    assert abs(block["height"] / monday["height"] - 1.5 / 24) < 0.01

    SCREENSHOTS.mkdir(exist_ok=True)
    shot = SCREENSHOTS / "user_week.png"
    assert browser.save_screenshot(str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_staff_page_needs_a_staff_login(client, db):
    student = UserFactory(username="ada")
    response = client.get(f"/staff/users/{student.pk}/week/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_user_week_bad_date_is_a_400_that_says_why(admin_client):
    student = UserFactory(username="ada")
    response = admin_client.get(f"/staff/users/{student.pk}/week/", {"date": "2026-02-30"})
    assert response.status_code == 400
    assert "date must be a calendar date written YYYY-MM-DD" in response.content.decode()


def test_user_week_is_linked_from_the_users_admin_page(admin_client):
    student = UserFactory(username="ada")
    page = admin_client.get(f"/admin/auth/user/{student.pk}/change/").content.decode()
    assert f'href="/staff/users/{student.pk}/week/"' in page
