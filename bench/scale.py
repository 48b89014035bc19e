"""Every read, admin page and GRS read at a small store and again at millions of events.

    make bench-scale     # or: .venv/bin/python bench/scale.py [--events 2000000] [--rounds N]

Against PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/bench_scale;
dropped and created afresh: its name must contain "bench"), through gunicorn started here
on a free loopback port, in one run on the same server:

1. a small store (--small events, 2,000 by default, over 20,000 students; 10 calendars in
   the package, 100 in all, 5 exceptions on the body's calendar) is loaded with
   `manage.py seed_scale` and every figure below is measured;
2. the store is grown to --events (2,000,000 by default; 1,000 calendars in the package,
   10,000 in all, 500 exceptions) and every figure is measured again.

Each figure reads the same answer at both sizes, so that its growth measures the store,
not the answer: before the small store is measured, probe rows are added that stay in the
big one (a student with 150 events, a day two days ago with 150 events, ExternalIds
"probe-N", a package of 10 calendars and a calendar with 5 exceptions); a random day or
student would answer one row at 2,000 events and a full page at 2,000,000. The figures the
issue asks at 1,000 calendars and 500 exceptions (10 and 5 in the small store) grow with
their answer, and say so.

Each figure is printed with its p50 and p95 at both sizes and its growth ratio (p50 big /
p50 small; target <= 2, never above 3), beside the server's cheapest request (a JSON 404
on an unknown API path) measured in the same rounds, and the batch upsert beside its
floor (the same upsert as one plain psycopg statement) at the same size. Requests to be
compared alternate round by round, so a busy neighbour slows them alike. The client side
is the standard library and psycopg; the server is stopped at the end, also on error.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import psycopg
from psycopg import conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

import batch  # noqa: E402 (bench/batch.py: the batch and its floor)
import common  # noqa: E402 (bench/common.py: server, requests, percentiles)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench_scale"
STUDENTS = 20_000
LIST = "/api/v2/calendar-events"
ADMIN_EVENTS = "/admin/events/calendarevent/"


def recreate_database(url: str) -> None:
    name = conninfo.conninfo_to_dict(url).get("dbname") or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to drop {name!r}: a benchmark database's name has 'bench'")
    admin = conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        ident = psycopg.sql.Identifier(name)
        conn.execute(psycopg.sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(ident))
        conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(ident))


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Fixtures:
    """Users, keys, a staff session, the GRS tenant: made in-process with the ORM."""

    def __init__(self) -> None:
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import (
            BACKEND_SESSION_KEY,
            HASH_SESSION_KEY,
            SESSION_KEY,
            get_user_model,
        )
        from django.contrib.auth.models import Permission
        from django.contrib.sessions.backends.db import SessionStore

        from calendars import services as grs
        from events.services import api_key_create

        User = get_user_model()
        integration = User.objects.create(username="bench-integration")
        integration.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="events", codename__contains="event")
        )
        _, self.key = api_key_create(user=integration, name="bench")

        staff = User.objects.create_superuser("bench-staff", "staff@example.com", None)
        session = SessionStore()
        session[SESSION_KEY] = str(staff.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = staff.get_session_auth_hash()
        session.create()
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

        self.tenant = grs.tenant_create(name="Bench tenant")
        self.package = grs.package_create(tenant=self.tenant, name="Bench package")
        self.other = grs.package_create(tenant=self.tenant, name="Other calendars")
        password = "bench-" + os.urandom(12).hex()
        self.grs_user = grs.api_user_create(
            username="bench-grs",
            password=password,
            tenants=[self.tenant],
            permissions=["CALENDAR_VIEW", "CALENDAR_MODIFY"],
        )
        self.password = password

    def probes(self, port: int, token: str, students: list[int]) -> None:
        """Rows that answer alike at both sizes (made once, before the small store is
        measured): the probe student's 150 events over four years, 150 events of other
        students on PROBE_DAY, a package of 10 calendars."""
        from django.contrib.auth import get_user_model

        from calendars import rules
        from calendars import services as grs
        from calendars.demo import office_body
        from calendars.models import Calendar

        self.probe_student = get_user_model().objects.create(username="probe-student").pk
        start = PROBE_DAY - timedelta(days=730)
        items = [
            probe_item(f"probe-student-{n}", self.probe_student, start + timedelta(days=n * 9.7))
            for n in range(150)
        ]
        items += [
            probe_item(f"probe-day-{n}", students[n], PROBE_DAY + timedelta(minutes=9 * n))
            for n in range(150)
        ]
        status, answer = common.request(
            port, "PUT", batch.BATCH_PATH, json.dumps(items).encode(), token
        )
        if status != 200:
            raise RuntimeError(f"probe batch answered {status}: {answer[:300]!r}")
        office, _ = rules.calendar_parse(office_body("Calendar"))
        ten = grs.package_create(tenant=self.tenant, name="Ten calendars")
        Calendar.objects.bulk_create(
            [Calendar(package=ten, **{**office, "name": f"Ten {n}"}) for n in range(10)]
        )
        self.ten = ten
        self.five = Calendar.objects.filter(package=ten).order_by("pk").first()

    def calendars(self, *, in_package: int, total: int) -> None:
        from calendars import rules
        from calendars.demo import office_body
        from calendars.models import Calendar

        have = Calendar.objects.filter(package=self.package).count()
        have_all = Calendar.objects.count()
        office, _ = rules.calendar_parse(office_body("Calendar"))

        def make(package, first: int, count: int) -> None:
            Calendar.objects.bulk_create(
                [
                    Calendar(package=package, **{**office, "name": f"Calendar {n}"})
                    for n in range(first, first + count)
                ],
                batch_size=2000,
            )

        make(self.package, have, in_package - have)
        others = total - in_package - (have_all - have)
        make(self.other, have_all - have, max(0, others))
        self.calendar = Calendar.objects.filter(package=self.package).order_by("pk").first()

    def students(self) -> list[int]:
        from django.contrib.auth import get_user_model

        users = get_user_model().objects.filter(username__startswith="scale-student-")
        return list(users.values_list("pk", flat=True))

    def feed_secret(self, user_id: int) -> str:
        from django.contrib.auth import get_user_model

        from events.services import feed_token_create

        return feed_token_create(user=get_user_model().objects.get(pk=user_id))[1]


# Two days ago at midnight (UTC): inside the admin's "past 7 days" filter.
PROBE_DAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(2)


def probe_item(external_id: str, user_id: int, start: datetime) -> dict:
    return {
        "ExternalId": external_id,
        "UserId": user_id,
        "TypeId": 2,
        "StartTime": iso(start),
        "EndTime": iso(start + timedelta(minutes=45)),
        "Title": f"Probe {external_id}",
    }


def exceptions_body(count: int) -> bytes:
    day = datetime(2027, 1, 1, 17, tzinfo=UTC)  # noon in New York
    return json.dumps(
        {
            "exceptions": [
                {
                    "name": f"Closed {n}",
                    "type": "HOLIDAY",
                    "placement": "FIXED",
                    "fixedDate": int((day + timedelta(days=n)).timestamp() * 1000),
                }
                for n in range(count)
            ]
        }
    ).encode()


class Client:
    def __init__(self, port: int, token: str, cookie: str) -> None:
        self.port, self.token, self.cookie = port, token, cookie
        self.grs_auth = ""

    def get(self, path: str, **kwargs) -> Callable[[], float]:
        return self.timed("GET", path, **kwargs)

    def timed(
        self,
        method: str,
        path: str | Callable[[], str],
        body: bytes | Callable[[], bytes] | None = None,
        *,
        auth: str = "bearer",
        expect: int = 200,
        before: Callable[[], None] | None = None,
    ) -> Callable[[], float]:
        def run() -> float:
            if before:
                before()
            url = path() if callable(path) else path
            data = body() if callable(body) else body
            headers = {}
            if data is not None:
                headers["Content-Type"] = "application/json"
            if auth == "bearer":
                headers["Authorization"] = f"Bearer {self.token}"
            elif auth == "staff":
                headers["Cookie"] = self.cookie
            elif auth == "grs":
                headers["Authorization"] = self.grs_auth
            conn = http.client.HTTPConnection(common.HOST, self.port, timeout=120)
            try:
                began = time.perf_counter()
                conn.request(method, url, body=data, headers=headers)
                response = conn.getresponse()
                answer = response.read()
                took = time.perf_counter() - began
            finally:
                conn.close()
            if response.status != expect:
                raise RuntimeError(f"{method} {url} answered {response.status}: {answer[:300]!r}")
            return took

        return run


# The figures whose answer is 100 times larger in the big store (the 1,000
# calendars and 500 exceptions, 10 and 5 in the small one).
ANSWER_GROWS = (
    "GRS: calendars of the package (10, then 1,000)",
    "GRS: body GET (5, then 500 exceptions)",
    "GRS: body PUT (5, then 500 exceptions)",
)

SLOW = 1.0  # seconds: a case this slow at warm-up is measured in SLOW_ROUNDS rounds only
SLOW_ROUNDS = 3


def measure(cases: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Every case once per round, in a new random order each round."""
    times: dict[str, list[float]] = {name: [] for name in cases}
    names = list(cases)
    slow, failed = set(), set()
    for name in names:  # warm-up: plans, caches
        try:
            if cases[name]() > SLOW:
                slow.add(name)
        except RuntimeError as exc:  # printed, and left out (older code may lack a page)
            print(f"{name}: {exc}", file=sys.stderr)
            failed.add(name)
    names = [name for name in names if name not in failed]
    for name in failed:
        del times[name]
    for round_ in range(rounds):
        random.shuffle(names)
        for name in names:
            if name not in slow or round_ < SLOW_ROUNDS:
                times[name].append(cases[name]())
    return times


def cases_for(
    client: Client, fx: Fixtures, conn: psycopg.Connection, students: list[int], size: str
) -> dict[str, Callable[[], float]]:
    rng = random.Random(7)
    now = datetime.now(UTC)

    def window(before: int, after: int) -> str:
        start, end = PROBE_DAY - timedelta(before), PROBE_DAY + timedelta(after)
        return f"{LIST}?" + urlencode({"From": iso(start), "To": iso(end)})

    ids = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM events_calendarevent WHERE deleted_at IS NULL AND id % 97 = 0 LIMIT 200"
        )
    ]
    first_page = json.loads(
        common.request(client.port, "GET", f"{LIST}?PageSize=100", token=client.token)[1]
    )
    # NextCursor, or (before it existed) the Cursor of Next: the script measures older code too.
    next_cursor = (
        first_page.get("NextCursor") or parse_qs(urlsplit(first_page["Next"]).query)["Cursor"][0]
    )
    # A small backlog: 50 events changed just now, synced from just before.
    since_small = iso(datetime.now(UTC) - timedelta(milliseconds=5))
    batch50 = [
        {
            "ExternalId": f"scale-{n}",
            "UserId": students[n % len(students)],
            "TypeId": 1,
            "StartTime": "2027-03-01T10:00:00Z",
            "EndTime": "2027-03-01T11:00:00Z",
            "Title": f"Changed ({size})",
        }
        for n in range(1, 51)
    ]
    common.request(client.port, "PUT", batch.BATCH_PATH, json.dumps(batch50).encode(), client.token)
    since_large = iso(now - timedelta(days=89))
    feed = fx.feed_secret(fx.probe_student)
    code = conn.execute(
        "SELECT substr(title, 8, 6) FROM events_calendarevent WHERE external_id = 'scale-1234'"
    ).fetchone()[0]
    grs = f"/grs/v1/tenant/{fx.tenant.pk}/package/{fx.package.pk}"
    body_path = f"{grs}/businesscalendarbody/{fx.calendar.uuid}"
    lock = f"{grs}/lockcalendar/{fx.calendar.uuid}"
    common.request(client.port, "GET", lock, auth=client.grs_auth)
    body = exceptions_body(500 if size == "big" else 5)
    common.request(client.port, "PUT", body_path, body, auth=client.grs_auth)
    ten = f"/grs/v1/tenant/{fx.tenant.pk}/package/{fx.ten.pk}"
    five_path = f"{ten}/businesscalendarbody/{fx.five.uuid}"
    common.request(client.port, "GET", f"{ten}/lockcalendar/{fx.five.uuid}", auth=client.grs_auth)
    common.request(client.port, "PUT", five_path, exceptions_body(5), auth=client.grs_auth)
    week_ago = (now - timedelta(days=7)).date()

    cases = {
        "floor: JSON 404 (unknown API path)": client.get("/api/v2/nope", expect=404),
        "list, default order (PageSize=100)": client.get(f"{LIST}?PageSize=100"),
        "list, next page (NextCursor)": client.get(f"{LIST}?PageSize=100&Cursor={next_cursor}"),
        "list, IncludeTotalCount=true": client.get(f"{LIST}?PageSize=100&IncludeTotalCount=true"),
        "list, by student": client.get(f"{LIST}?UserId={fx.probe_student}"),
        "list, by type": client.get(f"{LIST}?TypeId=2"),
        "list, one-day window": client.get(window(0, 1)),
        "list, one-week window": client.get(window(3, 4)),
    }
    for ordering in ["-StartTime", "UpdatedAt", "-UpdatedAt", "Id", "-Id"]:
        cases[f"list, Ordering={ordering}"] = client.get(f"{LIST}?Ordering={ordering}")
    sync = "IncludeDeleted=true&Ordering=UpdatedAt&PageSize=100"
    cases |= {
        "sync, small backlog (50)": client.get(f"{LIST}?UpdatedSince={since_small}&{sync}"),
        "sync, large backlog (89 days)": client.get(f"{LIST}?UpdatedSince={since_large}&{sync}"),
        "detail": client.get(lambda: f"{LIST}/{rng.choice(ids)}"),
        "feed (one student)": client.get(f"{LIST}/feeds/{feed}.ics", auth=""),
        "admin: events changelist": client.get(ADMIN_EVENTS, auth="staff"),
        "admin: search ExternalId, exact": client.get(
            f"{ADMIN_EVENTS}?q=probe-day-42", auth="staff"
        ),
        "admin: search ExternalId, prefix": client.get(
            f"{ADMIN_EVENTS}?q=probe-day-1", auth="staff"
        ),
        "admin: search a title word (rare)": client.get(f"{ADMIN_EVENTS}?q={code}", auth="staff"),
        "admin: search a title word (common)": client.get(
            f"{ADMIN_EVENTS}?q=Strategy", auth="staff"
        ),
        "admin: filter status=live": client.get(f"{ADMIN_EVENTS}?status=live", auth="staff"),
        "admin: filter status=deleted": client.get(f"{ADMIN_EVENTS}?status=deleted", auth="staff"),
        "admin: filter type": client.get(f"{ADMIN_EVENTS}?type_id=2", auth="staff"),
        "admin: filter start time, past 7 days": client.get(
            f"{ADMIN_EVENTS}?start_time__gte={week_ago}&start_time__lt={now.date() + timedelta(1)}",
            auth="staff",
        ),
        "admin: filter student": client.get(
            f"{ADMIN_EVENTS}?user__id__exact={fx.probe_student}", auth="staff"
        ),
        "admin: student autocomplete": client.get(
            "/admin/autocomplete/?app_label=events&model_name=calendarevent&field_name=user"
            "&term=scale-student-123",
            auth="staff",
        ),
        "admin: users changelist": client.get("/admin/auth/user/", auth="staff"),
        "admin: calendars changelist": client.get("/admin/calendars/calendar/", auth="staff"),
        "admin: calendar change page": client.get(
            f"/admin/calendars/calendar/{fx.calendar.pk}/change/", auth="staff"
        ),
        "GRS: calendars of a package of 10": client.get(f"{ten}/calendars", auth="grs"),
        "GRS: body GET, 5 exceptions": client.get(five_path, auth="grs"),
        "GRS: body PUT, 5 exceptions": client.timed(
            "PUT", five_path, exceptions_body(5), auth="grs", expect=201
        ),
        ANSWER_GROWS[0]: client.get(f"{grs}/calendars", auth="grs"),
        ANSWER_GROWS[1]: client.get(body_path, auth="grs"),
        ANSWER_GROWS[2]: client.timed("PUT", body_path, body, auth="grs", expect=201),
    }
    return cases


def batch_cases(
    client: Client, conn: psycopg.Connection, students: list[int], size: str
) -> dict[str, Callable[[], float]]:
    """The 1000-event update pass beside its floor, and the 1000-event delete."""
    made = batch.make_batch(f"bench-{size}", students[:50], 0)
    common.request(client.port, "PUT", batch.BATCH_PATH, made.body, client.token)
    version = iter(range(1, 1_000_000))
    current = {}

    def next_batch() -> None:
        current["batch"] = batch.make_batch(f"bench-{size}", students[:50], next(version))

    def floor() -> float:
        next_batch()
        return batch.floor_upsert(conn, current["batch"])

    gone = batch.make_batch(f"gone-{size}", students[:50], 0)

    def revive() -> None:  # untimed: the events to delete, live again
        common.request(client.port, "PUT", batch.BATCH_PATH, gone.body, client.token)

    return {
        "batch upsert 1000, floor (psycopg)": floor,
        "batch upsert 1000, update pass": client.timed(
            "PUT", batch.BATCH_PATH, lambda: current["batch"].body, before=next_batch
        ),
        "batch delete 1000": client.timed(
            "DELETE", batch.BATCH_PATH, json.dumps(gone.ids).encode(), before=revive
        ),
    }


def ms(value: float) -> str:
    return f"{value * 1000:8.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    url = os.getenv("BENCH_DATABASE_URL", DEFAULT_URL)
    recreate_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
    env["DJANGO_SETTINGS_MODULE"] = "calendarsite.settings"
    os.environ.update(env)
    common.manage(env, "migrate", "--noinput")
    common.manage(env, "createcachetable")
    fx = Fixtures()

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = common.Server(env, args.workers)
    results: dict[str, dict[str, list[float]]] = {}
    seeded = {}
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            token = server.token(fx.key)
            client = Client(server.port, token, fx.cookie)
            status, answer = common.request(
                server.port, "GET", "/grs/v1/login", auth=common.basic("bench-grs", fx.password)
            )
            if status != 200:
                raise RuntimeError(f"GRS login answered {status}: {answer[:200]!r}")
            client.grs_auth = common.basic("bench-grs", json.loads(answer)["apiToken"])
            for size, events, in_package, total in (
                ("small", args.small, 10, 100),
                ("big", args.events, 1000, 10_000),
            ):
                began = time.monotonic()
                have = conn.execute("SELECT count(*) FROM events_calendarevent").fetchone()[0]
                common.manage(
                    env,
                    "seed_scale",
                    "--events",
                    str(max(0, events - have)),
                    "--students",
                    str(STUDENTS),
                )
                seeded[size] = (time.monotonic() - began, max(0, events - have))
                fx.calendars(in_package=in_package, total=total)
                students = fx.students()
                if size == "small":
                    fx.probes(server.port, token, students)
                cases = cases_for(client, fx, conn, students, size)
                cases |= batch_cases(client, conn, students, size)
                results[size] = measure(cases, args.rounds)
            pg = conn.execute("SHOW server_version").fetchone()[0]
            rows = conn.execute("SELECT count(*) FROM events_calendarevent").fetchone()[0]
    finally:
        server.stop()

    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"commit {commit or '?'}; PostgreSQL {pg}, Python {platform.python_version()},"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f};"
        f" gunicorn {args.workers} worker(s); {args.rounds} rounds per size.\n"
        f"small: {args.small:,} events (10 calendars in the package, 100 in all, 5 exceptions);"
        f" big: {rows:,} events (1,000 / 10,000 calendars, 500 exceptions);"
        f" {STUDENTS:,} students. seed_scale: {seeded['big'][1]:,} events in"
        f" {seeded['big'][0]:.0f} s.\n"
    )
    small, big = results["small"], results["big"]
    floor = {
        size: common.p50(results[size]["floor: JSON 404 (unknown API path)"]) for size in results
    }
    head = "| figure | small p50 | small p95 | big p50 | big p95 | growth | big x floor |"
    print(head)
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in small:
        if name not in big:
            continue
        growth = common.p50(big[name]) / common.p50(small[name])
        flag = "" if growth <= 2 else (" !" if growth <= 3 else " !!")
        if name in ANSWER_GROWS:
            flag = " (answer x100)"
        print(
            f"| {name} | {ms(common.p50(small[name]))} | {ms(common.p95(small[name]))}"
            f" | {ms(common.p50(big[name]))} | {ms(common.p95(big[name]))}"
            f" | {growth:5.2f}{flag} | {common.p50(big[name]) / floor['big']:5.1f} |"
        )
    print("\nTimes in ms. growth = big p50 / small p50 (target <= 2, never above 3: ! marks")
    print("above 2, !! above 3). big x floor = big p50 / the JSON 404's p50 at the big size.")
    print("Every figure reads the same answer at both sizes (probe rows), but those marked")
    print("'answer x100', whose answer is 100 times larger in the big store.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
