"""Which of some permissions a user holds, asked inside another query, and what a request
may do as that query found it.

ModelBackend answers ``has_perm`` with two queries of its own (the user's permissions,
then its groups'). The token lookups of both API families ask the same question in their
one query instead, with the subquery built here, and return what they found as an
``Access``: DRF's ``request.auth``, which ``granted`` reads for both families. They read
what the request is about in that query too (``with_ride``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def only_model_backend() -> bool:
    """True when ModelBackend alone answers ``has_perm``: the subquery then asks what it
    asks. With other backends configured, ask them (``user.has_perm``)."""
    return list(settings.AUTHENTICATION_BACKENDS) == [MODEL_BACKEND]


def _column(meta, to: type[Model]) -> str:
    return next(f.column for f in meta.fields if f.related_model is to)


@cache
def held_sql(*, count: int, user_pk: str) -> str:
    """A scalar subquery whose bit ``i`` is set when the user whose primary key is the SQL
    expression ``user_pk`` holds the ``i``-th of ``count`` perms, directly or through a
    group (0 when none). Its parameters are ``held_params(perms)``.

    Every name comes from the models' metadata; every value is a parameter. Bits rather
    than a count: two models of one app may have a permission of the same codename, and
    either grants ``app_label.codename``, as in ModelBackend.
    """
    User = get_user_model()
    own, member, group = (
        User.user_permissions.through._meta,
        User.groups.through._meta,
        Group.permissions.through._meta,
    )
    bits = " ".join(
        f"WHEN ct.app_label = %s AND p.codename = %s THEN {1 << i}" for i in range(count)
    )
    pairs = ", ".join(["(%s, %s)"] * count)
    return (
        f"(SELECT COALESCE(SUM(DISTINCT CASE {bits} END), 0)"  # noqa: S608
        f" FROM {Permission._meta.db_table} p"
        f" JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id"
        f" WHERE (ct.app_label, p.codename) IN ({pairs})"
        f" AND (p.id IN (SELECT o.{_column(own, Permission)} FROM {own.db_table} o"
        f" WHERE o.{_column(own, User)} = {user_pk})"
        f" OR p.id IN (SELECT g.{_column(group, Permission)} FROM {group.db_table} g"
        f" JOIN {member.db_table} m ON m.{_column(member, Group)} = g.{_column(group, Group)}"
        f" WHERE m.{_column(member, User)} = {user_pk})))"
    )


def held_params(perms: Sequence[str]) -> list[str]:
    """The parameters of ``held_sql`` for ``perms`` ("app_label.codename")."""
    pairs = [part for perm in perms for part in perm.split(".", 1)]
    return pairs + pairs  # once for the bits, once for the IN


@dataclass(frozen=True, slots=True, kw_only=True)
class Access:
    """What a request's one authentication query found: DRF's ``request.auth``.

    ``asked``: the perms ("app_label.codename") the query asked, and ``held``: those of
    them the user holds, as ModelBackend answers it. ``tenant_id``: the tenant whose
    membership the query asked (None: none was), and ``member``: the answer.
    """

    user: Any
    asked: frozenset[str] = frozenset()
    held: frozenset[str] = frozenset()
    tenant_id: str | None = None
    member: bool = False

    @classmethod
    def found(cls, *, user: Any, perms: Sequence[str], bits: int, **more: Any) -> Access:
        """The access of ``user``, who holds those of ``perms`` whose bit ``held_sql`` set."""
        held = frozenset(perm for i, perm in enumerate(perms) if bits >> i & 1)
        return cls(user=user, asked=frozenset(perms), held=held, **more)


def granted(request: Any, *perms: str) -> bool:
    """Whether the request's user holds every one of ``perms``: answered by the request's
    authentication query when it asked them and ModelBackend is the only backend (it then
    asked what ModelBackend asks); otherwise asked of the backends."""
    access, user = request.auth, request.user
    if isinstance(access, Access) and access.asked.issuperset(perms) and only_model_backend():
        return user.is_active and (user.is_superuser or access.held.issuperset(perms))
    return bool(user and user.has_perms(perms))


# Keeps a subquery's row a row (see with_ride), per database.
_FENCES = {"postgresql": " OFFSET 0", "sqlite": " LIMIT -1"}


def with_ride(lookup: str, ride: str, *, order: str = "") -> str:
    """One statement for a token lookup (``lookup``, one row at most) and the read that
    rides with it (``ride``): the lookup's columns then the ride's, on each of the ride's
    rows (a single row of NULLs when the ride has none; no row without the lookup's), in
    ``order`` if given (no SQL order survives the join otherwise). The fence keeps the
    lookup's row a row: the planner would otherwise merge it into the join and run its
    permission (and membership) subqueries once per ride row."""
    fence = _FENCES.get(connection.vendor, "")
    sql = f"SELECT s.*, r.* FROM ({lookup}{fence}) s LEFT JOIN ({ride}) r ON 1 = 1"  # noqa: S608
    return f"{sql} ORDER BY {order}" if order else sql


_TIMESTAMPTZ = psycopg.adapters.get_loader(
    psycopg.adapters.types["timestamptz"].oid, psycopg.pq.Format.TEXT
)


def fetch_rows(sql: str, params: list[Any]) -> tuple[list[str], list[tuple]]:
    """The column names and rows of ``sql``, unconverted: a token lookup and its ride
    (with_ride) are read with this. On PostgreSQL instants are read by psycopg's own
    loader rather than by Django's, a Python subclass of it that costs ~3 us a value:
    1.2 ms of a page of 100 events' 400 instants, and a calendar body's rows repeat the
    calendar's instants on each exception's row. Both give aware datetimes in the
    session's time zone, which Django sets to UTC."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.cursor.adapters.register_loader("timestamptz", _TIMESTAMPTZ)
        cursor.execute(sql, params)
        return [column[0] for column in cursor.description], cursor.fetchall()
