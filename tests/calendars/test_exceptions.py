"""PUT .../businesscalendarbody/{calendarId}: replace a calendar's exceptions."""

import pytest

from calendars.models import CalendarException

from .conftest import errors, url
from .factories import HolidayFactory

UNUSED = {
    "fixedDate": None,
    "annualMonth": None,
    "annualDay": None,
    "relativeType": None,
    "relativeDayOfWeek": None,
    "relativeMonth": None,
    "timeChangeStartHour": None,
    "timeChangeStartMin": None,
    "timeChangeStopHour": None,
    "timeChangeStopMin": None,
}
CHRISTMAS = {"name": "Christmas", "type": "HOLIDAY", "placement": "FIXED", "fixedDate": 30949200000}
NEW_YEAR = {
    "name": "New Year",
    "type": "HOLIDAY",
    "placement": "ANNUAL",
    "annualMonth": 1,
    "annualDay": 1,
}
THANKSGIVING = {
    "name": "Thanksgiving",
    "type": "HOLIDAY",
    "placement": "RELATIVE",
    "relativeType": "FOURTH",
    "relativeDayOfWeek": 5,
    "relativeMonth": 11,
}
SHORT_FRIDAY = {
    "name": "Short day",
    "type": "TIME_CHANGE",
    "placement": "ANNUAL",
    "annualMonth": 12,
    "annualDay": 24,
    "timeChangeStartHour": 9,
    "timeChangeStartMin": 0,
    "timeChangeStopHour": 12,
    "timeChangeStopMin": 30,
}


@pytest.fixture
def locked(client, package, calendar):
    assert client.get(url(package, "lockcalendar", calendar)).status_code == 204
    return calendar


def put(client, package, calendar, exceptions):
    body = {"exceptions": exceptions}
    return client.put(url(package, "businesscalendarbody", calendar), body, format="json")


def full(item: dict) -> dict:
    return {
        "name": item["name"],
        "type": item["type"],
        "placement": item["placement"],
        **UNUSED,
        **{k: v for k, v in item.items() if k in UNUSED},
    }


def test_replace_exceptions(client, package, locked):
    HolidayFactory(calendar=locked, name="Old")
    items = [CHRISTMAS, NEW_YEAR, THANKSGIVING, SHORT_FRIDAY]
    response = put(client, package, locked, items)
    assert response.status_code == 201
    body = response.json()
    # The vendor's answer: the calendar as created (calendarId = Calendar_N), plus exceptions.
    assert body["calendarId"] == locked.external_id
    assert list(body)[-1] == "exceptions"
    assert (body["locked"], body["lockOwner"]) == (True, "alice")
    assert body["exceptions"] == [full(i) for i in items]
    assert list(body["exceptions"][0]) == ["name", "type", "placement", *UNUSED]
    stored = client.get(url(package, "businesscalendarbody", locked)).json()["exceptions"]
    assert stored == body["exceptions"]  # in the order sent
    assert not CalendarException.objects.filter(name="Old").exists()


def test_empty_list_clears_the_exceptions(client, package, locked):
    HolidayFactory(calendar=locked)
    assert put(client, package, locked, []).json()["exceptions"] == []
    assert not CalendarException.objects.exists()


def test_vendor_example_body_with_zeros_for_unused_numbers(client, package, locked):
    """The vendor's own example sends 0, not null, for numbers an exception does not use."""
    zeros = {k: 0 for k in UNUSED if k not in ("fixedDate", "relativeType")}
    items = [
        {**CHRISTMAS, **zeros, "fixedDate": 30949200000, "relativeType": None},
        {
            **NEW_YEAR,
            **zeros,
            "fixedDate": None,
            "relativeType": None,
            "annualMonth": 1,
            "annualDay": 1,
        },
    ]
    response = put(client, package, locked, items)
    assert response.status_code == 201
    assert response.json()["exceptions"] == [full(CHRISTMAS), full(NEW_YEAR)]


def test_fixed_date_zero_is_a_date_when_used(client, package, locked):
    item = {**CHRISTMAS, "fixedDate": 0}
    assert put(client, package, locked, [item]).json()["exceptions"][0]["fixedDate"] == 0


def test_other_keys_of_a_get_body_are_ignored(client, package, locked):
    body = client.get(url(package, "businesscalendarbody", locked)).json()
    body["exceptions"] = [CHRISTMAS]
    body["name"] = "not applied"
    response = client.put(url(package, "businesscalendarbody", locked), body, format="json")
    assert response.status_code == 201
    locked.refresh_from_db()
    assert locked.name != "not applied"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({**NEW_YEAR, "name": " "}, [("1102", "name")]),
        ({**NEW_YEAR, "name": None}, [("1102", "name")]),
        ({**NEW_YEAR, "type": "holiday"}, [("1103", "type")]),
        ({**NEW_YEAR, "placement": "WEEKLY"}, [("1104", "placement")]),
        ({**CHRISTMAS, "fixedDate": "30949200000"}, [("1105", "fixedDate")]),
        ({**CHRISTMAS, "fixedDate": None}, [("1105", "fixedDate")]),
        ({**CHRISTMAS, "fixedDate": 1.5}, [("1105", "fixedDate")]),
        ({**CHRISTMAS, "fixedDate": 10**20}, [("1105", "fixedDate")]),
        ({**NEW_YEAR, "annualMonth": 13}, [("1106", "annualMonth")]),
        ({**NEW_YEAR, "annualMonth": 0}, [("1106", "annualMonth")]),
        ({**NEW_YEAR, "annualDay": 32}, [("1107", "annualDay")]),
        ({**NEW_YEAR, "annualMonth": 2, "annualDay": 30}, [("1107", "annualDay")]),
        ({**NEW_YEAR, "annualMonth": 4, "annualDay": 31}, [("1107", "annualDay")]),
        ({**THANKSGIVING, "relativeType": "FIFTH"}, [("1108", "relativeType")]),
        ({**THANKSGIVING, "relativeType": None}, [("1108", "relativeType")]),
        ({**THANKSGIVING, "relativeDayOfWeek": 8}, [("1109", "relativeDayOfWeek")]),
        ({**THANKSGIVING, "relativeDayOfWeek": True}, [("1109", "relativeDayOfWeek")]),
        ({**THANKSGIVING, "relativeMonth": 0}, [("1110", "relativeMonth")]),
        ({**SHORT_FRIDAY, "timeChangeStartHour": 24}, [("1111", "timeChangeStartHour")]),
        ({**SHORT_FRIDAY, "timeChangeStartMin": 60}, [("1112", "timeChangeStartMin")]),
        ({**SHORT_FRIDAY, "timeChangeStopHour": "12"}, [("1113", "timeChangeStopHour")]),
        ({**SHORT_FRIDAY, "timeChangeStopMin": None}, [("1114", "timeChangeStopMin")]),
        ({**CHRISTMAS, "annualMonth": 12}, [("1115", "annualMonth")]),
        ({**NEW_YEAR, "relativeType": "FIRST"}, [("1115", "relativeType")]),
        ({**THANKSGIVING, "fixedDate": 5}, [("1115", "fixedDate")]),
        ({**NEW_YEAR, "timeChangeStartHour": 9}, [("1115", "timeChangeStartHour")]),
        ("a string", [("1101", "exceptions")]),
        (None, [("1101", "exceptions")]),
    ],
)
def test_each_invalid_field_with_its_code_and_index(client, package, locked, item, expected):
    response = put(client, package, locked, [CHRISTMAS, item])
    assert errors(response) == [(code, field, 1) for code, field in expected]
    assert not CalendarException.objects.exists()


def test_leap_day_is_a_valid_annual_day(client, package, locked):
    item = {**NEW_YEAR, "annualMonth": 2, "annualDay": 29}
    assert put(client, package, locked, [item]).status_code == 201


def test_every_problem_of_every_exception_by_index_then_code(client, package, locked):
    items = [
        {
            "type": "TIME_CHANGE",
            "placement": "RELATIVE",
            "relativeType": "FIRST",
            "relativeDayOfWeek": 0,
            "relativeMonth": 1,
            "annualDay": 3,
            "timeChangeStartHour": 1,
            "timeChangeStartMin": 0,
            "timeChangeStopHour": 2,
            "timeChangeStopMin": 99,
        },
        NEW_YEAR,
        {"name": "x", "type": "BOTH", "placement": "SOMETIMES"},
    ]
    response = put(client, package, locked, items)
    assert response.json() == {
        "message": "Validation Failed",
        "errors": [
            {"code": "1102", "field": "name", "message": "name must be specified", "index": 0},
            {
                "code": "1109",
                "field": "relativeDayOfWeek",
                "message": "relativeDayOfWeek is invalid. Must be between 1 and 7.",
                "index": 0,
            },
            {
                "code": "1114",
                "field": "timeChangeStopMin",
                "message": "timeChangeStopMin is invalid. Must be between 0 and 59.",
                "index": 0,
            },
            {
                "code": "1115",
                "field": "annualDay",
                "message": "annualDay must be null when placement is RELATIVE.",
                "index": 0,
            },
            {
                "code": "1103",
                "field": "type",
                "message": "type is invalid. Must be HOLIDAY or TIME_CHANGE.",
                "index": 2,
            },
            {
                "code": "1104",
                "field": "placement",
                "message": "placement is invalid. Must be FIXED, ANNUAL or RELATIVE.",
                "index": 2,
            },
        ],
    }


@pytest.mark.parametrize(
    "body", [{}, {"exceptions": None}, {"exceptions": {"a": 1}}, {"exceptions": "x"}]
)
def test_exceptions_must_be_a_list(client, package, locked, body):
    response = client.put(url(package, "businesscalendarbody", locked), body, format="json")
    assert response.json()["errors"] == [
        {
            "code": "1100",
            "field": "exceptions",
            "message": "exceptions must be a list of at most 1000 exceptions.",
        }
    ]


def test_at_most_1000_exceptions(client, package, locked):
    assert errors(put(client, package, locked, [NEW_YEAR] * 1001)) == [("1100", "exceptions")]
    assert put(client, package, locked, [NEW_YEAR] * 1000).status_code == 201
    assert CalendarException.objects.count() == 1000


def test_415_for_a_body_that_is_not_json(client, package, locked):
    response = client.put(
        url(package, "businesscalendarbody", locked), "exceptions=", content_type="text/plain"
    )
    assert response.status_code == 415
