"""The admin's login is limited per client address and per username."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends import db as db_cache
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory
from tests.helpers import run_concurrently

URL = "/admin/login/"


@pytest.fixture(autouse=True)
def limits(db, settings):
    settings.ADMIN_LOGIN_FAILURES_PER_USERNAME = 5
    settings.ADMIN_LOGIN_FAILURES_PER_ADDRESS = 8
    cache.clear()
    for name in ("boss", "other"):
        UserFactory(username=name, password="right-password", staff=True)


def attempt(username: str, password: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(URL, {"username": username, "password": password})


def test_wrong_passwords_in_a_row_lock_the_username_out():
    for _ in range(5):
        response = attempt("boss", "wrong")
        assert response.status_code == 200  # the form again, with its error
        assert b"Please enter the correct username and password" in response.content
    locked = attempt("boss", "right-password")  # even the right password, from anywhere
    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    assert attempt("boss", "right-password", address="10.9.9.9").status_code == 429
    # Another user, from another address, is not affected.
    assert attempt("other", "right-password", address="10.0.0.2").status_code == 302


def test_an_address_guessing_many_usernames_is_locked_out():
    for n in range(8):
        assert attempt(f"guess{n}", "wrong").status_code == 200
    assert attempt("other", "right-password").status_code == 429
    assert attempt("other", "right-password", address="10.0.0.2").status_code == 302


def test_the_username_lock_ignores_case_and_spaces():
    for name in ("boss", "BOSS", " Boss", "boSS", "BoSs "):
        assert attempt(name, "wrong").status_code == 200
    assert attempt("boss", "right-password", address="10.0.0.3").status_code == 429


def test_a_successful_login_starts_the_username_afresh():
    for _ in range(4):
        attempt("boss", "wrong")
    assert attempt("boss", "right-password").status_code == 302
    for _ in range(4):
        assert attempt("boss", "wrong").status_code == 200


def test_the_lock_ends_after_the_lockout(monkeypatch):
    for _ in range(5):
        attempt("boss", "wrong")
    assert attempt("boss", "right-password").status_code == 429
    # The database cache reads the clock through its tz_now: move it past the
    # lockout instead of sleeping, so a loaded machine cannot make the test flaky.
    later = timezone.now() + timedelta(seconds=settings.ADMIN_LOGIN_LOCKOUT_SECONDS + 1)
    monkeypatch.setattr(db_cache, "tz_now", lambda: later)
    assert attempt("boss", "right-password").status_code == 302


def test_the_form_itself_is_not_limited():
    for _ in range(10):
        attempt("boss", "wrong")
    assert Client().get(URL).status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_attempts_are_all_counted():
    results = run_concurrently([lambda: attempt("boss", "wrong").status_code for _ in range(12)])
    assert sorted(results) == [200] * 5 + [429] * 7
