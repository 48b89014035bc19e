from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from calendars import rules, services
from calendars.models import CalendarException
from tests.factories import CalendarFactory, PackageFactory, UserFactory
from tests.helpers import basic

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


# --- shared by several modules: the admin, business-time questions, locks ---------------

CHANGE = "/admin/calendars/calendar/{}/change/"


@pytest.fixture
def staff(client, db):
    """Django's test client, logged in as a superuser (``client`` here is the API's)."""
    from django.test import Client

    admin = UserFactory(username="staff", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    return browser


# ONE statement: the session with its user, GRS permissions and membership of the URL's
# tenant (its refresh is not due: the session was used less than a minute ago), LEFT
# JOINed to the calendar (joined to its package, checked against the tenant) LEFT JOINed
# to its exceptions (services.grs_session_use with selectors.calendar_spec_ride).
BT_QUERIES = 1


def epoch_ms(year: int, month: int, day: int) -> int:
    """Noon UTC of a date: the same date in New York and in EST."""
    return int(datetime(year, month, day, 12, tzinfo=UTC).timestamp() * 1000)


def week_calendar(package, time_zone_id: str, **fields):
    """Monday to Friday, 09:00-17:00, a holiday on Wednesday 2026-03-11 and hours of
    10:00-12:00 on Thursday 2026-03-12 (the week after the US DST change)."""
    calendar = CalendarFactory(
        package=package,
        office=True,
        time_zone_id=time_zone_id,
        **fields,
    )
    CalendarException.objects.create(
        calendar=calendar,
        name="Founders' day",
        type="HOLIDAY",
        placement="FIXED",
        fixed_date=epoch_ms(2026, 3, 11),
    )
    CalendarException.objects.create(
        calendar=calendar,
        name="Short Thursday",
        type="TIME_CHANGE",
        placement="FIXED",
        fixed_date=epoch_ms(2026, 3, 12),
        time_change_start_hour=10,
        time_change_start_min=0,
        time_change_stop_hour=12,
        time_change_stop_min=0,
    )
    return calendar


@pytest.fixture
def new_york(package):
    return week_calendar(package, "America/New_York")


def bt(package, calendar, question: str, **params) -> str:
    calendar_id = calendar if isinstance(calendar, str) else calendar.external_id
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{scope(package)}/calendar/{calendar_id}/{question}?{query}"


def lock(client, package, calendar):
    return client.get(url(package, "lockcalendar", calendar))


def unlock(client, package, calendar):
    return client.get(url(package, "unlockcalendar", calendar))
