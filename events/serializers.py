"""How events are shown: the API's JSON item and the iCalendar (RFC 5545) feed.

Plain functions rather than DRF serializers: a page is up to 1000 flat rows, and the
export command and the feed use the same shapes outside any request.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from events.models import CalendarEvent


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
