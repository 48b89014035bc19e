"""The reads over HTTP through gunicorn, each beside the database's own speed.

    make bench                      # or: .venv/bin/python bench/reads.py [--rounds N]

Against PostgreSQL (BENCH_DATABASE_URL, the same database as bench/batch.py; created,
migrated and given `manage.py seed_bench`'s fixtures and `seed_scale`'s background events
if needed), through gunicorn started here on a free loopback port:

1. the calendar-events list beside a plain query for the same rows;
2. the four GRS business-time questions beside the floor: the same calendar loaded by
   one plain query and asked of the engine in this process, and the engine alone.

Round by round, who goes first rotating, so a busy neighbour slows them alike; every HTTP
answer is checked. The server is stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Server, bench_env, p50, p95, prepared, request, setting

from calendars.engine import business_time as bt
from calendars.engine.timezones import java_zone

TABLE = "events_calendarevent"


# Read endpoints: measured once they exist (anything but 404), beside a plain query for
# the same rows. The business-time endpoints have a table of their own (business_time).
READS = [
    (
        "GET /api/v2/calendar-events?PageSize=100",
        "/api/v2/calendar-events?PageSize=100",
        f"SELECT id, external_id, user_id, type_id, start_time, end_time, title, created_at,"
        f" updated_at FROM {TABLE} ORDER BY id LIMIT 100",
    ),
]


def reads(conn, port, token, rounds) -> list[str]:
    lines = []
    for label, path, floor_sql in READS:
        status, _ = request(port, "GET", path, token=token)
        if status == 404:
            lines.append(f"{label}: skipped, not on this branch (404)")
            continue
        if status != 200:
            lines.append(f"{label}: skipped, answered {status}")
            continue
        floor, over_http = [], []
        for _ in range(rounds):
            began = time.perf_counter()
            conn.execute(floor_sql).fetchall()
            conn.commit()
            floor.append(time.perf_counter() - began)
            began = time.perf_counter()
            status, _ = request(port, "GET", path, token=token)
            over_http.append(time.perf_counter() - began)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
        lines.append(
            f"{label}: p50 {p50(over_http) * 1000:.1f} ms, p95 {p95(over_http) * 1000:.1f} ms;"
            f" plain query p50 {p50(floor) * 1000:.2f} ms"
            f" ({p50(over_http) / p50(floor):.1f}x)"
        )
    return lines


# The business-time questions' floor: the calendar and its exceptions by one plain query
# (what the app's selector asks, one row per exception), made into the engine's spec.
BT_SPEC = "week_starts, week_ends, day_starts_hour, day_starts_min, day_ends_hour, day_ends_min"
BT_EXCEPTION = (
    "name", "type", "placement", "fixed_date", "annual_month", "annual_day", "relative_type",
    "relative_day_of_week", "relative_month", "time_change_start_hour",
    "time_change_start_min", "time_change_stop_hour", "time_change_stop_min",
)  # fmt: skip
BT_FLOOR_SQL = (
    f"SELECT {', '.join(f'c.{f}' for f in BT_SPEC.split(', '))}, c.time_zone_id,"
    f" {', '.join(f'x.{f}' for f in BT_EXCEPTION)}"
    " FROM calendars_calendar c JOIN calendars_package p ON p.id = c.package_id"
    " LEFT JOIN calendars_calendarexception x ON x.calendar_id = c.id"
    " WHERE c.id = %s AND c.package_id = %s AND p.tenant_id = %s ORDER BY x.id"
)
# Monday 5 January 2026, 10:00 in New York (working), and Friday 9 January, 18:00 (not).
BT_START = datetime(2026, 1, 5, 15, tzinfo=UTC)
BT_FRIDAY_EVENING = datetime(2026, 1, 9, 23, tzinfo=UTC)
BT_SPANS = [("1 day", 1), ("1 year", 365), ("10 years", 3652)]


def spec_of(rows: list[tuple]) -> bt.CalendarSpec:
    width = len(BT_SPEC.split(", "))
    tz = java_zone(rows[0][width])
    exceptions = []
    for row in rows:
        fields = dict(zip(BT_EXCEPTION, row[width + 1 :], strict=True))
        if fields["type"] is None:  # the LEFT JOIN's row for a calendar without any
            continue
        if fields["fixed_date"] is not None:
            fields["fixed_date"] = bt.local_date_of_epoch_ms(fields["fixed_date"], tz)
        exceptions.append(bt.CalendarException(**fields))
    return bt.CalendarSpec(*rows[0][:width], tz=tz, exceptions=tuple(exceptions))


def instant(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def business_time(conn, port, auth, grs, rounds) -> list[tuple]:
    """The four GRS business-time questions over HTTP, each beside (1) the floor: the
    calendar loaded by one plain query, made into a spec, and the engine asked, in this
    process; (2) the engine alone on a spec built once. Round by round, who goes first
    rotating; every HTTP answer is checked against the engine's."""
    key = [grs["calendar"], grs["package"], grs["tenant"]]
    base = (
        f"/grs/v1/tenant/{grs['tenant']}/package/{grs['package']}"
        f"/calendar/Calendar_{grs['calendar']}/"
    )
    spec = spec_of(conn.execute(BT_FLOOR_SQL, key).fetchall())
    conn.commit()
    questions = [
        (
            "working",
            f"working?at={instant(BT_START)}",
            "working",
            lambda s: bt.is_working(s, BT_START),
        ),
        (
            "next-working (Friday evening)",
            f"next-working?after={instant(BT_FRIDAY_EVENING)}",
            "at",
            lambda s: bt.next_working(s, BT_FRIDAY_EVENING),
        ),
    ]
    for span, days in BT_SPANS:
        end = BT_START + timedelta(days=days)
        minutes = round(bt.duration(spec, BT_START, end))  # the span's working minutes
        questions.append(
            (
                f"add, {span} of working minutes ({minutes})",
                f"add?start={instant(BT_START)}&minutes={minutes}",
                "end",
                lambda s, m=minutes: bt.add(s, BT_START, m),
            )
        )
        questions.append(
            (
                f"duration over {span}",
                f"duration?start={instant(BT_START)}&end={instant(end)}",
                "minutes",
                lambda s, e=end: bt.duration(s, BT_START, e),
            )
        )

    return [
        (label, bt_question(conn, port, auth, key, base + path, field, ask, spec, rounds))
        for label, path, field, ask in questions
    ]


def bt_question(conn, port, auth, key, path, field, ask, spec, rounds) -> dict[str, list[float]]:
    expected = ask(spec)
    times: dict[str, list[float]] = {"http": [], "floor": [], "query": [], "engine": []}

    def over_http():
        began = time.perf_counter()
        status, answer = request(port, "GET", path, auth=auth)
        times["http"].append(time.perf_counter() - began)
        value = json.loads(answer).get(field) if status == 200 else None
        if isinstance(expected, datetime) and isinstance(value, str):
            value = datetime.fromisoformat(value)
        if status != 200 or value != expected:
            raise RuntimeError(f"{path} answered {status} {answer[:200]!r}, not {expected}")

    def floor():
        began = time.perf_counter()
        rows = conn.execute(BT_FLOOR_SQL, key).fetchall()
        conn.commit()
        loaded = time.perf_counter()
        ask(spec_of(rows))
        times["floor"].append(time.perf_counter() - began)
        times["query"].append(loaded - began)

    def engine():
        began = time.perf_counter()
        ask(spec)
        times["engine"].append(time.perf_counter() - began)

    steps = [over_http, floor, engine]
    for step in steps * 3:  # warm up, untimed
        step()
    for series in times.values():
        series.clear()
    for index in range(rounds):
        shift = index % len(steps)
        for step in steps[shift:] + steps[:shift]:
            step()
    return times


BT_HEADER = (
    f"| {'GRS business time, GET over HTTP':<44} | {'p50 ms':>7} | {'p95 ms':>7} "
    f"| {'floor p50':>9} | {'floor p95':>9} | {'query':>6} | {'engine':>6} "
    f"| {'p50/flr':>7} | {'p95/flr':>7} |\n|{'-' * 46}|{'-' * 9}|{'-' * 9}|{'-' * 11}"
    f"|{'-' * 11}|{'-' * 8}|{'-' * 8}|{'-' * 9}|{'-' * 9}|"
)


def bt_row(label: str, times: dict[str, list[float]]) -> str:
    http, floor = times["http"], times["floor"]
    return (
        f"| {label:<44} | {p50(http) * 1000:7.2f} | {p95(http) * 1000:7.2f} "
        f"| {p50(floor) * 1000:9.2f} | {p95(floor) * 1000:9.2f} "
        f"| {p50(times['query']) * 1000:6.2f} | {p50(times['engine']) * 1000:6.2f} "
        f"| {p50(http) / p50(floor):6.2f}x | {p95(http) / p95(floor):6.2f}x |"
    )


# --- main ---------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=50, help="requests per read (>= 1)")
    parser.add_argument("--workers", type=int, default=int(os.getenv("WORKERS", "2")))
    parser.add_argument("--background", type=int, default=100_000, help="other events")
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 10_000))
    url, fixtures = prepared(background=args.background)
    server = Server(bench_env(url), args.workers)
    try:
        with psycopg.connect(url) as conn:
            token = server.token(fixtures["key"])
            print(setting(conn, server, f"{rounds} rounds", f"{args.background} other events\n"))
            read_lines = reads(conn, server.port, token, rounds)
            grs_auth = server.grs_auth(fixtures["grs"])
            bt_times = business_time(conn, server.port, grs_auth, fixtures["grs"], rounds)
    finally:
        server.stop()

    print("reads:")
    for line in read_lines:
        print(f"  {line}")
    print(
        "\nbusiness time (America/New_York, Mon-Fri 9-17, 8 holidays a year); floor: the"
        "\ncalendar and its exceptions by one plain psycopg query (query), made into a spec"
        "\nand asked of the engine in-process; engine: the call alone on a spec built once\n"
    )
    print(BT_HEADER)
    for label, bt_series in bt_times:
        print(bt_row(label, bt_series))
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
