"""Any byte sequence in any credential is refused with the family's 401, never a 500.

PostgreSQL refuses NUL in text (psycopg DataError), so a NUL in a GRS login's username
used to reach the database and come back as a 500; the other sequences are here because
they are what an attacker tries next: control bytes, invalid or overlong UTF-8, encoded
surrogates, a BOM, colons, and sizes at and beyond what the columns hold.
"""

import base64
from urllib.parse import quote_from_bytes

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.helpers import basic

ODD = [
    b"\x00",
    b"a\x00b",
    b"\x00" * 200,
    b"\x01\x02\x1f\x7f",
    b"\r\n\t",
    b"\xff\xfe",
    b"\x80",
    b"\xc0\x80",  # overlong NUL
    b"\xed\xa0\x80",  # a surrogate, encoded
    b"\xef\xbb\xbf",  # BOM
    b"\xf4\x90\x80\x80",  # beyond U+10FFFF
    b":::",
    b"%00",
    b"' OR 1=1 --",
    b"\xf0\x9f\x98\x80" * 40,
    b"x" * 151,
    b"x" * 5000,
    "é".encode("latin-1"),
    "\u202e\ufeff".encode(),
]


@pytest.fixture(autouse=True)
def no_throttle(db, settings):
    # Dozens of attempts from one address: the credentials throttle is not under test.
    settings.CREDENTIALS_RATE = "100000/minute"
    cache.clear()


@pytest.fixture
def known_user(django_user_model):
    return UserFactory(username="known", password="right-password")


def basic_bytes(username: bytes, secret: bytes) -> str:
    return "Basic " + base64.b64encode(username + b":" + secret).decode()


def pairs():
    for odd in ODD:
        yield odd, b"right-password"
        yield b"known", odd
        yield odd, odd
        yield b"known" + odd, b"right-password"


@pytest.mark.parametrize(("username", "secret"), list(pairs()))
def test_grs_login_refuses_any_bytes_with_401(known_user, username, secret):
    response = APIClient().get("/grs/v1/login", HTTP_AUTHORIZATION=basic_bytes(username, secret))
    assert response.status_code == 401, response.content
    assert response.json() == {"message": "Userid/Password not valid"}


@pytest.mark.parametrize(("username", "secret"), list(pairs()))
def test_grs_api_token_refuses_any_bytes_with_401(known_user, username, secret):
    response = APIClient().get("/grs/v1/tenants", HTTP_AUTHORIZATION=basic_bytes(username, secret))
    assert response.status_code == 401, response.content
    assert response.json() == {"message": "APIToken not valid"}


def test_grs_login_still_works_beside_them(known_user):
    response = APIClient().get("/grs/v1/login", HTTP_AUTHORIZATION=basic("known", "right-password"))
    assert response.status_code == 200


@pytest.mark.parametrize("key", ODD)
def test_events_key_refuses_any_bytes_with_401(db, key):
    path = "/api/client/generateAuthenticationToken?key=" + quote_from_bytes(key)
    response = APIClient().get(path)
    assert response.status_code == 401, response.content
    assert response.json() == {"Message": "The API key is not valid."}


@pytest.mark.parametrize("token", ODD)
def test_events_bearer_token_refuses_any_bytes_with_401(db, token):
    # A header travels as latin-1 in WSGI: every byte can arrive.
    header = "Bearer " + token.decode("latin-1")
    response = APIClient().get("/api/v2/calendar-events", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401, response.content
    assert response.json() == {"Message": "Authorization has been denied for this request."}
