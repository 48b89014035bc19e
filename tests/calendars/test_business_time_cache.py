"""The business-time spec is built once per calendar content and process, and any write,
however made, is seen by the next question."""

from calendars import selectors
from calendars.models import CalendarException

from .conftest import bt


def spec_of(package, calendar):
    return selectors.calendar_business_spec(
        tenant_id=str(package.tenant_id),
        package_id=str(package.pk),
        calendar_id=calendar.external_id,
    )


def test_the_spec_is_reused_until_the_calendar_changes(client, package, new_york):
    first = spec_of(package, new_york)
    assert spec_of(package, new_york) is first  # its year tables too

    # Wednesday 2026-03-11 is a holiday; an in-place edit (as the admin's inline makes, or
    # a queryset update that sends no signal) turns it into a working day.
    question = bt(package, new_york, "working", at="2026-03-11T15:00:00Z")
    assert client.get(question).json()["working"] is False
    CalendarException.objects.filter(calendar=new_york, type="HOLIDAY").update(
        placement="ANNUAL", fixed_date=None, annual_month=1, annual_day=2
    )
    assert spec_of(package, new_york) is not first
    assert client.get(question).json()["working"] is True

    # The calendar's own fields: its hours.
    new_york.day_starts_hour = 11
    new_york.save()
    assert client.get(question).json()["working"] is True  # 11:00 EDT is 15:00 UTC
    assert (
        client.get(bt(package, new_york, "working", at="2026-03-11T14:59:00Z")).json()["working"]
        is False
    )
