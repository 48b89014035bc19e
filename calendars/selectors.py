"""GRS reads. Each is one query, whatever the number of rows."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import Any, NamedTuple

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, connections
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Value

from calendars import rules
from calendars.engine.business_time import CalendarSpec
from calendars.models import (
    BusinessNode,
    Calendar,
    CalendarException,
    GrsSession,
    Package,
    Template,
    Tenant,
    live_lock_expression,
    session_cutoff,
)
from calendarsite.perms import fetch_rows

_TENANT_ID = re.compile(r"[0-9]{1,18}")  # fits a 64-bit integer
_EXTERNAL_ID = re.compile(r"Calendar_([1-9][0-9]{0,17})")  # no leading zeros: one name each


def tenant_list(*, user: AbstractBaseUser) -> QuerySet[Tenant]:
    return Tenant.objects.filter(members=user).order_by("id")


def tenant_is_member(*, user: AbstractBaseUser, tenant_id: str) -> bool:
    """False for an unknown or malformed tenant id too: existence must not leak."""
    if not _TENANT_ID.fullmatch(tenant_id):
        return False
    return Tenant.objects.filter(pk=int(tenant_id), members=user).exists()


def tenant_id_valid(tenant_id: str) -> bool:
    """Whether ``tenant_id`` can name a tenant at all (digits that fit a 64-bit integer)."""
    return bool(_TENANT_ID.fullmatch(tenant_id))


def tenant_member_expression(*, tenant_id: str) -> Exists | Value:
    """``tenant_is_member`` as an expression on a query with a ``user_id`` column, so that
    the session lookup answers it too."""
    if not _TENANT_ID.fullmatch(tenant_id):
        return Value(False)
    members = Tenant.members.through.objects.filter(tenant_id=int(tenant_id))
    return Exists(members.filter(user_id=OuterRef("user_id")))


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def package_get(*, tenant_id: str, package_id: str) -> Package | None:
    """The package if it belongs to the tenant (another tenant's package is not found)."""
    pk = _uuid(package_id)
    if pk is None or not _TENANT_ID.fullmatch(tenant_id):
        return None
    return Package.objects.filter(pk=pk, tenant_id=int(tenant_id)).first()


def calendar_list(*, package: Package) -> QuerySet[Calendar]:
    return Calendar.objects.filter(package=package).with_lock()


@dataclass(slots=True, eq=False)
class Listed:
    """A calendar of a package's list as calendar_list_read read it. Requests that read
    the same row share one Listed, so the view builds its ``answer`` once."""

    calendar: Calendar
    answer: dict[str, Any] | None = None


def calendar_list_read(*, package: Package) -> list[Listed]:
    """``calendar_list(package=package)`` in one compiled query read with psycopg's C
    loaders, each calendar built once per process for each content its row has had: a
    list of 1,000 calendars built 1,000 models and read 30,000 instants through Django's
    converters on every request (~48 ms in-process)."""
    compiled = compiled_query("calendar-list", _list_query, ("package", "cutoff"))
    params = compiled.params(package=package.pk, cutoff=session_cutoff())
    _, rows = fetch_rows(compiled.sql, params)
    return [_listed_of_row(compiled.compiler, row) for row in rows]


def _list_query() -> QuerySet[Calendar]:
    return (
        Calendar.objects.filter(package_id=STAND_INS["package"][0])
        .annotate(lock_live=live_lock_expression(STAND_IN_NOW))
        .values_list(*_CALENDAR_FIELDS, _LOCK_HOLDER, "lock_live")
    )


@lru_cache(maxsize=4096)
def _listed_of_row(compiler: Any, row: tuple[Any, ...]) -> Listed:
    [row] = compiler.results_iter(results=[[row]])  # the fields' own conversions
    return Listed(_calendar_of_row(row))


def _calendar_lookup(calendar_id: str) -> dict[str, object] | None:
    if match := _EXTERNAL_ID.fullmatch(calendar_id):
        return {"pk": int(match[1])}
    if (pk := _uuid(calendar_id)) is not None:
        return {"uuid": pk}
    return None


def calendar_get(
    *, package: Package, calendar_id: str, with_exceptions: bool = False
) -> Calendar | None:
    """A calendar of the package by UUID or by external id ``Calendar_N``."""
    lookup = _calendar_lookup(calendar_id)
    if lookup is None:
        return None
    calendars = calendar_list(package=package).filter(**lookup)
    if with_exceptions:
        calendars = calendars.prefetch_related("exceptions")
    return calendars.first()


# What the engine reads: a calendar's fields but its name, and its exceptions'.
_SPEC_FIELDS = tuple(attr for attr in rules.CALENDAR_ATTRS if attr != "name")
_EXCEPTION_FIELDS = rules.EXCEPTION_ATTRS


def calendar_business_spec(
    *, tenant_id: str, package_id: str, calendar_id: str
) -> CalendarSpec | None:
    """The calendar's business-time spec, in ONE query: the calendar joined to its package
    (which must be the tenant's) and LEFT JOINed to its exceptions, one row per exception
    in list (id) order, or a single row of NULL exception fields when it has none.

    None when the ids name no calendar of that tenant's package; the caller then asks
    ``package_get`` which of package and calendar is missing (errors only, so the happy
    path stays one query).
    """
    ride = calendar_spec_ride(tenant_id=tenant_id, package_id=package_id, calendar_id=calendar_id)
    if ride is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(ride.sql, ride.params)
        return ride.read(cursor.fetchall())


class Ride(NamedTuple):
    """A calendar query that the session lookup runs inside its own statement
    (services.grs_session_use), so that the common request is one query: its SQL and
    parameters, how many columns it selects (the last orders its rows), and ``read``,
    which turns its rows (a single row of NULLs: no such calendar) into the answer."""

    sql: str
    params: list[Any]
    width: int
    read: Callable[[list[tuple[Any, ...]]], Any]


def calendar_spec_ride(*, tenant_id: str, package_id: str, calendar_id: str) -> Ride | None:
    """``calendar_business_spec`` as a Ride: reads the spec, or None for no such calendar.
    None for ids that cannot name a calendar of that tenant's package."""
    lookup = _calendar_lookup(calendar_id)
    package_pk = _uuid(package_id)
    if lookup is None or package_pk is None or not _TENANT_ID.fullmatch(tenant_id):
        return None
    ((name, value),) = lookup.items()
    uses = ("package", "tenant", "calendar" if name == "pk" else "uuid")
    compiled = compiled_query(("calendar-spec", name), _spec_query, uses, name=name)
    params = compiled.params(package=package_pk, tenant=int(tenant_id), calendar=value)
    return Ride(compiled.sql, params, _SPEC_WIDTH + 1, _spec_read)


def _spec_read(rows: list[tuple[Any, ...]]) -> CalendarSpec | None:
    if not rows or rows[0][0] is None:  # week_starts is never NULL on a real calendar
        return None
    # The key leaves out the exception ids (the last column): content alone.
    return _spec_of_rows(tuple(tuple(row[:_SPEC_WIDTH]) for row in rows))


def _spec_query(name: str) -> QuerySet[Calendar]:
    """The spec query for a calendar looked up by ``name`` (pk or uuid), in STAND_INS."""
    return (
        Calendar.objects.filter(
            package_id=STAND_INS["package"][0],
            package__tenant_id=STAND_INS["tenant"][0],
            **{name: STAND_INS["calendar"][0] if name == "pk" else STAND_INS["uuid"][0]},
        )
        .order_by("exceptions__id")
        .values_list(
            *_SPEC_FIELDS, *(f"exceptions__{f}" for f in _EXCEPTION_FIELDS), "exceptions__id"
        )
    )


_SPEC_WIDTH = len(_SPEC_FIELDS) + len(_EXCEPTION_FIELDS)


@lru_cache(maxsize=256)
def _spec_of_rows(rows: tuple[tuple[Any, ...], ...]) -> CalendarSpec:
    """The spec of a calendar's rows, built once per process for each content the calendar
    has had: keyed by every field the engine reads, so any write (API, admin, command,
    shell) makes a new key and no version needs bumping. The spec keeps its year tables,
    so a calendar's later questions skip both the building and the tabulating."""
    width = len(_SPEC_FIELDS)
    calendar = Calendar(**dict(zip(_SPEC_FIELDS, rows[0][:width], strict=True)))
    exceptions = [
        CalendarException(**dict(zip(_EXCEPTION_FIELDS, row[width:], strict=True)))
        for row in rows
        if row[width + 1] is not None  # "type" is never NULL on a real exception
    ]
    return calendar.business_spec(exceptions)


_CALENDAR_FIELDS = tuple(f.attname for f in Calendar._meta.concrete_fields)
_LOCK_HOLDER = f"lock_user__{get_user_model().USERNAME_FIELD}"
_BODY_EXCEPTION_FIELDS = tuple(
    f.name for f in CalendarException._meta.concrete_fields if f.name not in ("id", "calendar")
)


def calendar_body_ride(*, tenant_id: str, package_id: str, calendar_id: str) -> Ride | None:
    """``calendar_get(..., with_exceptions=True)`` of the tenant's package as a Ride: the
    calendar with its live lock's holder and its exceptions in list (id) order, one row per
    exception. Reads ``(calendar, exceptions)``, or None for no such calendar."""
    lookup = _calendar_lookup(calendar_id)
    package_pk = _uuid(package_id)
    if lookup is None or package_pk is None or not _TENANT_ID.fullmatch(tenant_id):
        return None
    ((name, value),) = lookup.items()
    uses = ("package", "tenant", "calendar" if name == "pk" else "uuid", "cutoff")
    compiled = compiled_query(("calendar-body", name), _body_query, uses, name=name)
    params = compiled.params(
        package=package_pk, tenant=int(tenant_id), calendar=value, cutoff=session_cutoff()
    )
    return Ride(compiled.sql, params, compiled.width, partial(_body_read, compiled.compiler))


def _body_query(name: str) -> QuerySet[Calendar]:
    return (
        Calendar.objects.filter(
            package_id=STAND_INS["package"][0],
            package__tenant_id=STAND_INS["tenant"][0],
            **{name: STAND_INS["calendar"][0] if name == "pk" else STAND_INS["uuid"][0]},
        )
        .annotate(lock_live=live_lock_expression(STAND_IN_NOW))
        .order_by("exceptions__id")
        .values_list(
            *_CALENDAR_FIELDS,
            _LOCK_HOLDER,
            "lock_live",
            *(f"exceptions__{f}" for f in _BODY_EXCEPTION_FIELDS),
            "exceptions__id",
        )
    )


# --- queries compiled once ----------------------------------------------------------

STAND_IN_NOW = datetime(2001, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
# Stand-ins for a compiled query's parameters (value, the field that prepares it), told
# apart from its other parameters, which are constants, in the compiled parameters.
STAND_INS: dict[str, tuple[Any, Any]] = {
    "package": (uuid.UUID(int=0x5EED_1001), Package._meta.pk),
    "tenant": (0x5EED_1002, Tenant._meta.pk),  # digits: tenant_member_expression reads it
    "calendar": (-0x5EED_1003, Calendar._meta.pk),
    "uuid": (uuid.UUID(int=0x5EED_1004), Calendar._meta.get_field("uuid")),
    "cutoff": (session_cutoff(STAND_IN_NOW), GrsSession._meta.get_field("last_used_at")),
    "digest": ("5eed" * 16, GrsSession._meta.get_field("token_hash")),
}


class Compiled(NamedTuple):
    """A query compiled by the ORM once per connection: its SQL, for each parameter
    either the stand-in it takes the place of or the constant it is, and the compiler
    (what it selects, and how to convert and read its rows)."""

    sql: str
    slots: list[tuple[str | None, Any]]
    compiler: Any

    @property
    def width(self) -> int:
        return self.compiler.col_count

    def params(self, **values: Any) -> list[Any]:
        """The parameters for these values of the stand-ins ("calendar" also names a
        "uuid" stand-in's value)."""
        given = {**values, "uuid": values.get("calendar")}
        return [
            constant
            if name is None
            else STAND_INS[name][1].get_db_prep_value(given[name], connection, prepared=False)
            for name, constant in self.slots
        ]


def compiled_query(
    key: Hashable, build: Callable[..., QuerySet], uses: tuple[str, ...], **options: Any
) -> Compiled:
    """``build(**options)`` (a query using STAND_INS) compiled once per database connection
    rather than on every request: compiling costs about what running it does. Per
    connection, as its compiler converts rows with that connection. ``uses``: the
    stand-ins the query must take as parameters (checked, so none is silently a constant)."""
    wrapper = connections[connection.alias]
    per = _COMPILED.__dict__.setdefault("queries", {})
    found = per.get((wrapper.alias, key))
    if found is None or found.compiler.connection is not wrapper:
        compiler = build(**options).query.get_compiler(connection=wrapper)
        sql, params = compiler.as_sql()
        prepared = {
            name: field.get_db_prep_value(value, wrapper, prepared=False)
            for name, (value, field) in STAND_INS.items()
        }
        slots = []
        for param in params:
            name = next(
                (n for n, v in prepared.items() if type(v) is type(param) and v == param), None
            )
            slots.append((name, param if name is None else None))
        missing = set(uses) - {name for name, _ in slots}
        if missing:  # pragma: no cover - a query built without its stand-ins
            raise AssertionError(f"{key}: no parameter for {sorted(missing)}")
        found = per[wrapper.alias, key] = Compiled(sql, slots, compiler)
    return found


# Per thread, as Django's connections are (a thread's compilers go with it).
_COMPILED = threading.local()


@dataclass(slots=True, eq=False)
class Body:
    """A calendar with its exceptions as calendar_body_ride read them. Requests that read
    the same rows share one Body, so the view builds its ``answer`` once."""

    calendar: Calendar
    exceptions: list[CalendarException]
    answer: dict[str, Any] | None = None


def _body_read(compiler: Any, rows: list[tuple[Any, ...]]) -> Body | None:
    if not rows or rows[0][0] is None:  # the calendar's id is never NULL
        return None
    return _body_of_rows(compiler, tuple(rows))


@lru_cache(maxsize=256)
def _body_of_rows(compiler: Any, rows: tuple[tuple[Any, ...], ...]) -> Body:
    """The Body of a calendar's rows, built once per process for each content it has had:
    the rows hold every column answered, the lock's holder and whether the lock is live,
    so any change (or the lock's expiry) reads as other rows."""
    rows = list(compiler.results_iter(results=[rows]))  # the fields' own conversions
    width = len(_CALENDAR_FIELDS)
    calendar = _calendar_of_row(rows[0])
    exceptions = [
        CalendarException(
            pk=row[-1],
            calendar=calendar,
            **dict(zip(_BODY_EXCEPTION_FIELDS, row[width + 2 : -1], strict=True)),
        )
        for row in rows
        if row[-1] is not None
    ]
    return Body(calendar, exceptions)


def _calendar_of_row(row: tuple[Any, ...]) -> Calendar:
    """The calendar of a row that starts with _CALENDAR_FIELDS, its lock's holder and
    whether the lock is live (converted), as ``with_lock`` would give it."""
    width = len(_CALENDAR_FIELDS)
    calendar = Calendar(**dict(zip(_CALENDAR_FIELDS, row[:width], strict=True)))
    calendar._state.adding = False
    holder, calendar.lock_live = row[width : width + 2]
    if calendar.lock_user_id is not None:
        user = get_user_model()(pk=calendar.lock_user_id)
        setattr(user, get_user_model().USERNAME_FIELD, holder)
        calendar.lock_user = user
    return calendar


def calendar_get_any(*, calendar_id: str) -> Calendar | None:
    """Any tenant's calendar, by UUID or ``Calendar_N``, with its exceptions (staff pages)."""
    lookup = _calendar_lookup(calendar_id)
    if lookup is None:
        return None
    return Calendar.objects.filter(**lookup).prefetch_related("exceptions").first()


# --- business hierarchy and packages -------------------------------------------------

_NODE_ID = _TENANT_ID


def business_hierarchy(*, tenant_id: str) -> list[dict]:
    """The tenant's business nodes as the vendor's tree: ``[{"nodeId", "name",
    "children"}]`` from the root, ``children`` null for a leaf; siblings in id order.
    One query; a node whose parent chain does not reach the root is not shown."""
    if not _TENANT_ID.fullmatch(tenant_id):
        return []
    nodes = list(
        BusinessNode.objects.filter(tenant_id=int(tenant_id))
        .order_by("id")
        .values_list("id", "parent_id", "name")
    )
    children: dict[int | None, list[tuple[int, str]]] = {}
    for pk, parent, name in nodes:
        children.setdefault(parent, []).append((pk, name))

    def tree(parent: int | None, seen: frozenset[int]) -> list[dict] | None:
        below = [(pk, name) for pk, name in children.get(parent, ()) if pk not in seen]
        if not below:
            return None
        return [
            {"nodeId": pk, "name": name, "children": tree(pk, seen | {pk})} for pk, name in below
        ]

    return tree(None, frozenset()) or []


def business_node_get(*, tenant_id: str, node_id: str) -> BusinessNode | None:
    """The node if it is the tenant's (another tenant's node is not found)."""
    if not (_TENANT_ID.fullmatch(tenant_id) and _NODE_ID.fullmatch(node_id)):
        return None
    return BusinessNode.objects.filter(pk=int(node_id), tenant_id=int(tenant_id)).first()


def _with_templates(packages: QuerySet[Package]) -> QuerySet[Package]:
    return packages.prefetch_related(
        Prefetch("templates", queryset=Template.objects.order_by("name", "version"))
    )


def node_packages(*, node: BusinessNode) -> QuerySet[Package]:
    """The packages attached to the node itself (not to its descendants), by name."""
    return _with_templates(Package.objects.filter(node=node).order_by("name"))


def node_package_get(*, node: BusinessNode, package_id: str) -> Package | None:
    pk = _uuid(package_id)
    if pk is None:
        return None
    return _with_templates(Package.objects.filter(node=node, pk=pk)).first()
