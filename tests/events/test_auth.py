from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calendarsite.credentials import hash_secret
from events.models import ApiKey, ApiToken, CalendarEvent
from events.services import api_key_create, api_token_issue, secret_revoke
from tests.factories import UserFactory

from .conftest import BATCH_URL, event, put_batch

DENIED = {"Message": "Authorization has been denied for this request."}


def test_token_for_valid_key_is_a_json_string_that_authenticates(integration, student):
    _, key = api_key_create(user=integration)
    response = APIClient().get("/api/client/generateAuthenticationToken", {"key": key})

    assert response.status_code == 200
    token = response.json()
    assert isinstance(token, str) and len(token) >= 32

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert put_batch(client, [event("e1", student.pk)]).json()[0]["IsSuccessful"]


def test_keys_and_tokens_are_stored_hashed(integration):
    _, key = api_key_create(user=integration)
    token = api_token_issue(key=key)
    stored_key = ApiKey.objects.get()
    stored_token = ApiToken.objects.get()
    assert stored_key.key_hash == hash_secret(key) != key
    assert stored_token.token_hash == hash_secret(token) != token
    assert key not in str(list(ApiKey.objects.values()))
    assert token not in str(list(ApiToken.objects.values()))


@pytest.mark.parametrize("key", ["", "nope", "key_" + "x" * 43])
def test_unknown_key_gets_no_token(db, key):
    response = APIClient().get("/api/client/generateAuthenticationToken", {"key": key})
    assert response.status_code == 401
    assert response.json() == {"Message": "The API key is not valid."}
    assert not ApiToken.objects.exists()


def test_revoked_key_gets_no_token_and_its_tokens_stop_working(integration, student):
    api_key, key = api_key_create(user=integration)
    token = api_token_issue(key=key)
    secret_revoke(secret=api_key)

    assert api_token_issue(key=key) is None
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = put_batch(client, [event("e1", student.pk)])
    assert response.status_code == 401
    assert response.json() == DENIED


def test_missing_token(db):
    response = APIClient().put(BATCH_URL, [], format="json")
    assert response.status_code == 401
    assert response.json() == DENIED
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header", ["Bearer wrong", "Bearer ", "Basic dXNlcjpwYXNz", "bearer", "Token abc"]
)
def test_bad_token(db, header):
    response = APIClient().put(BATCH_URL, [], format="json", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == DENIED


def test_expired_token(client, token, student):
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = put_batch(client, [event("e1", student.pk)])
    assert response.status_code == 401
    assert response.json() == DENIED
    assert not CalendarEvent.objects.exists()


def test_token_lives_24_hours(integration):
    _, key = api_key_create(user=integration)
    api_token_issue(key=key)
    stored = ApiToken.objects.get()
    assert stored.expires_at - stored.created_at == timedelta(hours=24)


def test_inactive_user_token_refused(client, integration, student):
    integration.is_active = False
    integration.save()
    assert put_batch(client, [event("e1", student.pk)]).status_code == 401


def test_user_without_permission_is_forbidden(student):
    reader = UserFactory(username="reader")
    _, key = api_key_create(user=reader)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(key=key)}")

    response = put_batch(client, [event("e1", student.pk)])

    assert response.status_code == 403
    assert response.json() == {
        "Message": "You do not have permission to add or change calendar events."
    }
    assert not CalendarEvent.objects.exists()


def test_token_endpoint_only_answers_get(db):
    response = APIClient().post("/api/client/generateAuthenticationToken?key=x")
    assert response.status_code == 405
    assert list(response.json()) == ["Message"]
