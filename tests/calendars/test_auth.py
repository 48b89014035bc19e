from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from calendars.models import GrsSession
from calendars.services import (
    GRS_PERMS,
    GrsAccess,
    grs_permissions,
    grs_session_create,
    grs_session_use,
)
from calendarsite.credentials import hash_secret
from tests.factories import PASSWORD, TenantFactory, UserFactory

from .conftest import ALL, CREATE, DELETE, MODIFY, VIEW, api_client, basic, member, url

LOGIN = "/grs/v1/login"
TOKEN_INVALID = {"message": "APIToken not valid"}


def login(username: str, password: str):
    return APIClient().get(LOGIN, HTTP_AUTHORIZATION=basic(username, password))


def test_login_gives_a_token_and_the_previous_login(db):
    user = UserFactory()
    first = login(user.username, PASSWORD)
    assert first.status_code == 200
    assert list(first.json()) == ["apiToken", "lastLogin"]
    assert first.json()["lastLogin"] == 0
    assert first["Cache-Control"] == "no-store"

    user.refresh_from_db()
    second = login(user.username, PASSWORD).json()
    assert second["lastLogin"] == int(user.last_login.timestamp() * 1000)
    assert second["apiToken"] != first.json()["apiToken"]


def test_token_is_stored_hashed(db):
    user = UserFactory()
    token = login(user.username, PASSWORD).json()["apiToken"]
    session = GrsSession.objects.get(user=user)
    assert session.token_hash == hash_secret(token)
    assert token not in session.token_hash
    assert len(token) >= 40  # 256 random bits


@pytest.mark.parametrize(
    "header",
    [
        None,
        basic("nobody", PASSWORD),
        "Bearer abc",
        "Basic !!!notbase64",
        "Basic " + "bm9jb2xvbg==",  # "nocolon"
    ],
)
def test_login_refused(db, header):
    UserFactory(username="alice")
    kwargs = {"HTTP_AUTHORIZATION": header} if header else {}
    response = APIClient().get(LOGIN, **kwargs)
    assert response.status_code == 401
    assert response.json() == {"message": "Userid/Password not valid"}


def test_login_refused_for_a_wrong_password_or_inactive_user(db):
    user = UserFactory()
    assert login(user.username, "wrong").status_code == 401
    user.is_active = False
    user.save()
    assert login(user.username, PASSWORD).json() == {"message": "Userid/Password not valid"}
    assert not GrsSession.objects.exists()


def test_token_authenticates_following_requests(db):
    user = UserFactory()
    token = login(user.username, PASSWORD).json()["apiToken"]
    response = APIClient().get("/grs/v1/tenants", HTTP_AUTHORIZATION=basic(user.username, token))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [None, "Basic", "Bearer x", "Basic ####", basic("alice", "not-a-token"), basic("alice", "")],
)
def test_401_for_missing_or_wrong_tokens(client, header, package):
    kwargs = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    for path in ("/grs/v1/tenants", url(package, "calendars")):
        response = APIClient().get(path, **kwargs)
        assert response.status_code == 401
        assert response.json() == TOKEN_INVALID
        assert response["WWW-Authenticate"] == 'Basic realm="GRS"'


def test_401_for_a_token_under_another_users_name(user, other):
    _, token = grs_session_create(user=user)
    response = APIClient().get("/grs/v1/tenants", HTTP_AUTHORIZATION=basic(other.username, token))
    assert response.json() == TOKEN_INVALID


def test_a_password_is_not_a_token(user):
    response = APIClient().get("/grs/v1/tenants", HTTP_AUTHORIZATION=basic("alice", PASSWORD))
    assert response.status_code == 401


def test_401_for_an_expired_token(client, settings):
    session = client.grs_session
    settings.GRS_SESSION_IDLE_SECONDS = 60
    assert client.get("/grs/v1/tenants").status_code == 200
    session.last_used_at = timezone.now() - timedelta(seconds=61)
    session.save()
    response = client.get("/grs/v1/tenants")
    assert response.status_code == 401
    assert response.json() == TOKEN_INVALID


def test_dead_session_never_comes_back(client, settings):
    settings.GRS_SESSION_IDLE_SECONDS = 60
    long_ago = timezone.now() - timedelta(seconds=61)
    GrsSession.objects.update(last_used_at=long_ago)
    assert client.get("/grs/v1/tenants").status_code == 401
    # The refused use did not refresh it: it stays dead, and so stay its locks.
    assert GrsSession.objects.get().last_used_at == long_ago


def test_use_keeps_a_session_alive(client, settings):
    settings.GRS_SESSION_IDLE_SECONDS = 60
    GrsSession.objects.update(last_used_at=timezone.now() - timedelta(seconds=50))
    assert client.get("/grs/v1/tenants").status_code == 200
    assert GrsSession.objects.get().last_used_at > timezone.now() - timedelta(seconds=5)


def test_a_recent_use_is_not_written_again(client):
    # Refreshing at most once a minute (a thirtieth of the 30 min idle time) spares most
    # requests an UPDATE; the session may die up to that long early, never late.
    recent = timezone.now() - timedelta(seconds=30)
    GrsSession.objects.update(last_used_at=recent)
    assert client.get("/grs/v1/tenants").status_code == 200
    assert GrsSession.objects.get().last_used_at == recent
    GrsSession.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    assert client.get("/grs/v1/tenants").status_code == 200
    assert GrsSession.objects.get().last_used_at > timezone.now() - timedelta(seconds=5)


def test_401_for_a_deactivated_user(client, user):
    user.is_active = False
    user.save()
    assert client.get("/grs/v1/tenants").json() == TOKEN_INVALID


def test_login_clears_the_users_dead_sessions(user, settings):
    settings.GRS_SESSION_IDLE_SECONDS = 60
    api_client(user)
    GrsSession.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    login(user.username, PASSWORD)
    assert GrsSession.objects.count() == 1


def test_tenants_lists_only_the_users_tenants(client, user, tenant):
    TenantFactory(name="Not mine")
    second = TenantFactory(name="Environment")
    second.members.add(user)
    response = client.get("/grs/v1/tenants")
    assert response.json() == {
        "tenants": [
            {"nodeId": tenant.pk, "name": tenant.name},
            {"nodeId": second.pk, "name": "Environment"},
        ]
    }


def test_tenants_empty_for_a_user_of_no_tenant(db):
    assert api_client(UserFactory()).get("/grs/v1/tenants").json() == {"tenants": []}


@pytest.mark.parametrize(
    ("granted", "expected"),
    [
        (ALL, (True, True, True, True)),
        ((), (False, False, False, False)),
        ((VIEW,), (True, False, False, False)),
        ((CREATE, DELETE), (False, True, False, True)),
        ((MODIFY,), (False, False, True, False)),
    ],
)
def test_permissions_of_a_member(tenant, granted, expected):
    client = api_client(member(tenant, *granted))
    response = client.get(f"/grs/v1/permissions/{tenant.pk}")
    assert response.status_code == 200
    keys = ["canViewCalendar", "canCreateCalendar", "canModifyCalendar", "canDeleteCalendar"]
    body = response.json()
    assert {k: body[k] for k in keys} == dict(zip(keys, expected, strict=True))
    assert not any(v for k, v in body.items() if k not in keys)


# The vendor's 24 keys, in its order.
VENDOR_PERMISSION_KEYS = [
    "canCreatePackage", "canModifyPackage", "canDeletePackage", "canDeployPackage",
    "canViewRule", "canCreateRule", "canModifyRule", "canEditRuleOnly", "canDeleteRule",
    "canViewCalendar", "canCreateCalendar", "canModifyCalendar", "canDeleteCalendar",
    "canViewPackageSnapshot", "canCreatePackageSnapshot", "canDeletePackageSnapshot",
    "canViewTestScenario", "canCreateTestScenario", "canModifyTestScenario",
    "canDeleteTestScenario", "canExecuteTestScenario", "canCreateTemplate",
    "canModifyTemplate", "canDeleteTemplate",
]  # fmt: skip
SERVED = {
    "canCreatePackage": "PACKAGE_CREATE",
    "canModifyPackage": "PACKAGE_MODIFY",
    "canDeletePackage": "PACKAGE_DELETE",
    "canViewCalendar": VIEW,
    "canCreateCalendar": CREATE,
    "canModifyCalendar": MODIFY,
    "canDeleteCalendar": DELETE,
}


def test_permissions_answer_the_vendors_24_keys_in_its_order(tenant):
    client = api_client(member(tenant))
    response = client.get(f"/grs/v1/permissions/{tenant.pk}")
    assert list(response.json()) == VENDOR_PERMISSION_KEYS
    assert b'"canCreatePackage":false,"canModifyPackage":false' in response.content
    assert set(response.json().values()) == {False}


@pytest.mark.parametrize(("key", "permission"), SERVED.items())
def test_each_served_key_follows_its_django_permission(tenant, key, permission):
    body = api_client(member(tenant, permission)).get(f"/grs/v1/permissions/{tenant.pk}").json()
    assert [k for k, v in body.items() if v] == [key]


def test_superuser_has_every_permission_this_service_has(tenant):
    boss = member(tenant)
    boss.is_superuser = True
    boss.save()
    body = api_client(boss).get(f"/grs/v1/permissions/{tenant.pk}").json()
    assert [k for k, v in body.items() if v] == list(SERVED)


@pytest.mark.parametrize("tenant_id", ["other", "999999", "x"])
def test_permissions_403_for_a_non_member(client, tenant_id):
    other = TenantFactory()
    path = f"/grs/v1/permissions/{other.pk if tenant_id == 'other' else tenant_id}"
    response = client.get(path)
    assert response.status_code == 403
    assert response.json() == {"message": "User does not have permission for the specified tenant."}


def test_unknown_method_in_grs_shape(client):
    response = client.post("/grs/v1/tenants", {}, format="json")
    assert response.status_code == 405
    assert "message" in response.json()


def test_permissions_and_membership_are_read_afresh_on_each_request(tenant, package):
    group = Group.objects.create(name="calendar viewers")
    group.permissions.add(*grs_permissions([VIEW, MODIFY]))
    user = member(tenant)
    user.groups.add(group)
    client = api_client(user)
    path = f"/grs/v1/permissions/{tenant.pk}"
    body = client.get(path).json()
    assert [k for k, v in body.items() if v] == ["canViewCalendar", "canModifyCalendar"]
    group.permissions.remove(*grs_permissions([MODIFY]))
    assert client.get(path).json()["canModifyCalendar"] is False  # not remembered
    assert client.get(url(package, "calendars")).status_code == 200
    user.groups.remove(group)
    response = client.get(url(package, "calendars"))
    assert response.status_code == 403
    assert response.json() == {
        "message": "User does not have proper permission to perform this operation (CALENDAR_VIEW)."
    }
    tenant.members.remove(user)
    response = client.get(path)
    assert response.status_code == 403
    assert response.json() == {"message": "User does not have permission for the specified tenant."}


def test_the_session_lookup_returns_what_it_found(tenant, django_assert_num_queries):
    user = member(tenant, VIEW, MODIFY)
    session, token = grs_session_create(user=user)
    other = TenantFactory()

    with django_assert_num_queries(1):
        access = grs_session_use(username=user.username, token=token, tenant_id=str(tenant.pk))
    assert access == GrsAccess(
        user=user,
        asked=frozenset(GRS_PERMS),
        held=frozenset({f"calendars.{VIEW}", f"calendars.{MODIFY}"}),
        tenant_id=str(tenant.pk),
        member=True,
        session=session,
    )
    elsewhere = grs_session_use(username=user.username, token=token, tenant_id=str(other.pk))
    assert (elsewhere.tenant_id, elsewhere.member) == (str(other.pk), False)
    anywhere = grs_session_use(username=user.username, token=token)
    assert (anywhere.tenant_id, anywhere.member, anywhere.ride_read) == (None, False, False)
    assert grs_session_use(username="someone-else", token=token) is None


class GrantEverything:
    """A second authentication backend: permissions must then be asked of the backends,
    not answered by the session lookup."""

    def authenticate(self, request, **credentials):
        return None

    def has_perm(self, user, perm, obj=None):
        return True


def test_other_authentication_backends_are_asked(tenant, settings):
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "tests.calendars.test_auth.GrantEverything",
    ]
    body = api_client(member(tenant)).get(f"/grs/v1/permissions/{tenant.pk}").json()
    assert [k for k, v in body.items() if v] == list(SERVED)
