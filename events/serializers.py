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


def calendar_event_row_item(row: tuple) -> dict[str, Any]:
    """The same item from a row of selectors.ITEM_COLUMNS (a page is read as tuples)."""
    pk, external_id, user_id, type_id, start, end, title, created, updated, deleted = row
    return {
        "Id": pk,
        "ExternalId": external_id,
        "UserId": user_id,
        "TypeId": type_id,
        "StartTime": instant(start),
        "EndTime": instant(end),
        "Title": title,
        "CreatedAt": instant(created),
        "UpdatedAt": instant(updated),
        "IsDeleted": deleted is not None,
        "DeletedAt": instant(deleted),
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
