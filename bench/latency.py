"""Latency of the cheap reads over HTTP, each beside the server's cheapest request.

    make bench-latency              # or: .venv/bin/python bench/latency.py [--rounds N]

Against PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench;
created, migrated and given `manage.py seed_bench`'s fixtures if needed), through gunicorn
started here on a free loopback port. The floor is a JSON 404 on an unknown API path (no
session, no query). Each round asks every request once, in a rotating order, one at a time
on a new connection, so a busy neighbour slows them alike; every p50 is printed beside
its ratio to the floor's p50 (issue 15's targets: <= 2.5x, never above 3x). Then 1,000
business-time questions in one bulk request beside one single request (target: the bulk
request costs less than 5 single ones). The server is stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from common import p50, p95

FLOOR = "GET /grs/v1/no-such-path (JSON 404)"
START = "2026-01-05T15:00:00Z"  # Monday 10:00 in New York
EVENTS = "/api/v2/calendar-events"


def targets(grs: dict, student: int) -> list[tuple[str, str, str, bytes | None, str]]:
    """(label, method, path, body, auth kind): "grs", "events" or "" (none)."""
    base = f"/grs/v1/tenant/{grs['tenant']}/package/{grs['package']}"
    calendar = f"{base}/calendar/Calendar_{grs['calendar']}"
    return [
        (FLOOR, "GET", "/grs/v1/no-such-path", None, ""),
        ("GRS working", "GET", f"{calendar}/working?at={START}", None, "grs"),
        ("GRS add, 1 week", "GET", f"{calendar}/add?start={START}&minutes=2400", None, "grs"),
        ("GRS add, 10 years", "GET", f"{calendar}/add?start={START}&minutes=1248000", None, "grs"),
        (
            "GRS duration, 1 year",
            "GET",
            f"{calendar}/duration?start={START}&end=2027-01-05T15:00:00Z",
            None,
            "grs",
        ),
        (
            "GRS calendar body",
            "GET",
            f"{base}/businesscalendarbody/Calendar_{grs['calendar']}",
            None,
            "grs",
        ),
        ("events list of 100", "GET", f"{EVENTS}?PageSize=100", None, "events"),
        (
            "one student's events",
            "GET",
            f"/api/v2/calendar-events?UserId={student}",
            None,
            "events",
        ),
    ]


def timed(port: int, method: str, path: str, body: bytes | None, headers: dict) -> float:
    began = time.perf_counter()
    status, answer = common.request(port, method, path, body, **headers)
    took = time.perf_counter() - began
    expected = 404 if path.endswith("no-such-path") else 200
    if status != expected:
        raise RuntimeError(f"{method} {path} answered {status}: {answer[:200]!r}")
    return took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--workers", type=int, default=int(os.getenv("WORKERS", "2")))
    args = parser.parse_args()
    rounds = max(5, min(args.rounds, 5000))
    url, fixtures = common.prepared(background=2000)
    student = fixtures["background"]  # the student of those 2000 events
    server = common.Server(common.bench_env(url), args.workers)
    try:
        token = server.token(fixtures["key"])
        auth = {
            "grs": {"auth": server.grs_auth(fixtures["grs"])},
            "events": {"token": token},
            "": {},
        }
        asked = targets(fixtures["grs"], student)
        times: dict[str, list[float]] = {label: [] for label, *_ in asked}
        for _ in range(3):  # warm every worker's caches
            for _label, method, path, body, kind in asked:
                timed(server.port, method, path, body, auth[kind])
        for n in range(rounds):
            order = asked[n % len(asked) :] + asked[: n % len(asked)]
            for label, method, path, body, kind in order:
                times[label].append(timed(server.port, method, path, body, auth[kind]))

        bulk_path = (
            f"/grs/v1/tenant/{fixtures['grs']['tenant']}/package/{fixtures['grs']['package']}"
            f"/calendar/Calendar_{fixtures['grs']['calendar']}/business-time"
        )
        questions = json.dumps(
            [{"op": "add", "start": START, "minutes": 60 * n} for n in range(1000)]
        ).encode()
        single = next(a for a in asked if a[0] == "GRS add, 1 week")
        bulk, singles = [], []
        there, _ = common.request(server.port, "POST", bulk_path, b"[]", **auth["grs"])
        for _ in range(max(5, rounds // 20) if there == 200 else 0):
            bulk.append(timed(server.port, "POST", bulk_path, questions, auth["grs"]))
            singles.append(timed(server.port, *single[1:4], auth["grs"]))
    finally:
        server.stop()

    floor = p50(times[FLOOR])
    print(
        f"{rounds} rounds, gunicorn {args.workers} sync workers, load average"
        f" {os.getloadavg()[0]:.2f}\n"
    )
    print(f"{'request':40}  {'p50 ms':>7}  {'p95 ms':>7}  {'x floor':>7}  target <= 2.5x")
    for label, series in times.items():
        ratio = p50(series) / floor
        verdict = "" if label == FLOOR else ("met" if ratio <= 2.5 else "NOT met")
        print(
            f"{label:40}  {p50(series) * 1e3:7.2f}  {p95(series) * 1e3:7.2f}  {ratio:7.2f}  "
            f"{verdict}"
        )
    if not bulk:
        print("\nbulk questions: skipped, not on this branch")
        return 0
    ratio = p50(bulk) / p50(singles)
    print(
        f"\n1,000 add questions in one bulk request: p50 {p50(bulk) * 1e3:.1f} ms;"
        f" one single add: p50 {p50(singles) * 1e3:.2f} ms; the bulk request costs"
        f" {ratio:.1f} single requests (target < 5: {'met' if ratio < 5 else 'NOT met'});"
        f" 1,000 single requests would take ~{p50(singles) * 1e3:.0f} ms x 1000"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
