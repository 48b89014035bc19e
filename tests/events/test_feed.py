from datetime import UTC, datetime
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from icalendar import Calendar

from calendarsite.credentials import hash_secret
from events.models import CalendarEvent, FeedToken
from events.services import feed_token_create, secret_revoke
from tests.factories import UserFactory

from .conftest import stored


def feed_url(secret: str) -> str:
    return f"/api/v2/calendar-events/feeds/{secret}.ics"


@pytest.fixture
def feed(student):
    _, secret = feed_token_create(user=student)
    return feed_url(secret)


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def test_feed_is_the_students_live_events_as_icalendar(student, feed):
    stored(
        "xyz-123",
        student,
        "2026-06-10T22:00+02:00",
        "2026-06-10T22:00Z",
        title="Course FMAR2: Fin., Meas.; Analysis \\ Rept. 2",
        type_id=1,
    )
    stored("xyz-124", student, "2026-06-11T09:00Z", "2026-06-11T10:00Z", type_id=2)
    stored("gone", student, "2026-06-12T09:00Z", "2026-06-12T10:00Z")
    CalendarEvent.objects.filter(external_id="gone").update(deleted_at=datetime.now(UTC))
    stored("theirs", UserFactory(username="grace"), "2026-06-11T09:00Z", "2026-06-11T10:00Z")

    june = feed + "?From=2026-06-01&To=2026-07-01"
    calendar = parse(Client().get(june))

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["X-WR-CALNAME"]) == "Calendar events of ada"
    first, second = calendar.events
    assert str(first["UID"]) == "xyz-123@calendar-events"
    assert first.decoded("DTSTART") == datetime(2026, 6, 10, 20, tzinfo=UTC)
    assert first.decoded("DTEND") == datetime(2026, 6, 10, 22, tzinfo=UTC)
    assert "DTSTART:20260610T200000Z" in Client().get(june).content.decode()
    assert str(first["SUMMARY"]) == "Course FMAR2: Fin., Meas.; Analysis \\ Rept. 2"
    assert [str(c) for c in first["CATEGORIES"].cats] == ["Class"]
    # iCalendar counts in whole seconds.
    updated_at = CalendarEvent.objects.get(external_id="xyz-123").updated_at
    assert first["LAST-MODIFIED"].dt == updated_at.replace(microsecond=0)
    assert str(second["UID"]) == "xyz-124@calendar-events"
    assert [str(c) for c in second["CATEGORIES"].cats] == ["Interview"]


def test_feed_accepts_calendar_apps_that_ask_for_text_calendar(student, feed):
    assert parse(Client().get(feed, HTTP_ACCEPT="text/calendar")).events == []


@pytest.mark.parametrize("secret", ["nope", "feed_" + "x" * 43, ""])
def test_unknown_feed_is_404(db, secret):
    response = Client().get(feed_url(secret))
    assert response.status_code == 404
    assert response.json() == {"Message": "Not found."}


def test_revoked_feed_is_404(student):
    feed_token, secret = feed_token_create(user=student)
    assert Client().get(feed_url(secret)).status_code == 200

    secret_revoke(secret=feed_token)

    response = Client().get(feed_url(secret))
    assert response.status_code == 404
    assert response.json() == {"Message": "Not found."}
    # Another feed of the same student is not affected.
    _, other = feed_token_create(user=student)
    assert Client().get(feed_url(other)).status_code == 200


def test_inactive_students_feed_is_404(student, feed):
    student.is_active = False
    student.save()
    assert Client().get(feed).status_code == 404


def test_feed_secret_is_stored_hashed(student):
    _, secret = feed_token_create(user=student, name="phone")
    stored_token = FeedToken.objects.get()
    assert stored_token.token_hash == hash_secret(secret) != secret
    assert stored_token.prefix == secret[:12]
    assert secret not in str(list(FeedToken.objects.values()))


def test_create_feed_token_command_prints_a_working_url(student):
    out = StringIO()
    call_command("create_feed_token", "ada", "--base-url", "https://cal.example/", stdout=out)

    url = out.getvalue().strip().splitlines()[-1]

    assert url.startswith("https://cal.example/api/v2/calendar-events/feeds/feed_")
    assert parse(Client().get(urlsplit(url).path)).events == []


def test_create_feed_token_command_unknown_user(db):
    with pytest.raises(CommandError, match=r"User 'ghost' does not exist\."):
        call_command("create_feed_token", "ghost", stdout=StringIO())


def test_admin_issues_a_feed_url_shown_once(staff_client, student):
    response = staff_client.post(
        "/admin/events/feedtoken/add/", {"user": student.pk, "name": "phone"}, follow=True
    )
    assert response.status_code == 200
    url = response.content.decode().split("The feed URL is ")[1].split(" ")[0]

    assert url.startswith("http://testserver/api/v2/calendar-events/feeds/")
    assert parse(Client().get(urlsplit(url).path)).events == []
    page = staff_client.get(f"/admin/events/feedtoken/{FeedToken.objects.get().pk}/change/")
    assert page.status_code == 200
    assert urlsplit(url).path not in page.content.decode()


def test_admin_revokes_feed_tokens(staff_client, student):
    feed_token, secret = feed_token_create(user=student)
    staff_client.post(
        "/admin/events/feedtoken/",
        {"action": "revoke", "_selected_action": [feed_token.pk]},
    )
    feed_token.refresh_from_db()
    assert feed_token.revoked_at is not None
    assert Client().get(feed_url(secret)).status_code == 404
