"""Helpers shared by test modules of both API families."""

from __future__ import annotations

import base64
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection


def basic(username: str, secret: str) -> str:
    """An ``Authorization`` value: GRS sends the password at login, the apiToken after."""
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()


def run_concurrently(jobs: list[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Run each job in its own thread (so on its own database connection), all released
    at once; their results in job order. A job that raised leaves its exception there."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=timeout)
            results[index] = job()
        except Exception as exc:  # handed to the test, which asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(thread.is_alive() for thread in threads), "a job hung"
    return results


# --- 12Twenty batches racing (tests/events/test_races.py, tests/test_multiprocess.py) --


def racing_batches(*, round_: int, user_ids: list[int], private: int = 40) -> list[list[dict]]:
    """One batch per user: its private events plus contested ones it shares with its two
    neighbours (batch i with i-1 and i+1, in a ring), each contested id wanted by two
    different users."""
    count = len(user_ids)

    def batch(i: int) -> list[dict]:
        own = [f"r{round_}-p{i}-{n}" for n in range(private)]
        contested = [
            f"r{round_}-c{min(i, j)}-{max(i, j)}-{n}"
            for j in ((i - 1) % count, (i + 1) % count)
            for n in range(5)
        ]
        return [
            {
                "ExternalId": ext,
                "UserId": user_ids[i],
                "TypeId": 1,
                "StartTime": "2018-06-10T20:00:00Z",
                "EndTime": "2018-06-10T22:00:00Z",
                "Title": f"Event {ext}",
            }
            for ext in own + contested
        ]

    return [batch(i) for i in range(count)]


def check_racing_batches(
    *, round_: int, bodies: list[list[dict]], answered: list[tuple[int, list[dict]]]
) -> None:
    """Each batch of ``racing_batches`` was answered 200 and written whole or not at all,
    given each batch's ``(status, results)`` and who owns what in the table now."""
    from events.models import CalendarEvent

    assert [status for status, _ in answered] == [200] * len(bodies), answered
    results = [result for _, result in answered]
    owners = dict(CalendarEvent.objects.values_list("external_id", "user_id"))
    winners = 0
    for body, answer in zip(bodies, results, strict=True):
        if all(r["IsSuccessful"] for r in answer):
            winners += 1
            assert len(answer) == len(body)
            # Written whole, and still its own: nobody overwrote a won event.
            assert all(owners[item["ExternalId"]] == item["UserId"] for item in body)
        else:
            assert all("is owned by another student" in r["ErrorMessage"] for r in answer)
            # Nothing of a failed batch was written.
            private = [item["ExternalId"] for item in body if "-p" in item["ExternalId"]]
            assert not any(ext in owners for ext in private)
    # Neighbours contest each other, so at most every other batch can win, and the
    # first to commit always wins.
    assert 1 <= winners <= len(bodies) // 2
    contested = {
        item["ExternalId"] for body in bodies for item in body if "-c" in item["ExternalId"]
    }
    assert {ext for ext in owners if f"r{round_}-c" in ext} <= contested


# --- the feed's reference (tests/events/test_feed_render.py, bench/feed.py) -------------


def library_event(event, stamp):
    """The VEVENT of ``event`` built by the icalendar library's general path: the
    reference events/serializers.py is checked against, and the feed's old baseline."""
    from datetime import UTC

    from icalendar import Event

    from events.models import EventType
    from events.serializers import event_uid, ics_text

    entry = Event()
    entry.add("uid", event_uid(event.external_id))
    entry.add("dtstamp", stamp)
    entry.add("created", event.created_at.astimezone(UTC))
    entry.add("last-modified", event.updated_at.astimezone(UTC))
    entry.add("dtstart", event.start_time.astimezone(UTC))
    entry.add("dtend", event.end_time.astimezone(UTC))
    entry.add("summary", ics_text(event.title))
    entry.add("categories", [EventType(event.type_id).label])
    return entry
