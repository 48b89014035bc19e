"""List, body, modify and delete, and how a calendar is named in paths."""

import pytest

from calendars.models import Calendar, CalendarException
from tests.factories import CalendarFactory, HolidayFactory, PackageFactory, TenantFactory

from .conftest import (
    DELETE,
    MODIFY,
    VENDOR_REQUEST,
    VIEW,
    api_client,
    errors,
    member,
    url,
)

LIST_KEYS = [
    "calendarId",
    "extCalendarId",
    "name",
    "locked",
    "lockOwner",
    "weekStarts",
    "weekEnds",
    "dayStartsHour",
    "dayStartsMin",
    "dayEndsHour",
    "dayEndsMin",
    "timeZoneId",
]


def lock(client, package, calendar):
    response = client.get(url(package, "lockcalendar", calendar))
    assert response.status_code == 204, response.content


def test_list_calendars(client, package, calendar):
    CalendarFactory()  # in another package
    second = CalendarFactory(package=package, name="Second", time_zone_id="PST")
    response = client.get(url(package, "calendars"))
    assert response.status_code == 200
    items = response.json()["calendars"]
    assert [i["calendarId"] for i in items] == [str(calendar.uuid), str(second.uuid)]
    assert list(items[0]) == LIST_KEYS
    assert items[1] == {
        "calendarId": str(second.uuid),
        "extCalendarId": f"Calendar_{second.pk}",
        "name": "Second",
        "locked": False,
        "lockOwner": None,
        "weekStarts": 2,
        "weekEnds": 6,
        "dayStartsHour": 9,
        "dayStartsMin": 0,
        "dayEndsHour": 17,
        "dayEndsMin": 30,
        "timeZoneId": "PST",
    }


def test_list_shows_the_lock_owner(client, package, calendar, user):
    lock(client, package, calendar)
    item = client.get(url(package, "calendars")).json()["calendars"][0]
    assert (item["locked"], item["lockOwner"]) == (True, "alice")


def test_list_of_an_empty_package(client, package):
    assert client.get(url(package, "calendars")).json() == {"calendars": []}


def test_list_needs_view(tenant, package):
    client = api_client(member(tenant, MODIFY))
    response = client.get(url(package, "calendars"))
    assert response.status_code == 403
    assert "CALENDAR_VIEW" in response.json()["message"]


def test_list_403_for_a_non_member_and_404_for_another_tenants_package(client, package):
    foreign = PackageFactory()
    foreign_path = f"/grs/v1/tenant/{foreign.tenant_id}/package/{foreign.pk}/calendars"
    assert client.get(foreign_path).status_code == 403
    mixed = f"/grs/v1/tenant/{package.tenant_id}/package/{foreign.pk}/calendars"
    response = client.get(mixed)
    assert response.status_code == 404
    assert response.json() == {"message": "Could not find specified package ID."}


def test_body_of_a_calendar(client, package, calendar):
    HolidayFactory(calendar=calendar)
    HolidayFactory(
        calendar=calendar,
        name="Late start",
        type="TIME_CHANGE",
        placement="FIXED",
        annual_month=None,
        annual_day=None,
        fixed_date=30949200000,
        time_change_start_hour=11,
        time_change_start_min=0,
        time_change_stop_hour=15,
        time_change_stop_min=30,
    )
    response = client.get(url(package, "businesscalendarbody", calendar))
    assert response.status_code == 200
    body = response.json()
    assert list(body) == [
        "calendarId",
        "externalId",
        *LIST_KEYS[2:],
        "exceptions",
    ]
    assert body["calendarId"] == str(calendar.uuid)
    assert body["externalId"] == calendar.external_id
    assert body["exceptions"] == [
        {
            "name": "New Year's Day",
            "type": "HOLIDAY",
            "placement": "ANNUAL",
            "fixedDate": None,
            "annualMonth": 1,
            "annualDay": 1,
            "relativeType": None,
            "relativeDayOfWeek": 0,
            "relativeMonth": 0,
            "timeChangeStartHour": 0,
            "timeChangeStartMin": 0,
            "timeChangeStopHour": 0,
            "timeChangeStopMin": 0,
        },
        {
            "name": "Late start",
            "type": "TIME_CHANGE",
            "placement": "FIXED",
            "fixedDate": 30949200000,
            "annualMonth": 0,
            "annualDay": 0,
            "relativeType": None,
            "relativeDayOfWeek": 0,
            "relativeMonth": 0,
            "timeChangeStartHour": 11,
            "timeChangeStartMin": 0,
            "timeChangeStopHour": 15,
            "timeChangeStopMin": 30,
        },
    ]


@pytest.mark.parametrize("form", ["uuid", "external", "uuid-upper"])
@pytest.mark.parametrize(
    "action", ["businesscalendarbody", "lockcalendar", "unlockcalendar", "calendar"]
)
def test_calendar_ids_as_uuid_or_calendar_n(client, package, calendar, form, action):
    calendar_id = {
        "uuid": str(calendar.uuid),
        "uuid-upper": str(calendar.uuid).upper(),
        "external": calendar.external_id,
    }[form]
    lock(client, package, calendar)
    if action == "calendar":
        response = client.put(url(package, action, calendar_id), VENDOR_REQUEST, format="json")
        assert response.status_code == 200
        assert response.json()["calendarId"] == calendar.external_id
    else:
        response = client.get(url(package, action, calendar_id))
        assert response.status_code in (200, 204)


@pytest.mark.parametrize(
    "calendar_id",
    ["Calendar_999999", "calendar_1", "Calendar_", "Calendar_1x", "Calendar_-1", "117", "{lead0}",
     "00000000-0000-0000-0000-000000000000", "x" * 300],
)  # fmt: skip
@pytest.mark.parametrize("action", ["businesscalendarbody", "lockcalendar", "unlockcalendar"])
def test_404_for_an_unknown_calendar(client, package, calendar, calendar_id, action):
    calendar_id = calendar_id.format(lead0=f"Calendar_0{calendar.pk}")
    response = client.get(url(package, action, calendar_id))
    assert response.status_code == 404
    assert response.json() == {"message": "Could not find specified calendar ID."}


def test_404_for_a_calendar_of_another_package(client, package, tenant):
    sibling = CalendarFactory(package=PackageFactory(tenant=tenant))
    for calendar_id in (sibling.external_id, str(sibling.uuid)):
        response = client.get(url(package, "businesscalendarbody", calendar_id))
        assert response.status_code == 404
        assert response.json() == {"message": "Could not find specified calendar ID."}


def test_404_package_before_calendar(client, tenant):
    path = f"/grs/v1/tenant/{tenant.pk}/package/nope/businesscalendarbody/Calendar_1"
    assert client.get(path).json() == {"message": "Could not find specified package ID."}


def test_modify_calendar(client, package, calendar):
    lock(client, package, calendar)
    changed = {**VENDOR_REQUEST, "name": "Renamed", "timeZoneId": "IST", "weekStarts": 1}
    response = client.put(url(package, "calendar", calendar), changed, format="json")
    assert response.status_code == 200
    assert response.json() == {
        "calendarId": calendar.external_id,
        "name": "Renamed",
        "locked": True,
        "lockOwner": "alice",
        "weekStarts": 1,
        "weekEnds": 7,
        "dayStartsHour": 17,
        "dayStartsMin": 30,
        "dayEndsHour": 23,
        "dayEndsMin": 0,
        "timeZoneId": "IST",
    }
    calendar.refresh_from_db()
    assert (calendar.name, calendar.time_zone_id, calendar.week_starts) == ("Renamed", "IST", 1)


def test_modify_reports_every_invalid_field(client, package, calendar):
    lock(client, package, calendar)
    bad = {**VENDOR_REQUEST, "weekEnds": "7", "timeZoneId": "GMT+05:30"}
    response = client.put(url(package, "calendar", calendar), bad, format="json")
    assert errors(response) == [("1002", "weekEnds"), ("1007", "timeZoneID")]
    calendar.refresh_from_db()
    assert calendar.week_ends == 6


def test_modify_needs_modify_permission(tenant, package, calendar):
    client = api_client(member(tenant, VIEW, DELETE))
    response = client.put(url(package, "calendar", calendar), VENDOR_REQUEST, format="json")
    assert response.status_code == 403
    assert "CALENDAR_MODIFY" in response.json()["message"]


def test_modify_415(client, package, calendar):
    lock(client, package, calendar)
    response = client.put(url(package, "calendar", calendar), "x", content_type="text/plain")
    assert response.status_code == 415


def test_delete_calendar(client, package, calendar):
    HolidayFactory(calendar=calendar)
    lock(client, package, calendar)
    response = client.delete(url(package, "calendar", calendar))
    assert response.status_code == 204
    assert response.content == b""
    assert not Calendar.objects.exists()
    assert not CalendarException.objects.exists()
    assert client.get(url(package, "businesscalendarbody", calendar)).status_code == 404


def test_delete_needs_delete_permission(tenant, package, calendar):
    client = api_client(member(tenant, VIEW, MODIFY))
    lock(client, package, calendar)
    response = client.delete(url(package, "calendar", calendar))
    assert response.status_code == 403
    assert "CALENDAR_DELETE" in response.json()["message"]
    assert Calendar.objects.exists()


@pytest.mark.parametrize(
    ("action", "method"),
    [
        ("calendars", "get"),
        ("businesscalendarbody", "get"),
        ("businesscalendarbody", "put"),
        ("calendar", "put"),
        ("calendar", "delete"),
        ("lockcalendar", "get"),
        ("unlockcalendar", "get"),
    ],
)
def test_every_calendar_endpoint_is_closed_to_non_members(package, calendar, action, method):
    outsider = api_client(member(TenantFactory(), VIEW, MODIFY, DELETE))
    path = url(package, action, None if action == "calendars" else calendar)
    response = getattr(outsider, method)(path, {}, format="json")
    assert response.status_code == 403
    assert response.json() == {"message": "User does not have permission for the specified tenant."}


@pytest.mark.parametrize(
    ("action", "method", "needed"),
    [
        ("calendars", "get", [VIEW]),
        ("businesscalendarbody", "get", [VIEW]),
        ("businesscalendarbody", "put", [VIEW, MODIFY]),
        ("calendar", "put", [VIEW, MODIFY]),
        ("calendar", "delete", [VIEW, DELETE]),
        ("lockcalendar", "get", [VIEW, MODIFY]),
        ("unlockcalendar", "get", [VIEW, MODIFY]),
    ],
)
def test_403_for_each_missing_permission(tenant, package, calendar, action, method, needed):
    path = url(package, action, None if action == "calendars" else calendar)
    for missing in needed:
        client = api_client(member(tenant, *(set(needed) - {missing})))
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 403
        assert response.json()["message"] == (
            f"User does not have proper permission to perform this operation ({missing})."
        )


def test_a_full_package_refuses_another_calendar(client, package, calendar, monkeypatch):
    """Its list is answered whole, so what a package holds is bounded (docs/grs.md)."""
    from calendars import rules

    monkeypatch.setattr(rules, "PACKAGE_CALENDARS_MAX", 2)
    create = url(package, "calendar")
    assert client.post(create, VENDOR_REQUEST, format="json").status_code == 201
    refused = client.post(create, VENDOR_REQUEST, format="json")
    assert errors(refused) == [("1009", "calendars")]
    assert refused.json()["errors"][0]["message"] == (
        "the package already holds 2 calendars, the most it may hold"
    )
    assert len(client.get(url(package, "calendars")).json()["calendars"]) == 2
    # Another package has room.
    other = PackageFactory(tenant=package.tenant)
    assert client.post(url(other, "calendar"), VENDOR_REQUEST, format="json").status_code == 201
