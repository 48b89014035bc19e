"""The credential endpoints' rate limit (GRS login, 12Twenty token): per client
address, shared by both endpoints, kept in the database so that every worker process
counts the same attempts, and counting attempts sent in parallel too."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from calendars.models import GrsSession
from tests.factories import PASSWORD, UserFactory
from tests.helpers import basic, run_concurrently

LOGIN = "/grs/v1/login"
TOKEN = "/api/client/generateAuthenticationToken?key=key_guess"
LIMIT = 3


@pytest.fixture(autouse=True)
def rate(settings, db):
    settings.CREDENTIALS_RATE = f"{LIMIT}/minute"
    cache.clear()
    yield
    cache.clear()


def login(password: str, address: str = "10.0.0.1", client: Client | None = None):
    auth = basic("carol", password)
    return (client or Client()).get(LOGIN, HTTP_AUTHORIZATION=auth, REMOTE_ADDR=address)


def assert_throttled(response, key: str) -> None:
    assert response.status_code == 429
    assert list(response.json()) == [key]
    assert response.json()[key].startswith("Request was throttled.")
    assert 0 < int(response["Retry-After"]) <= 60


def test_grs_login_is_limited_per_address_whether_or_not_attempts_succeed(db):
    UserFactory(username="carol")
    statuses = [login(p).status_code for p in ("wrong", PASSWORD, "wrong")]
    assert statuses == [401, 200, 401]
    # The right password does not get past the limit, and opens no session.
    assert_throttled(login(PASSWORD), "message")
    assert GrsSession.objects.count() == 1
    # Another address is not held back by the first one's attempts.
    assert login(PASSWORD, address="10.0.0.2").status_code == 200


def test_both_credential_endpoints_share_one_count(db):
    UserFactory(username="carol")
    assert login("wrong").status_code == 401
    assert Client().get(TOKEN, REMOTE_ADDR="10.0.0.1").status_code == 401
    assert login("wrong").status_code == 401
    assert_throttled(Client().get(TOKEN, REMOTE_ADDR="10.0.0.1"), "Message")
    assert_throttled(login(PASSWORD), "message")


def test_the_count_lives_in_the_database_for_every_process(db):
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    table = settings.CACHES["default"]["LOCATION"]
    first, second = Client(), Client()  # no cookies or state in common
    for _ in range(LIMIT):
        assert first.get(TOKEN, REMOTE_ADDR="10.0.0.3").status_code == 401
    assert_throttled(second.get(TOKEN, REMOTE_ADDR="10.0.0.3"), "Message")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {connection.ops.quote_name(table)}")
        keys = [row[0] for row in cursor.fetchall()]
    assert any("throttle_credentials_10.0.0.3" in key for key in keys)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("endpoint", ["login", "token"])
def test_attempts_sent_in_parallel_are_all_counted(endpoint):
    """DRF's throttle reads the history, decides, writes it back: unserialized, ten
    attempts at once all read an empty history and all got through."""
    UserFactory(username="carol")
    for round_ in range(3):
        address = f"10.1.{round_}.1"

        def attempt(address=address) -> int:
            if endpoint == "login":
                return login("wrong", address=address).status_code
            return Client().get(TOKEN, REMOTE_ADDR=address).status_code

        statuses = run_concurrently([attempt] * 10)
        assert sorted(statuses) == [401] * LIMIT + [429] * (10 - LIMIT), statuses


def test_token_endpoint_is_rate_limited_per_address():
    client = APIClient()
    url = "/api/client/generateAuthenticationToken?key=guess"
    statuses = [client.get(url, REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    response = client.get(url, REMOTE_ADDR="10.0.0.1")
    assert list(response.json()) == ["Message"]
    assert int(response["Retry-After"]) > 0
    # Another address is not held back by the first one's guesses.
    assert client.get(url, REMOTE_ADDR="10.0.0.2").status_code == 401


def test_login_is_rate_limited_per_address():
    user = UserFactory()
    client = APIClient()
    wrong = basic(user.username, "guess")
    statuses = [
        client.get("/grs/v1/login", HTTP_AUTHORIZATION=wrong, REMOTE_ADDR="10.0.0.1").status_code
        for _ in range(4)
    ]
    assert statuses == [401, 401, 401, 429]
    right = basic(user.username, PASSWORD)
    held = client.get("/grs/v1/login", HTTP_AUTHORIZATION=right, REMOTE_ADDR="10.0.0.1")
    assert held.status_code == 429
    assert list(held.json()) == ["message"]
    assert int(held["Retry-After"]) > 0
    other = client.get("/grs/v1/login", HTTP_AUTHORIZATION=right, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200
