"""The database goes away under a running server: 503 in the family's shape (each of the
two API families), nothing half-written, and recovery without a restart. A live server is
used because the test client, unlike a real server, does not check connections at the
start of a request."""

import json
import threading
import time
import urllib.error
import urllib.request

import psycopg
import pytest
from django.db import connection

from calendars import services
from events.models import CalendarEvent
from events.services import api_key_create, api_token_issue
from tests.calendars.conftest import ALL, member, url
from tests.events.conftest import event, grant_event_writes
from tests.factories import PackageFactory, UserFactory
from tests.helpers import basic

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def call(url: str, method: str = "GET", body=None, token: str | None = None, auth: str = ""):
    """``token`` is a 12Twenty bearer token, ``auth`` a whole Authorization value."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (loopback)
    request.add_header("Content-Type", "application/json")
    if token:
        auth = f"Bearer {token}"
    if auth:
        request.add_header("Authorization", auth)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def side_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


def server_backends(side: psycopg.Connection) -> list[int]:
    rows = side.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND pid <> pg_backend_pid() AND pid <> %s",
        [connection.connection.info.backend_pid],
    ).fetchall()
    return [pid for (pid,) in rows]


@pytest.fixture
def token():
    integration = UserFactory(username="integration")
    grant_event_writes(integration)
    _, key = api_key_create(user=integration)
    return api_token_issue(key=key)


def test_batch_killed_mid_write_answers_503_writes_nothing_and_recovers(live_server, token):
    student = UserFactory(username="ada")
    url = f"{live_server.url}/api/v2/calendar-events/batch"
    body = [event(f"e{i}", student.pk) for i in range(1000)]
    assert call(url, "PUT", [event("warm", student.pk)], token)[0] == 200

    side, watcher = side_connection(), side_connection()
    with side.transaction():
        # Hold the table so the batch's write waits, then kill the server's connection
        # while its write is in flight.
        side.execute(f"LOCK TABLE {CalendarEvent._meta.db_table} IN EXCLUSIVE MODE")
        outcome = {}
        request = threading.Thread(target=lambda: outcome.update(r=call(url, "PUT", body, token)))
        request.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            # Polled from another connection: inside a transaction pg_stat_activity is
            # a snapshot taken at its first read.
            waiting = watcher.execute(
                "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                " AND datname = current_database()"
            ).fetchall()
            if waiting:
                break
            time.sleep(0.05)
        assert waiting, "the batch never reached its write"
        for (pid,) in waiting:
            side.execute("SELECT pg_terminate_backend(%s)", [pid])
        request.join(timeout=30)

    status, answer = outcome["r"]
    assert status == 503
    assert list(answer) == ["Message"]
    assert CalendarEvent.objects.filter(external_id__startswith="e").count() == 0

    # Back by itself: the next request gets a fresh connection.
    status, results = call(url, "PUT", body, token)
    assert status == 200
    assert all(r["IsSuccessful"] for r in results)
    assert CalendarEvent.objects.filter(external_id__startswith="e").count() == 1000
    side.close()
    watcher.close()


def twelve_twenty(live_server) -> dict:
    """A one-event batch, its 503 and its recovery, in the 12Twenty family."""
    integration = UserFactory(username="integration")
    grant_event_writes(integration)
    _, key = api_key_create(user=integration)
    student = UserFactory(username="ada")
    return {
        "ask": lambda: call(
            f"{live_server.url}/api/v2/calendar-events/batch",
            "PUT",
            [event("e1", student.pk)],
            api_token_issue(key=key),
        ),
        "down": {"Message": "Service unavailable, try again shortly."},
        "back": lambda answer: answer[1][0]["IsSuccessful"],
    }


def grs(live_server) -> dict:
    """A package's calendar list, its 503 and its recovery, in the GRS family."""
    package = PackageFactory()
    user = member(package.tenant, *ALL)
    _, token = services.grs_session_create(user=user)
    address = live_server.url + url(package, "calendars")
    return {
        "ask": lambda: call(address, auth=basic(user.username, token)),
        "down": {"message": "Service unavailable, try again shortly."},
        "back": lambda answer: answer[1] == {"calendars": []},
    }


@pytest.mark.parametrize("family", [twelve_twenty, grs], ids=["12twenty", "grs"])
def test_database_unreachable_answers_503_then_recovers(live_server, family):
    family = family(live_server)
    db = connection.settings_dict  # shared with the server thread's connection
    real_port = db["PORT"]
    side = side_connection()
    try:
        db["PORT"] = "1"  # nothing listens there
        for pid in server_backends(side):
            side.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert family["ask"]() == (503, family["down"])
    finally:
        db["PORT"] = real_port
        side.close()
    answer = family["ask"]()
    assert answer[0] == 200
    assert family["back"](answer)
