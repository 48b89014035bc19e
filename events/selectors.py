"""Reads of the events app."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from events import filters, rules
from events.filters import CalendarEventFilter
from events.models import ApiToken, CalendarEvent, FeedToken, hash_secret


def api_token_user(*, token: str) -> Any | None:
    """The active user a live bearer token belongs to, in one query, or None."""
    token_hash = hash_secret(token)
    found = (
        ApiToken.objects.select_related("api_key__user")
        .filter(
            token_hash=token_hash,
            expires_at__gt=timezone.now(),
            api_key__revoked_at__isnull=True,
            api_key__user__is_active=True,
        )
        .first()
    )
    if found is None or not hmac.compare_digest(found.token_hash, token_hash):
        return None
    return found.api_key.user


class BadParameters(Exception):
    """Query parameters that cannot be used (400); the message names each of them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class EventPage:
    items: list[CalendarEvent]
    total_count: int
    page_size: int
    next_cursor: str | None


def calendar_event_list(*, params: dict[str, str]) -> EventPage:
    """One page of events matching ``params`` (see events.filters), in two queries:
    the count of all matches, then the page itself plus one row to tell if another
    page follows."""
    filterset = CalendarEventFilter(params, queryset=CalendarEvent.objects.all())
    if not filterset.is_valid():
        errors = filterset.errors
        raise BadParameters(
            " ".join(message for name in filters.PARAMETERS for message in errors.get(name, []))
        )
    data = filterset.form.cleaned_data
    queryset = filterset.qs
    total_count = queryset.count()
    if data["Cursor"]:
        queryset = queryset.filter(data["Cursor"])
    page_size = data["PageSize"]
    rows = list(queryset[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        next_cursor = filters.cursor_encode(rows[-1], ordering=data["Ordering"])
    return EventPage(rows, total_count, page_size, next_cursor)


def calendar_event_get(*, event_id: int) -> CalendarEvent | None:
    """A live event by its Id, or None (also for Ids no 64-bit column can hold)."""
    if not 0 < event_id <= rules.MAX_ID:
        return None
    return CalendarEvent.objects.live().filter(pk=event_id).first()


def calendar_event_feed(*, secret: str) -> tuple[Any, list[CalendarEvent]] | None:
    """The user whose live feed token ``secret`` is, with their live events, in two
    queries; None for an unknown or revoked secret or an inactive user."""
    secret_hash = hash_secret(secret)
    found = (
        FeedToken.objects.select_related("user")
        .filter(token_hash=secret_hash, revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if found is None or not hmac.compare_digest(found.token_hash, secret_hash):
        return None
    events = CalendarEvent.objects.live().filter(user=found.user).order_by("start_time", "id")
    return found.user, list(events)
