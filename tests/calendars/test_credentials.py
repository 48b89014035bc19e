"""Change password, the staff's must-change-password flag, and credentials that follow
the user: a new password (by any path) or a deactivation ends the user's GRS sessions
and frees their locks at once."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from calendars.models import Calendar, GrsAccount, GrsSession
from tests.factories import PASSWORD, UserFactory

from .conftest import api_client, url

NEW = "a-New-long-passphrase-42"
TOKEN_INVALID = {"message": "APIToken not valid"}
CHANGE_REQUIRED = {
    "message": "Validation Failed",
    "errors": [{"code": 1000, "message": "Password Change Required"}],
}
HELD = {"message": "Precondition failed\u2014another user holds the lock for this resource"}


def login(username: str, password: str):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(username, password))
    return client.get("/grs/v1/login")


def change(client, body):
    return client.put("/grs/v1/changepassword", body, format="json")


def with_password(username: str, password: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(username, password))
    return client


def basic(username, secret):
    from tests.helpers import basic as _basic

    return _basic(username, secret)


# --- PUT /grs/v1/changepassword --------------------------------------------------------


def test_change_password_with_the_api_token(client, user):
    other_session = api_client(user)
    response = change(client, {"newPassword": NEW})
    assert (response.status_code, response.content) == (204, b"")
    assert login("alice", PASSWORD).status_code == 401
    assert login("alice", NEW).status_code == 200
    # Every session of the user has ended, this one too: the old apiTokens stop working.
    for old in (client, other_session):
        response = old.get("/grs/v1/tenants")
        assert (response.status_code, response.json()) == (401, TOKEN_INVALID)


def test_change_password_with_the_password(user):
    response = change(with_password("alice", PASSWORD), {"newPassword": NEW})
    assert response.status_code == 204
    assert login("alice", NEW).status_code == 200


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {},
            [{"code": "1000", "field": "newPassword", "message": "newPassword must be specified"}],
        ),
        (
            {"newPassword": 12345678901},
            [{"code": "1000", "field": "newPassword", "message": "newPassword must be specified"}],
        ),
        (
            {"newPassword": "password"},
            [
                {
                    "code": "1001",
                    "field": "newPassword",
                    "message": "This password is too common.",
                }
            ],
        ),
        (
            {"newPassword": "8437"},
            [
                {
                    "code": "1001",
                    "field": "newPassword",
                    "message": "This password is too short. It must contain at least 8 characters.",
                },
                {
                    "code": "1001",
                    "field": "newPassword",
                    "message": "This password is entirely numeric.",
                },
            ],
        ),
        (
            {"newPassword": "alice1234"},
            [
                {
                    "code": "1001",
                    "field": "newPassword",
                    "message": "The password is too similar to the username.",
                }
            ],
        ),
    ],
)
def test_change_password_uses_the_admins_validators(client, user, body, errors):
    response = change(client, body)
    assert response.status_code == 422
    assert response.json() == {"message": "Validation Failed", "errors": errors}
    assert login("alice", PASSWORD).status_code == 200  # unchanged
    assert client.get("/grs/v1/tenants").status_code == 200  # the session lives on


@pytest.mark.parametrize("secret", ["wrong-password", "x" * 43, "\x00"])
def test_change_password_401_for_wrong_credentials(user, secret):
    response = change(with_password("alice", secret), {"newPassword": NEW})
    assert (response.status_code, response.json()) == (401, TOKEN_INVALID)
    assert response["WWW-Authenticate"] == 'Basic realm="GRS"'
    assert login("alice", PASSWORD).status_code == 200


def test_change_password_415_and_400(client):
    response = client.put("/grs/v1/changepassword", "newPassword=x", content_type="text/plain")
    assert response.status_code == 415
    response = client.put("/grs/v1/changepassword", "[1]", content_type="application/json")
    assert response.status_code == 400


def test_inactive_user_cannot_change_the_password(user):
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    response = change(with_password("alice", PASSWORD), {"newPassword": NEW})
    assert response.status_code == 401


# --- must change password --------------------------------------------------------------


def test_flagged_user_login_is_422_then_changes_with_the_password(user, client):
    GrsAccount.objects.create(user=user, must_change_password=True)
    response = login("alice", PASSWORD)
    assert response.status_code == 422
    assert response.json() == CHANGE_REQUIRED
    assert type(response.json()["errors"][0]["code"]) is int  # a number, as the vendor shows
    # A wrong password is still a 401: the 422 tells nothing to a guesser.
    assert login("alice", "wrong").status_code == 401
    # A session opened before the flag may only change the password.
    assert client.get("/grs/v1/tenants").json() == CHANGE_REQUIRED
    # The stock client's way out: changepassword with username:password.
    assert change(with_password("alice", PASSWORD), {"newPassword": NEW}).status_code == 204
    assert GrsAccount.objects.get(user=user).must_change_password is False
    response = login("alice", NEW)
    assert response.status_code == 200
    token = response.json()["apiToken"]
    assert with_password("alice", token).get("/grs/v1/tenants").status_code == 200


def test_flagged_user_with_a_token_may_change_the_password(user, client):
    GrsAccount.objects.create(user=user, must_change_password=True)
    assert change(client, {"newPassword": NEW}).status_code == 204
    assert login("alice", NEW).status_code == 200


# --- credentials follow the user ---------------------------------------------------------


@pytest.fixture
def holder(client, package, calendar):
    """alice's session holding the calendar's lock."""
    assert client.get(url(package, "lockcalendar", calendar)).status_code == 204
    return client


def assert_ended(client, other_client, package, calendar):
    """alice's old token is refused and her lock is free for bob at once."""
    response = client.get("/grs/v1/tenants")
    assert (response.status_code, response.json()) == (401, TOKEN_INVALID)
    listed = other_client.get(url(package, "calendars")).json()["calendars"][0]
    assert (listed["locked"], listed["lockOwner"]) == (False, None)
    assert other_client.get(url(package, "lockcalendar", calendar)).status_code == 204


def set_password_in_the_admin(user):
    staff = Client()
    staff.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    response = staff.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": NEW, "password2": NEW, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content


def set_password_with_the_command(user, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW)
    call_command("changepassword", user.username, stdout=None)


def set_password_in_a_shell(user):
    user = get_user_model().objects.get(pk=user.pk)
    user.set_password(NEW)
    user.save()


def set_password_with_a_raw_update(user):
    from django.contrib.auth.hashers import make_password

    get_user_model().objects.filter(pk=user.pk).update(password=make_password(NEW))


@pytest.mark.parametrize("path", ["admin", "manage.py changepassword", "shell", "api"])
def test_a_password_change_ends_the_sessions_and_frees_the_locks(
    holder, other_client, user, package, calendar, monkeypatch, path
):
    if path == "admin":
        set_password_in_the_admin(user)
    elif path == "manage.py changepassword":
        set_password_with_the_command(user, monkeypatch)
    elif path == "shell":
        set_password_in_a_shell(user)
    else:
        assert change(api_client(user), {"newPassword": NEW}).status_code == 204
    assert not GrsSession.objects.filter(user=user).exists()
    assert_ended(holder, other_client, package, calendar)
    assert login("alice", NEW).status_code == 200


def test_a_password_set_without_save_ends_the_session_at_its_next_use(holder, user):
    set_password_with_a_raw_update(user)
    response = holder.get("/grs/v1/tenants")
    assert (response.status_code, response.json()) == (401, TOKEN_INVALID)
    assert not GrsSession.objects.filter(user=user).exists()


@pytest.mark.parametrize("how", ["save", "update"])
def test_a_deactivated_users_sessions_and_locks_end_at_once(
    holder, other_client, user, package, calendar, how
):
    if how == "save":
        user.is_active = False
        user.save()
    else:  # no signal: the session check and the lock's liveness read is_active
        get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert_ended(holder, other_client, package, calendar)
    # Reactivated, alice does not get the lock back: bob holds it.
    get_user_model().objects.filter(pk=user.pk).update(is_active=True)
    response = api_client(user).get(url(package, "lockcalendar", calendar))
    assert (response.status_code, response.json()) == (412, HELD)


def test_the_lock_of_a_deactivated_user_is_not_held_even_if_nobody_takes_it(
    holder, user, package, calendar
):
    user.is_active = False
    user.save()
    user.is_active = True
    user.save()
    # The sessions ended with the deactivation: logging in again starts a new run, in
    # which the old lock is dead.
    fresh = api_client(user)
    path = url(package, "businesscalendarbody", calendar)
    response = fresh.put(path, {"exceptions": []}, format="json")
    assert response.json() == {"message": "Calendar was not locked first"}
    assert Calendar.objects.get(pk=calendar.pk).lock_owner() is None
