"""The iCalendar feed bounded (issue 10) and read by calendar apps (issue 16): a window of
StartTimes, a cap on events, conditional GET, HEAD without rendering, DTSTAMP, an
empty calendar, UIDs and text RFC 5545 accepts, 405 for other methods, no secret in logs.
"""

from __future__ import annotations

import io
import logging
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from icalendar import Calendar

from events import rules
from events.models import CalendarEvent
from events.services import calendar_events_delete, calendar_events_upsert, feed_token_create
from tests.factories import UserFactory

from .conftest import stored


def feed_url(secret: str) -> str:
    return f"/api/v2/calendar-events/feeds/{secret}.ics"


@pytest.fixture
def secret(student) -> str:
    return feed_token_create(user=student)[1]


@pytest.fixture
def feed(secret) -> str:
    return feed_url(secret)


def parse(response) -> Calendar:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def uids(response) -> list[str]:
    return [str(e["UID"]).split("@")[0] for e in parse(response).events]


def days_from_now(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def at(user, external_id: str, days: float) -> CalendarEvent:
    return stored(external_id, user, days_from_now(days), days_from_now(days + 1 / 24))


def many_events(user, count: int, *, start: datetime, step: timedelta, prefix: str) -> None:
    """``count`` events, written in one statement per 5000 (fast, set-based)."""
    now = datetime.now(UTC)
    CalendarEvent.objects.bulk_create(
        (
            CalendarEvent(
                external_id=f"{prefix}{i}",
                user=user,
                type_id=1,
                start_time=start + i * step,
                end_time=start + i * step + timedelta(hours=1),
                title=f"Event {i}",
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ),
        batch_size=5000,
    )


# The window -------------------------------------------------------------------------------


def test_the_default_window_is_90_days_back_to_a_year_ahead(student, feed):
    for name, days in [("old", -95), ("recent", -85), ("soon", 1), ("late", 360), ("far", 370)]:
        at(student, name, days)
    assert uids(Client().get(feed)) == ["recent", "soon", "late"]


def test_from_and_to_widen_the_window_in_any_letter_case(student, feed):
    at(student, "old", -400)
    at(student, "far", 500)
    at(student, "soon", 1)
    wide = f"{feed}?from={days_from_now(-401)[:10]}&TO={days_from_now(600)[:10]}"
    assert uids(Client().get(wide)) == ["old", "soon", "far"]
    # One bound given: the other keeps its default.
    assert uids(Client().get(f"{feed}?From={days_from_now(-401)[:10]}")) == ["old", "soon"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("From=2020-01-01&To=2023-01-04", rules.FEED_WINDOW_TOO_WIDE),
        ("From=2026-01-01&To=2026-01-01", "From must be before To."),
        (
            "From=yesterday&To=2026-13-01",
            "From must be an ISO 8601 date/time. To must be an ISO 8601 date/time.",
        ),
        ("From=2026-01-01%00", "From must be an ISO 8601 date/time."),
    ],
)
def test_a_bad_window_is_400_naming_the_parameter(feed, query, message):
    response = Client().get(f"{feed}?{query}")
    assert response.status_code == 400
    assert response.json() == {"Message": message}


def test_a_window_of_the_widest_span_is_answered(feed):
    assert parse(Client().get(f"{feed}?From=2020-01-01&To=2023-01-03"))


def test_a_feed_holds_at_most_the_cap_in_starttime_order(student, feed, monkeypatch):
    monkeypatch.setattr(rules, "FEED_MAX_EVENTS", 3)
    for day in (5, 1, 4, 2, 3):
        at(student, f"d{day}", day)
    assert uids(Client().get(feed)) == ["d1", "d2", "d3"]


def test_deleted_events_and_other_students_events_are_not_in_the_feed(student, feed):
    at(student, "mine", 1)
    at(student, "gone", 2)
    at(UserFactory(username="grace"), "theirs", 1)
    calendar_events_delete(items=["gone"])
    assert uids(Client().get(feed)) == ["mine"]


# Cost: independent of the student's total number of events --------------------------------


@pytest.fixture
def crowded(student):
    """A student with 6000 events outside the default window and 5 inside it."""
    long_ago = datetime.now(UTC) - timedelta(days=3000)
    many_events(student, 6000, start=long_ago, step=timedelta(hours=6), prefix="past")
    for day in range(5):
        at(student, f"in{day}", day + 1)
    return student


def test_a_feed_costs_two_queries_whatever_the_number_of_events(
    crowded, feed, django_assert_num_queries
):
    with django_assert_num_queries(2) as captured:
        assert uids(Client().get(feed)) == [f"in{day}" for day in range(5)]
    window_query = captured.captured_queries[1]["sql"]
    assert "start_time" in window_query and "LIMIT" in window_query


def test_head_and_a_304_cost_one_query_and_render_nothing(
    crowded, feed, django_assert_num_queries, monkeypatch
):
    etag = Client().get(feed)["ETag"]
    monkeypatch.setattr("events.views.calendar_events_ics", pytest.fail)
    with django_assert_num_queries(1):
        head = Client().head(feed)
    with django_assert_num_queries(1):
        not_modified = Client().get(feed, HTTP_IF_NONE_MATCH=etag)
    assert head.status_code == 200 and b"".join(head.streaming_content) == b""
    assert head["ETag"] == etag and head["Content-Type"] == "text/calendar; charset=utf-8"
    assert "Content-Length" not in head
    assert not_modified.status_code == 304 and not_modified["ETag"] == etag


@pytest.mark.postgres
def test_the_feed_reads_only_the_windows_rows_on_postgresql(student, secret):
    """100,000 events written in one statement; the plans of the feed's queries touch only
    the window's rows and one index entry for the last change."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {CalendarEvent._meta.db_table}"
            " (external_id, user_id, type_id, start_time, end_time, title, created_at,"
            " updated_at) SELECT 'bulk' || i, %s, 1, now() - interval '4000 days'"
            " + i * interval '1 hour', now() - interval '4000 days' + i * interval '1 hour'"
            " + interval '30 minutes', 'Event', now(), now() - interval '1 day'"
            " FROM generate_series(1, 100000) AS i",
            [student.pk],
        )
        cursor.execute(f"ANALYZE {CalendarEvent._meta.db_table}")
    # About 6000 of them start inside the default window (the feed reads its first 2000).
    in_window = CalendarEvent.objects.filter(
        start_time__gte=datetime.now(UTC) - timedelta(days=91)
    ).count()
    with CaptureQueriesContext(connection) as captured:
        parse(Client().get(feed_url(secret)))
    assert len(captured.captured_queries) == 2
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + query["sql"])
            plan = cursor.fetchone()[0][0]["Plan"]
            touched = _rows_touched(plan)
            assert touched <= in_window + 10, (touched, query["sql"])


def _rows_touched(plan: dict) -> int:
    """Rows read from tables and indexes by every scan node of a plan."""
    own = plan.get("Actual Rows", 0) + plan.get("Rows Removed by Filter", 0)
    own = own * plan.get("Actual Loops", 1) if "Scan" in plan["Node Type"] else 0
    return own + sum(_rows_touched(child) for child in plan.get("Plans", []))


# Conditional GET ---------------------------------------------------------------------------


def test_a_feed_carries_validators_and_answers_304_while_unchanged(student, feed):
    at(student, "a", 1)
    CalendarEvent.objects.update(updated_at=datetime.now(UTC) - timedelta(hours=1))
    first = Client().get(feed)
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert etag.startswith('W/"')
    assert first["Cache-Control"] == "private, no-cache"

    assert Client().get(feed, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert Client().get(feed, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert Client().get(feed, HTTP_IF_NONE_MATCH='W/"other"').status_code == 200
    long_ago = http_date((datetime.now(UTC) - timedelta(days=2)).timestamp())
    assert Client().get(feed, HTTP_IF_MODIFIED_SINCE=long_ago).status_code == 200


def _changes(student):
    """Each change a feed must show, made the way clients make it."""
    item = {"UserId": student.pk, "TypeId": 1, "Title": "t"}

    def upsert(external_id, days):
        body = dict(item, ExternalId=external_id, StartTime=days_from_now(days))
        body["EndTime"] = days_from_now(days + 0.1)
        assert calendar_events_upsert(items=[body])[0]["IsSuccessful"]

    return {
        "insert": lambda: upsert("b", 2),
        "update": lambda: upsert("a", 3),
        "move out of the window": lambda: upsert("a", 900),
        "delete": lambda: calendar_events_delete(items=["a"]),
    }


@pytest.mark.parametrize("change", ["insert", "update", "move out of the window", "delete"])
def test_every_change_gives_a_new_etag_and_last_modified(student, feed, change):
    at(student, "a", 1)
    CalendarEvent.objects.update(updated_at=datetime.now(UTC) - timedelta(hours=1))
    before = Client().get(feed)

    _changes(student)[change]()

    after = Client().get(feed, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert Client().get(feed, HTTP_IF_MODIFIED_SINCE=before["Last-Modified"]).status_code == 200


def test_last_modified_is_sent_and_honoured_once_its_second_is_over(student, feed, monkeypatch):
    """Last-Modified has whole seconds: two changes within one would carry the same date.
    While the second of the last change is running only the ETag validates."""
    changed_at = datetime(2026, 6, 1, 12, 0, 0, 300_000, tzinfo=UTC)
    clock = {"now": changed_at}
    monkeypatch.setattr("django.utils.timezone.now", lambda: clock["now"])
    stored("a", student, "2026-06-02T10:00Z", "2026-06-02T11:00Z")  # in the clock's window
    CalendarEvent.objects.update(updated_at=changed_at)
    same_second = http_date(changed_at.timestamp())

    clock["now"] = changed_at + timedelta(milliseconds=100)
    early = Client().get(feed)
    assert early.status_code == 200 and "Last-Modified" not in early and "ETag" in early
    # A second change within the same second: a date-only client must not get a 304.
    CalendarEvent.objects.update(updated_at=changed_at + timedelta(milliseconds=500), title="2")
    clock["now"] = changed_at + timedelta(milliseconds=600)
    assert Client().get(feed, HTTP_IF_MODIFIED_SINCE=same_second).status_code == 200

    clock["now"] = changed_at + timedelta(seconds=5)
    late = Client().get(feed)
    assert late["Last-Modified"] == same_second
    assert Client().get(feed, HTTP_IF_MODIFIED_SINCE=same_second).status_code == 304


def test_the_moving_window_changes_the_validators_at_midnight(student, feed, monkeypatch):
    at(student, "a", 1)
    CalendarEvent.objects.update(updated_at=datetime.now(UTC) - timedelta(days=3))
    today = Client().get(feed)
    later = datetime.now(UTC) + timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    tomorrow = Client().get(feed, HTTP_IF_NONE_MATCH=today["ETag"])
    assert tomorrow.status_code == 200
    assert tomorrow["ETag"] != today["ETag"]
    assert Client().get(feed, HTTP_IF_MODIFIED_SINCE=today["Last-Modified"]).status_code == 200


def test_a_feed_without_events_has_an_etag_but_no_last_modified_from_events(feed):
    response = Client().get(f"{feed}?From=2026-01-01&To=2026-02-01")
    assert "ETag" in response and "Last-Modified" not in response
    etag = response["ETag"]
    assert (
        Client().get(f"{feed}?From=2026-01-01&To=2026-02-01", HTTP_IF_NONE_MATCH=etag)["ETag"]
        == etag
    )


# Calendar apps' details ----------------------------------------------------------------------


def test_dtstamp_is_when_the_feed_was_produced(student, feed):
    event = at(student, "a", 1)
    CalendarEvent.objects.filter(pk=event.pk).update(
        updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    )
    before = datetime.now(UTC).replace(microsecond=0)
    (entry,) = parse(Client().get(feed)).events
    after = datetime.now(UTC)
    assert before <= entry["DTSTAMP"].dt <= after
    assert entry["LAST-MODIFIED"].dt == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_student_without_events_gets_a_valid_calendar(feed):
    body = Client().get(feed).content
    calendar = Calendar.from_ical(body)
    assert calendar.events == []
    # RFC 5545: a calendar holds at least one component; the feed's is a UTC VTIMEZONE.
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "UTC"
    assert b"BEGIN:STANDARD" in body and b"TZOFFSETTO:+0000" in body


def test_distinct_external_ids_keep_distinct_uids(student, feed):
    ids = ["a\nb", "a\r\nb", "a%0Ab", "a b", "plain-1"]
    for n, external_id in enumerate(ids):
        at(student, external_id, n + 1)
    found = [str(e["UID"]) for e in parse(Client().get(feed)).events]
    assert len(set(found)) == len(ids)
    assert found[-1] == "plain-1@calendar-events"  # the usual ids keep their UID


# NUL cannot be stored (PostgreSQL refuses it; the batch too).
CONTROL = "".join(map(chr, [*range(0x01, 0x09), *range(0x0A, 0x20), 0x7F, 0x85, 0x9F]))


def test_control_characters_are_never_written_raw(student, feed):
    stored("x" + CONTROL, student, days_from_now(1), days_from_now(2), title="T" + CONTROL)
    body = Client().get(feed).content
    # Only the CRLF that ends each content line; no other C0, DEL or C1 character.
    text = body.decode().replace("\r\n", "")
    assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]", text), repr(text)
    (entry,) = Calendar.from_ical(body).events
    assert str(entry["SUMMARY"]).startswith("T\ufffd")
    assert "\n" in str(entry["SUMMARY"])  # a line break stays a line break ("\n" escaped)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_other_methods_are_405_json_with_allow_even_without_csrf_token(feed, method):
    response = getattr(Client(enforce_csrf_checks=True), method)(feed)
    assert response.status_code == 405
    assert response.json() == {"Message": "Method not allowed."}
    assert response["Allow"] == "GET, HEAD"
    assert response["Content-Type"] == "application/json; charset=utf-8"


# No secret in any log line -------------------------------------------------------------------


@pytest.fixture
def console_log():
    """What the site's configured log handlers write (settings.LOGGING)."""
    handlers = [h for h in logging.getLogger().handlers if h.filters] + [
        h for h in logging.getLogger("django.server").handlers if h.filters
    ]
    assert handlers, "settings.LOGGING's handlers are not installed"
    stream = io.StringIO()
    previous = [h.setStream(stream) for h in handlers]
    yield stream
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


def test_feed_secrets_appear_in_no_django_log_line(db, secret, console_log):
    unknown = "feed_" + "S3cr3t" * 7
    Client().get(feed_url(unknown))  # Django's "Not Found: <path>"
    Client(enforce_csrf_checks=True).post(feed_url(secret))  # 405 warning, not CSRF's
    Client().get(feed_url(secret) + "?From=nope")  # 400 "Bad Request: <path>"
    logging.getLogger("django.security.csrf").warning(
        "Forbidden (%s): %s", "CSRF cookie not set.", feed_url(secret)
    )
    logging.getLogger("django.server").info('"GET %s HTTP/1.1" 200 10', feed_url(secret))
    text = console_log.getvalue()
    assert "/feeds/***.ics" in text
    for shown in (unknown, secret):
        assert shown not in text, text
    assert text.count("\n") >= 5
