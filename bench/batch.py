"""The 1000-event batch, over HTTP through gunicorn, beside the database's own speed.

    make bench                      # or: .venv/bin/python bench/batch.py [--rounds N]

Against PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench;
created and migrated if needed), in one run and on the same events:

1. the floor: those 1000 events upserted by one plain psycopg statement (no Django, no
   HTTP), the same INSERT ... ON CONFLICT ... DO UPDATE ... WHERE owner matches;
2. PUT /api/v2/calendar-events/batch through gunicorn (started here, on a free loopback
   port), an insert pass and an update pass;
3. several clients at once against the workers;
4. reads: the calendar-events list beside a plain query, and the four GRS business-time
   questions beside the same calendar loaded by one plain query and asked of the engine.

Floor and HTTP alternate round by round, so a busy neighbour on the machine slows both
alike; every figure is printed beside its ratio to the floor. The client side uses only
the standard library and psycopg. The server is stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import http.client
import json
import math
import os
import platform
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg import conninfo

# The business-time engine, for its floor (no Django).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calendars import business_time as bt
from calendars.timezones import java_zone
from deploy.pgbouncer import pgbouncer

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench"
HOST = "127.0.0.1"  # loopback only
CONNECT: dict = {}  # the floors' psycopg.connect options (--pgbouncer adds some)
BATCH_PATH = "/api/v2/calendar-events/batch"
BATCH_SIZE = 1000
STUDENTS = 10
TABLE = "events_calendarevent"
COLUMNS = "external_id, user_id, type_id, start_time, end_time, title, created_at, updated_at"
ON_CONFLICT = (
    " ON CONFLICT (external_id) DO UPDATE SET type_id = excluded.type_id,"
    " start_time = excluded.start_time, end_time = excluded.end_time,"
    " title = excluded.title, updated_at = excluded.updated_at"
    " WHERE e.user_id = excluded.user_id"
    " RETURNING id, external_id"
)
# The floor: the same upsert, its rows bound as six arrays, in binary (%b): the fastest
# way psycopg has to hand PostgreSQL 1000 rows in one statement. The text form (%s) is
# measured beside it.
FLOOR_SQL = (
    f"INSERT INTO {TABLE} AS e ({COLUMNS})"
    " SELECT x.*, %s, %s FROM unnest(%b::text[], %b::bigint[], %b::smallint[],"
    " %b::timestamptz[], %b::timestamptz[], %b::text[]) AS x" + ON_CONFLICT
)
TEXT_ARRAYS_SQL = FLOOR_SQL.replace("%b", "%s")

# The GRS calendar the business-time reads ask: Monday-Friday 09:00-17:00 in New York,
# eight US holidays a year (1 = Sunday, so 2 = Monday and 5 = Thursday).
GRS_CALENDAR = {
    "name": "Bench calendar",
    "weekStarts": 2,
    "weekEnds": 6,
    "dayStartsHour": 9,
    "dayStartsMin": 0,
    "dayEndsHour": 17,
    "dayEndsMin": 0,
    "timeZoneId": "America/New_York",
}
GRS_EXCEPTIONS = {
    "exceptions": [
        {"name": "New Year's Day", "type": "HOLIDAY", "placement": "ANNUAL",
         "annualMonth": 1, "annualDay": 1},
        {"name": "MLK Day", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "THIRD", "relativeDayOfWeek": 2, "relativeMonth": 1},
        {"name": "Presidents' Day", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "THIRD", "relativeDayOfWeek": 2, "relativeMonth": 2},
        {"name": "Memorial Day", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "LAST", "relativeDayOfWeek": 2, "relativeMonth": 5},
        {"name": "Independence Day", "type": "HOLIDAY", "placement": "ANNUAL",
         "annualMonth": 7, "annualDay": 4},
        {"name": "Labor Day", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "FIRST", "relativeDayOfWeek": 2, "relativeMonth": 9},
        {"name": "Thanksgiving", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "FOURTH", "relativeDayOfWeek": 5, "relativeMonth": 11},
        {"name": "Christmas Day", "type": "HOLIDAY", "placement": "ANNUAL",
         "annualMonth": 12, "annualDay": 25},
    ]
}  # fmt: skip
GRS_USER = "bench-grs"

# Run by `manage.py shell`: the students, an integration user allowed to write (and read)
# events, and a fresh API key; a GRS tenant, package, API user (CALENDAR_VIEW, member;
# password reset to this run's) and calendar, each made once (by name), through the
# services and rules the API uses. Prints one JSON line.
FIXTURES = """
import json
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from calendars import rules, services
from calendars.models import Calendar, Package, Tenant
from events.services import api_key_create
User = get_user_model()
students = [
    User.objects.get_or_create(username=f"bench-student-{i}")[0].pk for i in range(%(students)d)
]
integration, _ = User.objects.get_or_create(username="bench-integration")
integration.user_permissions.add(*Permission.objects.filter(
    content_type__app_label="events",
    codename__in=["add_calendarevent", "change_calendarevent", "view_calendarevent"]))
_, key = api_key_create(user=integration, name="bench")
with transaction.atomic():
    tenant = Tenant.objects.filter(name="Bench tenant").first()
    tenant = tenant or services.tenant_create(name="Bench tenant")
    package = Package.objects.filter(tenant=tenant, name="Bench package").first()
    package = package or services.package_create(tenant=tenant, name="Bench package")
    grs = User.objects.filter(username=%(user)r).first()
    grs = grs or services.api_user_create(username=%(user)r, password=%(password)r)
    grs.set_password(%(password)r)
    grs.is_active = True
    grs.save()
    grs.user_permissions.add(*services.grs_permissions(["CALENDAR_VIEW"]))
    grs.grs_tenants.add(tenant)
    calendar = Calendar.objects.filter(package=package, name=%(calendar)r["name"]).first()
    if calendar is None:
        values, problems = rules.calendar_parse(%(calendar)r)
        exceptions, more = rules.exceptions_parse(%(exceptions)r)
        assert not problems + more, problems + more
        calendar = services.calendar_create(package=package, **values)
        session, _ = services.grs_session_create(user=grs)
        services.calendar_lock(calendar=calendar, session=session)
        services.calendar_exceptions_replace(
            calendar=calendar, session=session, exceptions=exceptions
        )
        services.calendar_unlock(calendar=calendar, session=session, override=False)
        session.delete()
print(json.dumps({
    "students": students, "key": key,
    "grs": {"tenant": tenant.pk, "package": str(package.pk), "calendar": calendar.pk},
}))
"""


# --- data ---------------------------------------------------------------------------


@dataclass
class Batch:
    """One batch of events, as the floor binds it and as the client sends it."""

    ids: list[str]
    rows: list[tuple]  # (external_id, user_id, type_id, start, end, title), by ExternalId
    body: bytes  # the JSON a school's integration would send, in its own order


def make_batch(prefix: str, students: list[int], version: int) -> Batch:
    base = datetime(2026, 9, 1, 8, tzinfo=UTC) + timedelta(minutes=30 * version)
    items, rows = [], []
    for i in range(BATCH_SIZE):
        start = base + timedelta(hours=i)
        end = start + timedelta(minutes=90)
        ext = f"{prefix}-{i:04d}"
        title = f"Course {i % 97}: Financial Measurement, Analysis & Reporting (v{version})"
        user, type_id = students[i % len(students)], i % 3 + 1
        items.append(
            {
                "ExternalId": ext,
                "UserId": user,
                "TypeId": type_id,
                "StartTime": start.isoformat().replace("+00:00", "Z"),
                "EndTime": end.isoformat().replace("+00:00", "Z"),
                "Title": title,
            }
        )
        rows.append((ext, user, type_id, start, end, title))
    rows.sort(key=lambda row: row[0])  # the app writes in ExternalId order too
    return Batch([item["ExternalId"] for item in items], rows, json.dumps(items).encode())


# --- database -----------------------------------------------------------------------


def ensure_database(url: str) -> None:
    params = conninfo.conninfo_to_dict(url)
    name = params.get("dbname")
    admin = conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr}")
    return result.stdout


def ensure_background(conn: psycopg.Connection, owner: int, count: int) -> None:
    """Other students' events, so that indexes have a realistic depth."""
    have = conn.execute(f"SELECT count(*) FROM {TABLE} WHERE external_id LIKE 'bg-%%'").fetchone()
    if have[0] >= count:
        return
    now = datetime.now(UTC)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for chunk in range(have[0], count, 10_000):
        idx = range(chunk, min(chunk + 10_000, count))
        conn.execute(
            FLOOR_SQL,
            [
                now,
                now,
                [f"bg-{i:07d}" for i in idx],
                [owner] * len(idx),
                [i % 3 + 1 for i in idx],
                [start + timedelta(hours=i) for i in idx],
                [start + timedelta(hours=i, minutes=50) for i in idx],
                [f"Background event {i}" for i in idx],
            ],
        )
    conn.commit()
    conn.execute(f"ANALYZE {TABLE}")
    conn.commit()


def delete_ids(conn: psycopg.Connection, ids: list[str]) -> None:
    conn.execute(f"DELETE FROM {TABLE} WHERE external_id = ANY(%s)", [ids])
    conn.commit()


def floor_params(batch: Batch) -> list:
    now = datetime.now(UTC)
    columns = list(zip(*batch.rows, strict=True))
    return [now, now, *[list(column) for column in columns]]


def floor_upsert(conn: psycopg.Connection, batch: Batch, sql: str = FLOOR_SQL) -> float:
    params = floor_params(batch)
    began = time.perf_counter()
    returned = conn.execute(sql, params).fetchall()
    conn.commit()
    took = time.perf_counter() - began
    if len(returned) != BATCH_SIZE:
        raise RuntimeError(f"floor upsert returned {len(returned)} rows")
    return took


def values_upsert(conn: psycopg.Connection, batch: Batch) -> float:
    """The same statement with one placeholder per value (8000), for comparison."""
    now = datetime.now(UTC)
    params = [value for row in batch.rows for value in (*row, now, now)]
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(batch.rows))
    sql = f"INSERT INTO {TABLE} AS e ({COLUMNS}) VALUES {values}" + ON_CONFLICT
    began = time.perf_counter()
    returned = conn.execute(sql, params).fetchall()
    conn.commit()
    took = time.perf_counter() - began
    if len(returned) != BATCH_SIZE:
        raise RuntimeError(f"VALUES upsert returned {len(returned)} rows")
    return took


# --- server and client ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with the project's gunicorn.conf.py, on a loopback port of its own."""

    def __init__(self, env: dict, workers: int) -> None:
        self.port = free_port()
        OUT.mkdir(parents=True, exist_ok=True)
        self.log = (OUT / "gunicorn.log").open("w")
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.workers = workers
        self.worker_pids: set[int] = set()

    def wait_ready(self, key: str) -> str:
        """The bearer token, once the server answers (bounded wait)."""
        for _ in range(120):
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {OUT / 'gunicorn.log'}")
            try:
                status, body = request(self.port, "GET", token_path(key))
            except OSError:
                time.sleep(0.25)
                continue
            if status != 200:
                raise RuntimeError(f"token request answered {status}: {body[:200]!r}")
            return json.loads(body)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def find_workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The parent pid is the second field after the parenthesised command name.
            if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                pids.append(int(entry.name))
        self.worker_pids.update(pids)
        return sorted(pids)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        for pid in self.worker_pids:  # a worker the master left behind, by its pid
            try:
                if b"gunicorn" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.log.close()


def token_path(key: str) -> str:
    return f"/api/client/generateAuthenticationToken?key={key}"


def basic(username: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    token: str | None = None,
    auth: str | None = None,
) -> tuple[int, bytes]:
    """One request on a new connection; ``token`` is the events family's bearer token,
    ``auth`` a whole Authorization header (GRS's Basic)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if auth:
            headers["Authorization"] = auth
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def timed_put(port: int, token: str, body: bytes) -> tuple[float, bytes]:
    began = time.perf_counter()
    status, answer = request(port, "PUT", BATCH_PATH, body, token)
    took = time.perf_counter() - began
    if status != 200:
        raise RuntimeError(f"batch answered {status}: {answer[:300]!r}")
    return took, answer


def check_results(answer: bytes, batch: Batch) -> None:
    results = json.loads(answer)
    if [r.get("ExternalId") for r in results] != batch.ids or not all(
        r.get("IsSuccessful") for r in results
    ):
        raise RuntimeError(f"batch not fully successful: {answer[:300]!r}")


def memory_of(pid: int) -> dict:
    """Resident memory (now, peak, proportional share) of a process, in MB."""
    found: dict = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                found[key] = int(value.split()[0]) / 1024
            elif key == "PPid":
                found["ppid"] = int(value)
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                found["Pss"] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return found


# --- figures ------------------------------------------------------------------------


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def ev_per_s(values: list[float]) -> float:
    return BATCH_SIZE * len(values) / sum(values)


def row(label: str, times: list[float], floor: list[float] | None) -> str:
    ms50, ms95 = p50(times) * 1000, p95(times) * 1000
    ratio = f"{p50(times) / p50(floor):.2f}x" if floor else "1.00x"
    ratio95 = f"{p95(times) / p95(floor):.2f}x" if floor else "1.00x"
    return (
        f"| {label:<44} | {ms50:8.1f} | {ms95:8.1f} | {ev_per_s(times):9.0f} "
        f"| {ratio:>7} | {ratio95:>7} |"
    )


HEADER = (
    f"| {'batch of 1000 events':<44} | {'p50 ms':>8} | {'p95 ms':>8} | {'events/s':>9} "
    f"| {'p50/flr':>7} | {'p95/flr':>7} |\n|{'-' * 46}|{'-' * 10}|{'-' * 10}|{'-' * 11}"
    f"|{'-' * 9}|{'-' * 9}|"
)


# --- phases -------------------------------------------------------------------------


def sequential(conn, admin, port, token, students, rounds) -> dict[str, list[float]]:
    """Round by round, rotating who goes first: the floor, two slower plain-psycopg forms
    of the same statement (for comparison), and HTTP."""
    inserted, updated = make_batch("b", students, 0), make_batch("b", students, 1)
    times: dict[str, list[float]] = {
        f"{form}-{name}": []
        for form in ("floor", "text", "values", "http")
        for name in ("ins", "upd")
    }

    def floor_pass():
        delete_ids(admin, inserted.ids)
        times["floor-ins"].append(floor_upsert(conn, inserted))
        times["floor-upd"].append(floor_upsert(conn, updated))

    def text_pass():
        delete_ids(admin, inserted.ids)
        times["text-ins"].append(floor_upsert(conn, inserted, TEXT_ARRAYS_SQL))
        times["text-upd"].append(floor_upsert(conn, updated, TEXT_ARRAYS_SQL))

    def values_pass():
        delete_ids(admin, inserted.ids)
        times["values-ins"].append(values_upsert(conn, inserted))
        times["values-upd"].append(values_upsert(conn, updated))

    def http_pass():
        delete_ids(admin, inserted.ids)
        took, answer = timed_put(port, token, inserted.body)
        times["http-ins"].append(took)
        check_results(answer, inserted)
        took, answer = timed_put(port, token, updated.body)
        times["http-upd"].append(took)
        check_results(answer, updated)

    # Warm up the workers and each path, untimed.
    for _ in range(4):
        delete_ids(admin, inserted.ids)
        timed_put(port, token, inserted.body)
        timed_put(port, token, updated.body)
    floor_pass()
    text_pass()
    values_pass()
    for key in times:
        times[key].clear()

    passes = [floor_pass, text_pass, values_pass, http_pass]
    for index in range(rounds):
        shift = index % len(passes)
        for run in passes[shift:] + passes[:shift]:
            run()
        if index % 10 == 9:
            admin.execute(f"VACUUM {TABLE}")  # between rounds, untimed
    # The update pass really updated: every event carries the second version's title.
    changed = admin.execute(
        f"SELECT count(*) FROM {TABLE} WHERE external_id = ANY(%s) AND title LIKE '%%(v1)'",
        [inserted.ids],
    ).fetchone()[0]
    if changed != BATCH_SIZE:
        raise RuntimeError(f"update pass left {BATCH_SIZE - changed} events unchanged")
    return times


def concurrent(url, port, token, students, clients, rounds) -> tuple[float, float]:
    """`clients` at once, each updating its own 1000 events `rounds` times: events/s for
    plain psycopg connections and for HTTP clients."""
    first = [make_batch(f"c{c}", students, 0) for c in range(clients)]
    second = [make_batch(f"c{c}", students, 1) for c in range(clients)]
    conns = [psycopg.connect(url, **CONNECT) for _ in range(clients)]
    for conn, batch in zip(conns, first, strict=True):
        delete_ids(conn, batch.ids)
        floor_upsert(conn, batch)

    def run_all(work: Callable[[int], None]) -> float:
        barrier = threading.Barrier(clients + 1)
        errors: list[BaseException] = []

        def client(c: int) -> None:
            barrier.wait()
            try:
                work(c)
            except BaseException as exc:  # reported below, after every thread ended
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        for thread in threads:
            thread.start()
        barrier.wait()
        began = time.perf_counter()
        for thread in threads:
            thread.join(timeout=600)
        took = time.perf_counter() - began
        if errors:
            raise errors[0]
        return clients * rounds * BATCH_SIZE / took

    def floor_client(c: int) -> None:
        for r in range(rounds):
            floor_upsert(conns[c], (first, second)[r % 2][c])

    answers: list[tuple[bytes, Batch]] = []

    def http_client(c: int) -> None:
        for r in range(rounds):
            batch = (first, second)[r % 2][c]
            answers.append((timed_put(port, token, batch.body)[1], batch))

    try:
        floor_evs = run_all(floor_client)
    finally:
        for conn in conns:
            conn.close()
    http_evs = run_all(http_client)
    for answer, batch in answers:
        check_results(answer, batch)
    return floor_evs, http_evs


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
    parser.add_argument("--rounds", type=int, default=50, help="batches per pass (>= 1)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=int(os.getenv("WORKERS", "2")))
    parser.add_argument("--background", type=int, default=100_000, help="other events")
    parser.add_argument(
        "--pgbouncer",
        action="store_true",
        help="route the server and the floors through pgbouncer (transaction pooling)",
    )
    args = parser.parse_args()
    rounds = max(1, min(args.rounds, 10_000))
    url = os.getenv("BENCH_DATABASE_URL", DEFAULT_URL)

    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    ensure_database(url)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")  # the login endpoints' rate limit lives in the cache
    password = secrets.token_urlsafe(24)  # the GRS user's, for this run only
    script = FIXTURES % {
        "students": STUDENTS,
        "user": GRS_USER,
        "password": password,
        "calendar": GRS_CALENDAR,
        "exceptions": GRS_EXCEPTIONS,
    }
    fixtures = json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])
    students = fixtures["students"]

    # SIGTERM (a timeout, a closed terminal) unwinds through `finally` like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    bouncer = contextlib.ExitStack()
    if args.pgbouncer:
        # Everything through it, the floors too (without prepared statements, which
        # transaction pooling does not keep; Django never prepares either), so every
        # ratio compares like with like.
        url = bouncer.enter_context(pgbouncer(url, pool_size=max(args.clients, args.workers)))
        env.update(DATABASE_URL=url, PGBOUNCER="true")
        CONNECT["prepare_threshold"] = None
    server = Server(env, args.workers)
    try:
        with (
            psycopg.connect(url, **CONNECT) as conn,
            psycopg.connect(url, autocommit=True, **CONNECT) as admin,
        ):
            ensure_background(conn, students[-1], args.background)
            token = server.wait_ready(fixtures["key"])
            pg = conn.execute("SHOW server_version").fetchone()[0]
            commit = subprocess.run(
                ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
            ).stdout.strip()
            print(
                f"commit {commit or '?'}; PostgreSQL {pg}, Python {platform.python_version()},"
                f" {os.cpu_count()} CPUs,"
                f" load average {os.getloadavg()[0]:.2f}; gunicorn {args.workers} sync workers"
                f"{'; through pgbouncer (transaction pooling)' if args.pgbouncer else ''}"
                f" on {HOST}:{server.port}; {rounds} rounds; {args.background} other events\n"
            )
            times = sequential(conn, admin, server.port, token, students, rounds)
            rss_after_batches = {pid: memory_of(pid) for pid in server.find_workers()}
            floor_evs, http_evs = concurrent(
                url, server.port, token, students, args.clients, max(3, rounds // 3)
            )
            read_lines = reads(conn, server.port, token, rounds)
            status, body = request(
                server.port, "GET", "/grs/v1/login", auth=basic(GRS_USER, password)
            )
            if status != 200:
                raise RuntimeError(f"GRS login answered {status}: {body[:200]!r}")
            grs_auth = basic(GRS_USER, json.loads(body)["apiToken"])
            bt_times = business_time(conn, server.port, grs_auth, fixtures["grs"], rounds)
            workers = {pid: memory_of(pid) for pid in server.find_workers()}
            master = memory_of(server.proc.pid)
    finally:
        server.stop()
        bouncer.close()

    print(HEADER)
    for name, label in (("ins", "insert pass"), ("upd", "update pass")):
        floor = times[f"floor-{name}"]
        print(row(f"floor: psycopg, binary arrays, {label}", floor, None))
        print(row(f"psycopg, text arrays, {label}", times[f"text-{name}"], floor))
        print(row(f"psycopg, 8000 VALUES params, {label}", times[f"values-{name}"], floor))
        print(row(f"HTTP PUT via gunicorn, {label}", times[f"http-{name}"], floor))
    print(
        f"\nconcurrency, {args.clients} clients each updating its own 1000 events:"
        f"\n  floor, {args.clients} psycopg connections:  {floor_evs:8.0f} events/s"
        f"\n  HTTP, {args.workers} gunicorn workers:       {http_evs:8.0f} events/s"
        f"  ({floor_evs / http_evs:.2f}x the floor's time per event)"
    )
    print("\nreads:")
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
    print("\nmemory (MB): RSS after the sequential batches / now / peak (VmHWM) / PSS")
    for pid, mem in workers.items():
        before = rss_after_batches.get(pid, {}).get("VmRSS", float("nan"))
        print(
            f"  worker {pid}: {before:6.1f} / {mem.get('VmRSS', 0):6.1f} /"
            f" {mem.get('VmHWM', 0):6.1f} / {mem.get('Pss', 0):6.1f}"
        )
    print(f"  master {server.proc.pid}: {master.get('VmRSS', 0):6.1f} RSS")

    ratio = p50(times["http-upd"]) / p50(times["floor-upd"])
    peak = max((mem.get("VmHWM", 0) for mem in workers.values()), default=0)
    print(
        f"\ntargets: update pass p50 {ratio:.2f}x the floor (<= 1.5x: "
        f"{'met' if ratio <= 1.5 else 'NOT met'}; stretch 1.3x: "
        f"{'met' if ratio <= 1.3 else 'not met'}); peak worker RSS {peak:.1f} MB"
        f" (< 150 MB: {'met' if peak < 150 else 'NOT met'})"
    )
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
