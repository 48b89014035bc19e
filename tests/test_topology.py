"""The README's serve command, `deploy/serve.py`, as it runs for real: nginx in front of
two independent gunicorn instances (each its own master, worker and port) on the test
database. Slow clients do not hold the workers; the client's address reaches the
credentials rate limit through the front; an instance killed mid-traffic loses nothing
for clients that retry, and the two behave as one service throughout."""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.cache import cache

from calendars.models import Calendar
from deploy.instance import listening
from events.models import CalendarEvent
from tests.factories import UserFactory
from tests.helpers import basic
from tests.served import (
    PASSWORD,
    WRITE,
    Stack,
    api_user,
    bearer_for,
    contested_calendar,
    database_url,
    event,
    request,
    retrying,
    served_stack,
)

RATE = 5  # credential attempts per minute and client address, for the whole service
BATCH = 40
WRITERS = 4
# A guessed API key: an attempt the credentials rate limit counts (and cheap to refuse,
# unlike a password, whose hashing takes a good part of a second).
TOKEN_GUESS = "/api/client/generateAuthenticationToken?key=key_guess"

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.real_hashers,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def stack(django_db_setup, django_db_blocker) -> Iterator[Stack]:
    with django_db_blocker.unblock():
        url = database_url()
    env = {"DATABASE_URL": url, "CONN_MAX_AGE": "600", "CREDENTIALS_RATE": f"{RATE}/minute"}
    with served_stack(env, instances=2, workers=1) as served:
        yield served


@pytest.fixture(autouse=True)
def fresh_rate_limit(db):
    cache.clear()  # the count lives in the database cache, which flushing does not empty


def probe(stack: Stack, count: int) -> list[float]:
    """Seconds each of ``count`` ordinary requests takes, one after another."""
    took = []
    for _ in range(count):
        start = time.monotonic()
        answer = stack.request("GET", "/grs/v1/tenants", timeout=10)
        took.append(time.monotonic() - start)
        assert answer.status == 401
    return took


def trickle(port: int, data: bytes, until: threading.Event, sent: list[int]) -> None:
    """Send ``data`` one byte every 0.3 s until told to stop: a slow client."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        for byte in data:
            if until.wait(0.3):
                return
            conn.sendall(bytes([byte]))
            sent[0] += 1


def slow_requests() -> list[bytes]:
    headers = b"GET /grs/v1/tenants HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200
    body = (
        b"PUT /api/v2/calendar-events/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n" + b"[" * 200
    )
    return [headers] * 6 + [body] * 4


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def test_slow_clients_do_not_hold_the_workers(stack):
    probe(stack, 4)  # each worker's first request opens its database connection
    quiet = probe(stack, 20)
    # Ten clients trickle their headers or bodies at the front while others are served.
    until, sent = threading.Event(), [0]
    slow = [
        threading.Thread(target=trickle, args=(stack.port, data, until, sent))
        for data in slow_requests()
    ]
    for thread in slow:
        thread.start()
    try:
        time.sleep(1)
        busy = probe(stack, 20)
        still_trickling = all(thread.is_alive() for thread in slow)
        # The same trickle straight at an instance's one worker holds it: what the front
        # is for (this probe would wait as long as the slow client likes).
        direct = threading.Thread(
            target=trickle, args=(stack.backends[0], slow_requests()[0], until, sent)
        )
        direct.start()
        time.sleep(0.5)
        with pytest.raises(TimeoutError):
            request(stack.backends[0], "GET", "/grs/v1/tenants", timeout=2)
    finally:
        until.set()
        for thread in [*slow, direct]:
            thread.join()
    assert still_trickling and sent[0] > 100
    assert max(busy) < 2, busy
    print(
        f"\nprobe latency, ms: quiet p50 {statistics.median(quiet) * 1000:.1f}"
        f" p99 {percentile(quiet, 0.99) * 1000:.1f}; with 10 slow clients p50"
        f" {statistics.median(busy) * 1000:.1f} p99 {percentile(busy, 0.99) * 1000:.1f}"
    )


def test_the_rate_limit_sees_each_client_address_through_the_front(stack):
    def login(source: str, forwarded: str = "") -> int:
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return stack.request("GET", TOKEN_GUESS, headers=headers, source=source).status

    # A client that makes up X-Forwarded-For entries is still counted at its address,
    # across both instances.
    statuses = [login("127.0.0.2", f"10.0.0.{n}") for n in range(2 * RATE)]
    assert statuses == [401] * RATE + [429] * RATE
    # Another client, at another address, has its own allowance.
    assert login("127.0.0.3") == 401
    assert login("127.0.0.3", "127.0.0.2") == 401


def test_an_instance_killed_mid_traffic_loses_nothing(stack):
    integration = api_user("integration", *WRITE, "view_calendarevent", app="events")
    students = [UserFactory(username=f"s{i}", password=None) for i in range(WRITERS)]
    calendar, base = contested_calendar("carol", "dave")
    lock_path = f"{base}/lockcalendar/{calendar.external_id}"
    body_path = f"{base}/businesscalendarbody/{calendar.external_id}"

    # Credentials issued before the kill, by whichever instance.
    bearer = bearer_for(stack, integration)
    carol = basic("carol", stack.request("GET", "/grs/v1/login", auth=basic("carol", PASSWORD)).json()["apiToken"])  # fmt: skip  # noqa: E501
    dave = basic("dave", stack.request("GET", "/grs/v1/login", auth=basic("dave", PASSWORD)).json()["apiToken"])  # fmt: skip  # noqa: E501
    assert stack.request("GET", lock_path, auth=carol).status == 204

    until = threading.Event()
    sent: list[list[str]] = []  # every batch's ExternalIds
    answers: list[tuple[str, int, object]] = []  # (what, status, json)
    retries = [0]
    errors: list[BaseException] = []
    last_body = [0]
    after_kill = [0]
    killed = threading.Event()

    def record(what: str, call) -> object:
        answer, failed = retrying(call)
        retries[0] += failed
        answers.append((what, answer.status, answer.json() if answer.body else None))
        if killed.is_set():
            after_kill[0] += 1
        return answer

    def writer(w: int) -> None:
        k = 0
        while not until.is_set():
            body = [{**event(0, students[w].pk), "ExternalId": f"w{w}-b{k}-{i}"} for i in range(BATCH)]  # fmt: skip  # noqa: E501
            sent.append([item["ExternalId"] for item in body])
            record("batch", lambda b=body: stack.request("PUT", "/api/v2/calendar-events/batch", auth=bearer, body=b))  # fmt: skip  # noqa: E501
            k += 1

    def modifier() -> None:
        n = 0
        while not until.is_set():
            n += 1
            body = {"exceptions": [{"name": f"Holiday {n}", "type": "HOLIDAY", "placement": "ANNUAL", "annualMonth": 1, "annualDay": 1 + n % 28}]}  # fmt: skip  # noqa: E501
            answer = record("modify", lambda b=body: stack.request("PUT", body_path, auth=carol, body=b))  # fmt: skip  # noqa: E501
            if answer.status == 201:
                last_body[0] = n

    def intruder() -> None:
        while not until.is_set():
            record("lock", lambda: stack.request("GET", lock_path, auth=dave))
            record("intrude", lambda: stack.request("PUT", body_path, auth=dave, body={"exceptions": []}))  # fmt: skip  # noqa: E501

    def guarded(target, *args) -> None:
        try:
            target(*args)
        except BaseException as exc:  # handed to the test below
            errors.append(exc)

    jobs = [(writer, w) for w in range(WRITERS)] + [(modifier,), (intruder,)]
    threads = [threading.Thread(target=guarded, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    victim = stack.backends[0]
    old_pid = stack.instance_pid(victim)
    before_kill = len(answers)
    stack.kill_instance(victim)
    killed.set()
    time.sleep(3)
    until.set()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert before_kill > 0 and after_kill[0] > 10

    # Every request got its answer in the end, and the right one.
    statuses = {}
    for what, status, _ in answers:
        statuses.setdefault(what, set()).add(status)
    assert statuses == {"batch": {200}, "modify": {201}, "lock": {412}, "intrude": {412}}
    assert all(r["IsSuccessful"] for what, _, body in answers if what == "batch" for r in body)
    # Every batch is in the table whole: none lost, none in part.
    stored = set(CalendarEvent.objects.values_list("external_id", flat=True))
    assert all(set(ids) <= stored for ids in sent)
    assert len(stored) == BATCH * len(sent)
    # The lock stayed carol's and her last write is the body, whoever served it.
    body = stack.request("GET", body_path, auth=dave).json()
    assert [e["name"] for e in body["exceptions"]] == [f"Holiday {last_body[0]}"]
    assert Calendar.objects.get(pk=calendar.pk).lock_user.username == "carol"

    # The killed instance was started again by the serve command; both serve again.
    deadline = time.monotonic() + 30
    while not listening(victim) or stack.instance_pid(victim) == old_pid:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    log = stack.access_log()
    assert f'"127.0.0.1:{victim}"' in log and f'"127.0.0.1:{stack.backends[1]}"' in log
    # The rate limit still counts once for the whole service.
    logins = [stack.request("GET", TOKEN_GUESS, source="127.0.0.4") for _ in range(2 * RATE)]
    assert [a.status for a in logins] == [401] * RATE + [429] * RATE
    print(
        f"\nkilled one of 2 instances mid-run: {len(answers)} requests answered"
        f" ({after_kill[0]} after the kill), {retries[0]} retried attempts, 0 lost;"
        f" {len(sent)} batches of {BATCH} all whole"
    )


def test_a_body_larger_than_nginx_keeps_in_memory_reaches_the_app(stack):
    # ~1 MB: nginx writes it to its temp dir in the run directory (as nobody, run as
    # root) before handing it on; the answer is the app's own (no token: 401).
    body = b"[" + b",".join([b'{"Title": "' + b"x" * 100 + b'"}'] * 9000) + b"]"
    answer = stack.request("PUT", "/api/v2/calendar-events/batch", body=body)
    assert (answer.status, answer.headers["WWW-Authenticate"]) == (401, "Bearer")


def test_metrics_through_the_front_add_up_across_instances(stack):
    def healthz_count() -> float:
        answer = stack.get("/metrics")
        assert answer.status == 200
        line = 'calendar_http_requests_total{method="GET",route="healthz",status="200"} '
        found = [ln for ln in answer.body.decode().splitlines() if ln.startswith(line)]
        return float(found[0].rsplit(" ", 1)[1]) if found else 0.0

    before = healthz_count()
    for n in range(20):
        # From several loopback addresses: each is this machine, so each may read /metrics.
        assert stack.request("GET", "/healthz", source=f"127.0.0.{2 + n % 3}").status == 200
    assert [healthz_count() - before for _ in range(4)] == [20.0] * 4
