"""The production server with two worker processes behaves as one process does: no
state lives in a process. Gunicorn serves the test database on a free loopback port;
each request is a new connection (no keep-alive), and requests are sent from several
threads at once so that both workers serve: while one is busy, only the other can
accept. Its access log names the worker (pid) that served each request, which shows
that they both did.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from calendars import rules
from calendars.models import Calendar
from deploy.instance import free_port, gunicorn
from events.models import CalendarEvent
from tests import served
from tests.factories import UserFactory
from tests.helpers import basic, check_racing_batches, racing_batches, run_concurrently
from tests.served import (
    PASSWORD,
    WRITE,
    Answer,
    api_user,
    bearer_for,
    contested_calendar,
    database_url,
    event,
)

WORKERS = 2
RATE = 5  # credential attempts per minute and address, for the whole server
THREADS = 8
ROUNDS = 3
NEW_YEAR = {"exceptions": [{"name": "New Year", "type": "HOLIDAY", "placement": "ANNUAL",
                            "annualMonth": 1, "annualDay": 1}]}  # fmt: skip

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.real_hashers,
    pytest.mark.django_db(transaction=True),
]


@dataclass
class Server:
    port: int
    logs: Path
    answered: int = 0  # requests answered so far, each of which gunicorn logs
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, method: str, path: str, *, auth: str = "", body: Any = None) -> Answer:
        answer = served.request(self.port, method, path, auth=auth, body=body)
        with self.lock:
            self.answered += 1
        return answer

    def get(self, path: str, auth: str = "") -> Answer:
        return self.request("GET", path, auth=auth)

    def served(self) -> list[tuple[int, str]]:
        """``(worker pid, path)`` of every request logged so far, in order. A line being
        written as we read may be there in part: only whole lines count."""
        lines = (self.logs / "access.log").read_text().split("\n")[:-1]
        return [(int(pid.strip("<>")), path) for pid, path in (ln.split(" ", 1) for ln in lines)]

    def mark(self) -> int:
        """How many requests were answered so far, once the log shows them all: gunicorn
        logs a request just after answering it. The wait is bounded."""
        pause = threading.Event()
        for _ in range(100):
            if len(self.served()) >= self.answered:
                break
            pause.wait(0.1)
        assert len(self.served()) == self.answered
        return self.answered

    def served_since(self, since: int) -> list[tuple[int, str]]:
        """``(worker pid, path)`` of the requests answered after ``since = mark()``."""
        until = self.mark()
        return self.served()[since:until]

    def pids(self, since: int) -> set[int]:
        return {pid for pid, _ in self.served_since(since)}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[Server]:
    with django_db_blocker.unblock():
        url = database_url()  # the test database's name is known once it exists
    logs = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {
        "DATABASE_URL": url,
        "CONN_MAX_AGE": "600",  # production's: workers keep their connections
        "CREDENTIALS_RATE": f"{RATE}/minute",
        "LOG_LEVEL": "WARNING",
    }
    server = Server(port, logs)
    args = [
        "calendarsite.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
        "--no-control-socket", "--timeout", "60",
        "--access-logfile", str(logs / "access.log"), "--access-logformat", "%(p)s %(U)s",
        "--error-logfile", str(logs / "error.log"),
    ]  # fmt: skip
    ready = lambda: server.get("/grs/v1/tenants").status == 401  # noqa: E731
    with gunicorn(args, env, logs / "error.log", ready):
        yield server


@pytest.fixture(autouse=True)
def fresh_rate_limit(db):
    """The count lives in the database cache, which flushing the tables does not empty."""
    cache.clear()


def in_threads(calls: list) -> list:
    """Run the calls from THREADS threads at once, each taking every THREADS-th call."""
    chunks = [calls[i::THREADS] for i in range(THREADS)]
    done = run_concurrently([lambda chunk=chunk: [call() for call in chunk] for chunk in chunks])
    answers: list = [None] * len(calls)
    for i, chunk_answers in enumerate(done):
        assert isinstance(chunk_answers, list), chunk_answers  # not an exception
        answers[i::THREADS] = chunk_answers
    return answers


def test_a_grs_session_and_its_lock_hold_on_every_worker(server):
    calendar, base = contested_calendar("carol", "dave")
    lock_path = f"{base}/lockcalendar/{calendar.external_id}"
    body_path = f"{base}/businesscalendarbody/{calendar.external_id}"

    # A token from one request works on every worker.
    since = server.mark()
    carol = basic("carol", server.get("/grs/v1/login", basic("carol", PASSWORD)).json()["apiToken"])
    listed = in_threads([lambda: server.get(f"{base}/calendars", carol)] * 40)
    assert [a.status for a in listed] == [200] * 40
    served = server.served_since(since)
    [login_pid] = [pid for pid, path in served if path == "/grs/v1/login"]
    used_on = [pid for pid, path in served if path.endswith("/calendars")]
    assert len(used_on) == 40
    assert len(set(used_on)) == WORKERS
    assert any(pid != login_pid for pid in used_on)

    # A lock taken through one request is seen by all the others, whoever serves them.
    assert server.get(lock_path, carol).status == 204
    dave = basic("dave", server.get("/grs/v1/login", basic("dave", PASSWORD)).json()["apiToken"])
    since = server.mark()
    answers = in_threads(
        [lambda: server.get(f"{base}/calendars", carol), lambda: server.get(lock_path, dave)] * 20
    )
    for answer in answers[0::2]:
        assert answer.status == 200
        assert answer.json()["calendars"][0]["lockOwner"] == "carol"
    for answer in answers[1::2]:
        assert (answer.status, answer.json()) == (412, {"message": rules.LOCK_HELD})
    assert len(server.pids(since)) == WORKERS
    assert server.request("PUT", body_path, auth=dave, body=NEW_YEAR).status == 412
    written = server.request("PUT", body_path, auth=carol, body=NEW_YEAR)
    assert written.status == 201
    read = in_threads([lambda: server.get(body_path, dave)] * 16)
    assert all(a.json()["exceptions"] == written.json()["exceptions"] for a in read)
    assert Calendar.objects.get(pk=calendar.pk).lock_user.username == "carol"


def put_batch(server: Server, bearer: str, body: list) -> Answer:
    return server.request("PUT", "/api/v2/calendar-events/batch", auth=bearer, body=body)


def test_a_12twenty_token_works_on_every_worker(server):
    integration = api_user("integration", *WRITE, "view_calendarevent", app="events")
    student = UserFactory(username="ada", password=None)

    since = server.mark()
    bearer = bearer_for(server, integration)
    answers = in_threads(
        [lambda n=n: put_batch(server, bearer, [event(n, student.pk)]) for n in range(40)]
    )
    assert [a.status for a in answers] == [200] * 40
    assert all(a.json()[0]["IsSuccessful"] for a in answers)
    served = server.served_since(since)
    [issued_pid] = [pid for pid, path in served if path.endswith("generateAuthenticationToken")]
    used_on = [pid for pid, path in served if path.endswith("/batch")]
    assert len(used_on) == 40
    assert len(set(used_on)) == WORKERS
    assert any(pid != issued_pid for pid in used_on)
    assert CalendarEvent.objects.count() == 40
    assert (
        server.get("/api/v2/calendar-events?PageSize=1&IncludeTotalCount=true", bearer).json()[
            "TotalCount"
        ]
        == 40
    )


def test_metrics_add_up_across_workers(server):
    def healthz_count() -> float:
        text = server.get("/metrics").body.decode()
        line = 'calendar_http_requests_total{method="GET",route="healthz",status="200"} '
        found = [ln for ln in text.splitlines() if ln.startswith(line)]
        return float(found[0].rsplit(" ", 1)[1]) if found else 0.0

    before = healthz_count()
    since = server.mark()
    answers = in_threads([lambda: server.get("/healthz") for _ in range(60)])
    assert [a.status for a in answers] == [200] * 60
    assert len({pid for pid, path in server.served_since(since) if path == "/healthz"}) == WORKERS
    # Whichever worker answers /metrics, it counts every worker's requests.
    assert [healthz_count() - before for _ in range(4)] == [60.0] * 4


def test_the_credentials_rate_limit_counts_across_workers(server):
    api_user("carol")

    def login() -> Answer:
        return server.get("/grs/v1/login", basic("carol", "wrong"))

    def token() -> Answer:
        return server.get("/api/client/generateAuthenticationToken?key=key_guess")

    # Twice the allowance at once, at both endpoints, served by both workers: the
    # allowance is the server's, not each worker's.
    since = server.mark()
    answers = in_threads([login, token] * RATE)
    assert sorted(a.status for a in answers) == [401] * RATE + [429] * RATE
    assert len(server.pids(since)) == WORKERS
    # And every worker goes on refusing, in each family's shape.
    since = server.mark()
    answers = in_threads([login, token] * THREADS)
    assert [a.status for a in answers] == [429] * 2 * THREADS
    assert [list(a.json()) for a in answers[:2]] == [["message"], ["Message"]]
    assert len(server.pids(since)) == WORKERS


def test_overlapping_batches_over_http_commit_whole_or_not_at_all(server):
    bearer = bearer_for(server, api_user("integration", *WRITE, app="events"))
    students = [UserFactory(username=f"racer{i}", password=None) for i in range(THREADS)]

    for round_ in range(ROUNDS):
        since = server.mark()
        bodies = racing_batches(round_=round_, user_ids=[s.pk for s in students])
        answers = run_concurrently([lambda b=b: put_batch(server, bearer, b) for b in bodies])
        answered = [(a.status, a.json()) for a in answers]
        check_racing_batches(round_=round_, bodies=bodies, answered=answered)
        assert len(server.pids(since)) == WORKERS
