"""How events are shown: the API's JSON item and the iCalendar (RFC 5545) feed.

Plain functions rather than DRF serializers: a page is up to 1000 flat rows, and the
export command and the feed use the same shapes outside any request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from icalendar import Calendar, Timezone, TimezoneStandard, vDuration
from rest_framework.utils.encoders import JSONEncoder

from calendarsite import fastjson
from events.models import CalendarEvent, EventType

UID_DOMAIN = "calendar-events"
FEED_REFRESH = timedelta(hours=1)  # how often calendar apps are asked to poll a feed


def instant(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with "Z", as the vendor writes its instants."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def calendar_event_item(event: CalendarEvent) -> dict[str, Any]:
    """An event as GET /api/v2/calendar-events shows it: the batch's fields and more."""
    return calendar_event_row_item(
        (
            event.pk,
            event.external_id,
            event.user_id,
            event.type_id,
            event.start_time,
            event.end_time,
            event.title,
            event.created_at,
            event.updated_at,
            event.deleted_at,
        )
    )


def calendar_event_row_item(
    row: tuple, *, shown: Callable[[datetime | None], Any] = instant
) -> dict[str, Any]:
    """The same item from a row of selectors.ITEM_COLUMNS (a page is read as tuples), its
    instants written by ``shown``: a page passes ``as_is`` and leaves the writing to
    InstantJSONRenderer, which writes them as ``instant`` does."""
    pk, external_id, user_id, type_id, start, end, title, created, updated, deleted = row
    return {
        "Id": pk,
        "ExternalId": external_id,
        "UserId": user_id,
        "TypeId": type_id,
        "StartTime": shown(start),
        "EndTime": shown(end),
        "Title": title,
        "CreatedAt": shown(created),
        "UpdatedAt": shown(updated),
        "IsDeleted": deleted is not None,
        "DeletedAt": shown(deleted),
    }


def as_is(value: datetime | None) -> datetime | None:
    return value


class InstantJSONEncoder(JSONEncoder):
    """DRF's encoder, writing datetimes as ``instant`` does."""

    def default(self, o: Any) -> Any:
        return instant(o) if isinstance(o, datetime) else super().default(o)


class InstantJSONRenderer(fastjson.JSONRenderer):
    """The list's renderer: fastjson's, but datetimes written as ``instant`` writes them
    (UTC, "Z", microseconds when there are any) rather than as DRF does (milliseconds).
    orjson writes them itself, so a page's 400 instants cost no Python call each; the
    fallback paths (indent, what orjson refuses) go through InstantJSONEncoder. The
    datetimes must be in UTC, as the database hands them (Django's session time zone):
    orjson writes another zone's offset where ``instant`` would convert."""

    OPTIONS = orjson.OPT_UTC_Z
    encoder_class = InstantJSONEncoder


# RFC 5545 text may hold no control character but HTAB (and line breaks, which the
# library escapes as "\n"); any other one, accepted in a Title, is shown as U+FFFD.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# In a UID, the same characters plus "%" and line breaks are percent-encoded, so that
# distinct ExternalIds ("a\nb", "a\r\nb", "a%0Ab") keep distinct UIDs, and the usual
# ExternalIds keep the UID they always had.
_UID_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f%]")


def ics_text(value: str) -> str:
    """``value`` as RFC 5545 TEXT allows it: line breaks as "\n", no control characters."""
    return _CONTROL.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


def event_uid(external_id: str) -> str:
    """The feed's UID of an event: its ExternalId (unique, stable across updates, so a
    calendar app updates its copy rather than adding another), made safe for RFC 5545."""
    safe = _UID_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m[0].encode()), external_id)
    return f"{safe}@{UID_DOMAIN}"


def _utc_timezone() -> Timezone:
    """A VTIMEZONE for UTC. Every time in a feed is UTC ("Z"), so it is never referred
    to; it is there so that a feed without events still holds a component, as RFC 5545
    requires of every calendar."""
    standard = TimezoneStandard()
    standard.add("dtstart", datetime(1970, 1, 1))
    standard.add("tzoffsetfrom", timedelta(0))
    standard.add("tzoffsetto", timedelta(0))
    standard.add("tzname", "UTC")
    zone = Timezone()
    zone.add("tzid", "UTC")
    zone.add_component(standard)
    return zone


def calendar_events_ics(
    events: Iterable[CalendarEvent], *, name: str, stamp: datetime | None = None
) -> bytes:
    """An iCalendar document of ``events`` (which should all be live), produced at
    ``stamp`` (now by default): the DTSTAMP of every event, as RFC 5545 asks of a
    calendar published with METHOD:PUBLISH."""
    stamp = (stamp or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    name = ics_text(name)
    calendar = Calendar()
    calendar.add("prodid", "-//Calendar service//12Twenty calendar events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH).to_ical().decode())
    calendar.add_component(_utc_timezone())
    head, end = calendar.to_ical().rsplit(b"END:VCALENDAR", 1)
    # The events are written here rather than by the library: its general path (objects,
    # parameters, folding) costs ~0.2 ms an event, ten times this; tests/events/
    # test_feed_render.py checks that parsers read the same as from the library's output.
    stamp_text = ics_instant(stamp)
    lines = []
    for event in events:
        lines += [
            "BEGIN:VEVENT",
            fold("SUMMARY:" + escape_text(ics_text(event.title))),
            "DTSTART:" + ics_instant(event.start_time),
            "DTEND:" + ics_instant(event.end_time),
            "DTSTAMP:" + stamp_text,
            fold("UID:" + escape_text(event_uid(event.external_id))),
            "CATEGORIES:" + EventType(event.type_id).label,
            "CREATED:" + ics_instant(event.created_at),
            "LAST-MODIFIED:" + ics_instant(event.updated_at),
            "END:VEVENT",
        ]
    body = "".join(line + "\r\n" for line in lines).encode()
    return head + body + b"END:VCALENDAR" + end


def ics_instant(value: datetime) -> str:
    """A UTC DATE-TIME, "20180610T200000Z" (whole seconds; years below 1000 padded)."""
    v = value.astimezone(UTC)
    return f"{v.year:04d}{v.month:02d}{v.day:02d}T{v.hour:02d}{v.minute:02d}{v.second:02d}Z"


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping (3.3.11) of text whose line breaks are LF (ics_text)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 sequence:
    continuation lines start with a space, which counts."""
    if len(line) <= 75 and line.isascii():
        return line
    parts, current, size, limit = [], [], 0, 75
    for char in line:
        octets = len(char.encode())
        if size + octets > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(char)
        size += octets
    parts.append("".join(current))
    return "\r\n ".join(parts)
