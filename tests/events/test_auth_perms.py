"""Permissions, answered by the token lookup in its one query."""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import override_settings
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory

from calendarsite.perms import Access, granted
from events.auth import HasPerms
from events.models import CalendarEvent
from events.selectors import api_token_access
from events.services import api_key_create, api_token_issue
from events.views import EventsView
from tests.factories import UserFactory

from .conftest import event, put_batch

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


class CanViewEvents(HasPerms):
    perms = ("events.view_calendarevent",)


class ReadView(EventsView):
    permission_classes = [IsAuthenticated, CanViewEvents]

    def get(self, request):
        return Response({"ok": True})


def read_as(user, django_assert_num_queries, queries: int = 1):
    _, key = api_key_create(user=user)
    token = api_token_issue(key=key)
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    with django_assert_num_queries(queries):
        return ReadView.as_view()(request)


def test_any_views_perms_are_asked_with_the_token(db, django_assert_num_queries):
    reader = UserFactory(username="reader")
    reader.user_permissions.add(*perms("view_calendarevent"))
    assert read_as(reader, django_assert_num_queries).status_code == 200
    writer = UserFactory(username="writer")
    writer.user_permissions.add(*perms("add_calendarevent", "change_calendarevent"))
    assert read_as(writer, django_assert_num_queries).status_code == 403


def request_with(access: Access):
    """What granted reads of a DRF request: its authentication's access and user."""
    return SimpleNamespace(auth=access, user=access.user)


def test_perms_the_token_lookup_did_not_ask_are_asked_of_the_backends(db):
    user = UserFactory(username="partial")
    user.user_permissions.add(*perms("view_calendarevent"))
    # The lookup asked only add: view is asked of the backends, which grant it.
    access = Access(user=user, asked=frozenset({"events.add_calendarevent"}))
    assert granted(request_with(access), "events.view_calendarevent") is True
    assert granted(request_with(access), "events.add_calendarevent") is False


def test_perms_the_token_lookup_asked_are_answered_by_it(db, django_assert_num_queries):
    user = UserFactory(username="answered")
    asked = frozenset({"events.view_calendarevent", "events.add_calendarevent"})
    access = Access(user=user, asked=asked, held=frozenset({"events.view_calendarevent"}))
    with django_assert_num_queries(0):
        # The user holds no perm in the database: the answers are the access's.
        assert granted(request_with(access), "events.view_calendarevent") is True
        assert granted(request_with(access), "events.add_calendarevent") is False
        assert granted(request_with(access), *asked) is False


def test_a_superuser_holds_every_asked_perm_and_an_inactive_user_none(db):
    asked = frozenset({"events.add_calendarevent"})
    root = Access(user=UserFactory(username="root", is_superuser=True), asked=asked)
    assert granted(request_with(root), "events.add_calendarevent") is True
    gone = UserFactory(username="gone", is_active=False)
    assert granted(request_with(Access(user=gone, asked=asked, held=asked)), *asked) is False


def test_the_token_lookup_returns_what_it_found(db):
    user = UserFactory(username="looked-up")
    user.user_permissions.add(*perms("view_calendarevent"))
    _, key = api_key_create(user=user)
    asked = ("events.view_calendarevent", "events.delete_calendarevent")

    access = api_token_access(token=api_token_issue(key=key), perms=asked)

    assert access == Access(
        user=user, asked=frozenset(asked), held=frozenset({"events.view_calendarevent"})
    )
    assert api_token_access(token="not-a-token", perms=asked) is None
