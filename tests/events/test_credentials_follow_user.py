"""12Twenty credentials follow the user's state at the moment of use, however the user was
changed: a model save (a script, the shell), a bulk update (which sends no signals), or
the admin's change form."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from rest_framework.test import APIClient

from events.models import ApiToken
from events.services import api_key_create, api_token_issue
from tests.factories import UserFactory

from .conftest import event, grant_event_writes, put_batch

TOKEN_URL = "/api/client/generateAuthenticationToken"
DENIED = {"Message": "Authorization has been denied for this request."}
FORBIDDEN = {"Message": "You do not have permission to add or change calendar events."}


def by_save(user, **fields):
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()


def by_update(user, **fields):
    type(user).objects.filter(pk=user.pk).update(**fields)


def by_admin(user, **fields):
    staff = UserFactory(username="staff", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(staff)
    form = {
        "username": user.username,
        "is_active": "on" if fields.get("is_active", user.is_active) else "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "initial-date_joined_0": "2026-01-01",
        "initial-date_joined_1": "00:00:00",
        # The page's GRS account inline (calendars/admin.py), left empty.
        "grs_account-TOTAL_FORMS": "0",
        "grs_account-INITIAL_FORMS": "0",
    }
    response = client.post(f"/admin/auth/user/{user.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]


CHANGES = [by_save, by_update, by_admin]


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize("change", CHANGES)
def test_an_inactive_users_key_issues_no_token(integration, change):
    _, key = api_key_create(user=integration)
    change(integration, is_active=False)
    response = APIClient().get(TOKEN_URL, {"key": key})
    assert response.status_code == 401
    assert response.json() == {"Message": "The API key is not valid."}
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("change", CHANGES)
def test_tokens_stop_working_when_the_user_is_deactivated(integration, student, change):
    _, key = api_key_create(user=integration)
    client = bearer(api_token_issue(key=key))
    assert put_batch(client, [event("e1", student.pk)]).status_code == 200
    change(integration, is_active=False)
    response = put_batch(client, [event("e2", student.pk)])
    assert response.status_code == 401
    assert response.json() == DENIED


def test_a_reactivated_users_key_issues_tokens_again(integration, student):
    _, key = api_key_create(user=integration)
    by_update(integration, is_active=False)
    assert api_token_issue(key=key) is None
    by_update(integration, is_active=True)
    assert put_batch(bearer(api_token_issue(key=key)), [event("e1", student.pk)]).status_code == 200


@pytest.mark.parametrize("how", ["direct", "group", "superuser"])
def test_permissions_removed_after_issue_answer_403(student, how):
    user = UserFactory(username="integration2")
    group = Group.objects.create(name="writers")
    if how == "direct":
        grant_event_writes(user)
    elif how == "group":
        group.permissions.add(*Permission.objects.filter(content_type__app_label="events"))
        user.groups.add(group)
    else:
        by_update(user, is_superuser=True)
    _, key = api_key_create(user=user)
    client = bearer(api_token_issue(key=key))
    assert put_batch(client, [event("e1", student.pk)]).status_code == 200

    if how == "direct":
        user.user_permissions.clear()
    elif how == "group":
        group.permissions.clear()
    else:
        by_update(user, is_superuser=False)
    response = put_batch(client, [event("e2", student.pk)])
    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    # A token issued now is refused the same way: the key still authenticates.
    response = put_batch(bearer(api_token_issue(key=key)), [event("e3", student.pk)])
    assert response.status_code == 403
