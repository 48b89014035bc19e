"""Secrets: stored only as hashes, looked up by hash; what is compared, in constant time.

Every secret the site hands out or takes is issued the way staff and clients do (the
commands, the admin, the HTTP endpoints) and used once; then every text and binary
column of every row of every table is searched for it, in plain text and in the
reversible encodings a careless fix might use. Passwords use Django's default hasher
(what production stores), except in the tests about other secrets, which only need
the passwords to work.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, get_hasher, identify_hasher
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from calendars.models import Tenant
from calendarsite.credentials import hash_secret
from events.services import feed_token_create
from tests.factories import UserFactory
from tests.helpers import basic

PASSWORD = "a-Long-pass-phrase-4711"


def last_line(command: str, *args: str) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def stored_values() -> Iterator[tuple[str, str]]:
    """``(table, text)`` for every non-NULL text or binary value in the database."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, memoryview):
                        value = value.tobytes()
                    if isinstance(value, bytes):
                        value = value.decode("latin-1")
                    if isinstance(value, str):
                        yield table, value


def disguises(secret: str) -> dict[str, str]:
    """The secret and what a careless store would make of it without a real hash."""
    raw = secret.encode()
    return {
        "plain": secret,
        "base64": base64.b64encode(raw).decode(),
        "urlsafe base64": base64.urlsafe_b64encode(raw).decode().rstrip("="),
        "hex": raw.hex(),
        "reversed": secret[::-1],
    }


@pytest.fixture
def issued(db, caplog) -> dict[str, str]:
    """One of each secret, issued and used the way clients and staff do."""
    caplog.set_level(logging.DEBUG)
    tenant = Tenant.objects.create(name="Environment")
    call_command(
        "create_api_user", "carol", "--password", PASSWORD, "--tenant", str(tenant.pk),
        "--permission", "CALENDAR_VIEW", stdout=io.StringIO(),
    )  # fmt: skip
    login = Client().get("/grs/v1/login", HTTP_AUTHORIZATION=basic("carol", PASSWORD))
    grs_token = login.json()["apiToken"]
    assert Client().get("/grs/v1/tenants", HTTP_AUTHORIZATION=basic("carol", grs_token)).json()

    integration = UserFactory(username="integration")
    key = last_line("create_api_key", "integration")
    staff = Client()
    staff.force_login(UserFactory(username="boss", password=PASSWORD + "!", staff=True))
    shown = staff.post("/admin/events/apikey/add/", {"user": integration.pk}, follow=True)
    admin_key = shown.content.decode().split("The new API key is ")[1].split(" ")[0]
    shown = staff.post("/admin/events/feedtoken/add/", {"user": integration.pk}, follow=True)
    admin_feed = shown.content.decode().split("/feeds/")[1].split(".ics")[0]

    token_url = "/api/client/generateAuthenticationToken"
    bearer = Client().get(token_url, {"key": key}).json()
    bearer_of_admin_key = Client().get(token_url, {"key": admin_key}).json()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"}
    assert Client().get("/api/v2/calendar-events", **headers).status_code == 403  # authenticated
    _, feed = feed_token_create(user=integration)
    assert Client().get(f"/api/v2/calendar-events/feeds/{feed}.ics").status_code == 200
    return {
        "password": PASSWORD,
        "staff password": PASSWORD + "!",
        "GRS session token": grs_token,
        "12Twenty API key": key,
        "12Twenty API key issued in the admin": admin_key,
        "bearer token": bearer,
        "bearer token of the admin's key": bearer_of_admin_key,
        "feed secret": feed,
        "feed secret issued in the admin": admin_feed,
    }


@pytest.mark.real_hashers
def test_no_secret_is_stored_or_logged_in_a_readable_form(issued, caplog):
    values = list(stored_values())
    assert any(table == "auth_user" for table, _ in values)  # the search reads real rows
    for name, secret in issued.items():
        assert len(secret) >= 20, name
        for disguise, text in disguises(secret).items():
            found = [table for table, value in values if text in value]
            assert not found, f"{name} stored ({disguise}) in {found}"
        assert secret not in caplog.text, f"{name} logged"


@pytest.mark.real_hashers
def test_passwords_are_salted_slow_hashes(issued):
    hasher = get_hasher("default")
    assert hasher.algorithm == "pbkdf2_sha256"  # Django's default: salted, iterated
    passwords = {"carol": PASSWORD, "boss": PASSWORD + "!"}
    for user in get_user_model().objects.filter(username__in=passwords):
        assert identify_hasher(user.password).algorithm == hasher.algorithm
        assert check_password(passwords[user.username], user.password)
    fast = {hashlib.sha256(p.encode()).hexdigest() for p in passwords.values()}
    fast |= {hashlib.md5(p.encode()).hexdigest() for p in passwords.values()}  # noqa: S324
    assert not [table for table, value in stored_values() for digest in fast if digest in value]


def test_tokens_and_keys_are_stored_as_their_sha256(issued):
    values = {value for _, value in stored_values()}
    assert hash_secret(issued["GRS session token"]) in values
    for name in ("12Twenty API key", "bearer token", "feed secret"):
        assert hash_secret(issued[name]) in values


# --- comparisons ---------------------------------------------------------------------


@contextmanager
def compares() -> Iterator[list[tuple[bytes, bytes]]]:
    """Record every constant-time comparison: hmac.compare_digest, and secrets'
    (the same function, which Django's constant_time_compare and hashers call)."""
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def record(a, b):
        calls.append(
            (a.encode() if isinstance(a, str) else a, b.encode() if isinstance(b, str) else b)
        )
        return real(a, b)

    with mock.patch("hmac.compare_digest", record), mock.patch("secrets.compare_digest", record):
        yield calls


@contextmanager
def sql() -> Iterator[list[str]]:
    with CaptureQueriesContext(connection) as captured:
        statements: list[str] = []
        yield statements
    statements += [query["sql"] for query in captured.captured_queries]


def assert_looked_up_by_hash(statements: list[str], secret: str, digest: str) -> None:
    assert any(digest in statement for statement in statements)
    assert not any(secret in statement for statement in statements)


@pytest.mark.real_hashers
def test_grs_password_is_checked_by_the_hasher_in_constant_time(issued):
    stored = get_user_model().objects.get(username="carol").password.encode()
    for password, status in ((PASSWORD, 200), ("wrong-" + PASSWORD, 401)):
        with compares() as calls, sql() as statements:
            response = Client().get("/grs/v1/login", HTTP_AUTHORIZATION=basic("carol", password))
        assert response.status_code == status
        assert [a for a, _ in calls] == [stored]  # the hasher's constant_time_compare
        assert not any(password in statement for statement in statements)


def test_grs_token_is_looked_up_by_hash_and_its_user_compared_in_constant_time(issued):
    token = issued["GRS session token"]
    with compares() as calls, sql() as statements:
        response = Client().get("/grs/v1/tenants", HTTP_AUTHORIZATION=basic("carol", token))
    assert response.status_code == 200
    assert_looked_up_by_hash(statements, token, hash_secret(token))
    # The username that came with the token is compared with the session's owner's.
    assert (b"carol", b"carol") in calls


@pytest.mark.parametrize(
    ("name", "url", "status"),
    [
        ("12Twenty API key", "/api/client/generateAuthenticationToken?key={}", 200),
        # Authenticated (not 401); the integration may not read events (403).
        ("bearer token", "/api/v2/calendar-events", 403),
        ("feed secret", "/api/v2/calendar-events/feeds/{}.ics", 200),
    ],
)
def test_12twenty_secrets_are_looked_up_by_hash_alone(issued, name, url, status):
    """A row found by ``WHERE hash = %s`` is the secret's: comparing the hash again adds
    nothing, and the probe's timing tells only of the hash of what was sent
    (calendarsite.credentials)."""
    secret = issued[name]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if name == "bearer token" else {}
    with compares() as calls, sql() as statements:
        response = Client().get(url.format(secret), **headers)
    assert response.status_code == status
    digest = hash_secret(secret)
    assert_looked_up_by_hash(statements, secret, digest)
    assert calls == []
