"""Reads of the events app."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from events import filters, rules
from events.filters import CalendarEventFilter
from events.models import ApiKey, ApiToken, CalendarEvent, FeedToken, hash_secret


def api_token_user(*, token: str, perms: tuple[str, ...] = ()) -> Any | None:
    """The active user a live bearer token belongs to, in one query, or None.

    Whether the user holds all of ``perms`` ("app_label.codename") is asked in the same
    query, as ModelBackend answers it (granted directly or through a group), instead of
    in two more: the user comes back with ``token_perms = (perms, all_granted)``.

    Every request runs this, so it is one fixed SQL statement, built once from the
    models' metadata, rather than a queryset compiled anew each time.
    """
    token_hash = hash_secret(token)
    params = [part for perm in perms for part in perm.split(".", 1)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    found = get_user_model().objects.raw(_token_sql(len(perms)), [*params, token_hash, now])
    user = next(iter(found), None)
    if user is None or not hmac.compare_digest(user.token_hash, token_hash):
        return None
    if perms:
        user.token_perms = (perms, user.granted == len(set(perms)))
    return user


@cache
def _token_sql(perm_count: int) -> str:
    User = get_user_model()
    user, key, token = User._meta, ApiKey._meta, ApiToken._meta
    own, member, group = (
        User.user_permissions.through._meta,
        User.groups.through._meta,
        Group.permissions.through._meta,
    )

    def column(meta, to: type[Model]) -> str:
        return next(f.column for f in meta.fields if f.related_model is to)

    # Every name comes from the models' metadata; every value is a parameter.
    granted = "0"
    if perm_count:
        # How many of the perms the user holds, directly or through a group.
        pairs = ", ".join(["(%s, %s)"] * perm_count)
        granted = (
            f"(SELECT COUNT(DISTINCT p.id) FROM {Permission._meta.db_table} p"  # noqa: S608
            f" JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id"
            f" WHERE (ct.app_label, p.codename) IN ({pairs})"
            f" AND (p.id IN (SELECT o.{column(own, Permission)} FROM {own.db_table} o"
            f" WHERE o.{column(own, User)} = u.{user.pk.column})"
            f" OR p.id IN (SELECT g.{column(group, Permission)} FROM {group.db_table} g"
            f" JOIN {member.db_table} m ON m.{column(member, Group)} = g.{column(group, Group)}"
            f" WHERE m.{column(member, User)} = u.{user.pk.column})))"
        )
    return (
        f"SELECT u.*, {granted} AS granted, t.token_hash AS token_hash"  # noqa: S608
        f" FROM {token.db_table} t"
        f" JOIN {key.db_table} k ON k.{key.pk.column} = t.{column(token, ApiKey)}"
        f" JOIN {user.db_table} u ON u.{user.pk.column} = k.{column(key, User)}"
        " WHERE t.token_hash = %s AND t.expires_at > %s"
        " AND k.revoked_at IS NULL AND u.is_active"
    )


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
