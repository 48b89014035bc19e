import pytest
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from events.services import api_key_create, api_token_issue
from tests.factories import EventFactory, UserFactory

BATCH_URL = "/api/v2/calendar-events/batch"


def grant_event_writes(user) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="events",
            codename__in=["add_calendarevent", "change_calendarevent"],
        )
    )


@pytest.fixture
def integration(db):
    user = UserFactory(username="integration")
    grant_event_writes(user)
    return user


@pytest.fixture
def student(db):
    return UserFactory(username="ada")


@pytest.fixture
def token(integration) -> str:
    _, key = api_key_create(user=integration)
    return api_token_issue(key=key)


@pytest.fixture
def client(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def event(external_id: str = "xyz-123", user_id: int = 1, **overrides) -> dict:
    item = {
        "ExternalId": external_id,
        "UserId": user_id,
        "TypeId": 1,
        "StartTime": "2018-06-10T20:00:00Z",
        "EndTime": "2018-06-10T22:00:00Z",
        "Title": "Course FMAR2: Fin. Meas., Analysis & Rept. 2",
    }
    item.update(overrides)
    return item


def put_batch(client: APIClient, body, **kwargs):
    return client.put(BATCH_URL, body, format="json", **kwargs)


def grant(user, *codenames: str) -> None:
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="events", codename__in=codenames)
    )


def client_for(user) -> APIClient:
    _, key = api_key_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(key=key)}")
    return client


@pytest.fixture
def staff_client(db):
    """Django's test client, logged in to the admin as a superuser."""
    from django.test import Client

    browser = Client()
    browser.force_login(UserFactory(username="boss", password="pw", staff=True))
    return browser


@pytest.fixture
def reader(integration) -> APIClient:
    """The integration, allowed to read and delete as well as write."""
    grant(integration, "view_calendarevent", "delete_calendarevent")
    return client_for(integration)


def stored(external_id: str, user, start: str, end: str, **fields):
    """An event written straight to the database; times are ISO 8601 strings."""
    from events.rules import parse_instant

    return EventFactory(
        external_id=external_id,
        user=user,
        start_time=parse_instant(start),
        end_time=parse_instant(end),
        **fields,
    )
