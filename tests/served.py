"""Starting the app as it is served for real, for the tests that talk to it over HTTP:
one gunicorn (tests/test_multiprocess.py), or the README's whole stack, `deploy/serve.py`
(nginx in front of several gunicorn instances: tests/test_topology.py), optionally on
the database through PgBouncer (tests/test_pgbouncer.py). Every port is a free one."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Permission
from django.db import connection

from calendars.models import Calendar
from deploy.instance import ROOT, free_port, served_env, started
from events.services import api_key_create
from tests.factories import CalendarFactory, PackageFactory, UserFactory

PASSWORD = "a-Long-pass-phrase-4711"
WRITE = ("add_calendarevent", "change_calendarevent")
# What a client that retries sees when an instance went away under it.
RETRYABLE_STATUS = {502, 503, 504}


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] | None = None

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    auth: str = "",
    body: Any = None,
    headers: dict[str, str] | None = None,
    source: str = "",
    timeout: float = 60,
) -> Answer:
    """One request on a new connection (``Connection: close``), from the loopback
    address ``source`` if given (any 127.x.y.z is this machine: a client of its own)."""
    sent = {"Connection": "close", **(headers or {})}
    if auth:
        sent["Authorization"] = auth
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=timeout, source_address=(source, 0) if source else None
    )
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        return Answer(response.status, response.read(), dict(response.getheaders()))
    finally:
        conn.close()


def database_url() -> str:
    """The test database's URL (known once pytest-django has made it)."""
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@dataclass
class Stack:
    """`deploy/serve.py` (what `make serve` runs) on free ports, its files in ``run``."""

    port: int
    backends: list[int]
    run: Path
    process: subprocess.Popen | None

    def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        return request(self.port, method, path, **kwargs)

    def get(self, path: str, auth: str = "") -> Answer:
        return request(self.port, "GET", path, auth=auth)

    def instance_pid(self, backend: int) -> int:
        return int((self.run / f"instance-{backend}.pid").read_text())

    def kill_instance(self, backend: int) -> None:
        """SIGKILL an instance, its master and its workers (one process group)."""
        os.killpg(self.instance_pid(backend), signal.SIGKILL)

    def access_log(self) -> str:
        return (self.run / "access.log").read_text()

    def output(self) -> str:
        return (self.run / "output.log").read_text()


@contextmanager
def served_stack(env: dict[str, str], *, instances: int = 2, workers: int = 1) -> Iterator[Stack]:
    # In /tmp itself, not pytest's private tmp: run as root, nginx's workers run as
    # nobody and write request bodies in there.
    run = Path(tempfile.mkdtemp(prefix="serve-"))
    port, backends = free_port(), [free_port() for _ in range(instances)]
    full_env = served_env(
        {
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "BACKEND_PORTS": ",".join(map(str, backends)),
            "WORKERS": str(workers),
            "RUN_DIR": str(run),
            "ACCESS_LOG": str(run / "access.log"),
            "LOG_LEVEL": "WARNING",
            **env,
        }
    )
    log = run / "output.log"
    stack = Stack(port, backends, run, None)
    try:
        with started(
            [sys.executable, str(ROOT / "deploy" / "serve.py")],
            env=full_env,
            log=log,
            ready=lambda: stack.request("GET", "/grs/v1/tenants", timeout=5).status == 401,
            what="the served stack",
            stop_timeout=40,
        ) as stack.process:
            yield stack
    finally:
        shutil.rmtree(run, ignore_errors=True)


def retrying(call, *, attempts: int = 40, pause: float = 0.25) -> tuple[Answer, int]:
    """What a careful client does: on a connection error or a 502/503/504, try again.
    The final answer, and how many attempts failed before it."""
    for failed in range(attempts):
        try:
            answer = call()
        except (OSError, http.client.HTTPException):
            answer = None
        if answer is not None and answer.status not in RETRYABLE_STATUS:
            return answer, failed
        threading.Event().wait(pause)
    raise AssertionError(f"no answer after {attempts} attempts")


# --- users and requests of the served tests -------------------------------------------


def api_user(username: str, *codenames: str, app: str = "calendars"):
    """A user with PASSWORD, hashed by the project's own hasher (tests marked
    ``real_hashers`` keep it), since the server checks it; granted ``codenames`` of ``app``."""
    user = UserFactory(username=username, password=PASSWORD)
    perms = Permission.objects.filter(content_type__app_label=app, codename__in=codenames)
    user.user_permissions.add(*perms)
    return user


def event(n: int, user_id: int) -> dict:
    return {"ExternalId": f"e{n}", "UserId": user_id, "TypeId": 1, "Title": f"Event {n}",
            "StartTime": "2026-06-10T20:00:00Z", "EndTime": "2026-06-10T22:00:00Z"}  # fmt: skip


def bearer_for(server, user) -> str:
    _, key = api_key_create(user=user)
    return "Bearer " + server.get(f"/api/client/generateAuthenticationToken?key={key}").json()


def contested_calendar(*members: str) -> tuple[Calendar, str]:
    """A calendar in a new package whose tenant has ``members`` (API users who may view
    and modify); the calendar and its package's GRS path."""
    package = PackageFactory()
    calendar = CalendarFactory(package=package)
    for name in members:
        package.tenant.members.add(api_user(name, "CALENDAR_VIEW", "CALENDAR_MODIFY"))
    return calendar, f"/grs/v1/tenant/{package.tenant_id}/package/{package.pk}"
