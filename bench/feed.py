"""The iCalendar feed of a student with many events, beside rendering all of them.

    .venv/bin/python bench/feed.py [--sizes 5000,20000,100000] [--repeat 5]

Against PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench;
created and migrated if needed). For each size, one student gets that many events,
written in one INSERT ... SELECT generate_series, one every --step-hours (18) from eight
years ago: about 600 fall in the feed's default window; with --step-hours 1, more than
the 2000 a feed holds. Then, in the
same run and in process (Django's test client, no HTTP):

- the baseline: every live event of the student read and rendered by the icalendar
  library, as the feed did before it had a window and its own renderer;
- GET of the feed (default window, at most 2000 events), HEAD, and a conditional GET
  answered 304.

Each figure is the median of --repeat runs (the baseline runs once above 20,000 events:
it takes seconds), printed beside its ratio to the baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="5000,20000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--step-hours", type=float, default=18, help="between two events")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]

    url = os.getenv("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ.update(
        DATABASE_URL=url, DEBUG="false", DJANGO_SETTINGS_MODULE="calendarsite.settings"
    )
    _ensure_database(url)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from events.models import CalendarEvent
    from events.services import feed_token_create

    settings.ALLOWED_HOSTS.append("testserver")
    call_command("migrate", verbosity=0)
    table = CalendarEvent._meta.db_table

    def timed(call, repeat: int) -> float:
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            call()
            runs.append(time.perf_counter() - started)
        return statistics.median(runs) * 1000

    print(f"PostgreSQL, load average {os.getloadavg()[0]:.2f}; median of {args.repeat} runs\n")
    print(
        "| events | in window | baseline: render all | GET | ratio | HEAD | ratio | 304 | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for size in sizes:
        username = f"bench-feed-{size}"
        get_user_model().objects.filter(username=username).delete()
        student = get_user_model().objects.create(username=username)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (external_id, user_id, type_id, start_time, end_time,"
                " title, created_at, updated_at)"
                f" SELECT '{username}-' || i, %s, 1 + i %% 3,"
                " now() - interval '8 years' + i * %s * interval '1 hour',"
                " now() - interval '8 years' + i * %s * interval '1 hour' + interval '1 hour',"
                " 'Course ' || i, now(), now() FROM generate_series(1, %s) AS i",
                [student.pk, args.step_hours, args.step_hours, size],
            )
            cursor.execute(f"ANALYZE {table}")
        _, secret = feed_token_create(user=student)
        feed = f"/api/v2/calendar-events/feeds/{secret}.ics"
        client = Client()
        first = client.get(feed)
        assert first.status_code == 200, first.content
        in_window = first.content.count(b"BEGIN:VEVENT")

        def render_all(student=student) -> None:
            events = CalendarEvent.objects.live().filter(user=student)
            library_ics(list(events.order_by("start_time", "id")))

        etag = first["ETag"]
        baseline = timed(render_all, 1 if size > 20_000 else args.repeat)
        get = timed(lambda c=client, f=feed: c.get(f), args.repeat)
        head = timed(lambda c=client, f=feed: c.head(f), args.repeat)
        cond = timed(lambda c=client, f=feed, e=etag: c.get(f, HTTP_IF_NONE_MATCH=e), args.repeat)
        print(
            f"| {size:,} | {in_window:,} | {baseline:,.0f} ms | {get:,.0f} ms |"
            f" {get / baseline:.3f} | {head:.1f} ms | {head / baseline:.4f} |"
            f" {cond:.1f} ms | {cond / baseline:.4f} |"
        )
        student.delete()
    return 0


def library_ics(events: list) -> bytes:
    """The feed as it was before (the baseline): every event through the icalendar
    library's general path."""
    from datetime import UTC, datetime

    from icalendar import Calendar

    from tests.helpers import library_event

    calendar = Calendar()
    calendar.add("prodid", "-//Calendar service//12Twenty calendar events//EN")
    calendar.add("version", "2.0")
    stamp = datetime.now(UTC)
    for event in events:
        calendar.add_component(library_event(event, stamp))
    return calendar.to_ical()


def _ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.exit(main())
