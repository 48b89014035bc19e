"""Writes of the events app: the batch upsert and delete, API keys, bearer tokens,
feed tokens."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.db.models import QuerySet
from django.db.models.functions import Collate
from django.utils import timezone

from calendarsite.api import DomainError
from calendarsite.credentials import hash_secret, secret_new
from events import rules
from events.models import ApiKey, ApiToken, CalendarEvent, FeedToken, IssuedSecret

# PostgreSQL's "serialization failure" and "deadlock detected": the transaction was
# rolled back as a whole and can simply run again.
RETRYABLE_SQLSTATES = {"40001", "40P01"}
MAX_ATTEMPTS = 3


class BatchRejected(DomainError):
    """The request as a whole is unusable; no item was looked at. Answered by the 12Twenty
    exception handler."""

    status = 400


def _batch_usable(items: Any, *, not_a_list: str) -> bool:
    """Whether a batch has items to look at; BatchRejected if it is not a list
    (``not_a_list`` says what it should be) or too long."""
    if not isinstance(items, list):
        raise BatchRejected(not_a_list)
    if len(items) > rules.MAX_ITEMS:
        raise BatchRejected(rules.TOO_MANY)
    return bool(items)


class _RowsRefused(Exception):
    """The write left rows out (unknown user, another owner): it was rolled back."""


def calendar_events_upsert(
    *, items: Any, dry_run: bool = False, numbered: bool = False
) -> list[dict[str, Any]]:
    """Insert or update a batch of events, all or nothing, keyed by ExternalId.

    Returns the vendor's per-item results: on success one per item, in request order,
    with the event's Id; otherwise only the failed items, in request order, and nothing
    is written (``numbered``: each failure also gives its position, "Item", from 0).
    Runs a constant number of queries whatever the batch size: a valid batch is one
    set-based write that checks users and owners itself; a batch with problems
    reads the users and the existing events once each, to name every problem.
    """
    if not _batch_usable(items, not_a_list=rules.NOT_AN_ARRAY):
        return []
    parsed = [rules.parse_event(raw) for raw in items]
    problems = [item_problems for _, item_problems in parsed]
    events = [event for event, _ in parsed]

    # The same ExternalId twice fails both items, valid or not.
    raw_ids = [_raw_external_id(raw) for raw in items]
    counts = Counter(ext for ext in raw_ids if isinstance(ext, str))
    for index, ext in enumerate(raw_ids):
        if isinstance(ext, str) and counts[ext] > 1:
            problems[index].append(rules.duplicated(ext))

    if (dry_run or any(problems)) and any(event is not None for event in events):
        _check_users_and_owners(events, problems)

    for attempt in range(MAX_ATTEMPTS):
        if any(problems):
            return _failures(raw_ids, problems, numbered)
        if dry_run:
            return _successes(events, _existing_ids(events))
        try:
            ids = _write(events)
        except _RowsRefused:
            # Rolled back: find out why. Finding nothing means another writer changed
            # an owner in between, and the write is tried again.
            _check_users_and_owners(events, problems)
            continue
        except OperationalError as exc:
            if _sqlstate(exc) not in RETRYABLE_SQLSTATES or attempt == MAX_ATTEMPTS - 1:
                raise
            continue
        return _successes(events, ids)
    return _failures(raw_ids, problems, numbered)


@dataclass
class ImportSummary:
    checked: int = 0
    new: int = 0
    updated: int = 0
    failed: int = 0


class _ImportFailed(Exception):
    """Raised to roll the whole import back."""


def calendar_events_import(
    *,
    items: Iterable[Any],
    dry_run: bool = False,
    on_failure: Callable[[dict[str, Any]], None],
    on_chunk: Callable[[int], None] = lambda n: None,
) -> ImportSummary:
    """Upsert any number of events as one batch: all or nothing, in one transaction.

    The items are taken a batch (MAX_ITEMS) at a time, so memory does not grow with
    their number, and each chunk goes through calendar_events_upsert, the batch API's
    own checks and write. Every failed item is passed to ``on_failure`` (with "Item",
    its position from 0) and the later chunks are still checked, so that all failures
    are named; then nothing is kept. An ExternalId given twice in the file fails both
    items, as in one batch; remembering the ids seen costs about 100 bytes an event.
    """
    summary = ImportSummary()
    seen: dict[str, int] = {}  # ExternalId -> position of its first item
    reported: set[int] = set()

    def fail(failure: dict[str, Any]) -> None:
        if failure["Item"] not in reported:
            reported.add(failure["Item"])
            summary.failed += 1
            on_failure(failure)

    iterator = iter(items)
    try:
        with transaction.atomic():
            while chunk := list(itertools.islice(iterator, rules.MAX_ITEMS)):
                offset = summary.checked
                summary.checked += len(chunk)
                ids = [_raw_external_id(raw) for raw in chunk]
                duplicates = []
                for position, ext in enumerate(ids, offset):
                    if ext is not None and (first := seen.setdefault(ext, position)) != position:
                        duplicates += [(first, ext), (position, ext)]
                if not summary.failed:
                    # Before the write: an ExternalId already stored is an update (a
                    # tombstone's too: the event comes back).
                    updated = _stored_count(ids)
                    summary.updated += updated
                    summary.new += len(chunk) - updated
                results = calendar_events_upsert(items=chunk, dry_run=dry_run, numbered=True)
                for result in results:
                    if not result["IsSuccessful"]:
                        fail({**result, "Item": result["Item"] + offset})
                for position, ext in duplicates:
                    message = rules.duplicated(ext, within="file")
                    fail({"ExternalId": ext, "ErrorMessage": message, "Item": position})
                on_chunk(len(chunk))
            if summary.failed or dry_run:
                raise _ImportFailed
    except _ImportFailed:
        pass
    return summary


def _stored_count(external_ids: list[str | None]) -> int:
    """How many of these ExternalIds are stored. On PostgreSQL as one array parameter:
    a thousand placeholders cost ten times the lookup itself."""
    wanted = [ext for ext in external_ids if ext is not None]
    if connection.vendor != "postgresql":
        return CalendarEvent.objects.filter(external_id__in=wanted).count()
    table = CalendarEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE external_id = ANY(%s)", [wanted])  # noqa: S608
        return cursor.fetchone()[0]


def _raw_external_id(raw: Any) -> str | None:
    """The item's ExternalId as sent, to echo in its result: only if it can be written
    out as JSON text."""
    if not isinstance(raw, dict):
        return None
    value = rules.fields_of(raw)[0].get("ExternalId")  # as parse_event reads it
    return value if isinstance(value, str) and rules.is_utf8(value) else None


def _check_users_and_owners(events: list, problems: list[list[str]]) -> None:
    """One query for the users and one for the existing events, whole batch at once."""
    present = [event for event in events if event]
    user_ids = {event.user_id for event in present if event.user_id is not None}
    known_users = set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True))
    owners = dict(
        CalendarEvent.objects.filter(
            external_id__in=[event.external_id for event in present if event.external_id]
        ).values_list("external_id", "user_id")
    )
    for event, item_problems in zip(events, problems, strict=True):
        if event is None:
            continue
        if event.user_id is not None and event.user_id not in known_users:
            item_problems.append(rules.user_missing(event.user_id))
        owner = owners.get(event.external_id)
        if owner is not None and event.user_id is not None and owner != event.user_id:
            message = rules.owned_by_another(event.external_id, owner)
            if message not in item_problems:
                item_problems.append(message)


def _write(events: list[rules.EventInput]) -> dict[str, int]:
    """One INSERT ... ON CONFLICT DO UPDATE that checks users and owners as it writes.

    A row is inserted only if its user exists, and updated only WHERE the stored owner
    is the batch's user, so the check cannot be overtaken by another writer: a row that
    does not come back fails the whole batch, which is rolled back (_RowsRefused). Rows
    go in ExternalId order (code points, as Python sorts; the batch delete locks in the
    same order) so two overlapping batches take their row locks in the same order and
    cannot deadlock each other, whatever the database's collation.
    """
    table = CalendarEvent._meta.db_table
    users = get_user_model()._meta
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    source, params = _rows(sorted(events, key=lambda e: e.external_id))
    # Only table names and placeholders are formatted in; every value is a parameter.
    sql = (
        "WITH x (external_id, user_id, type_id, start_time, end_time, title, n)"  # noqa: S608
        f" AS ({source})"
        f" INSERT INTO {table} AS e"
        " (external_id, user_id, type_id, start_time, end_time, title, created_at, updated_at)"
        " SELECT x.external_id, x.user_id, x.type_id, x.start_time, x.end_time, x.title, %s, %s"
        f" FROM x WHERE EXISTS (SELECT 1 FROM {users.db_table} u"
        f" WHERE u.{users.pk.column} = x.user_id) ORDER BY x.n"
        " ON CONFLICT (external_id) DO UPDATE SET type_id = excluded.type_id,"
        " start_time = excluded.start_time, end_time = excluded.end_time,"
        " title = excluded.title, updated_at = excluded.updated_at, deleted_at = NULL"
        " WHERE e.user_id = excluded.user_id"
        " RETURNING id, external_id"
    )
    with transaction.atomic(), _write_cursor() as cursor:
        cursor.execute(sql, [*params, now, now])
        ids = {external_id: pk for pk, external_id in cursor.fetchall()}
        if len(ids) != len(events):
            raise _RowsRefused
    return ids


def _rows(events: list[rules.EventInput]) -> tuple[str, list[Any]]:
    """The batch as rows (the event's columns, then its position n), for the upsert.

    PostgreSQL takes each column as one array parameter, in binary (%b): six parameters
    are bound and planned far faster than 7000 placeholders. SQLite has no arrays and
    takes VALUES.
    """
    if connection.vendor == "postgresql":
        # Aware datetimes go as they are (Django's adapter returns them unchanged).
        columns = (
            [event.external_id for event in events],
            [event.user_id for event in events],
            [event.type_id for event in events],
            [event.start_time for event in events],
            [event.end_time for event in events],
            [event.title for event in events],
        )
        source = (
            "SELECT * FROM unnest(%b::text[], %b::bigint[], %b::smallint[],"
            " %b::timestamptz[], %b::timestamptz[], %b::text[]) WITH ORDINALITY"
        )
        return source, list(columns)
    adapt = connection.ops.adapt_datetimefield_value
    params: list[Any] = []
    for n, event in enumerate(events):
        params += [
            event.external_id,
            event.user_id,
            event.type_id,
            adapt(event.start_time),
            adapt(event.end_time),
            event.title,
            n,
        ]
    return "VALUES " + ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(events)), params


def _write_cursor() -> CursorWrapper:
    """Django's cursor, except that on PostgreSQL it binds parameters server-side.

    Django binds client-side by default, quoting every array element into the SQL text
    in Python; bound server-side, in binary, the batch's arrays cost almost nothing. The
    cursor is wrapped as Django wraps its own: errors translated, queries logged.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = ServerBindingCursor(connection.connection)
    if connection.queries_logged:
        return connection.make_debug_cursor(raw)
    return connection.make_cursor(raw)


def _existing_ids(events: list[rules.EventInput]) -> dict[str, int]:
    return dict(
        CalendarEvent.objects.filter(
            external_id__in=[event.external_id for event in events]
        ).values_list("external_id", "pk")
    )


def _successes(events: list[rules.EventInput], ids: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "Id": ids.get(event.external_id),
            "ExternalId": event.external_id,
            "ErrorMessage": None,
            "IsSuccessful": True,
        }
        for event in events
    ]


def _failures(
    raw_ids: list[Any], problems: list[list[str]], numbered: bool = False
) -> list[dict[str, Any]]:
    failures = []
    for position, (ext, item_problems) in enumerate(zip(raw_ids, problems, strict=True)):
        if item_problems:
            message = rules.join_messages(item_problems)
            failure = {"ExternalId": ext, "ErrorMessage": message, "IsSuccessful": False}
            if numbered:
                failure["Item"] = position
            failures.append(failure)
    return failures


def _sqlstate(exc: Exception) -> str | None:
    return getattr(exc.__cause__, "sqlstate", None)


def calendar_events_delete(*, items: Any) -> list[dict[str, Any]]:
    """Delete a batch of events by ExternalId, all or nothing, leaving tombstones.

    Answers in the upsert's result shape. An ExternalId that is unknown or already
    deleted is an item error, and then nothing is deleted. Two queries whatever the
    batch size: lock the live events, then mark them deleted (``updated_at`` too, so
    that clients syncing by UpdatedSince see the deletion).
    """
    if not _batch_usable(items, not_a_list=rules.NOT_AN_ID_ARRAY):
        return []
    problems = [[error] if (error := rules.external_id_error(item)) else [] for item in items]
    # Echoed back in the results, so only if it can be written out as JSON text.
    raw_ids = [item if isinstance(item, str) and rules.is_utf8(item) else None for item in items]
    counts = Counter(ext for ext in raw_ids if ext is not None)
    for ext, item_problems in zip(raw_ids, problems, strict=True):
        if ext is not None and counts[ext] > 1:
            item_problems.append(rules.duplicated(ext))
    wanted = {ext for ext in raw_ids if rules.external_id_error(ext) is None}
    for attempt in itertools.count(1):
        try:
            return _tombstone(raw_ids, problems, wanted)
        except OperationalError as exc:
            if _sqlstate(exc) not in RETRYABLE_SQLSTATES or attempt == MAX_ATTEMPTS:
                raise


def _code_point_order(field: str) -> Collate | str:
    """``field`` ordered as Python sorts strings, whatever the database's collation:
    PostgreSQL's "C" on UTF-8 compares bytes, which is code point order. SQLite's
    default, BINARY, already is (and it has no row locks to order)."""
    return Collate(field, "C") if connection.vendor == "postgresql" else field


@transaction.atomic
def _tombstone(
    raw_ids: list[str | None], problems: list[list[str]], wanted: set[str]
) -> list[dict[str, Any]]:
    # Locked in the order the upsert writes (code points, see _write), so that
    # overlapping batches queue up rather than deadlock (a deadlock is retried all the
    # same). Not the column's collation order: under ICU en-US, a000 < B000, not so in C.
    live = dict(
        CalendarEvent.objects.live()
        .select_for_update()
        .filter(external_id__in=wanted)
        .order_by(_code_point_order("external_id"))
        .values_list("external_id", "pk")
    )
    for ext, item_problems in zip(raw_ids, problems, strict=True):
        if ext in wanted and ext not in live:
            item_problems.append(rules.event_missing(ext))
    if any(problems):
        return _failures(raw_ids, problems)
    now = timezone.now()
    CalendarEvent.objects.filter(pk__in=live.values()).update(deleted_at=now, updated_at=now)
    return [
        {"Id": live[ext], "ExternalId": ext, "ErrorMessage": None, "IsSuccessful": True}
        for ext in raw_ids
    ]


@transaction.atomic
def calendar_events_discard(*, queryset: QuerySet[CalendarEvent]) -> tuple[int, int]:
    """Staff's delete in the admin: live events become tombstones, as through the API,
    so that syncing clients see them go; tombstones are purged for good (which frees
    their ExternalId for another student). Returns (tombstoned, purged)."""
    purged, _ = queryset.filter(deleted_at__isnull=False).delete()
    now = timezone.now()
    tombstoned = queryset.filter(deleted_at__isnull=True).update(deleted_at=now, updated_at=now)
    return tombstoned, purged


PURGE_CHUNK = 10_000


def calendar_event_tombstones_purge(*, older_than_days: int) -> int:
    """Remove tombstones deleted more than ``older_than_days`` ago, for good, in chunks of
    PURGE_CHUNK (each its own short transaction, so writers are never held up for long).
    Returns how many. Refuses a horizon inside the retention
    (settings.EVENTS_TOMBSTONE_RETENTION_DAYS), within which syncing clients are
    promised every deletion."""
    retention = settings.EVENTS_TOMBSTONE_RETENTION_DAYS
    if older_than_days < retention:
        raise ValueError(rules.purge_inside_retention(older_than_days, retention))
    horizon = timezone.now() - timedelta(days=older_than_days)
    stale = CalendarEvent.objects.filter(deleted_at__lt=horizon)
    purged = 0
    while True:
        chunk = list(stale.values_list("pk", flat=True)[:PURGE_CHUNK])
        if not chunk:
            return purged
        with transaction.atomic():
            # Still a tombstone: it may have been upserted back since it was read.
            deleted, _ = CalendarEvent.objects.filter(pk__in=chunk, deleted_at__lt=horizon).delete()
        purged += deleted


def secret_issue(*, secret: IssuedSecret) -> str:
    """Gives ``secret`` (an unsaved API key or feed token, its user and name set: the
    admin's form fills one) a new secret and saves it; returns the secret, shown once
    and never stored."""
    shown = secret.set_new_secret()
    secret.save()
    return shown


def api_key_create(*, user: Any, name: str = "") -> tuple[ApiKey, str]:
    """A new key for ``user``. The key itself is returned once and never stored."""
    api_key = ApiKey(user=user, name=name)
    return api_key, secret_issue(secret=api_key)


def event_writes_grant(*, user: Any) -> None:
    """What a batch upsert needs: events.add_calendarevent and events.change_calendarevent."""
    from django.contrib.auth.models import Permission

    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="events",
            codename__in=["add_calendarevent", "change_calendarevent"],
        )
    )
    # has_perm() caches what it found; the next look must see the grant.
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


def secret_revoke(*, secret: ApiKey | FeedToken) -> None:
    """A revoked API key issues no tokens and the tokens it issued stop working; a
    revoked feed URL answers 404 at once, as one that never existed."""
    if secret.revoked_at is None:
        secret.revoked_at = timezone.now()
        secret.save(update_fields=["revoked_at"])


@transaction.atomic
def api_token_issue(*, key: str) -> str | None:
    """A bearer token valid for EVENTS_TOKEN_TTL_SECONDS, or None for an unusable key
    (unknown, revoked, or its user inactive: the user's state is read now, however it
    was changed, and each token's use reads it again)."""
    # Found by its hash alone: no comparison follows (calendarsite.credentials says why).
    api_key = ApiKey.objects.filter(
        key_hash=hash_secret(key), revoked_at__isnull=True, user__is_active=True
    ).first()
    if api_key is None:
        return None
    now = timezone.now()
    ApiToken.objects.filter(api_key=api_key, expires_at__lte=now).delete()
    token, token_hash = secret_new()
    ApiToken.objects.create(
        api_key=api_key,
        token_hash=token_hash,
        created_at=now,
        expires_at=now + timedelta(seconds=settings.EVENTS_TOKEN_TTL_SECONDS),
    )
    return token


def feed_token_create(*, user: Any, name: str = "") -> tuple[FeedToken, str]:
    """A new iCalendar feed secret for ``user``'s events, returned once, stored hashed."""
    feed_token = FeedToken(user=user, name=name)
    return feed_token, secret_issue(secret=feed_token)
