"""Hostile input to the GRS API: a clear 4xx in the family's shape, never a 500, nothing
written."""

import json

import pytest
from rest_framework.test import APIClient

from calendars.models import Calendar

from .conftest import VENDOR_REQUEST, basic, errors, url


def post_raw(client, package, raw: str | bytes):
    return client.generic("POST", url(package, "calendar"), raw, content_type="application/json")


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("\ud800", "name must be valid Unicode text."),
        ("Dad\udfff", "name must be valid Unicode text."),
        ("a\x00", "name must not contain control characters."),
    ],
)
def test_unstorable_names_are_1000(client, package, name, message):
    raw = json.dumps({**VENDOR_REQUEST, "name": name})  # ensure_ascii: \\ud800 escapes
    response = post_raw(client, package, raw)
    assert response.json()["errors"] == [{"code": "1000", "field": "name", "message": message}]
    assert not Calendar.objects.exists()


def test_unstorable_exception_name_is_1102(client, package, calendar):
    assert client.get(url(package, "lockcalendar", calendar)).status_code == 204
    item = {"name": "\ud800", "type": "HOLIDAY", "placement": "ANNUAL", "annualMonth": 1,
            "annualDay": 1}  # fmt: skip
    path = url(package, "businesscalendarbody", calendar)
    response = client.generic("PUT", path, json.dumps({"exceptions": [item]}),
                              content_type="application/json")  # fmt: skip
    assert errors(response) == [("1000", "name", 0)]


def test_deep_nesting_is_400(client, package):
    response = post_raw(client, package, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert "message" in response.json()


@pytest.mark.parametrize("value", [10**100, -(10**30), 1e308, "9" * 5000])
def test_huge_numbers_are_out_of_range(client, package, value):
    raw = json.dumps({**VENDOR_REQUEST, "weekStarts": value})
    assert errors(post_raw(client, package, raw)) == [("1001", "weekStarts")]


def test_invalid_utf8_is_400(client, package):
    response = post_raw(client, package, b'{"name": "\xff"}')
    assert response.status_code == 400
    assert response.json() == {"message": "The request body is not valid JSON."}


@pytest.mark.parametrize(
    "header",
    ["Basic " + "x" * 10_000, "Basic \u00e9\u00e9", "Basic =", basic("\ud7ff", "t"), "Basic  "],
)
def test_odd_authorization_headers_are_401(package, header):
    response = APIClient().get(url(package, "calendars"), HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == {"message": "APIToken not valid"}


@pytest.mark.parametrize("header", ["Basic \u00e9\u00e9", "Basic " + "x" * 10_000, "Basic =="])
def test_odd_login_headers_are_401(db, header):
    response = APIClient().get("/grs/v1/login", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json() == {"message": "Userid/Password not valid"}


def test_body_over_the_limit_is_413(client, package, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    raw = json.dumps({**VENDOR_REQUEST, "name": "x" * 20_000})
    response = post_raw(client, package, raw)
    assert response.status_code == 413
    assert response.json() == {"message": "Request body is too large."}
    assert not Calendar.objects.exists()


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client, package, literal):
    raw = json.dumps(VENDOR_REQUEST).replace('"weekStarts": 6', f'"weekStarts": {literal}')
    response = post_raw(client, package, raw)
    assert response.status_code == 400
    assert response.json() == {"message": "The request body is not valid JSON."}
    assert not Calendar.objects.exists()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_wrong_content_type_is_415(client, package, content_type):
    response = client.generic(
        "POST", url(package, "calendar"), json.dumps(VENDOR_REQUEST), content_type=content_type
    )
    assert response.status_code == 415
    assert list(response.json()) == ["message"]


def test_sql_metacharacters_are_stored_and_returned_verbatim(client, package):
    name = "Robert'); DROP TABLE calendars_calendar;-- %s ? \\ \" ` $1"
    created = post_raw(client, package, json.dumps({**VENDOR_REQUEST, "name": name}))
    assert created.status_code == 201
    assert created.json()["name"] == name
    listed = client.get(url(package, "calendars")).json()["calendars"]
    assert [c["name"] for c in listed] == [name]
    assert Calendar.objects.get().name == name
