"""GRS writes: sessions, calendars, their exceptions, locks, and what the commands create.

Locks are taken and released by compare-and-set: read who holds the lock, decide, then
one UPDATE whose WHERE names the holder that was read. Two racing writers cannot both
match (PostgreSQL re-checks the WHERE on the row it waited for; SQLite runs writes one
at a time), and the loser re-reads and sees the winner. A write that needs the lock
(modify, delete, replace the exceptions) starts with a conditional UPDATE of the
calendar row by its holder: it holds the row from then to commit, so no unlock or
override can slip in between the check and the write.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from calendars import rules, selectors
from calendars.models import (
    Calendar,
    CalendarException,
    GrsSession,
    Package,
    Tenant,
    session_cutoff,
    session_refresh_due,
)
from calendarsite import perms


class LockHeld(Exception):
    """Another user's live session holds the lock (412)."""


class NotLocked(Exception):
    """The caller's session does not hold the lock (412)."""


class CalendarGone(Exception):
    """The calendar was deleted while we worked on it (404)."""


class Invalid(Exception):
    """A write refused by the rules, after the lock was taken (422); nothing is written."""

    def __init__(self, problems: list[rules.Problem]):
        super().__init__(problems)
        self.problems = problems


# --- sessions -----------------------------------------------------------------------


def token_digest(token: str) -> str:
    # The token has 256 random bits: a fast unsalted hash is enough to make a stolen
    # table useless, and it lets the lookup use the unique index.
    return hashlib.sha256(token.encode()).hexdigest()


def grs_session_create(*, user: AbstractBaseUser) -> tuple[GrsSession, str]:
    """A new API session for ``user`` and its token, which is shown once and not stored."""
    token = secrets.token_urlsafe(32)
    session = GrsSession.objects.create(user=user, token_hash=token_digest(token))
    return session, token


def grs_login(*, username: str, password: str) -> tuple[str, int] | None:
    """GET /grs/v1/login: ``(apiToken, lastLogin epoch ms or 0)``, or None if refused."""
    user = authenticate(username=username, password=password)  # slow on purpose: no transaction
    if user is None:
        return None
    now = timezone.now()
    last_login = int(user.last_login.timestamp() * 1000) if user.last_login else 0
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(last_login=now)
        # The user's dead sessions are of no use to anyone; their locks are already free.
        GrsSession.objects.filter(user=user, last_used_at__lt=session_cutoff(now)).delete()
        _, token = grs_session_create(user=user)
    return token, last_login


def grs_session_use(
    *, username: str, token: str, tenant_id: str | None = None
) -> GrsSession | None:
    """The live session of ``username`` for ``token``, refreshed; None if there is none.

    One query reads the session, its user and which GRS permissions the user holds
    (``user.grs_perms``, see calendars.views.has_permission), and with ``tenant_id``
    whether the user is a member of that tenant (``session.membership``, a pair of the
    id and the answer, see calendars.views.GrsView.require_tenant). The refresh is a second
    one, only when due (models.session_refresh_due), and conditional on the session being
    alive still, so a session that has died (and whose locks others may have taken) can
    never come back.
    """
    digest = token_digest(token)
    sessions = (
        GrsSession.objects.select_related("user")
        .filter(token_hash=digest)
        .annotate(perm_bits=RawSQL(_perms_sql(), perms.held_params(GRS_PERMS)))  # noqa: S611
    )
    if tenant_id is not None:
        sessions = sessions.annotate(member=selectors.tenant_member_expression(tenant_id=tenant_id))
    session = sessions.first()
    if session is None or not constant_time_compare(session.user.get_username(), username):
        return None
    now = timezone.now()
    if not session.user.is_active or not session.is_alive(now):
        return None
    if session_refresh_due(session.last_used_at, now):
        alive = GrsSession.objects.filter(pk=session.pk, last_used_at__gte=session_cutoff(now))
        if not alive.update(last_used_at=now):
            return None
        session.last_used_at = now
    held = perms.held(GRS_PERMS, session.perm_bits)
    session.user.grs_perms = frozenset(perm.split(".", 1)[1] for perm in held)
    if tenant_id is not None:
        session.membership = (tenant_id, bool(session.member))
    return session


GRS_PERMS = tuple(f"calendars.{codename}" for codename in rules.PERMISSIONS)


@cache
def _perms_sql() -> str:
    # The session's table is the query's own, never aliased: its user column is safe to name.
    user_id = GrsSession._meta.get_field("user").column
    qn = connection.ops.quote_name
    user_pk = f"{qn(GrsSession._meta.db_table)}.{qn(user_id)}"
    return perms.held_sql(count=len(GRS_PERMS), user_pk=user_pk)


# --- calendars ----------------------------------------------------------------------


@transaction.atomic
def calendar_create(
    *,
    package: Package,
    name: str,
    week_starts: int,
    week_ends: int,
    day_starts_hour: int,
    day_starts_min: int,
    day_ends_hour: int,
    day_ends_min: int,
    time_zone_id: str,
) -> Calendar:
    """Values as rules.calendar_parse gives them, checked."""
    return Calendar.objects.create(
        package=package,
        name=name,
        week_starts=week_starts,
        week_ends=week_ends,
        day_starts_hour=day_starts_hour,
        day_starts_min=day_starts_min,
        day_ends_hour=day_ends_hour,
        day_ends_min=day_ends_min,
        time_zone_id=time_zone_id,
    )


def _claim(*, calendar: Calendar, session: GrsSession, **changes: Any) -> None:
    """Inside a transaction: lock the calendar's row if ``session`` holds its edit lock,
    applying ``changes``; NotLocked otherwise."""
    held = Calendar.objects.filter(pk=calendar.pk, lock_session=session)
    if not held.update(updated_at=timezone.now(), **changes):
        raise NotLocked


@transaction.atomic
def calendar_update(
    *,
    calendar: Calendar,
    session: GrsSession,
    name: str,
    week_starts: int,
    week_ends: int,
    day_starts_hour: int,
    day_starts_min: int,
    day_ends_hour: int,
    day_ends_min: int,
    time_zone_id: str,
) -> Calendar:
    """Change a calendar's own fields; ``session`` must hold its lock. Invalid (1008) if
    the new zone moves a stored fixedDate outside the years 1..9999."""
    changes = {
        "name": name,
        "week_starts": week_starts,
        "week_ends": week_ends,
        "day_starts_hour": day_starts_hour,
        "day_starts_min": day_starts_min,
        "day_ends_hour": day_ends_hour,
        "day_ends_min": day_ends_min,
        "time_zone_id": time_zone_id,
    }
    _claim(calendar=calendar, session=session, **changes)
    if time_zone_id != calendar.time_zone_id:
        # Checked under the row lock taken by _claim: the exceptions cannot change now.
        fixed = CalendarException.objects.filter(calendar=calendar).values_list(
            "placement", "fixed_date"
        )
        dates = [(i, ms) for i, (placement, ms) in enumerate(fixed) if placement == "FIXED"]
        if problems := rules.zone_problems(time_zone_id, dates):
            raise Invalid(problems)
    for attr, value in changes.items():
        setattr(calendar, attr, value)
    return calendar


@transaction.atomic
def calendar_delete(*, calendar: Calendar, session: GrsSession) -> None:
    """Delete a calendar and its exceptions; ``session`` must hold its lock."""
    _claim(calendar=calendar, session=session)
    calendar.delete()


@transaction.atomic
def calendar_exceptions_replace(
    *, calendar: Calendar, session: GrsSession, exceptions: Sequence[dict[str, Any]]
) -> list[CalendarException]:
    """Replace the exception list by ``exceptions`` (values as rules.exceptions_parse
    gives them, checked), in that order; ``session`` must hold the lock."""
    _claim(calendar=calendar, session=session)
    CalendarException.objects.filter(calendar=calendar).delete()
    created = CalendarException.objects.bulk_create(
        CalendarException(calendar=calendar, **values) for values in exceptions
    )
    return created


# --- locks --------------------------------------------------------------------------

_NOT_READ = object()
SWAP_ATTEMPTS = 10


def _lock_swap(*, calendar: Calendar, expected: GrsSession | None, new: GrsSession | None) -> bool:
    """Compare-and-set of the lock holder: True if it was still ``expected``."""
    current = Calendar.objects.filter(pk=calendar.pk)
    current = (
        current.filter(lock_session__isnull=True)
        if expected is None
        else current.filter(lock_session_id=expected.pk)
    )
    return current.update(lock_session=new, updated_at=timezone.now()) == 1


def _holder(calendar: Calendar, observed: Any) -> GrsSession | None:
    """The lock holder as ``observed`` on the first pass, else as stored now."""
    if observed is not _NOT_READ:
        return observed
    fresh = Calendar.objects.select_related("lock_session").filter(pk=calendar.pk).first()
    if fresh is None:
        raise CalendarGone
    return fresh.lock_session


def calendar_lock(*, calendar: Calendar, session: GrsSession) -> None:
    """Take the edit lock for ``session``. A free or dead lock is taken, and so is one
    held by another session of the same user (it moves to this one); another user's
    live lock raises LockHeld. ``calendar.lock_session`` is trusted as the first reading
    (the view has just loaded it)."""
    observed: Any = calendar.lock_session
    for _ in range(SWAP_ATTEMPTS):
        holder = _holder(calendar, observed)
        if holder is not None and holder.pk == session.pk:
            return
        if holder is not None and holder.user_id != session.user_id and holder.is_alive():
            raise LockHeld
        if _lock_swap(calendar=calendar, expected=holder, new=session):
            calendar.lock_session = session
            return
        observed = _NOT_READ  # someone changed it in between: look again
    raise LockHeld  # others keep changing it: as good as held


def calendar_unlock(*, calendar: Calendar, session: GrsSession, override: bool) -> None:
    """Release the lock. Another user's live lock raises LockHeld unless ``override``
    (OVERRIDE_LOCKS); a calendar that is not locked (or whose lock is dead) is fine."""
    observed: Any = calendar.lock_session
    for _ in range(SWAP_ATTEMPTS):
        holder = _holder(calendar, observed)
        if holder is None:
            return
        ours_or_dead = holder.user_id == session.user_id or not holder.is_alive()
        if not (ours_or_dead or override):
            raise LockHeld
        if _lock_swap(calendar=calendar, expected=holder, new=None):
            calendar.lock_session = None
            return
        observed = _NOT_READ
    raise LockHeld


@transaction.atomic
def calendars_unlock(*, calendar_ids: Iterable[int]) -> int:
    """Staff's unlock (admin action): release whatever lock the calendars have."""
    return Calendar.objects.filter(pk__in=list(calendar_ids), lock_session__isnull=False).update(
        lock_session=None, updated_at=timezone.now()
    )


# --- tenants, packages, API users (commands, admin, demo) ---------------------------


def _check_name(name: str) -> str:
    if message := rules.name_problem(name):
        raise ValidationError({"name": message})
    return name.strip()


@transaction.atomic
def tenant_create(*, name: str) -> Tenant:
    return Tenant.objects.create(name=_check_name(name))


@transaction.atomic
def package_create(*, tenant: Tenant, name: str) -> Package:
    name = _check_name(name)
    if Package.objects.filter(tenant=tenant, name=name).exists():
        raise ValidationError({"name": rules.package_name_taken(name)})
    return Package.objects.create(tenant=tenant, name=name)


def grs_permissions(names: Iterable[str]) -> list[Permission]:
    """The calendar permissions named (CALENDAR_VIEW ...); ValidationError for others."""
    names = list(dict.fromkeys(names))
    for name in names:
        if name not in rules.PERMISSIONS:
            raise ValidationError({"permission": rules.permission_unknown(name)})
    return list(Permission.objects.filter(content_type__app_label="calendars", codename__in=names))


@transaction.atomic
def api_user_create(
    *,
    username: str,
    password: str,
    tenants: Iterable[Tenant] = (),
    permissions: Iterable[str] = (),
) -> AbstractBaseUser:
    """A user who can log in to the GRS API, member of ``tenants``, with ``permissions``."""
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": rules.username_taken(username)})
    user = User(username=username)
    user.full_clean(exclude=["password"])
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.user_permissions.add(*grs_permissions(permissions))
    user.grs_tenants.add(*tenants)
    return user
