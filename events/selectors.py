"""Reads of the events app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from operator import itemgetter
from typing import Any
from weakref import WeakKeyDictionary

from django.contrib.auth import get_user_model
from django.db import connection, connections
from django.db.models import Model, OuterRef, Subquery
from django.db.models.sql import Query
from django.utils import timezone

from calendarsite.credentials import hash_secret
from calendarsite.perms import Access, fetch_rows, held_sql, with_ride
from calendarsite.perms import held_params as perms_held_params
from events import filters, rules
from events.models import ApiKey, ApiToken, CalendarEvent, FeedToken
from events.serializers import as_is, calendar_event_row_item


def api_token_access(
    *, token: str, perms: tuple[str, ...] = (), ride: PageRide | None = None
) -> Access | None:
    """The access of the active user a live bearer token belongs to, in one query, or None.

    Which of ``perms`` ("app_label.codename") the user holds is asked in the same query,
    as ModelBackend answers it (granted directly or through a group), instead of in two
    more. With ``ride``, the page a list request reads is read in that query too
    (``ride.rows``, the page's rows; read before any check, used by the view only after
    them).

    Every request runs this, so it is one fixed SQL statement, built once from the
    models' metadata, rather than a queryset compiled anew each time.
    """
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # Found by its hash alone: no comparison follows (calendarsite.credentials says why).
    sql, params = _token_sql(len(perms)), [*perms_held_params(perms), hash_secret(token), now]
    if ride is not None:
        sql = with_ride(sql, ride.sql)  # the page's rows are put in order by ride.read
        params += ride.params
    names, rows = fetch_rows(sql, params)
    if not rows:
        return None
    width = names.index("granted") + 1  # the token lookup's columns, then the page's
    user = _user_of(names[:width], rows[0][:width])
    if ride is not None:
        ride.rows = ride.read([row[width:] for row in rows])
    return Access.found(user=user, perms=perms, bits=user.granted)


def _user_of(names: list[str], row: tuple) -> Any:
    """The user that ``objects.raw()`` makes of a row of the token lookup (``names``, its
    columns): the user table's columns, converted as the ORM converts them, then the
    lookup's own (``granted``) as attributes."""
    fields = _user_fields(tuple(names))
    (row,) = _converted(fields, [row])
    pairs = [(field.attname, value) for field, value in zip(fields, row, strict=True) if field]
    user = get_user_model().from_db(connection.alias, [n for n, _ in pairs], [v for _, v in pairs])
    for name, field, value in zip(names, fields, row, strict=True):
        if field is None:
            setattr(user, name, value)
    return user


@cache
def _user_fields(names: tuple[str, ...]) -> tuple[Any, ...]:
    """The user model's field of each column (None for the lookup's own)."""
    by_column = {field.column: field for field in get_user_model()._meta.concrete_fields}
    return tuple(by_column.get(name) for name in names)


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


@dataclass(slots=True)
class EventPage:
    items: list[dict[str, Any]]  # instants as UTC datetimes (InstantJSONRenderer)
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


@dataclass(slots=True)
class PageRide:
    """A page's query, which the token lookup runs inside its own statement
    (api_token_access), so that a list request is one query: the parameters as
    filters.list_params_clean gives them, the query's SQL and parameters, and, once
    read, its rows."""

    data: dict[str, Any]
    sql: str
    params: list[Any]
    rows: list[tuple] | None = None

    def read(self, rows: list[tuple]) -> list[tuple]:
        """The page's rows, in its order, from the page's columns of the statement's rows
        (a single row of NULLs, from the LEFT JOIN, when no event matches: Id is never
        NULL). The query chose the rows; they are put in order here rather than by the
        statement around it, which would sort them with the token lookup's wide columns
        (no SQL order survives a join unless asked for again)."""
        rows = _converted(ITEM_FIELDS, [row for row in rows if row[0] is not None])
        column = filters.ORDERINGS[self.data["Ordering"]]
        key = itemgetter(ITEM_COLUMNS.index(column.lstrip("-")), 0)  # the column, then Id
        rows.sort(key=key, reverse=column.startswith("-"))
        return rows


def calendar_event_page_ride(*, params: dict[str, str]) -> PageRide:
    """The query of the page of events matching ``params`` (see events.filters), one row
    more than the page, to tell whether another page follows; or filters.BadParameters.

    Written here rather than by the ORM, which took longer to build and compile it than
    the database takes to run it: one table, the filters' conditions, one order."""
    data = filters.list_params_clean(params)
    conditions, values = _conditions(data)
    column = filters.ORDERINGS[data["Ordering"]]
    descending = column.startswith("-")
    key, pk = _column(column.lstrip("-")), _column("id")
    if data["Cursor"]:
        after, (instant, last) = "<" if descending else ">", data["Cursor"]
        if instant is None:
            conditions.append(f"{pk} {after} %s")
            values.append(last)
        else:
            conditions.append(f"({key} {after} %s OR ({key} = %s AND {pk} {after} %s))")
            values += [_adapt(instant), _adapt(instant), last]
    direction = "DESC" if descending else "ASC"
    sql = (
        f"SELECT {', '.join(map(_column, ITEM_COLUMNS))} FROM {_TABLE}"  # noqa: S608
        f"{_where(conditions)} ORDER BY {key} {direction}, {pk} {direction}"
        f" LIMIT {data['PageSize'] + 1:d}"
    )
    return PageRide(data, sql, values)


_TABLE = CalendarEvent._meta.db_table
ITEM_FIELDS = tuple(CalendarEvent._meta.get_field(name) for name in ITEM_COLUMNS)


@cache
def _column(name: str) -> str:
    """The quoted column of a field of CalendarEvent (the same quotes on both databases)."""
    return connection.ops.quote_name(CalendarEvent._meta.get_field(name).column)


def _adapt(value: Any) -> Any:
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _conditions(data: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """The conditions choosing the events ``data`` asks for (Cursor aside), and their
    parameters."""
    conditions, values = [], []
    if not data["IncludeDeleted"]:
        conditions.append(f"{_column('deleted_at')} IS NULL")
    for name, (field, operator) in filters.FILTERS.items():
        if data[name] is not None:
            conditions.append(f"{_column(field)} {operator} %s")
            values.append(_adapt(data[name]))
    if data["From"] and connection.vendor == "postgresql":
        # The earliest StartTime an event ending after From can have: From less the
        # longest duration stored, read from its index (migration 0007_scale_indexes).
        # Bounding StartTime on both sides lets a window be read from the StartTime
        # indexes instead of walking them from the beginning. SQLite cannot index the
        # difference of two datetimes, and answers without the bound.
        start, end = _column("start_time"), _column("end_time")
        conditions.append(f"{start} >= %s - (SELECT max({end} - {start}) FROM {_TABLE})")  # noqa: S608
        values.append(_adapt(data["From"]))
    return conditions, values


def _converted(fields: tuple[Any, ...], rows: list[tuple]) -> list[tuple]:
    """``rows`` of the columns of ``fields`` (None: a column of no field, left as it is)
    converted as the ORM converts what the database gives (SQLite's datetimes are text,
    its booleans integers; PostgreSQL's need nothing). The converters are found once per
    connection and fields."""
    wrapper = connections[connection.alias]
    found = _CONVERTERS.setdefault(wrapper, {}).get(fields)
    if found is None:
        model = next(field.model for field in fields if field)
        compiler = wrapper.ops.compiler("SQLCompiler")(Query(model), wrapper, wrapper.alias)
        converters = compiler.get_converters(
            [field.get_col(field.model._meta.db_table) if field else None for field in fields]
        )
        found = _CONVERTERS[wrapper][fields] = (compiler, converters)
    compiler, converters = found
    if not converters:
        return rows
    return [tuple(row) for row in compiler.apply_converters(rows, converters)]


# Per connection, as the converters are its own.
_CONVERTERS: WeakKeyDictionary[Any, dict[tuple, tuple[Any, dict]]] = WeakKeyDictionary()


def calendar_event_list(*, params: dict[str, str], ride: PageRide | None = None) -> EventPage:
    """One page of events matching ``params``: read by the token lookup already (``ride``,
    with its rows), or now. One query, and a second only for IncludeTotalCount=true when
    the page does not already tell the count.

    ``TotalCount`` is exact or None: exact for free when the first page holds every
    match, counted up to filters.MAX_TOTAL_COUNT when asked, None otherwise, so that no
    page pays for counting millions of rows (docs/events.md, "TotalCount")."""
    if ride is None or ride.rows is None:
        ride = calendar_event_page_ride(params=params)  # or filters.BadParameters
        ride.rows = ride.read(fetch_rows(ride.sql, ride.params)[1])
    data, rows = ride.data, ride.rows
    page_size = data["PageSize"]
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
        total_count = _count_up_to(ride.data, filters.MAX_TOTAL_COUNT)
    # Instants stay datetimes: views.EventListView's renderer writes them.
    items = [calendar_event_row_item(row, shown=as_is) for row in rows]
    return EventPage(items, total_count, page_size, next_cursor)


# psycopg's own timestamptz loader (C, in psycopg[binary]).
def _count_up_to(data: dict[str, Any], limit: int) -> int | None:
    """The number of events ``data`` chooses (Cursor aside) if at most ``limit``, else
    None, reading at most ``limit + 1`` of them."""
    conditions, values = _conditions(data)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {_TABLE}{_where(conditions)}"  # noqa: S608
            f" LIMIT {limit + 1:d}) matches",
            values,
        )
        (found,) = cursor.fetchone()
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
