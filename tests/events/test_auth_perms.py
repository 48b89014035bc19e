"""The write permission, answered by the token lookup in its one query."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import override_settings
from rest_framework.test import APIClient

from events.models import CalendarEvent
from events.services import api_key_create, api_token_issue

from .conftest import UserFactory, event, put_batch

FORBIDDEN = {"Message": "You do not have permission to add or change calendar events."}


def client_for(user) -> APIClient:
    _, key = api_key_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_issue(key=key)}")
    return client


def perms(*codenames: str):
    return Permission.objects.filter(content_type__app_label="events", codename__in=codenames)


def test_permissions_granted_through_a_group(student):
    user = UserFactory(username="via-group")
    group = Group.objects.create(name="integrations")
    group.permissions.add(*perms("add_calendarevent", "change_calendarevent"))
    user.groups.add(group)

    response = put_batch(client_for(user), [event("e1", student.pk)])

    assert response.json()[0]["IsSuccessful"] is True


def test_one_permission_directly_and_the_other_through_a_group(student):
    user = UserFactory(username="mixed")
    user.user_permissions.add(*perms("add_calendarevent"))
    group = Group.objects.create(name="changers")
    group.permissions.add(*perms("change_calendarevent"))
    user.groups.add(group)

    assert put_batch(client_for(user), [event("e1", student.pk)]).status_code == 200


@pytest.mark.parametrize("codename", ["add_calendarevent", "change_calendarevent"])
def test_one_of_the_two_permissions_is_not_enough(student, codename):
    user = UserFactory(username="half")
    user.user_permissions.add(*perms(codename))

    response = put_batch(client_for(user), [event("e1", student.pk)])

    assert response.status_code == 403
    assert response.json() == FORBIDDEN
    assert not CalendarEvent.objects.exists()


def test_another_apps_permission_of_the_same_name_does_not_count(student):
    user = UserFactory(username="elsewhere")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_user", "change_user"]),
        *perms("add_calendarevent"),
    )
    assert put_batch(client_for(user), [event("e1", student.pk)]).status_code == 403


def test_superuser_needs_no_grant(student):
    user = UserFactory(username="root", is_superuser=True)
    assert put_batch(client_for(user), [event("e1", student.pk)]).status_code == 200


def test_another_groups_permissions_do_not_leak(student, integration):
    # A group holding the permissions, which the user is not a member of.
    Group.objects.create(name="writers").permissions.add(
        *perms("add_calendarevent", "change_calendarevent")
    )
    user = UserFactory(username="outsider")
    assert put_batch(client_for(user), [event("e1", student.pk)]).status_code == 403


class GrantEverything:
    """A second authentication backend: the permission must then be asked of the
    backends, not answered from the token lookup."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm, obj=None):
        return True


@override_settings(
    AUTHENTICATION_BACKENDS=[
        "django.contrib.auth.backends.ModelBackend",
        "tests.events.test_auth_perms.GrantEverything",
    ]
)
def test_other_authentication_backends_are_asked(student):
    user = UserFactory(username="no-grants")
    assert put_batch(client_for(user), [event("e1", student.pk)]).status_code == 200
