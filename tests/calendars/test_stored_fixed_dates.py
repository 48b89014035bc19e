"""A FIXED exception stored with a fixedDate whose local date, in the calendar's zone, falls
outside the years 1 to 9999 (written before the write-time check, or the zone changed
since): every read of the calendar still answers, and the exception names no date."""

import pytest
from django.test import Client

from calendars import rules
from calendars.models import CalendarException
from tests.factories import CalendarFactory, UserFactory

from .conftest import bt, epoch_ms


@pytest.mark.parametrize(
    ("zone", "fixed_date"),
    [
        ("America/New_York", rules.FIXED_DATE_MIN),  # 31 December of year 0 there
        ("Asia/Tokyo", rules.FIXED_DATE_MAX),  # 1 January 10000 there
        ("Pacific/Kiritimati", rules.FIXED_DATE_MAX),
    ],
)
def test_reads_answer_with_a_fixed_date_outside_the_years(client, package, zone, fixed_date):
    calendar = CalendarFactory(
        package=package, week_starts=2, week_ends=6, day_starts_hour=9, day_ends_hour=17
    )
    calendar.time_zone_id = zone
    calendar.save()
    for placement_fields in (
        {"type": "HOLIDAY"},
        {
            "type": "TIME_CHANGE",
            "time_change_start_hour": 1,
            "time_change_start_min": 0,
            "time_change_stop_hour": 2,
            "time_change_stop_min": 0,
        },
    ):
        CalendarException.objects.create(
            calendar=calendar,
            name="Far",
            placement="FIXED",
            fixed_date=fixed_date,
            **placement_fields,
        )
    CalendarException.objects.create(  # and one that still counts
        calendar=calendar,
        name="Near",
        type="HOLIDAY",
        placement="FIXED",
        fixed_date=epoch_ms(2026, 3, 11),
    )
    questions = {
        "working": {"at": "2026-03-11T15:00:00Z"},
        "next-working": {"after": "2026-03-11T15:00:00Z"},
        "add": {"start": "2026-03-10T15:00:00Z", "minutes": "60"},
        "duration": {"start": "9998-01-01T00:00:00Z", "end": "9998-12-31T00:00:00Z"},
    }
    answers = {}
    for question, params in questions.items():
        response = client.get(bt(package, calendar, question, **params))
        assert response.status_code == 200, response.content
        answers[question] = response.json()
    assert answers["working"]["working"] is False  # the near holiday still holds
    assert answers["next-working"]["at"][:10] == "2026-03-12"
    assert answers["duration"]["minutes"] > 0

    staff = Client()
    staff.force_login(UserFactory(username="boss", password="pw", staff=True))
    for path in (
        f"/staff/calendars/{calendar.external_id}/week/?date=2026-03-11",
        f"/admin/calendars/calendar/{calendar.pk}/change/",
    ):
        assert staff.get(path).status_code == 200, path
