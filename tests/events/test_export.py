import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from icalendar import Calendar

from events.models import CalendarEvent
from tests.factories import UserFactory

from .conftest import stored


def export(*args) -> str:
    out = StringIO()
    call_command("export_calendar_events", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def events(student):
    grace = UserFactory(username="grace")
    stored("b", student, "2026-01-02T10:00Z", "2026-01-02T11:00Z", type_id=2)
    stored("a", student, "2026-01-01T10:00+01:00", "2026-01-01T11:00Z")
    stored("c", grace, "2026-01-03T10:00Z", "2026-01-03T11:00Z", type_id=3)
    stored("gone", student, "2026-01-04T10:00Z", "2026-01-04T11:00Z")
    CalendarEvent.objects.filter(external_id="gone").update(deleted_at=datetime.now(UTC))
    return student, grace


def test_json_export_is_the_list_apis_items(reader, events):
    items = json.loads(export())

    assert [item["ExternalId"] for item in items] == ["a", "b", "c"]
    assert items == reader.get("/api/v2/calendar-events").json()["Items"]
    assert items[0]["StartTime"] == "2026-01-01T09:00:00Z"


def test_json_export_of_one_user(events):
    student, grace = events
    assert [i["ExternalId"] for i in json.loads(export("--user", str(grace.pk)))] == ["c"]
    only = json.loads(export("--user", str(student.pk), "--format", "json"))
    assert [i["ExternalId"] for i in only] == ["a", "b"]


def test_json_export_of_nothing(db):
    assert json.loads(export()) == []


def test_ics_export_of_one_user(events):
    student, _ = events

    calendar = Calendar.from_ical(export("--user", str(student.pk), "--format", "ics"))

    assert str(calendar["X-WR-CALNAME"]) == "Calendar events of ada"
    assert [str(e["UID"]) for e in calendar.events] == [
        "a@calendar-events",
        "b@calendar-events",
    ]
    assert calendar.events[0].decoded("DTSTART") == datetime(2026, 1, 1, 9, tzinfo=UTC)
    assert [str(c) for c in calendar.events[1]["CATEGORIES"].cats] == ["Interview"]


def test_ics_export_of_everyone(events):
    calendar = Calendar.from_ical(export("--format", "ics"))
    assert [str(e["SUMMARY"]) for e in calendar.events] == ["Event a", "Event b", "Event c"]


@pytest.mark.parametrize("user_id", ["99", "0", "-3", str(2**70)])
def test_unknown_user(db, user_id):
    with pytest.raises(CommandError, match=rf"User {user_id} does not exist\."):
        export("--user", user_id)


def test_user_by_username_and_ics_says_whose_events(events):
    assert [i["ExternalId"] for i in json.loads(export("--user", "grace"))] == ["c"]
    calendar = Calendar.from_ical(export("--user", "ada", "--format", "ics"))
    assert str(calendar["X-WR-CALNAME"]) == "Calendar events of ada"
    assert str(calendar["NAME"]) == "Calendar events of ada"
    assert len(calendar.events) == 2


def test_username_made_of_digits_when_no_user_has_that_id(events):
    UserFactory(username="424242")
    calendar = Calendar.from_ical(export("--user", "424242", "--format", "ics"))
    assert str(calendar["X-WR-CALNAME"]) == "Calendar events of 424242"


def test_unknown_username(db):
    with pytest.raises(CommandError, match=r"User 'ghost' does not exist\."):
        export("--user", "ghost")


def test_bad_format(db):
    with pytest.raises(CommandError):
        export("--format", "csv")


class ClosedPipe(StringIO):
    """A reader that went away after the first bytes (`| head`)."""

    def write(self, text: str) -> int:
        if self.tell() + len(text) > 10:
            raise BrokenPipeError
        return super().write(text)


@pytest.mark.parametrize("format_", ["json", "ics"])
def test_a_reader_that_stops_early_ends_the_export_quietly(events, format_):
    out = ClosedPipe()
    with pytest.raises(SystemExit) as stopped:  # no traceback: exit status 1
        call_command("export_calendar_events", "--format", format_, stdout=out)
    assert stopped.value.code == 1
