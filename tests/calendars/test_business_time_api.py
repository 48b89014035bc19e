"""The business-time endpoints: working, next-working, add, duration (docs/business-time.md).

Expected instants are worked out by hand. 2026-03-06 is a Friday; New York moves from EST
(-05:00) to EDT (-04:00) on Sunday 2026-03-08, while Java's `EST` stays at -05:00.
"""

import pytest
from rest_framework.test import APIClient

from calendars import rules
from calendars.models import CalendarException
from tests.factories import CalendarFactory, HolidayFactory, PackageFactory

from .conftest import BT_QUERIES, VIEW, api_client, bt, member, week_calendar


@pytest.fixture
def est(package):
    return week_calendar(package, "EST")


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def error(response, status: int) -> str:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"message"}
    return body["message"]


# --- happy paths ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "echo", "working"),
    [
        ("2026-03-09T13:00:00Z", "2026-03-09T13:00:00Z", True),  # Monday 09:00 EDT
        ("2026-03-09T12:59:59Z", "2026-03-09T12:59:59Z", False),  # 08:59:59 EDT
        ("2026-03-09T21:00:00Z", "2026-03-09T21:00:00Z", False),  # 17:00: the end is out
        ("2026-03-09T09:30:00-04:00", "2026-03-09T13:30:00Z", True),  # echoed in UTC
        ("2026-03-09T13:30:00.250%2B00:00", "2026-03-09T13:30:00.250000Z", True),
        ("2026-03-11T15:00:00Z", "2026-03-11T15:00:00Z", False),  # the holiday
        ("2026-03-12T13:30:00Z", "2026-03-12T13:30:00Z", False),  # 09:30, time change 10-12
        ("2026-03-12T14:30:00Z", "2026-03-12T14:30:00Z", True),  # 10:30
        ("2026-03-06T21:30:00Z", "2026-03-06T21:30:00Z", True),  # Friday 16:30 EST
    ],
)
def test_working_new_york(client, package, new_york, at, echo, working):
    assert ok(client.get(bt(package, new_york, "working", at=at))) == {
        "at": echo,
        "working": working,
    }


def test_working_est_ignores_us_dst(client, package, new_york, est):
    # Monday 08:30 EST is 09:30 EDT: working in New York, not in EST.
    at = "2026-03-09T13:30:00Z"
    assert ok(client.get(bt(package, new_york, "working", at=at)))["working"] is True
    assert ok(client.get(bt(package, est, "working", at=at)))["working"] is False


def test_calendar_by_uuid(client, package, new_york):
    answer = ok(
        client.get(bt(package, str(new_york.uuid).upper(), "working", at="2026-03-09T13:00:00Z"))
    )
    assert answer["working"] is True


@pytest.mark.parametrize(
    ("calendar", "after", "expected"),
    [
        # Tuesday 18:00 EDT: Wednesday is a holiday, Thursday starts at 10:00 EDT.
        ("new_york", "2026-03-10T22:00:00Z", "2026-03-12T14:00:00Z"),
        ("est", "2026-03-10T23:00:00Z", "2026-03-12T15:00:00Z"),
        # Friday 17:00 EST, across the DST change: Monday 09:00 EDT.
        ("new_york", "2026-03-06T22:00:00Z", "2026-03-09T13:00:00Z"),
        ("est", "2026-03-06T22:00:00Z", "2026-03-09T14:00:00Z"),
        # Working already: itself.
        ("new_york", "2026-03-09T14:15:00Z", "2026-03-09T14:15:00Z"),
    ],
)
def test_next_working(client, package, request, calendar, after, expected):
    calendar = request.getfixturevalue(calendar)
    assert ok(client.get(bt(package, calendar, "next-working", after=after))) == {"at": expected}


@pytest.mark.parametrize(
    ("calendar", "start", "minutes", "expected"),
    [
        # Friday 16:00 EST + 90: 60 on Friday, 30 from Monday 09:00 EDT (13:00Z).
        ("new_york", "2026-03-06T21:00:00Z", 90, "2026-03-09T13:30:00Z"),
        # In EST Monday 09:00 is 14:00Z.
        ("est", "2026-03-06T21:00:00Z", 90, "2026-03-09T14:30:00Z"),
        # Tuesday 16:00 EDT + 180: 60 on Tuesday, none on the holiday, 120 on Thursday's
        # 10:00-12:00, ending at its end.
        ("new_york", "2026-03-10T20:00:00Z", 180, "2026-03-12T16:00:00Z"),
        # + 181: one more minute, on Friday from 09:00 EDT.
        ("new_york", "2026-03-10T20:00:00Z", 181, "2026-03-13T13:01:00Z"),
        # 0 minutes: start itself, even outside working time (Saturday).
        ("new_york", "2026-03-07T12:00:00Z", 0, "2026-03-07T12:00:00Z"),
        # Friday 17:00 EST + 60: the end of Monday's first hour.
        ("new_york", "2026-03-06T22:00:00Z", 60, "2026-03-09T14:00:00Z"),
    ],
)
def test_add(client, package, request, calendar, start, minutes, expected):
    calendar = request.getfixturevalue(calendar)
    url = bt(package, calendar, "add", start=start, minutes=minutes)
    assert ok(client.get(url)) == {"end": expected}


@pytest.mark.parametrize(
    ("start", "end", "minutes"),
    [
        # Monday to Monday: 480 + 480 + 0 (holiday) + 120 + 480.
        ("2026-03-09T13:00:00Z", "2026-03-16T13:00:00Z", 1560),
        # Friday 16:00 EST to Monday 10:00 EDT, across the DST change: 60 + 60.
        ("2026-03-06T21:00:00Z", "2026-03-09T14:00:00Z", 120),
        ("2026-03-09T13:00:30Z", "2026-03-09T14:00:00Z", 59.5),
        ("2026-03-09T13:00:00Z", "2026-03-09T13:00:00Z", 0),
        ("2026-03-07T00:00:00Z", "2026-03-08T23:59:00Z", 0),  # the weekend
    ],
)
def test_duration(client, package, new_york, start, end, minutes):
    answer = ok(client.get(bt(package, new_york, "duration", start=start, end=end)))
    assert answer == {"minutes": minutes}
    assert type(answer["minutes"]) is type(minutes)


def test_duration_of_add_is_the_minutes(client, package, new_york):
    start = "2026-03-05T15:17:00Z"
    end = ok(client.get(bt(package, new_york, "add", start=start, minutes=2000)))["end"]
    answer = ok(client.get(bt(package, new_york, "duration", start=start, end=end)))
    assert answer == {"minutes": 2000}


# --- errors --------------------------------------------------------------------------------


BAD_INSTANTS = [
    "",
    "2026-13-01T00:00:00Z",
    "2026-03-09T13:00:00",  # no offset: which zone?
    "2026-03-09",
    "2026-03-09T13:00:00 01:00",  # an unencoded + read as a space
    "now",
    "2026-03-09T13:00:00Z%00",
    "%00",
    "2026-03-09T25:00:00Z",
    "9" * 65,
    "1741526400000",
    "20260309T130000Z",  # ISO 8601's basic format: not taken
    "2026-03-09T13:00:00.1234567Z",
    "2026-03-09T13Z",
    "\u0662026-03-09T13:00:00Z",
]


@pytest.mark.parametrize(
    ("value", "echo"),
    [
        ("2026-03-09T13:00Z", "2026-03-09T13:00:00Z"),
        ("2026-03-09t13:00:00z", "2026-03-09T13:00:00Z"),
        ("2026-03-09 13:00:00Z", "2026-03-09T13:00:00Z"),
        ("2026-03-09T13:00:00.5-00:00", "2026-03-09T13:00:00.500000Z"),
        ("2026-03-09T18:30:00%2B05:30", "2026-03-09T13:00:00Z"),
    ],
)
def test_instant_forms(client, package, new_york, value, echo):
    assert ok(client.get(bt(package, new_york, "working", at=value))) == {
        "at": echo,
        "working": True,
    }


@pytest.mark.parametrize("value", BAD_INSTANTS)
@pytest.mark.parametrize(
    ("question", "name", "others"),
    [
        ("working", "at", {}),
        ("next-working", "after", {}),
        ("add", "start", {"minutes": 5}),
        ("duration", "start", {"end": "2026-03-09T13:00:00Z"}),
        ("duration", "end", {"start": "2026-03-09T13:00:00Z"}),
    ],
)
def test_bad_instant_is_a_400_naming_it(client, package, new_york, value, question, name, others):
    url = bt(package, new_york, question, **{name: value, **others})
    assert error(client.get(url), 400) == rules.instant_invalid(name)


@pytest.mark.parametrize("question", ["working", "next-working", "add", "duration"])
def test_missing_parameters_are_a_400(client, package, new_york, question):
    first = {"working": "at", "next-working": "after"}.get(question, "start")
    message = error(client.get(bt(package, new_york, question)), 400)
    assert message == rules.instant_invalid(first)


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00Z",
        "0001-12-31T23:59:59.999999Z",
        "0001-01-01T00:00:00%2B01:00",  # before year 1 in UTC
        "9999-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
    ],
)
def test_instant_out_of_range_is_a_400(client, package, new_york, value):
    assert error(client.get(bt(package, new_york, "working", at=value)), 400) == (
        rules.instant_out_of_range("at")
    )


def test_years_2_and_9998_are_answered(client, package, new_york):
    early = ok(client.get(bt(package, new_york, "working", at="0002-01-01T00:00:00Z")))
    assert early == {"at": "0002-01-01T00:00:00Z", "working": False}
    late = ok(client.get(bt(package, new_york, "working", at="9998-12-31T23:59:59Z")))
    assert late == {"at": "9998-12-31T23:59:59Z", "working": False}


@pytest.mark.parametrize(
    "minutes", ["", "-1", "1e9", "1.5", "%2B5", " 5", "0x10", "\u0663", "five", "%00"]
)
def test_bad_minutes_is_a_400(client, package, new_york, minutes):
    url = bt(package, new_york, "add", start="2026-03-09T13:00:00Z", minutes=minutes)
    assert error(client.get(url), 400) == rules.MINUTES_INVALID


def test_missing_minutes_is_a_400(client, package, new_york):
    url = bt(package, new_york, "add", start="2026-03-09T13:00:00Z")
    assert error(client.get(url), 400) == rules.MINUTES_INVALID


@pytest.mark.parametrize(
    "minutes", ["99999999999999999999", "6000000000", "9" * 5000, "0" * 30 + "99999999999999"]
)
def test_minutes_past_the_year_9998_is_a_400(client, package, new_york, minutes):
    url = bt(package, new_york, "add", start="2026-03-09T13:00:00Z", minutes=minutes)
    assert error(client.get(url), 400) == rules.ANSWER_TOO_LATE


def test_answer_past_the_year_9998_is_a_400(client, package, new_york):
    # Thursday 9998-12-31 16:55 EST + 10 minutes: 5 that day, 5 on Friday 9999-01-01.
    url = bt(package, new_york, "add", start="9998-12-31T21:55:00Z", minutes=10)
    assert error(client.get(url), 400) == rules.ANSWER_TOO_LATE


def test_leading_zeros_in_minutes_are_fine(client, package, new_york):
    url = bt(package, new_york, "add", start="2026-03-09T13:00:00Z", minutes="000030")
    assert ok(client.get(url)) == {"end": "2026-03-09T13:30:00Z"}


def test_end_before_start_is_a_400(client, package, new_york):
    url = bt(
        package,
        new_york,
        "duration",
        start="2026-03-09T13:00:00Z",
        end="2026-03-09T12:59:59.999999Z",
    )
    assert error(client.get(url), 400) == rules.END_BEFORE_START


@pytest.fixture
def never(package):
    """Mondays only, every Monday of every month a holiday (FIRST..FOURTH and LAST)."""
    calendar = CalendarFactory(package=package, week_starts=2, week_ends=2, time_zone_id="UTC")
    CalendarException.objects.bulk_create(
        CalendarException(
            calendar=calendar,
            name=f"{nth} Monday of {month}",
            type="HOLIDAY",
            placement="RELATIVE",
            relative_type=nth,
            relative_day_of_week=2,
            relative_month=month,
        )
        for month in range(1, 13)
        for nth in ("FIRST", "SECOND", "THIRD", "FOURTH", "LAST")
    )
    return calendar


def test_no_working_time_is_a_422(client, package, never):
    after = "2026-03-09T13:00:00%2B01:00"
    message = error(client.get(bt(package, never, "next-working", after=after)), 422)
    assert message == rules.no_working_time("2026-03-09T12:00:00Z")
    url = bt(package, never, "add", start=after, minutes=1)
    assert error(client.get(url), 422) == rules.no_working_time("2026-03-09T12:00:00Z")


def test_no_working_time_still_answers_the_other_questions(client, package, never):
    assert ok(client.get(bt(package, never, "add", start="2026-03-09T13:00:00Z", minutes=0)))
    at = ok(client.get(bt(package, never, "working", at="2026-03-09T13:00:00Z")))
    assert at["working"] is False
    url = bt(package, never, "duration", start="2026-03-09T00:00:00Z", end="2027-03-09T00:00:00Z")
    assert ok(client.get(url)) == {"minutes": 0}


def test_no_working_time_before_the_year_9999_is_a_400(client, package):
    mondays = CalendarFactory(package=package, week_starts=2, week_ends=2, time_zone_id="UTC")
    # 9998-12-31 is a Thursday: the next Monday is in 9999.
    url = bt(package, mondays, "next-working", after="9998-12-29T00:00:00Z")
    assert error(client.get(url), 400) == rules.NO_WORKING_TIME_BEFORE_9999


# --- access --------------------------------------------------------------------------------

QUESTIONS = [
    ("working", {"at": "2026-03-09T13:00:00Z"}),
    ("next-working", {"after": "2026-03-09T13:00:00Z"}),
    ("add", {"start": "2026-03-09T13:00:00Z", "minutes": "5"}),
    ("duration", {"start": "2026-03-09T13:00:00Z", "end": "2026-03-09T14:00:00Z"}),
]


@pytest.fixture(params=QUESTIONS, ids=[q for q, _ in QUESTIONS])
def question(request):
    return request.param


def test_no_token_is_a_401(package, new_york, question):
    name, params = question
    response = APIClient().get(bt(package, new_york, name, **params))
    assert error(response, 401) == rules.TOKEN_INVALID


def test_401_comes_before_a_bad_parameter(package, new_york, question):
    response = APIClient().get(bt(package, new_york, question[0], at="x", start="x"))
    assert error(response, 401) == rules.TOKEN_INVALID


def test_not_a_member_is_a_403(package, new_york, question):
    name, params = question
    outsider = api_client(member(PackageFactory().tenant, VIEW))
    assert error(outsider.get(bt(package, new_york, name, **params)), 403) == rules.NOT_A_MEMBER


def test_without_calendar_view_is_a_403(tenant, package, new_york, question):
    name, params = question
    response = api_client(member(tenant)).get(bt(package, new_york, name, **params))
    assert error(response, 403) == rules.permission_missing(VIEW)


def test_view_is_enough(tenant, package, new_york, question):
    name, params = question
    ok(api_client(member(tenant, VIEW)).get(bt(package, new_york, name, **params)))


def test_403_comes_before_a_bad_parameter(tenant, package, new_york, question):
    response = api_client(member(tenant)).get(bt(package, new_york, question[0], at="x"))
    assert error(response, 403) == rules.permission_missing(VIEW)


@pytest.mark.parametrize("package_id", ["00000000-0000-0000-0000-000000000000", "nope"])
def test_unknown_package_is_a_404(client, tenant, new_york, question, package_id):
    name, params = question
    calendar_id = new_york.external_id
    query = "&".join(f"{k}={v}" for k, v in params.items())
    url = f"/grs/v1/tenant/{tenant.pk}/package/{package_id}/calendar/{calendar_id}/{name}?{query}"
    assert error(client.get(url), 404) == rules.PACKAGE_NOT_FOUND


def test_another_tenants_package_is_a_404(client, new_york, question):
    name, params = question
    theirs = CalendarFactory()
    url = bt(theirs.package, theirs, name, **params).replace(
        f"/tenant/{theirs.package.tenant_id}/", f"/tenant/{new_york.package.tenant_id}/"
    )
    assert error(client.get(url), 404) == rules.PACKAGE_NOT_FOUND


@pytest.mark.parametrize(
    "calendar_id",
    ["Calendar_999999", "Calendar_0", "Calendar_01", "00000000-0000-0000-0000-000000000000", "x"],
)
def test_unknown_calendar_is_a_404(client, package, new_york, question, calendar_id):
    name, params = question
    assert error(client.get(bt(package, calendar_id, name, **params)), 404) == (
        rules.CALENDAR_NOT_FOUND
    )


def test_another_tenants_calendar_is_a_404(client, package, question):
    name, params = question
    theirs = CalendarFactory()
    for calendar_id in (theirs.external_id, str(theirs.uuid)):
        response = client.get(bt(package, calendar_id, name, **params))
        assert error(response, 404) == rules.CALENDAR_NOT_FOUND


def test_404_comes_before_a_bad_parameter(client, package, question):
    response = client.get(bt(package, "Calendar_999999", question[0], at="x", start="x"))
    assert error(response, 404) == rules.CALENDAR_NOT_FOUND


def test_only_get(client, package, new_york):
    url = bt(package, new_york, "working", at="2026-03-09T13:00:00Z")
    assert client.post(url).status_code == 405


# --- queries -------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [0, 1, 30])
def test_one_query_loads_the_calendar_and_its_exceptions(
    client, package, django_assert_num_queries, question, count
):
    calendar = CalendarFactory(package=package, time_zone_id="America/New_York")
    HolidayFactory.create_batch(count, calendar=calendar)
    name, params = question
    with django_assert_num_queries(BT_QUERIES):
        ok(client.get(bt(package, calendar, name, **params)))


def test_exceptions_are_read_in_list_order(client, package):
    # Two time changes on one date: the first in the list wins (10:00-11:00, not 14-15).
    calendar = CalendarFactory(package=package, time_zone_id="UTC")
    for start in (10, 14):
        CalendarException.objects.create(
            calendar=calendar,
            name=f"From {start}",
            type="TIME_CHANGE",
            placement="ANNUAL",
            annual_month=3,
            annual_day=9,
            time_change_start_hour=start,
            time_change_start_min=0,
            time_change_stop_hour=start + 1,
            time_change_stop_min=0,
        )
    url = bt(package, calendar, "next-working", after="2026-03-09T00:00:00Z")
    assert ok(client.get(url)) == {"at": "2026-03-09T10:00:00Z"}


def test_spans_over_100_years_are_refused(client, package, new_york):
    url = bt(package, new_york, "add", start="2026-03-09T13:00:00Z", minutes=52_596_001)
    assert error(client.get(url), 400) == "minutes must be at most 52596000 (100 years)."
    url = bt(package, new_york, "add", start="2026-03-09T13:00:00Z", minutes=52_596_000)
    assert client.get(url).status_code == 200
    url = bt(
        package, new_york, "duration", start="0002-01-01T00:00:00Z", end="9998-01-01T00:00:00Z"
    )
    assert error(client.get(url), 400) == "end must be within 100 years of start."
    url = bt(
        package, new_york, "duration", start="2000-01-01T00:00:00Z", end="2099-12-31T00:00:00Z"
    )
    assert client.get(url).status_code == 200
