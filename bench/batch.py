"""The 1000-event batch, over HTTP through gunicorn, beside the database's own speed.

    make bench                      # or: .venv/bin/python bench/batch.py [--rounds N]

Against PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench;
created, migrated and given `manage.py seed_bench`'s fixtures and `seed_scale`'s
background events if needed), in one run and on the same events:

1. the floor: those 1000 events upserted by one plain psycopg statement (no Django, no
   HTTP), the app's own upsert (events/services.py:_write): INSERT ... ON CONFLICT ...
   DO UPDATE ... WHERE the owner matches, rows only for users that exist, a tombstone
   revived;
2. PUT /api/v2/calendar-events/batch through gunicorn (started here, on a free loopback
   port), an insert pass and an update pass;
3. several clients at once against the workers.

Floor and HTTP alternate round by round, so a busy neighbour on the machine slows both
alike; every figure is printed beside its ratio to the floor. The reads have a benchmark
of their own (bench/reads.py). The server is stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Server, bench_env, p50, p95, prepared, request, setting

from deploy.pgbouncer import pgbouncer

CONNECT: dict = {}  # the floors' psycopg.connect options (--pgbouncer adds some)
BATCH_PATH = "/api/v2/calendar-events/batch"
BATCH_SIZE = 1000  # VALUES_SQL below has as many rows
TABLE = "events_calendarevent"
COLUMNS = "external_id, user_id, type_id, start_time, end_time, title, created_at, updated_at"
# The app's statement (events/services.py:_write), its rows from ``source``: a row is
# written only if its user exists, updated only if the stored owner is its user, and an
# update revives a deleted event.
UPSERT = (
    "WITH x (external_id, user_id, type_id, start_time, end_time, title, n) AS ({source})"
    f" INSERT INTO {TABLE} AS e ({COLUMNS})"
    " SELECT x.external_id, x.user_id, x.type_id, x.start_time, x.end_time, x.title, %s, %s"
    " FROM x WHERE EXISTS (SELECT 1 FROM auth_user u WHERE u.id = x.user_id) ORDER BY x.n"
    " ON CONFLICT (external_id) DO UPDATE SET type_id = excluded.type_id,"
    " start_time = excluded.start_time, end_time = excluded.end_time,"
    " title = excluded.title, updated_at = excluded.updated_at, deleted_at = NULL"
    " WHERE e.user_id = excluded.user_id"
    " RETURNING id, external_id"
)
# The floor: that statement, its rows bound as six arrays in binary (%b), as the app
# binds them on PostgreSQL. The text form (%s) is measured beside it.
FLOOR_SQL = UPSERT.format(
    source="SELECT * FROM unnest(%b::text[], %b::bigint[], %b::smallint[],"
    " %b::timestamptz[], %b::timestamptz[], %b::text[]) WITH ORDINALITY"
)
TEXT_ARRAYS_SQL = FLOOR_SQL.replace("%b", "%s")


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


def delete_ids(conn: psycopg.Connection, ids: list[str]) -> None:
    conn.execute(f"DELETE FROM {TABLE} WHERE external_id = ANY(%s)", [ids])
    conn.commit()


def floor_params(batch: Batch) -> list:
    now = datetime.now(UTC)
    columns = list(zip(*batch.rows, strict=True))
    return [*[list(column) for column in columns], now, now]


VALUES_SQL = UPSERT.format(
    source="VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * BATCH_SIZE)
)


def values_params(batch: Batch) -> list:
    """One placeholder per value (7000), with each row's position, for comparison."""
    now = datetime.now(UTC)
    return [value for n, row in enumerate(batch.rows) for value in (*row, n)] + [now, now]


def floor_upsert(
    conn: psycopg.Connection, batch: Batch, sql: str = FLOOR_SQL, params=floor_params
) -> float:
    """Seconds to upsert ``batch`` by ``sql`` (the floor unless told) and commit."""
    bound = params(batch)
    began = time.perf_counter()
    returned = conn.execute(sql, bound).fetchall()
    conn.commit()
    took = time.perf_counter() - began
    if len(returned) != BATCH_SIZE:
        raise RuntimeError(f"upsert returned {len(returned)} rows")
    return took


# --- client ---------------------------------------------------------------------------


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
        times["values-ins"].append(floor_upsert(conn, inserted, VALUES_SQL, values_params))
        times["values-upd"].append(floor_upsert(conn, updated, VALUES_SQL, values_params))

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

    url, fixtures = prepared(background=args.background)
    env = bench_env(url)
    students = fixtures["students"]
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
            token = server.token(fixtures["key"])
            bounced = ["through pgbouncer (transaction pooling)"] if args.pgbouncer else []
            rest = [f"{rounds} rounds", f"{args.background} other events\n"]
            print(setting(conn, server, *bounced, *rest))
            times = sequential(conn, admin, server.port, token, students, rounds)
            rss_after_batches = {pid: memory_of(pid) for pid in server.find_workers()}
            floor_evs, http_evs = concurrent(
                url, server.port, token, students, args.clients, max(3, rounds // 3)
            )
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
        print(row(f"psycopg, 7000 VALUES params, {label}", times[f"values-{name}"], floor))
        print(row(f"HTTP PUT via gunicorn, {label}", times[f"http-{name}"], floor))
    print(
        f"\nconcurrency, {args.clients} clients each updating its own 1000 events:"
        f"\n  floor, {args.clients} psycopg connections:  {floor_evs:8.0f} events/s"
        f"\n  HTTP, {args.workers} gunicorn workers:       {http_evs:8.0f} events/s"
        f"  ({floor_evs / http_evs:.2f}x the floor's time per event)"
    )
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
