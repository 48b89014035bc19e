"""The feed's events are written by events/serializers.py, not by the icalendar library
(ten times faster): parsers must read from it exactly what they read from the library's
own rendering of the same events, whatever the text (escapes, folding, any Unicode)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from events.models import CalendarEvent, EventType
from events.serializers import calendar_events_ics, event_uid, ics_text
from tests.helpers import library_event

STAMP = datetime(2026, 11, 30, 12, 0, 0, tzinfo=UTC)


def read(component) -> dict:
    return {name: component.decoded(name) for name in component} | {
        "CATEGORIES": [str(c) for c in component["CATEGORIES"].cats]
    }


texts = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=300)
instants = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@settings(max_examples=150, deadline=None)
@given(
    title=texts,
    external_id=texts.filter(bool),
    start=instants,
    type_id=st.sampled_from(EventType.values),
)
@example(title="a\\N b\\n", external_id="\\N", start=STAMP, type_id=1)
def test_parsers_read_what_the_library_would_have_written(title, external_id, start, type_id):
    event = CalendarEvent(
        external_id=external_id,
        user_id=1,
        type_id=type_id,
        start_time=start,
        end_time=start + timedelta(hours=1),
        title=title,
        created_at=start,
        updated_at=start,
    )
    body = calendar_events_ics([event], name="Calendar events of ada", stamp=STAMP)

    (ours,) = Calendar.from_ical(body).events
    reference = read(Calendar.from_ical(library_event(event, STAMP).to_ical()))
    # The library writes a backslash before N or n as if it were already an escaped line
    # break, so its own rendering of such text reads back changed; ours reads back as given.
    reference |= {"UID": event_uid(external_id), "SUMMARY": ics_text(title)}
    assert read(ours) == reference
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode()  # folding never splits a UTF-8 sequence
    assert b"\n" not in body.replace(b"\r\n", b"")


def test_years_below_1000_are_padded():
    start = datetime(1, 1, 1, 9, 5, 7, tzinfo=UTC)
    event = CalendarEvent(
        external_id="x", user_id=1, type_id=1, title="t", start_time=start,
        end_time=start + timedelta(hours=1), created_at=start, updated_at=start,
    )  # fmt: skip
    assert b"DTSTART:00010101T090507Z\r\n" in calendar_events_ics([event], name="n", stamp=STAMP)
