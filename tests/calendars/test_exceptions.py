"""PUT .../businesscalendarbody/{calendarId}: replace a calendar's exceptions."""

import pytest

from calendars.demo import office_body
from calendars.models import Calendar, CalendarException
from tests.factories import HolidayFactory

from .conftest import errors, url

# As the vendor answers unused fields (its Christmas example): numbers 0, fixedDate and
# relativeType null.
UNUSED = {
    "fixedDate": None,
    "annualMonth": 0,
    "annualDay": 0,
    "relativeType": None,
    "relativeDayOfWeek": 0,
    "relativeMonth": 0,
    "timeChangeStartHour": 0,
    "timeChangeStartMin": 0,
    "timeChangeStopHour": 0,
    "timeChangeStopMin": 0,
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


def test_vendor_christmas_example_shape(client, package, locked):
    """The vendor's Christmas exception, as its page answers it, key for key."""
    response = put(client, package, locked, [CHRISTMAS])
    assert response.json()["exceptions"] == [
        {
            "name": "Christmas",
            "type": "HOLIDAY",
            "placement": "FIXED",
            "fixedDate": 30949200000,
            "annualMonth": 0,
            "annualDay": 0,
            "relativeType": None,
            "relativeDayOfWeek": 0,
            "relativeMonth": 0,
            "timeChangeStartHour": 0,
            "timeChangeStartMin": 0,
            "timeChangeStopHour": 0,
            "timeChangeStopMin": 0,
        }
    ]
    # The answer sent back as it is (zeros and nulls) is accepted and unchanged.
    again = put(client, package, locked, response.json()["exceptions"])
    assert again.status_code == 201
    assert again.json()["exceptions"] == response.json()["exceptions"]


@pytest.mark.parametrize(
    ("item", "code", "field", "message"),
    [
        (
            {**CHRISTMAS, "fixedDate": None},
            "1002",
            "fixedDate",
            "fixedDate must be specified with type of FIXED",
        ),
        (
            {**NEW_YEAR, "annualMonth": 0},
            "1003",
            "annualMonth",
            "annualMonth must be specified with type of ANNUAL",
        ),
        (
            {**NEW_YEAR, "annualMonth": 13},
            "1003",
            "annualMonth",
            "annualMonth is invalid. Must be between 1 and 12.",
        ),
        (
            {**THANKSGIVING, "relativeMonth": None},
            "1007",
            "relativeMonth",
            "relativeMonth must be specified with type of RELATIVE",
        ),
    ],
)
def test_vendor_codes_and_texts(client, package, locked, item, code, field, message):
    response = put(client, package, locked, [item])
    assert response.json() == {
        "message": "Validation Failed",
        "errors": [{"code": code, "field": field, "message": message, "index": 0}],
    }


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
        ({**NEW_YEAR, "name": " "}, [("1000", "name")]),
        ({**NEW_YEAR, "name": None}, [("1000", "name")]),
        ({**NEW_YEAR, "type": "holiday"}, [("1001", "type")]),
        ({**NEW_YEAR, "placement": "WEEKLY"}, [("1012", "placement")]),
        ({**CHRISTMAS, "fixedDate": "30949200000"}, [("1002", "fixedDate")]),
        ({**CHRISTMAS, "fixedDate": None}, [("1002", "fixedDate")]),
        ({**CHRISTMAS, "fixedDate": 1.5}, [("1002", "fixedDate")]),
        ({**CHRISTMAS, "fixedDate": 10**20}, [("1016", "fixedDate")]),
        ({**NEW_YEAR, "annualMonth": 13}, [("1003", "annualMonth")]),
        ({**NEW_YEAR, "annualMonth": 0}, [("1003", "annualMonth")]),
        ({**NEW_YEAR, "annualDay": 32}, [("1004", "annualDay")]),
        ({**NEW_YEAR, "annualMonth": 2, "annualDay": 30}, [("1004", "annualDay")]),
        ({**NEW_YEAR, "annualMonth": 4, "annualDay": 31}, [("1004", "annualDay")]),
        ({**THANKSGIVING, "relativeType": "FIFTH"}, [("1005", "relativeType")]),
        ({**THANKSGIVING, "relativeType": None}, [("1005", "relativeType")]),
        ({**THANKSGIVING, "relativeDayOfWeek": 8}, [("1006", "relativeDayOfWeek")]),
        ({**THANKSGIVING, "relativeDayOfWeek": True}, [("1006", "relativeDayOfWeek")]),
        ({**THANKSGIVING, "relativeMonth": 0}, [("1007", "relativeMonth")]),
        ({**SHORT_FRIDAY, "timeChangeStartHour": 24}, [("1008", "timeChangeStartHour")]),
        ({**SHORT_FRIDAY, "timeChangeStartMin": 60}, [("1009", "timeChangeStartMin")]),
        ({**SHORT_FRIDAY, "timeChangeStopHour": "12"}, [("1010", "timeChangeStopHour")]),
        ({**SHORT_FRIDAY, "timeChangeStopMin": None}, [("1011", "timeChangeStopMin")]),
        ({**CHRISTMAS, "annualMonth": 12}, [("1013", "annualMonth")]),
        ({**NEW_YEAR, "relativeType": "FIRST"}, [("1013", "relativeType")]),
        ({**THANKSGIVING, "fixedDate": 5}, [("1013", "fixedDate")]),
        ({**NEW_YEAR, "timeChangeStartHour": 9}, [("1013", "timeChangeStartHour")]),
        ("a string", [("1015", "exceptions")]),
        (None, [("1015", "exceptions")]),
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
            {"code": "1000", "field": "name", "message": "name must be specified", "index": 0},
            {
                "code": "1006",
                "field": "relativeDayOfWeek",
                "message": "relativeDayOfWeek must be specified with type of RELATIVE",
                "index": 0,
            },
            {
                "code": "1011",
                "field": "timeChangeStopMin",
                "message": "timeChangeStopMin is invalid. Must be between 0 and 59.",
                "index": 0,
            },
            {
                "code": "1013",
                "field": "annualDay",
                "message": "annualDay must be null or 0 when placement is RELATIVE.",
                "index": 0,
            },
            {
                "code": "1001",
                "field": "type",
                "message": "type is invalid. Must be HOLIDAY or TIME_CHANGE.",
                "index": 2,
            },
            {
                "code": "1012",
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
            "code": "1014",
            "field": "exceptions",
            "message": "exceptions must be a list of at most 1000 exceptions.",
        }
    ]


def test_at_most_1000_exceptions(client, package, locked):
    assert errors(put(client, package, locked, [NEW_YEAR] * 1001)) == [("1014", "exceptions")]
    assert put(client, package, locked, [NEW_YEAR] * 1000).status_code == 201
    assert CalendarException.objects.count() == 1000


def test_415_for_a_body_that_is_not_json(client, package, locked):
    response = client.put(
        url(package, "businesscalendarbody", locked), "exceptions=", content_type="text/plain"
    )
    assert response.status_code == 415


# fixedDate in the calendar's zone (issue 10): years 1..9999 there, on write ------------


@pytest.mark.parametrize(
    ("zone", "fixed_date"),
    [
        ("America/New_York", -62_135_596_800_000),  # 0001-01-01T00:00Z: year 0 there
        ("Asia/Tokyo", 253_402_300_799_999),  # 9999-12-31T23:59:59.999Z: year 10000 there
        ("Pacific/Kiritimati", 253_402_300_799_999),
    ],
)
def test_fixed_date_outside_years_1_to_9999_in_the_zone_is_1016(
    client, package, locked, zone, fixed_date
):
    Calendar.objects.filter(pk=locked.pk).update(time_zone_id=zone)
    response = put(client, package, locked, [NEW_YEAR, {**CHRISTMAS, "fixedDate": fixed_date}])
    assert response.json() == {
        "message": "Validation Failed",
        "errors": [
            {
                "code": "1016",
                "field": "fixedDate",
                "message": "fixedDate must name a day in the years 1 to 9999 in the "
                "calendar's time zone.",
                "index": 1,
            }
        ],
    }
    assert not CalendarException.objects.exists()


@pytest.mark.parametrize(
    ("zone", "fixed_date"),
    [
        ("UTC", -62_135_596_800_000),
        ("UTC", 253_402_300_799_999),
        ("Asia/Tokyo", -62_135_596_800_000),
    ],
)
def test_fixed_date_at_the_limits_inside_the_zone_is_accepted(
    client, package, locked, zone, fixed_date
):
    Calendar.objects.filter(pk=locked.pk).update(time_zone_id=zone)
    response = put(client, package, locked, [{**CHRISTMAS, "fixedDate": fixed_date}])
    assert response.status_code == 201
    assert response.json()["exceptions"][0]["fixedDate"] == fixed_date


def test_changing_the_zone_so_a_fixed_date_falls_outside_is_1008(client, package, locked):
    Calendar.objects.filter(pk=locked.pk).update(time_zone_id="UTC")
    items = [NEW_YEAR, {**CHRISTMAS, "fixedDate": -62_135_596_800_000}]
    assert put(client, package, locked, items).status_code == 201
    body = office_body("Moved", "America/New_York")
    response = client.put(url(package, "calendar", locked), body, format="json")
    assert response.json() == {
        "message": "Validation Failed",
        "errors": [
            {
                "code": "1008",
                "field": "timeZoneID",
                "message": "timeZoneId would move the fixedDate of exception 1 outside the "
                "years 1 to 9999.",
                "index": 1,
            }
        ],
    }
    locked.refresh_from_db()
    assert (locked.name, locked.time_zone_id) == (Calendar.objects.get().name, "UTC")
    # Every business-time question still answers for the calendar.
    working = client.get(url(package, "calendar", locked) + "/working?at=2026-01-05T10:00:00Z")
    assert working.status_code == 200
    # A zone in which the date stays inside is fine.
    response = client.put(url(package, "calendar", locked), {**body, "timeZoneId": "Asia/Tokyo"},
                          format="json")  # fmt: skip
    assert response.status_code == 200
