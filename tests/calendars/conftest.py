import pytest
from rest_framework.test import APIClient

from calendars import rules, services
from tests.helpers import basic

from .factories import CalendarFactory, PackageFactory, UserFactory

ALL = tuple(rules.PERMISSIONS)
VIEW, CREATE, MODIFY, DELETE, OVERRIDE = ALL

# The vendor's example request and response (grs-create-calendar.txt).
VENDOR_REQUEST = {
    "name": "Dad's Calendar",
    "weekStarts": 6,
    "weekEnds": 7,
    "dayStartsHour": 17,
    "dayStartsMin": 30,
    "dayEndsHour": 23,
    "dayEndsMin": 0,
    "timeZoneId": "EST",
}
VENDOR_RESPONSE = {
    "calendarId": "Calendar_117",
    "name": "Dad's Calendar",
    "locked": False,
    "lockOwner": None,
    "weekStarts": 6,
    "weekEnds": 7,
    "dayStartsHour": 17,
    "dayStartsMin": 30,
    "dayEndsHour": 23,
    "dayEndsMin": 0,
    "timeZoneId": "EST",
}


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def grant(user, *permissions: str) -> None:
    user.user_permissions.add(*services.grs_permissions(permissions))


def api_client(user) -> APIClient:
    """A client logged in to the GRS API as ``user`` (``client.session`` is its session)."""
    session, token = services.grs_session_create(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=basic(user.get_username(), token))
    client.grs_session = session
    return client


def member(tenant, *permissions: str, username: str | None = None):
    user = UserFactory(**({"username": username} if username else {}))
    tenant.members.add(user)
    grant(user, *permissions)
    return user


@pytest.fixture
def package(db):
    return PackageFactory()


@pytest.fixture
def tenant(package):
    return package.tenant


@pytest.fixture
def user(tenant):
    """A member of the tenant with all five permissions."""
    return member(tenant, *ALL, username="alice")


@pytest.fixture
def client(user) -> APIClient:
    return api_client(user)


@pytest.fixture
def other(tenant):
    """Another member with all permissions but OVERRIDE_LOCKS."""
    return member(tenant, VIEW, CREATE, MODIFY, DELETE, username="bob")


@pytest.fixture
def other_client(other) -> APIClient:
    return api_client(other)


@pytest.fixture
def calendar(package):
    return CalendarFactory(package=package)


def scope(package) -> str:
    return f"/grs/v1/tenant/{package.tenant_id}/package/{package.pk}"


def url(package, action: str, calendar=None) -> str:
    """``action`` is e.g. "calendars", "calendar", "lockcalendar"; with a calendar (or
    a calendar id as a string) it is appended."""
    path = f"{scope(package)}/{action}"
    if calendar is not None:
        path += "/" + (calendar if isinstance(calendar, str) else calendar.external_id)
    return path


def errors(response) -> list[tuple]:
    """A 422 answer's errors as (code, field) or (code, field, index) tuples."""
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["message"] == "Validation Failed"
    return [tuple(e[k] for k in ("code", "field", "index") if k in e) for e in body["errors"]]
