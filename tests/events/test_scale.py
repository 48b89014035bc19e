"""What keeps the events store's cost flat as it grows: seed_scale, the tombstone purge
and its retention, the window bound, the list's query count."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import CalendarEvent

from .conftest import event, put_batch, stored

LIST_URL = "/api/v2/calendar-events"


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_scale_adds_events_spread_over_students(db):
    run("seed_scale", "--events", "300", "--students", "7")
    run("seed_scale", "--events", "200", "--students", "7")  # adds, reusing the students

    events = CalendarEvent.objects.all()
    assert events.count() == 500
    assert events.values("user").distinct().count() == 7
    assert events.filter(deleted_at__isnull=False).count() == 500 // 50
    assert set(events.values_list("type_id", flat=True)) == {1, 2, 3}
    # Times drawn for each event, not once for all.
    assert events.values("start_time").distinct().count() > 400
    assert events.values("updated_at").distinct().count() > 400
    assert not events.filter(end_time__lte=timezone.now() - timedelta(days=3 * 365)).exists()
    assert events.filter(external_id="scale-500").exists()


def test_seed_scale_refuses_nonsense(db):
    with pytest.raises(CommandError):
        run("seed_scale", "--events", "1", "--students", "0")


def tombstone(name, student, *, days_ago: float):
    deleted = timezone.now() - timedelta(days=days_ago)
    return stored(
        name,
        student,
        "2026-01-01T10:00Z",
        "2026-01-01T11:00Z",
        deleted_at=deleted,
        updated_at=deleted,
    )


def test_purge_removes_only_tombstones_older_than_asked(student, settings):
    settings.EVENTS_TOMBSTONE_RETENTION_DAYS = 30
    tombstone("old", student, days_ago=40)
    tombstone("recent", student, days_ago=20)
    stored("live", student, "2020-01-01T10:00Z", "2020-01-01T11:00Z")

    assert run("purge_tombstones", "--older-than", "35").strip() == (
        "Purged 1 tombstones deleted more than 35 days ago."
    )
    assert sorted(CalendarEvent.objects.values_list("external_id", flat=True)) == [
        "live",
        "recent",
    ]
    # Without --older-than, the retention.
    assert run("purge_tombstones").startswith("Purged 0 tombstones deleted more than 30 days")


def test_purge_in_chunks(student, settings, monkeypatch):
    from events import services

    monkeypatch.setattr(services, "PURGE_CHUNK", 2)
    for i in range(5):
        tombstone(f"t{i}", student, days_ago=100)
    assert services.calendar_event_tombstones_purge(older_than_days=90) == 5
    assert not CalendarEvent.objects.exists()


def test_purge_refuses_a_horizon_inside_the_retention(student, settings):
    settings.EVENTS_TOMBSTONE_RETENTION_DAYS = 30
    tombstone("t", student, days_ago=40)
    with pytest.raises(CommandError, match=r"Tombstones are kept 30 days .* 29 days is less"):
        run("purge_tombstones", "--older-than", "29")
    assert CalendarEvent.objects.count() == 1


def test_sync_from_before_the_retention_is_400_telling_to_read_everything(reader, settings):
    settings.EVENTS_TOMBSTONE_RETENTION_DAYS = 30
    old = (timezone.now() - timedelta(days=31)).isoformat()
    recent = (timezone.now() - timedelta(days=29)).isoformat()

    response = reader.get(LIST_URL, {"UpdatedSince": old, "IncludeDeleted": "true"})
    assert response.status_code == 400
    assert response.json() == {
        "Message": "UpdatedSince is more than 30 days ago, and deleted events are kept only"
        " that long: read every event again (without UpdatedSince) and sync from then on."
    }
    response = reader.get(LIST_URL, {"UpdatedSince": recent, "IncludeDeleted": "true"})
    assert response.status_code == 200
    # Without tombstones a client is not mirroring deletions, and may ask anything.
    assert reader.get(LIST_URL, {"UpdatedSince": old}).status_code == 200


@pytest.mark.parametrize(
    ("start", "end", "inside"),
    [
        ("2026-01-01T08:00Z", "2026-01-01T09:00Z", False),  # ends before From
        ("2026-01-01T09:00Z", "2026-01-01T10:00Z", False),  # ends at From
        ("2026-01-01T09:00Z", "2026-01-01T10:01Z", True),
        ("2025-12-01T00:00Z", "2026-02-01T00:00Z", True),  # contains the window
        ("2026-01-01T10:30Z", "2026-01-01T11:30Z", True),
        ("2026-01-01T12:00Z", "2026-01-01T13:00Z", False),  # starts at To
    ],
)
def test_window_finds_long_events_whatever_the_bound(reader, student, start, end, inside):
    """On PostgreSQL StartTime is bounded below by From less the longest duration: an event
    longer than all others must still be found (the bound is read as it is now)."""
    stored("short", student, "2026-01-01T10:15Z", "2026-01-01T10:45Z")
    stored("probe", student, start, end)
    params = {"From": "2026-01-01T10:00Z", "To": "2026-01-01T12:00Z"}
    found = [item["ExternalId"] for item in reader.get(LIST_URL, params).json()["Items"]]
    assert ("probe" in found) == inside
    assert "short" in found


@pytest.mark.postgres
def test_window_query_is_bounded_on_both_sides_on_postgres(reader, student):
    stored("e", student, "2026-01-01T10:15Z", "2026-01-01T10:45Z")
    with CaptureQueriesContext(connection) as queries:
        reader.get(LIST_URL, {"From": "2026-01-01T10:00Z", "To": "2026-01-01T12:00Z"})
    [page] = [q["sql"] for q in queries if "events_calendarevent" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + page)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The index scan has both a lower and an upper bound on start_time.
    assert "start_time >= " in plan and "start_time < " in plan, plan
    assert "Index Cond" in plan, plan


# The token lookup (with the permissions), which reads the page in the same statement
# (events/selectors.py:api_token_access's ride): no COUNT.
LIST_QUERIES = 1


@pytest.mark.parametrize(
    "params",
    [
        {"PageSize": 2},
        {"PageSize": 2, "From": "2018-06-10T21:00Z", "To": "2018-06-11T00:00Z"},
        {"PageSize": 2, "TypeId": 1, "Ordering": "-UpdatedAt", "IncludeDeleted": "true"},
    ],
)
def test_list_pages_read_no_count(reader, student, django_assert_num_queries, params):
    put_batch(reader, [event(f"e{i}", student.pk) for i in range(5)])
    with django_assert_num_queries(LIST_QUERIES) as captured:
        first = reader.get(LIST_URL, {**params, "UserId": student.pk}).json()
    assert not any("COUNT" in q["sql"].upper() for q in captured.captured_queries)
    assert len(first["Items"]) == 2
    with django_assert_num_queries(LIST_QUERIES) as refused:  # the token lookup alone
        response = reader.get(LIST_URL, {**params, "Cursor": first["NextCursor"]})
    assert response.status_code == 400  # made with a UserId
    assert "events_calendarevent" not in refused.captured_queries[0]["sql"]
    with django_assert_num_queries(LIST_QUERIES):
        params = {**params, "UserId": student.pk, "Cursor": first["NextCursor"]}
        assert len(reader.get(LIST_URL, params).json()["Items"]) == 2
    # Asked for, the count is one bounded query more.
    with django_assert_num_queries(LIST_QUERIES + 1):
        body = reader.get(LIST_URL, {**params, "IncludeTotalCount": "true"}).json()
    assert body["TotalCount"] == 5
