"""The database refuses what the rules refuse, whoever writes (constraints)."""

import pytest
from django.db import IntegrityError, transaction

from calendars.models import Calendar, CalendarException
from tests.factories import CalendarFactory, HolidayFactory


def refused(update) -> bool:
    try:
        with transaction.atomic():
            update()
    except IntegrityError:
        return True
    return False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("week_starts", 0),
        ("week_ends", 8),
        ("day_starts_hour", 24),
        ("day_ends_hour", 24),
        ("day_starts_min", 60),
        ("day_ends_min", 60),
        ("name", ""),
        ("time_zone_id", ""),
    ],
)
def test_calendar_constraints(calendar, field, value):
    assert refused(lambda: Calendar.objects.filter(pk=calendar.pk).update(**{field: value}))


@pytest.mark.parametrize(
    "changes",
    [
        {"placement": "FIXED"},  # without fixed_date, with annual fields
        {"annual_month": 13},
        {"annual_day": None},
        {"fixed_date": 0},  # an unused field set
        {"placement": "RELATIVE"},
        {"placement": "RELATIVE", "annual_month": None, "annual_day": None,
         "relative_type": None, "relative_day_of_week": 1, "relative_month": 1},
        {"type": "TIME_CHANGE"},  # without its hours
        {"time_change_start_hour": 9},  # hours on a holiday
        {"type": "OTHER"},
        {"name": ""},
    ],
)  # fmt: skip
def test_exception_constraints(calendar, changes):
    holiday = HolidayFactory(calendar=calendar)
    update = CalendarException.objects.filter(pk=holiday.pk).update
    assert refused(lambda: update(**changes))


def test_valid_exceptions_are_stored(calendar):
    HolidayFactory(
        calendar=calendar,
        placement="FIXED",
        annual_month=None,
        annual_day=None,
        fixed_date=-86_400_000,
    )
    HolidayFactory(calendar=calendar, placement="RELATIVE", annual_month=None, annual_day=None,
                   relative_type="LAST", relative_day_of_week=2, relative_month=5,
                   type="TIME_CHANGE", time_change_start_hour=22, time_change_start_min=0,
                   time_change_stop_hour=2, time_change_stop_min=0)  # fmt: skip
    assert calendar.exceptions.count() == 2


def test_calendar_names(calendar):
    other = CalendarFactory()
    assert calendar.external_id == f"Calendar_{calendar.pk}"
    assert calendar.uuid != other.uuid
