"""Reads of the events app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Model, OuterRef, Subquery
from django.utils import timezone

from calendarsite.api import DomainError
from calendarsite.credentials import hash_secret
from calendarsite.perms import Access, held_sql
from calendarsite.perms import held_params as perms_held_params
from events import filters, rules
from events.filters import CalendarEventFilter
from events.models import ApiKey, ApiToken, CalendarEvent, FeedToken
from events.serializers import calendar_event_row_item


def api_token_access(*, token: str, perms: tuple[str, ...] = ()) -> Access | None:
    """The access of the active user a live bearer token belongs to, in one query, or None.

    Which of ``perms`` ("app_label.codename") the user holds is asked in the same query,
    as ModelBackend answers it (granted directly or through a group), instead of in two
    more.

    Every request runs this, so it is one fixed SQL statement, built once from the
    models' metadata, rather than a queryset compiled anew each time.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    found = get_user_model().objects.raw(
        _token_sql(len(perms)), [*perms_held_params(perms), hash_secret(token), now]
    )
    # Found by its hash alone: no comparison follows (calendarsite.credentials says why).
    user = next(iter(found), None)
    if user is None:
        return None
    return Access.found(user=user, perms=perms, bits=user.granted)


@cache
def _token_sql(perm_count: int) -> str:
    User = get_user_model()
    user, key, token = User._meta, ApiKey._meta, ApiToken._meta

    def column(meta, to: type[Model]) -> str:
        return next(f.column for f in meta.fields if f.related_model is to)

    # Every name comes from the models' metadata; every value is a parameter.
    granted = held_sql(count=perm_count, user_pk=f"u.{user.pk.column}") if perm_count else "0"
    return (
        f"SELECT u.*, {granted} AS granted"  # noqa: S608
        f" FROM {token.db_table} t"
        f" JOIN {key.db_table} k ON k.{key.pk.column} = t.{column(token, ApiKey)}"
        f" JOIN {user.db_table} u ON u.{user.pk.column} = k.{column(key, User)}"
        " WHERE t.token_hash = %s AND t.expires_at > %s"
        " AND k.revoked_at IS NULL AND u.is_active"
    )


class BadParameters(DomainError):
    """Query parameters that cannot be used; the message names each of them. Answered by
    the 12Twenty exception handler."""

    status = 400


@dataclass(slots=True)
class EventPage:
    items: list[dict[str, Any]]
    total_count: int | None
    page_size: int
    next_cursor: str | None


# The columns of an event item, in serializers.ITEM_FIELDS' order: a page is read as
# tuples and shown without building model instances.
ITEM_COLUMNS = [
    "id",
    "external_id",
    "user_id",
    "type_id",
    "start_time",
    "end_time",
    "title",
    "created_at",
    "updated_at",
    "deleted_at",
]


def calendar_event_list(*, params: dict[str, str]) -> EventPage:
    """One page of events matching ``params`` (see events.filters), read with one more
    row to tell whether another page follows: one query, and a second only for
    IncludeTotalCount=true when the page does not already tell the count.

    ``TotalCount`` is exact or None: exact for free when the first page holds every
    match, counted up to filters.MAX_TOTAL_COUNT when asked, None otherwise, so that no
    page pays for counting millions of rows (docs/events.md, "TotalCount")."""
    filterset = CalendarEventFilter(params, queryset=CalendarEvent.objects.all())
    if not filterset.is_valid():
        errors = filterset.errors
        raise BadParameters(
            " ".join(message for name in filters.PARAMETERS for message in errors.get(name, []))
        )
    data = filterset.form.cleaned_data
    matches = filterset.qs
    queryset = matches.filter(data["Cursor"]) if data["Cursor"] else matches
    page_size = data["PageSize"]
    rows = list(queryset.values_list(*ITEM_COLUMNS)[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        column = filters.ORDERINGS[data["Ordering"]].lstrip("-")
        next_cursor = filters.cursor_encode(
            rows[-1], column_index=ITEM_COLUMNS.index(column), bound=filters.cursor_bound(data)
        )
    total_count = None
    if not data["Cursor"] and next_cursor is None:
        total_count = len(rows)
    elif data["IncludeTotalCount"]:
        total_count = _count_up_to(matches, filters.MAX_TOTAL_COUNT)
    items = [calendar_event_row_item(row) for row in rows]
    return EventPage(items, total_count, page_size, next_cursor)


def _count_up_to(queryset, limit: int) -> int | None:
    """The number of rows of ``queryset`` if at most ``limit``, else None, reading at
    most ``limit + 1`` of them."""
    found = queryset.order_by().values("pk")[: limit + 1].count()
    return found if found <= limit else None


def calendar_event_get(*, event_id: int) -> CalendarEvent | None:
    """A live event by its Id, or None (also for Ids no 64-bit column can hold)."""
    if not 0 < event_id <= rules.MAX_ID:
        return None
    return CalendarEvent.objects.live().filter(pk=event_id).first()


@dataclass(slots=True)
class Feed:
    user: Any
    # The newest UpdatedAt among all of the student's events, deleted ones too (a
    # deletion or a move out of the window bumps it), or None: the feed's validator.
    last_change: datetime | None


def calendar_event_feed(*, secret: str) -> Feed | None:
    """The user whose live feed token ``secret`` is, and when their events last changed,
    in one query (read from the (user, updated_at) index, whatever their number); None
    for an unknown or revoked secret or an inactive user."""
    newest = CalendarEvent.objects.filter(user=OuterRef("user")).order_by("-updated_at")
    found = (
        FeedToken.objects.select_related("user")
        .filter(token_hash=hash_secret(secret), revoked_at__isnull=True, user__is_active=True)
        .annotate(last_change=Subquery(newest.values("updated_at")[:1]))
        .first()
    )
    # Found by its hash alone: no comparison follows (calendarsite.credentials says why).
    if found is None:
        return None
    return Feed(found.user, found.last_change)


def calendar_event_feed_events(*, user: Any, window: rules.FeedWindow) -> list[CalendarEvent]:
    """The user's live events that start in ``window``, in StartTime order, at most
    FEED_MAX_EVENTS: one range read of the (user, start_time) index."""
    events = CalendarEvent.objects.live().filter(
        user=user, start_time__gte=window.start, start_time__lt=window.end
    )
    return list(events.order_by("start_time", "id")[: rules.FEED_MAX_EVENTS])
