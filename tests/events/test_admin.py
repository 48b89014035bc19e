import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import ApiKey, CalendarEvent
from events.services import api_token_issue

from .conftest import UserFactory


@pytest.fixture
def staff_client(db):
    from django.test import Client

    admin = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    browser = Client()
    browser.force_login(admin)
    return browser


def test_admin_event_uses_the_batch_messages(student):
    now = timezone.now()
    event = CalendarEvent(
        external_id="a", user=student, type_id=1, start_time=now, end_time=now, title=" "
    )
    with pytest.raises(ValidationError) as info:
        event.full_clean()
    assert info.value.message_dict["end_time"] == ["StartTime must be before EndTime"]
    assert info.value.message_dict["title"] == ["Title is required."]


def test_admin_creates_an_api_key_shown_once(staff_client):
    owner = UserFactory(username="school")
    response = staff_client.post(
        "/admin/events/apikey/add/", {"user": owner.pk, "name": "sis"}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    key = text.split("The new API key is ")[1].split(" ")[0]
    assert api_token_issue(key=key)
    assert ApiKey.objects.get().prefix == key[:12]
    # Not shown again on the key's page.
    page = staff_client.get(f"/admin/events/apikey/{ApiKey.objects.get().pk}/change/")
    assert key not in page.content.decode()


def test_admin_revokes_api_keys(staff_client):
    from events.services import api_key_create

    api_key, key = api_key_create(user=UserFactory(username="school"))
    staff_client.post(
        "/admin/events/apikey/",
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_token_issue(key=key) is None


def test_admin_event_changelist_filters_and_search(staff_client, student):
    now = timezone.now()
    CalendarEvent.objects.create(
        external_id="find-me",
        user=student,
        type_id=2,
        start_time=now,
        end_time=now + timezone.timedelta(hours=1),
        title="Interview",
    )
    response = staff_client.get("/admin/events/calendarevent/", {"q": "find", "type_id": 2})
    assert response.status_code == 200
    assert "find-me" in response.content.decode()
    response = staff_client.get("/admin/events/calendarevent/", {"type_id": 1})
    assert "find-me" not in response.content.decode()
