"""How events are shown: the API's JSON item and the iCalendar (RFC 5545) feed.

Plain functions rather than DRF serializers: a page is up to 1000 flat rows, and the
export command and the feed use the same shapes outside any request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from icalendar import Calendar, Event, vDuration

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
    return {
        "Id": event.pk,
        "ExternalId": event.external_id,
        "UserId": event.user_id,
        "TypeId": event.type_id,
        "StartTime": instant(event.start_time),
        "EndTime": instant(event.end_time),
        "Title": event.title,
        "CreatedAt": instant(event.created_at),
        "UpdatedAt": instant(event.updated_at),
        "IsDeleted": event.deleted_at is not None,
        "DeletedAt": instant(event.deleted_at),
    }


def calendar_events_ics(events: Iterable[CalendarEvent], *, name: str) -> bytes:
    """An iCalendar document of ``events`` (which should all be live)."""
    calendar = Calendar()
    calendar.add("prodid", "-//Calendar service//12Twenty calendar events//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(FEED_REFRESH).to_ical().decode())
    for event in events:
        entry = Event()
        # The ExternalId is unique and stable across updates, so a calendar app updates
        # its copy of the event rather than adding another.
        entry.add("uid", f"{event.external_id}@{UID_DOMAIN}")
        entry.add("dtstamp", event.updated_at.astimezone(UTC))
        entry.add("created", event.created_at.astimezone(UTC))
        entry.add("last-modified", event.updated_at.astimezone(UTC))
        entry.add("dtstart", event.start_time.astimezone(UTC))
        entry.add("dtend", event.end_time.astimezone(UTC))
        entry.add("summary", event.title)
        entry.add("categories", [EventType(event.type_id).label])
        calendar.add_component(entry)
    return calendar.to_ical()
