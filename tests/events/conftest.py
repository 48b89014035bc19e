import factory
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.test import APIClient

from events.services import api_key_create, api_token_issue

BATCH_URL = "/api/v2/calendar-events/batch"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"student{n}")


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
