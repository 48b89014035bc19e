"""What the HTTP benchmarks share (bench/batch.py, bench/reads.py, bench/latency.py,
bench/scale.py): the benchmark database and its fixtures (by management commands), a
gunicorn on a free loopback port (deploy/instance.py, as the tests start it), one request
on a new connection, and percentiles. The client side uses only the standard library
and psycopg.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import math
import os
import platform
import signal
import statistics
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import conninfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.instance import free_port, gunicorn, listening  # noqa: E402

OUT = ROOT / "bench" / "out"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench"
HOST = "127.0.0.1"  # loopback only
STUDENTS = 10


# --- database and fixtures ------------------------------------------------------------


def ensure_database(url: str) -> None:
    params = conninfo.conninfo_to_dict(url)
    name = params.get("dbname")
    admin = conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))


def manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stderr}")
    return result.stdout


def bench_env(url: str) -> dict:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def prepared(*, background: int = 0, students: int = STUDENTS) -> tuple[str, dict]:
    """The benchmark database (BENCH_DATABASE_URL) made and migrated if needed, with
    `manage.py seed_bench`'s fixtures (students, an API key, the GRS calendar and this
    run's GRS password) and at least ``background`` other events (their student's id is
    fixtures["background"]); its URL and the fixtures. From here SIGTERM (a timeout, a
    closed terminal) unwinds through `finally` like Ctrl-C does, so the server stops."""
    url = os.getenv("BENCH_DATABASE_URL", DEFAULT_URL)
    env = bench_env(url)
    ensure_database(url)
    manage(env, "migrate", "--noinput")
    manage(env, "createcachetable")  # the login endpoints' rate limit lives in the cache
    seeded = manage(env, "seed_bench", "--students", str(students))
    fixtures = json.loads(seeded.splitlines()[-1])
    fixtures["background"] = ensure_background(url, background)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    return url, fixtures


def ensure_background(url: str, count: int) -> int | None:
    """At least ``count`` events of one other student (`manage.py seed_scale`), so that
    indexes have a realistic depth; that student's id."""
    with psycopg.connect(url) as conn:
        have = conn.execute(
            "SELECT count(*) FROM events_calendarevent WHERE external_id LIKE 'scale-%%'"
        ).fetchone()[0]
    if have < count:
        manage(bench_env(url), "seed_scale", "--events", str(count - have), "--students", "1")
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT id FROM auth_user WHERE username = 'scale-student-1'")
        return (found.fetchone() or [None])[0]


# --- server and client ----------------------------------------------------------------


class Server:
    """gunicorn with the project's gunicorn.conf.py, on a loopback port of its own, its
    log in bench/out/gunicorn.log; started at once, stopped by ``stop()``."""

    def __init__(self, env: dict, workers: int) -> None:
        self.port = free_port()
        self.workers = workers
        OUT.mkdir(parents=True, exist_ok=True)
        log = OUT / "gunicorn.log"
        log.write_text("")
        args = ["--bind", f"{HOST}:{self.port}", "--workers", str(workers)]
        self._running = contextlib.ExitStack()
        self.proc = self._running.enter_context(
            gunicorn(args, env, log, ready=lambda: listening(self.port))
        )

    def token(self, key: str) -> str:
        """A 12Twenty bearer token for the API key ``key``."""
        status, body = request(
            self.port, "GET", f"/api/client/generateAuthenticationToken?key={key}"
        )
        if status != 200:
            raise RuntimeError(f"token request answered {status}: {body[:200]!r}")
        return json.loads(body)

    def grs_auth(self, grs: dict) -> str:
        """A GRS Authorization value, logged in as the fixtures' GRS user."""
        status, body = request(
            self.port, "GET", "/grs/v1/login", auth=basic(grs["user"], grs["password"])
        )
        if status != 200:
            raise RuntimeError(f"GRS login answered {status}: {body[:200]!r}")
        return basic(grs["user"], json.loads(body)["apiToken"])

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
        return sorted(pids)

    def stop(self) -> None:
        self._running.close()


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


# --- figures --------------------------------------------------------------------------


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def setting(conn: psycopg.Connection, server: Server, *details: str) -> str:
    """The run's first line: the commit, the versions, the machine and its load now, the
    server, then ``details``."""
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    pg = conn.execute("SHOW server_version").fetchone()[0]
    conn.commit()
    return "; ".join(
        [
            f"commit {commit or '?'}",
            f"PostgreSQL {pg}, Python {platform.python_version()}, {os.cpu_count()} CPUs",
            f"load average {os.getloadavg()[0]:.2f}",
            f"gunicorn {server.workers} sync workers on {HOST}:{server.port}",
            *details,
        ]
    )
