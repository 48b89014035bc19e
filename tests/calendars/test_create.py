import json

import pytest

from calendars.models import Calendar
from tests.factories import PackageFactory, TenantFactory

from .conftest import (
    CREATE,
    VENDOR_REQUEST,
    VENDOR_RESPONSE,
    VIEW,
    api_client,
    errors,
    member,
    url,
)

ALL_EIGHT = [
    ("1000", "name", "name must be specified"),
    ("1001", "weekStarts", "weekStarts is invalid. Must be between 1 and 7."),
    ("1002", "weekEnds", "weekEnds is invalid. Must be between 1 and 7."),
    ("1003", "dayStartsHour", "dayStartsHour is invalid. Must be between 0 and 23."),
    ("1004", "dayEndsHour", "dayEndsHour is invalid. Must be between 0 and 23."),
    ("1005", "dayStartsMin", "dayStartsMin is invalid. Must be between 0 and 59."),
    ("1006", "dayEndsMin", "dayEndsMin is invalid. Must be between 0 and 59."),
    ("1007", "timeZoneID", "Unrecognized time zone ID."),
]
KEY_OF = {"timeZoneID": "timeZoneId"}


def create(client, package, body, **kwargs):
    return client.post(url(package, "calendar"), body, format="json", **kwargs)


def body(**changes):
    return {**VENDOR_REQUEST, **changes}


def test_vendor_example_gives_vendor_response(client, package):
    response = create(client, package, VENDOR_REQUEST)
    assert response.status_code == 201
    answer = response.json()
    calendar = Calendar.objects.get()
    assert answer["calendarId"] == f"Calendar_{calendar.pk}"
    assert list(answer) == list(VENDOR_RESPONSE)  # the keys, in the vendor's order
    assert {**answer, "calendarId": "Calendar_117"} == VENDOR_RESPONSE
    # The raw text too: key order is what a streaming client sees.
    assert response.content.decode().startswith('{"calendarId":"Calendar_')


def test_created_calendar_is_stored(client, package):
    create(client, package, body(name="  Trimmed  ", timeZoneId="America/Cayman"))
    calendar = Calendar.objects.get()
    assert calendar.package == package
    assert calendar.name == "Trimmed"
    assert (calendar.week_starts, calendar.week_ends) == (6, 7)
    assert (calendar.day_starts_hour, calendar.day_starts_min) == (17, 30)
    assert (calendar.day_ends_hour, calendar.day_ends_min) == (23, 0)
    assert calendar.time_zone_id == "America/Cayman"
    assert calendar.lock_user is None


def test_external_ids_are_unique_and_follow_the_primary_key(client, package):
    ids = [create(client, package, VENDOR_REQUEST).json()["calendarId"] for _ in range(3)]
    assert len(set(ids)) == 3
    assert ids == [f"Calendar_{c.pk}" for c in Calendar.objects.order_by("pk")]


@pytest.mark.parametrize(("code", "field", "message"), ALL_EIGHT)
def test_each_code_alone(client, package, code, field, message):
    key = KEY_OF.get(field, field)
    bad = {"name": "   ", "timeZoneId": "Mars/Olympus"}.get(key, 99)
    response = create(client, package, body(**{key: bad}))
    assert response.json()["errors"] == [{"code": code, "field": field, "message": message}]
    assert not Calendar.objects.exists()


def test_all_eight_at_once_in_code_order(client, package):
    bad = {
        "name": "",
        "weekStarts": 0,
        "weekEnds": 8,
        "dayStartsHour": 24,
        "dayStartsMin": 60,
        "dayEndsHour": -1,
        "dayEndsMin": 99,
        "timeZoneId": "est",
    }
    response = create(client, package, bad)
    assert response.status_code == 422
    assert response.json() == {
        "message": "Validation Failed",
        "errors": [{"code": c, "field": f, "message": m} for c, f, m in ALL_EIGHT],
    }


def test_empty_object_reports_every_field(client, package):
    assert [e[0] for e in errors(create(client, package, {}))] == [c for c, _, _ in ALL_EIGHT]


@pytest.mark.parametrize("value", ["7", 7.5, 7.0, True, False, None, [7], {"n": 7}])
@pytest.mark.parametrize(("code", "field", "message"), ALL_EIGHT[1:7])
def test_wrong_json_types_get_the_fields_message(client, package, code, field, message, value):
    response = create(client, package, body(**{field: value}))
    assert response.json()["errors"] == [{"code": code, "field": field, "message": message}]


@pytest.mark.parametrize(("code", "field", "message"), ALL_EIGHT)
def test_missing_field_gets_its_message(client, package, code, field, message):
    request = body()
    del request[KEY_OF.get(field, field)]
    response = create(client, package, request)
    assert response.json()["errors"] == [{"code": code, "field": field, "message": message}]


@pytest.mark.parametrize("name", ["", " ", "\t\n ", 7, True, None, ["x"], "a\x00b"])
def test_bad_names_are_1000(client, package, name):
    assert errors(create(client, package, body(name=name))) == [("1000", "name")]


def test_overlong_name_is_1000(client, package):
    response = create(client, package, body(name="x" * 256))
    assert response.json()["errors"] == [
        {"code": "1000", "field": "name", "message": "name must be at most 255 characters."}
    ]
    assert create(client, package, body(name="x" * 255)).status_code == 201


@pytest.mark.parametrize("zone", ["PST", "IST", "EST", "MST", "HST", "CTT", "AET", "SystemV/EST5"])
def test_java_only_zone_ids_are_accepted(client, package, zone):
    response = create(client, package, body(timeZoneId=zone))
    assert response.status_code == 201
    assert response.json()["timeZoneId"] == zone


@pytest.mark.parametrize(
    "zone",
    ["Factory", "localtime", "GMT+05:30", "america/new_york", "AMERICA/NEW_YORK", "", " EST",
     "posixrules", 5, None],
)  # fmt: skip
def test_zone_ids_java_lacks_are_1007(client, package, zone):
    assert errors(create(client, package, body(timeZoneId=zone))) == [("1007", "timeZoneID")]


def test_iana_zone_ids_are_accepted(client, package):
    for zone in ("America/New_York", "Europe/Paris", "UTC", "Etc/GMT+5", "Asia/Kolkata"):
        assert create(client, package, body(timeZoneId=zone)).status_code == 201


@pytest.mark.parametrize(
    ("start", "end"), [(1, 7), (7, 1), (6, 2), (4, 4)]
)  # wrapped ranges and single days are fine
def test_any_week_range_is_valid(client, package, start, end):
    assert create(client, package, body(weekStarts=start, weekEnds=end)).status_code == 201


def test_overnight_and_zero_length_days_are_valid(client, package):
    overnight = body(dayStartsHour=22, dayStartsMin=0, dayEndsHour=6, dayEndsMin=0)
    assert create(client, package, overnight).status_code == 201
    same = body(dayStartsHour=8, dayStartsMin=0, dayEndsHour=8, dayEndsMin=0)
    assert create(client, package, same).status_code == 201


def test_unknown_keys_are_ignored(client, package):
    assert create(client, package, body(color="blue", calendarId="x")).status_code == 201


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_415_for_bodies_that_are_not_json(client, package, content_type):
    # generic(): post() would encode the body as JSON when content_type is empty.
    response = client.generic(
        "POST", url(package, "calendar"), json.dumps(VENDOR_REQUEST), content_type=content_type
    )
    assert response.status_code == 415
    assert "message" in response.json()
    assert not Calendar.objects.exists()


def test_415_even_for_an_empty_body(client, package):
    response = client.post(url(package, "calendar"), "", content_type="text/plain")
    assert response.status_code == 415


def test_json_with_charset_is_json(client, package):
    response = client.post(
        url(package, "calendar"),
        json.dumps(VENDOR_REQUEST),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201


@pytest.mark.parametrize("raw", ["{", "NaN", '{"name": "x",}', "\xff"])
def test_malformed_json_is_400(client, package, raw):
    response = client.post(url(package, "calendar"), raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"message": "The request body is not valid JSON."}


@pytest.mark.parametrize("value", [[VENDOR_REQUEST], "x", 7, None])
def test_body_that_is_not_an_object_is_400(client, package, value):
    response = client.post(
        url(package, "calendar"), json.dumps(value), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"message": "The request body must be a JSON object."}


def test_403_for_a_non_member(package, db):
    outsider = member(TenantFactory(), VIEW, CREATE)
    response = create(api_client(outsider), package, VENDOR_REQUEST)
    assert response.status_code == 403
    assert response.json() == {"message": "User does not have permission for the specified tenant."}


@pytest.mark.parametrize("tenant_id", ["999999", "abc", "-1", "1.0", "99999999999999999999"])
def test_403_for_unknown_or_malformed_tenant(client, package, tenant_id):
    path = f"/grs/v1/tenant/{tenant_id}/package/{package.pk}/calendar"
    response = client.post(path, VENDOR_REQUEST, format="json")
    assert response.status_code == 403
    assert response.json()["message"] == "User does not have permission for the specified tenant."


@pytest.mark.parametrize("missing", [VIEW, CREATE])
def test_403_for_each_missing_permission(tenant, package, missing):
    user = member(tenant, *({VIEW, CREATE} - {missing}))
    response = create(api_client(user), package, VENDOR_REQUEST)
    assert response.status_code == 403
    assert response.json() == {
        "message": f"User does not have proper permission to perform this operation ({missing})."
    }
    assert not Calendar.objects.exists()


def test_permissions_granted_through_a_group_count(tenant, package):
    from django.contrib.auth.models import Group

    from calendars.services import grs_permissions

    group = Group.objects.create(name="calendar editors")
    group.permissions.add(*grs_permissions([VIEW, CREATE]))
    user = member(tenant)
    user.groups.add(group)
    assert create(api_client(user), package, VENDOR_REQUEST).status_code == 201


@pytest.mark.parametrize("package_id", ["00000000-0000-0000-0000-000000000000", "nope", "1"])
def test_404_for_an_unknown_package(client, tenant, package_id):
    path = f"/grs/v1/tenant/{tenant.pk}/package/{package_id}/calendar"
    response = client.post(path, VENDOR_REQUEST, format="json")
    assert response.status_code == 404
    assert response.json() == {"message": "Could not find specified package ID."}


def test_404_for_another_tenants_package(client, tenant, user):
    foreign = PackageFactory()
    foreign.tenant.members.add(user)  # even when the user may see that other tenant
    path = f"/grs/v1/tenant/{tenant.pk}/package/{foreign.pk}/calendar"
    response = client.post(path, VENDOR_REQUEST, format="json")
    assert response.status_code == 404
    assert response.json() == {"message": "Could not find specified package ID."}
    assert not Calendar.objects.exists()


def test_check_order_403_before_404_before_415_before_422(tenant, package):
    outsider = api_client(member(TenantFactory(), VIEW, CREATE))
    bad_package = f"/grs/v1/tenant/{tenant.pk}/package/nope/calendar"
    assert outsider.post(bad_package, "x", content_type="text/plain").status_code == 403

    no_create = api_client(member(tenant, VIEW))
    assert no_create.post(bad_package, "x", content_type="text/plain").status_code == 403

    allowed = api_client(member(tenant, VIEW, CREATE))
    assert allowed.post(bad_package, "x", content_type="text/plain").status_code == 404
    good_package = url(package, "calendar")
    assert allowed.post(good_package, "x", content_type="text/plain").status_code == 415
    assert allowed.post(good_package, {}, format="json").status_code == 422


def test_401_before_everything(package):
    from rest_framework.test import APIClient

    response = APIClient().post(url(package, "calendar"), "x", content_type="text/plain")
    assert response.status_code == 401
    assert response.json() == {"message": "APIToken not valid"}
