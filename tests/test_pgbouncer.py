"""The service unchanged behind PgBouncer in transaction pooling mode (Debian's
pgbouncer, started here on a free port; deploy/pgbouncer.py), with PGBOUNCER=true: two
instances of two workers share two server connections, so consecutive transactions of
one worker run on different server sessions. Racing batches, the credentials rate limit
(an advisory lock), GRS locks and business time all behave as on a direct connection."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import psycopg
import pytest
from django.core.cache import cache

from deploy.pgbouncer import pgbouncer
from tests.factories import CalendarFactory, PackageFactory, UserFactory
from tests.helpers import basic, check_racing_batches, racing_batches, run_concurrently
from tests.served import (
    PASSWORD,
    ROOT,
    WRITE,
    Stack,
    api_user,
    bearer_for,
    database_url,
    served_stack,
)

RATE = 6
THREADS = 6

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.real_hashers,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def direct_url(django_db_setup, django_db_blocker) -> str:
    with django_db_blocker.unblock():
        return database_url()


@pytest.fixture(scope="module")
def stack(direct_url) -> Iterator[Stack]:
    with pgbouncer(direct_url, pool_size=2) as url:
        env = {
            "DATABASE_URL": url,
            "PGBOUNCER": "true",
            "CONN_MAX_AGE": "600",
            "CREDENTIALS_RATE": f"{RATE}/minute",
        }
        with served_stack(env, instances=2, workers=2) as served:
            yield served


@pytest.fixture(autouse=True)
def fresh_rate_limit(db):
    cache.clear()


def test_the_settings_pgbouncer_needs():
    code = (
        "from django.conf import settings; import django; django.setup();"
        "db = settings.DATABASES['default'];"
        "print(db['DISABLE_SERVER_SIDE_CURSORS'], db['OPTIONS']['prepare_threshold'])"
    )
    env = {**os.environ, "PGBOUNCER": "true", "DJANGO_SETTINGS_MODULE": "calendarsite.settings"}
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True", "None"]


def test_session_advisory_locks_do_not_exclude_through_transaction_pooling(direct_url):
    """Why the rate limit's lock is pg_advisory_xact_lock: a session lock taken through
    pgbouncer stays on a server session that the next client is lent, and that client
    then "takes" it too."""
    with (
        pgbouncer(direct_url, pool_size=1) as url,
        psycopg.connect(url, autocommit=True, prepare_threshold=None) as first,
        psycopg.connect(url, autocommit=True, prepare_threshold=None) as second,
        psycopg.connect(direct_url, autocommit=True) as outside,
    ):
        assert first.execute("SELECT pg_try_advisory_lock(4711)").fetchone() == (True,)
        assert second.execute("SELECT pg_try_advisory_lock(4711)").fetchone() == (True,)
        first.execute("SELECT pg_advisory_unlock_all()")
        # A transaction-scoped lock excludes for as long as its transaction lends the
        # session to its client.
        with first.transaction():
            first.execute("SELECT pg_advisory_xact_lock(4711)")
            taken = outside.execute("SELECT pg_try_advisory_lock(4711)").fetchone()
        assert taken == (False,)


def test_racing_batches_commit_whole_or_not_at_all(stack):
    bearer = bearer_for(stack, api_user("integration", *WRITE, app="events"))
    students = [UserFactory(username=f"racer{i}", password=None) for i in range(THREADS)]
    for round_ in range(2):
        bodies = racing_batches(round_=round_, user_ids=[s.pk for s in students])
        answers = run_concurrently(
            [
                lambda b=b: stack.request(
                    "PUT", "/api/v2/calendar-events/batch", auth=bearer, body=b
                )
                for b in bodies
            ]
        )
        answered = [(a.status, a.json()) for a in answers]
        check_racing_batches(round_=round_, bodies=bodies, answered=answered)


def test_the_credentials_rate_limit_counts_every_attempt(stack):
    guess = "/api/client/generateAuthenticationToken?key=key_guess"
    answers = run_concurrently([lambda: stack.request("GET", guess)] * (2 * RATE))
    assert sorted(a.status for a in answers) == [401] * RATE + [429] * RATE


def test_grs_locks_and_business_time(stack):
    package = PackageFactory()
    calendar = CalendarFactory(package=package)  # Monday-Friday 09:00-17:30, Europe/Paris
    for name in ("carol", "dave"):
        package.tenant.members.add(api_user(name, "CALENDAR_VIEW", "CALENDAR_MODIFY"))
    base = f"/grs/v1/tenant/{package.tenant_id}/package/{package.pk}"
    users = {}
    for name in ("carol", "dave"):
        token = stack.get("/grs/v1/login", basic(name, PASSWORD)).json()["apiToken"]
        users[name] = basic(name, token)

    for _ in range(3):
        # Both ask for the lock at once: one gets it, the other is refused.
        lock = f"{base}/lockcalendar/{calendar.external_id}"
        answers = run_concurrently(
            [lambda a=auth, p=lock: stack.get(p, a) for auth in users.values()]
        )
        assert sorted(a.status for a in answers) == [204, 412]
        holder = list(users.values())[[a.status for a in answers].index(204)]
        assert stack.get(f"{base}/unlockcalendar/{calendar.external_id}", holder).status == 204

    at = f"{base}/calendar/{calendar.external_id}"
    questions = [
        (f"{at}/working?at=2026-06-10T10:00:00Z", {"at": "2026-06-10T10:00:00Z", "working": True}),
        (f"{at}/working?at=2026-06-13T10:00:00Z", {"at": "2026-06-13T10:00:00Z", "working": False}),
        # Friday 17:00 in Paris + 60 working minutes: Monday 09:30 in Paris.
        (f"{at}/add?start=2026-06-12T15:00:00Z&minutes=60", {"end": "2026-06-15T07:30:00Z"}),
    ]
    answers = run_concurrently([lambda p=p: stack.get(p, users["dave"]) for p, _ in questions])
    assert [(a.status, a.json()) for a in answers] == [(200, want) for _, want in questions]
