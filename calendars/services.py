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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, NamedTuple

from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.query import get_related_populators
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from calendars import rules, selectors
from calendars.engine import business_time
from calendars.engine.timezones import java_zone
from calendars.models import (
    BusinessNode,
    Calendar,
    CalendarException,
    GrsAccount,
    GrsSession,
    Package,
    Template,
    Tenant,
    live_lock_expression,
    session_cutoff,
    session_refresh_due,
)
from calendarsite import perms
from calendarsite.api import DomainError
from calendarsite.credentials import hash_secret, secret_new

# The refusals below are answered by the GRS exception handler (calendarsite.api
# .DomainError): the views let them through.


class LockHeld(DomainError):
    """Another user's live session holds the lock."""

    status, message = 412, rules.LOCK_HELD


class NotLocked(DomainError):
    """The caller's session does not hold the lock."""

    status, message = 412, rules.NOT_LOCKED


class CalendarGone(DomainError):
    """The calendar was deleted while we worked on it."""

    status, message = 404, rules.CALENDAR_NOT_FOUND


class Invalid(DomainError):
    """A write refused by the rules, every problem named; nothing is written."""

    status, message = 422, rules.VALIDATION_FAILED

    def __init__(self, problems: list[rules.Problem]):
        super().__init__(errors=[problem.as_json() for problem in problems])
        self.problems = problems


# --- sessions -----------------------------------------------------------------------


def password_stamp(user: AbstractBaseUser) -> str:
    """A keyed hash of the user's password hash: a session remembers it, and dies when the
    password changes, by whatever path (admin, command, shell, API, a raw UPDATE)."""
    return salted_hmac("calendars.GrsSession.password_stamp", user.password or "").hexdigest()


def grs_session_create(*, user: AbstractBaseUser) -> tuple[GrsSession, str]:
    """A new API session for ``user`` and its token, which is shown once and not stored.
    It joins the run of the user's live sessions, or starts a new one (models.GrsSession
    .chain_started_at: locks taken before a new run are dead)."""
    token, token_hash = secret_new()
    now = timezone.now()
    run = (
        GrsSession.objects.filter(
            user=user, last_used_at__gte=session_cutoff(now), password_stamp=password_stamp(user)
        )
        .order_by("chain_started_at")
        .values_list("chain_started_at", flat=True)
        .first()
    )
    session = GrsSession.objects.create(
        user=user,
        token_hash=token_hash,
        created_at=now,
        last_used_at=now,
        chain_started_at=run or now,
        password_stamp=password_stamp(user),
    )
    return session, token


class PasswordChangeRequired(DomainError):
    """Staff flagged the user: login (and any other GRS call) answers 422 Password Change
    Required."""

    status, message = 422, rules.VALIDATION_FAILED

    def __init__(self) -> None:
        super().__init__(errors=rules.PASSWORD_CHANGE_REQUIRED_ERRORS)


def must_change_password(user: AbstractBaseUser) -> bool:
    account = getattr(user, "grs_account", None)  # None when the user has no GrsAccount row
    return bool(account and account.must_change_password)


def grs_login(*, username: str, password: str) -> tuple[str, int] | None:
    """GET /grs/v1/login: ``(apiToken, lastLogin epoch ms or 0)``, or None if refused;
    PasswordChangeRequired for a user whom staff flagged (no session is opened)."""
    user = authenticate(username=username, password=password)  # slow on purpose: no transaction
    if user is None:
        return None
    if must_change_password(user):
        raise PasswordChangeRequired
    now = timezone.now()
    last_login = int(user.last_login.timestamp() * 1000) if user.last_login else 0
    with transaction.atomic():
        type(user).objects.filter(pk=user.pk).update(last_login=now)
        # The user's dead sessions are of no use to anyone; their locks are already free.
        GrsSession.objects.filter(user=user, last_used_at__lt=session_cutoff(now)).delete()
        _, token = grs_session_create(user=user)
    return token, last_login


@dataclass(frozen=True, slots=True, kw_only=True)
class GrsAccess(perms.Access):
    """A GRS request's access (``request.auth``): also its session, in whose name the
    services take and check locks, and, when the session lookup read the view's calendar
    too (``ride_read``), what the Ride made of it (``ride_answer``, None: no such
    calendar)."""

    session: GrsSession
    ride_read: bool = False
    ride_answer: Any = None


def grs_session_use(
    *,
    username: str,
    token: str,
    tenant_id: str | None = None,
    ride: selectors.Ride | None = None,
) -> GrsAccess | None:
    """The access of the live session of ``username`` for ``token``, refreshed; None if
    there is none.

    One query reads the session, its user and which GRS permissions the user holds, and
    with ``tenant_id`` whether the user is a member of that tenant, and with ``ride`` the
    calendar the request is about (read before any check, used by the view only after
    them). The refresh is a second one, only when due (models.session_refresh_due), and
    conditional on the session being alive still, so a session that has died (and whose
    locks others may have taken) can never come back.
    """
    member = tenant_id is not None and selectors.tenant_id_valid(tenant_id)
    compiled = selectors.compiled_query(
        ("grs-session", tenant_id is not None, member),
        _session_query,
        ("digest", "tenant") if member else ("digest",),
        tenant_id=tenant_id,
    )
    params = compiled.params(digest=hash_secret(token), tenant=int(tenant_id) if member else None)
    width, sql = compiled.width, compiled.sql
    if ride is not None:
        sql = perms.with_ride(sql, ride.sql, order=str(width + ride.width))
        params += ride.params
    _, rows = perms.fetch_rows(sql, params)
    # The token's digest is unique: at most one session, on each of the ride's rows.
    session = _instance(compiled.compiler, rows[0][:width]) if rows else None
    # The token was found by its hash (no comparison of it follows: calendarsite.credentials
    # says why); the username sent with it is the client's claim and is compared in
    # constant time, so that a token's holder cannot time their way to whose it is.
    if session is None or not constant_time_compare(session.user.get_username(), username):
        return None
    now = timezone.now()
    if not session.user.is_active or not session.is_alive(now):
        return None
    if not constant_time_compare(session.password_stamp, password_stamp(session.user)):
        # The password changed without save() (a raw UPDATE): end the old sessions now.
        GrsSession.objects.filter(user=session.user_id).exclude(
            password_stamp=password_stamp(session.user)
        ).delete()
        return None
    if session_refresh_due(session.last_used_at, now):
        alive = GrsSession.objects.filter(pk=session.pk, last_used_at__gte=session_cutoff(now))
        if not alive.update(last_used_at=now):
            return None
        session.last_used_at = now
    return GrsAccess.found(
        user=session.user,
        perms=GRS_PERMS,
        bits=session.perm_bits,
        tenant_id=tenant_id,
        member=tenant_id is not None and bool(session.member),
        session=session,
        ride_read=ride is not None,
        ride_answer=None if ride is None else ride.read([row[width:] for row in rows]),
    )


def _session_query(*, tenant_id: str | None) -> QuerySet[GrsSession]:
    """The session lookup with stand-ins (selectors.compiled_query): the session, its user
    and GRS account, the bits of the GRS permissions held, and membership of the tenant."""
    sessions = (
        GrsSession.objects.select_related("user", "user__grs_account")
        .filter(token_hash=selectors.STAND_INS["digest"][0])
        .annotate(perm_bits=RawSQL(_perms_sql(), perms.held_params(GRS_PERMS)))  # noqa: S611
    )
    if tenant_id is None:
        return sessions
    if selectors.tenant_id_valid(tenant_id):
        tenant_id = str(selectors.STAND_INS["tenant"][0])
    member = selectors.tenant_member_expression(tenant_id=tenant_id)
    return sessions.annotate(member=member)


def _instance(compiler: Any, row: tuple[Any, ...]) -> Any:
    """The model instance (with select_related objects and annotations) that iterating the
    compiled query makes of ``row``, one of its rows (ModelIterable's steps)."""
    (row,) = compiler.results_iter(results=[[row]])
    select, klass_info, db = compiler.select, compiler.klass_info, compiler.using
    first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    names = [f[0].target.attname for f in select[first:last]]
    instance = klass_info["model"].from_db(db, names, row[first:last])
    for populator in get_related_populators(klass_info, select, db):
        populator.populate(row, instance)
    for name, position in compiler.annotation_col_map.items():
        setattr(instance, name, row[position])
    return instance


GRS_PERMS = tuple(
    f"calendars.{codename}" for codename in (*rules.PERMISSIONS, *rules.PACKAGE_PERMISSIONS)
)


def grs_sessions_end(*, user_id: int) -> int:
    """End every API session of the user (their locks are then free for others)."""
    return GrsSession.objects.filter(user_id=user_id).delete()[0]


def user_saved(*, user: AbstractBaseUser, password_changed: bool) -> None:
    """After any save of a user (models' post_save, see apps.py): a password change or a
    deactivation ends the user's API sessions, and with them the user's locks."""
    if password_changed or not user.is_active:
        grs_sessions_end(user_id=user.pk)


@transaction.atomic
def grs_password_change(*, user: AbstractBaseUser, new_password: Any) -> None:
    """PUT /grs/v1/changepassword: Django's validators (AUTH_PASSWORD_VALIDATORS), as the
    admin's; clears the must-change flag; the save ends every session of the user."""
    if not isinstance(new_password, str) or not new_password:
        raise Invalid([rules.Problem(*rules.NEW_PASSWORD_MISSING)])
    try:
        validate_password(new_password, user)
    except ValidationError as error:
        raise Invalid(
            [
                rules.Problem(rules.NEW_PASSWORD_INVALID_CODE, "newPassword", m)
                for m in error.messages
            ]
        ) from None
    user.set_password(new_password)
    user.save()
    GrsAccount.objects.filter(user=user).update(must_change_password=False)


@cache
def _perms_sql() -> str:
    # The session's table is the query's own, never aliased: its user column is safe to name.
    user_id = GrsSession._meta.get_field("user").column
    qn = connection.ops.quote_name
    user_pk = f"{qn(GrsSession._meta.db_table)}.{qn(user_id)}"
    return perms.held_sql(count=len(GRS_PERMS), user_pk=user_pk)


# --- calendars ----------------------------------------------------------------------


def _calendar_fields(values: dict[str, Any]) -> dict[str, Any]:
    """A calendar's own fields, all of them (rules.CALENDAR_ATTRS) and no other."""
    if values.keys() != set(rules.CALENDAR_ATTRS):
        raise TypeError(f"a calendar's fields are {', '.join(rules.CALENDAR_ATTRS)}")
    return values


@transaction.atomic
@transaction.atomic
def calendar_create(*, package: Package, **values: Any) -> Calendar:
    """``values``: every field of rules.CALENDAR_ATTRS, as rules.calendar_parse gives
    them, checked. Invalid (1009) if the package holds PACKAGE_CALENDARS_MAX already."""
    if package_is_full(package=package):
        raise Invalid([rules.package_full()])
    return Calendar.objects.create(package=package, **_calendar_fields(values))


def package_is_full(*, package: Package) -> bool:
    """Whether the package holds rules.PACKAGE_CALENDARS_MAX calendars."""
    return _is_full(
        Package.objects.filter(pk=package.pk),
        Calendar.objects.filter(package=package),
        rules.PACKAGE_CALENDARS_MAX,
    )


def _is_full(container: QuerySet, members: QuerySet, most: int) -> bool:
    """Whether ``members`` number ``most``. Called inside the creating transaction: the
    container's row stays locked until it ends, so racing creates count one by one."""
    list(container.select_for_update().values_list("pk"))
    return members.count() >= most


def _claim(*, calendar: Calendar, session: GrsSession, **changes: Any) -> None:
    """Inside a transaction: lock the calendar's row if ``session``'s user holds its edit
    lock (taken in the run of sessions ``session`` belongs to), applying ``changes``;
    NotLocked otherwise."""
    held = Calendar.objects.filter(
        pk=calendar.pk, lock_user_id=session.user_id, lock_at__gte=session.chain_started_at
    )
    if not held.update(updated_at=timezone.now(), **changes):
        raise NotLocked


@transaction.atomic
def calendar_update(*, calendar: Calendar, session: GrsSession, **values: Any) -> Calendar:
    """Change a calendar's own fields (``values`` as calendar_create's); ``session`` must
    hold its lock. Invalid (1008) if the new zone moves a stored fixedDate outside the
    years 1..9999."""
    changes = _calendar_fields(values)
    time_zone_id = changes["time_zone_id"]
    _claim(calendar=calendar, session=session, **changes)
    # Checked under the row lock taken by _claim: the exceptions cannot change now.
    if time_zone_id != calendar.time_zone_id and (
        problems := rules.zone_problems(time_zone_id, calendar.stored_fixed_dates())
    ):
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


@transaction.atomic
def calendar_exceptions_add(
    *,
    calendar: Calendar,
    items: Sequence[dict[str, Any]],
    user: AbstractBaseUser | None = None,
    override: bool = False,
) -> tuple[list[CalendarException], int]:
    """Staff's addition (public holidays: add_public_holidays, the admin action): append
    the exceptions ``items`` (the API's JSON shape, checked by its rules) that the
    calendar does not have yet, after its own. A HOLIDAY is already there when one with
    the same placement is, or, for a FIXED date, when a holiday falls on that date.
    Refuses (LockHeld) a calendar whose lock another user's live session holds, unless
    ``override``. Returns the new exceptions and how many were already there.
    """
    # Touch the row first, as the API's writes do (_claim): from here to commit no lock
    # can be taken or moved under us, and readers see a new version.
    if not Calendar.objects.filter(pk=calendar.pk).update(updated_at=timezone.now()):
        raise CalendarGone
    row = Calendar.objects.with_lock().get(pk=calendar.pk)
    if row.locked_by_other(user) and not override:
        raise LockHeld
    tz = java_zone(row.time_zone_id)
    values, problems = rules.exceptions_parse({"exceptions": list(items)}, tz)
    if problems:
        raise ValidationError([f"{p.field}: {p.message}" for p in problems])
    count = row.exceptions.count()
    holidays = _Holidays(ex.business_exception(tz) for ex in row.exceptions.filter(type="HOLIDAY"))
    new = []
    for value in values:
        candidate = CalendarException(**value).business_exception(tz)
        if candidate.type != "HOLIDAY" or not holidays.has(candidate):
            new.append(value)
            holidays.add(candidate)
    if count + len(new) > rules.MAX_EXCEPTIONS:
        raise ValidationError(rules.too_many_exceptions(count + len(new)))
    created = CalendarException.objects.bulk_create(
        CalendarException(calendar=row, **value) for value in new
    )
    return created, len(values) - len(new)


def calendar_public_holidays_add(
    *,
    calendar: Calendar,
    country: str,
    subdivision: str | None,
    years: range,
    user: AbstractBaseUser | None = None,
    override: bool = False,
) -> tuple[list[CalendarException], int]:
    """The public holidays of ``country`` (``subdivision``) in ``years`` added to the
    calendar as exceptions (calendars/public_holidays.py), as calendar_exceptions_add
    adds them; ValidationError for an unknown country or subdivision."""
    from calendars import public_holidays  # the holidays library: loaded when used

    items = public_holidays.holiday_exceptions(
        country=country, subdivision=subdivision, years=years, tz=java_zone(calendar.time_zone_id)
    )
    return calendar_exceptions_add(calendar=calendar, items=items, user=user, override=override)


class _Holidays:
    """A calendar's holidays, to tell whether another is already there: FIXED dates in a
    set, so that adding hundreds of dates stays linear."""

    def __init__(self, holidays: Iterable[business_time.CalendarException]) -> None:
        self.days: set = set()
        self.rules: list[business_time.CalendarException] = []
        for holiday in holidays:
            self.add(holiday)

    def add(self, holiday: business_time.CalendarException) -> None:
        if holiday.type != "HOLIDAY":
            return
        if holiday.placement == "FIXED":
            self.days.add(holiday.fixed_date)
        else:
            self.rules.append(holiday)

    def has(self, holiday: business_time.CalendarException) -> bool:
        if holiday.placement == "FIXED":
            day = holiday.fixed_date
            return day in self.days or any(rule.falls_on(day) for rule in self.rules)
        return any(_same_rule(holiday, rule) for rule in self.rules)


def _same_rule(a: business_time.CalendarException, b: business_time.CalendarException) -> bool:
    return all(getattr(a, attr) == getattr(b, attr) for attr in _RULE_ATTRS)


# What places an ANNUAL or RELATIVE exception: its placement and the fields it uses.
_RULE_ATTRS = (
    "placement",
    *(
        rules.EXCEPTION_RULES[key].attr
        for p in ("ANNUAL", "RELATIVE")
        for key in rules.PLACEMENT_KEYS[p]
    ),
)


# --- locks --------------------------------------------------------------------------

SWAP_ATTEMPTS = 10


class _Holder(NamedTuple):
    user_id: int | None
    at: Any
    live: bool


def _holder_of(calendar: Calendar) -> _Holder:
    """The lock as the view loaded it (selectors.calendar_get annotates its liveness)."""
    return _Holder(calendar.lock_user_id, calendar.lock_at, calendar.lock_is_live())


def _holder_now(calendar: Calendar) -> _Holder:
    row = (
        Calendar.objects.filter(pk=calendar.pk)
        .annotate(live=live_lock_expression())
        .values_list("lock_user_id", "lock_at", "live")
        .first()
    )
    if row is None:
        raise CalendarGone
    return _Holder(*row)


def _lock_swap(*, calendar: Calendar, expected: _Holder, user_id: int | None) -> bool:
    """Compare-and-set of the lock: True if it was still ``expected`` (holder and time)."""
    now = timezone.now()
    current = Calendar.objects.filter(
        pk=calendar.pk, lock_user_id=expected.user_id, lock_at=expected.at
    )
    if expected.user_id is None:
        current = Calendar.objects.filter(pk=calendar.pk, lock_user__isnull=True)
    return (
        current.update(lock_user_id=user_id, lock_at=now if user_id else None, updated_at=now) == 1
    )


def calendar_lock(*, calendar: Calendar, session: GrsSession) -> None:
    """Take the edit lock for ``session``'s user. The user's own live lock stays as it is
    (any of the user's live sessions holds it); a free or dead lock is taken; another
    user's live lock raises LockHeld. ``calendar`` as the view has just loaded it is
    trusted as the first reading."""
    holder = _holder_of(calendar)
    for _ in range(SWAP_ATTEMPTS):
        if holder.user_id == session.user_id and holder.live:
            return
        if holder.user_id is not None and holder.user_id != session.user_id and holder.live:
            raise LockHeld
        if _lock_swap(calendar=calendar, expected=holder, user_id=session.user_id):
            calendar.lock_user, calendar.lock_live = session.user, True
            return
        holder = _holder_now(calendar)  # someone changed it in between: look again
    raise LockHeld  # others keep changing it: as good as held


def calendar_unlock(*, calendar: Calendar, session: GrsSession, override: bool) -> None:
    """Release the lock. Another user's live lock raises LockHeld unless ``override``
    (OVERRIDE_LOCKS); a calendar that is not locked (or whose lock is dead) is fine."""
    holder = _holder_of(calendar)
    for _ in range(SWAP_ATTEMPTS):
        if holder.user_id is None:
            return
        if holder.user_id != session.user_id and holder.live and not override:
            raise LockHeld
        if _lock_swap(calendar=calendar, expected=holder, user_id=None):
            calendar.lock_user, calendar.lock_live = None, False
            return
        holder = _holder_now(calendar)
    raise LockHeld


def calendar_staff_edit_refusal(*, calendar_id: int, user, override: bool) -> str | None:
    """Why staff may not save their change to a calendar (or its exceptions) in the
    admin, as the API refuses a write under another user's live lock: unless they
    override it and may (OVERRIDE_LOCKS). None when they may. Called inside the admin's
    transaction: the row stays locked until the change is saved, so no API client takes
    the lock in between."""
    row = (
        Calendar.objects.select_for_update(of=("self",)).with_lock().filter(pk=calendar_id).first()
    )
    if row is None or not row.locked_by_other(user):
        return None
    if not override:
        return rules.LOCK_HELD_OVERRIDE
    if not user.has_perm("calendars.OVERRIDE_LOCKS"):
        return rules.permission_missing("OVERRIDE_LOCKS")
    return None


def calendars_staff_delete_refusal(*, calendars: QuerySet[Calendar], user) -> str | None:
    """Why staff may not delete these calendars, or what hangs on them (their exceptions,
    their package): another user holds a live lock on one of them and staff may not
    override locks (OVERRIDE_LOCKS). The admin's delete is confirmed on a page of its
    own, so holding the permission is enough. None when they may. The locked rows stay
    locked until the caller's transaction ends, so no API client takes a lock between
    this check and the delete."""
    with transaction.atomic():
        held = [
            calendar
            for calendar in calendars.filter(lock_user__isnull=False)
            .select_for_update(of=("self",))
            .with_lock()
            .order_by("pk")
            if calendar.locked_by_other(user)
        ]
    if not held or user.has_perm("calendars.OVERRIDE_LOCKS"):
        return None
    shown = ", ".join(f"{c.name} ({c.external_id}), locked by {c.lock_owner()}" for c in held[:5])
    return rules.lock_held_delete(shown + (f" and {len(held) - 5} more" if len(held) > 5 else ""))


@transaction.atomic
def calendars_unlock(*, calendar_ids: Iterable[int]) -> int:
    """Staff's unlock (admin action): release whatever lock the calendars have."""
    return Calendar.objects.filter(pk__in=list(calendar_ids), lock_user__isnull=False).update(
        lock_user=None, lock_at=None, updated_at=timezone.now()
    )


# --- tenants, packages, API users (commands, admin, demo) ---------------------------


def _check_name(name: str) -> str:
    if message := rules.name_problem(name):
        raise ValidationError({"name": message})
    return name.strip()


@transaction.atomic
def tenant_create(*, name: str) -> Tenant:
    """A tenant; its name is unique in any letter case, which its constraint checks (two
    racing creates cannot both pass it)."""
    name = _check_name(name)
    try:
        with transaction.atomic():
            return Tenant.objects.create(name=name)
    except IntegrityError:
        raise ValidationError({"name": rules.tenant_name_taken(name)}) from None


@transaction.atomic
def package_create(*, tenant: Tenant, name: str) -> Package:
    name = _check_name(name)
    if tenant_is_full(tenant_id=tenant.pk):
        raise ValidationError({"name": rules.tenant_full().message})
    if Package.objects.filter(tenant=tenant, name=name).exists():
        raise ValidationError({"name": rules.package_name_taken(name)})
    return Package.objects.create(tenant=tenant, name=name)


def grs_permissions(names: Iterable[str]) -> list[Permission]:
    """The GRS permissions named (CALENDAR_VIEW, PACKAGE_CREATE ...); ValidationError for
    others."""
    names = list(dict.fromkeys(names))
    known = (*rules.PERMISSIONS, *rules.PACKAGE_PERMISSIONS)
    unknown = [rules.permission_unknown(name) for name in names if name not in known]
    if unknown:
        raise ValidationError({"permission": unknown})
    return list(Permission.objects.filter(content_type__app_label="calendars", codename__in=names))


@transaction.atomic
def api_user_create(
    *,
    username: str,
    password: str,
    tenants: Iterable[Tenant] = (),
    permissions: Iterable[str] = (),
) -> AbstractBaseUser:
    """A user who can log in to the GRS API, member of ``tenants``, with ``permissions``.

    Every problem is reported at once (username, password, permissions), not the first.
    """
    User = get_user_model()
    user = User(username=username)
    errors: dict[str, list[str]] = {}
    if User.objects.filter(username=username).exists():
        errors["username"] = [rules.username_taken(username)]
    checks = [
        lambda: user.full_clean(exclude=["password"], validate_unique=False),
        lambda: validate_password(password, user),
        lambda: grs_permissions(permissions),
    ]
    for field, check in zip(["username", "password", "permission"], checks, strict=True):
        try:
            check()
        except ValidationError as error:
            found = error.message_dict if hasattr(error, "error_dict") else {field: error.messages}
            for key, messages in found.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    user.user_permissions.add(*grs_permissions(permissions))
    user.grs_tenants.add(*tenants)
    return user


# --- packages of business nodes (GRS package endpoints) ------------------------------


def _template_key(name: Any, version: Any) -> tuple[str, int] | None:
    """``(name, version)`` when it can name a stored template: a name a database can hold
    (PostgreSQL refuses NUL in text) and a whole version. Anything else (a list, an object,
    a float) is simply not found, never looked up."""
    if isinstance(name, str) and rules.name_problem(name) is None and rules.is_int(version):
        return (name, version)
    return None


def _templates_find(
    *, tenant_id: int, wanted: list[tuple[Any, Any]]
) -> tuple[list[Template], list[rules.Problem]]:
    """The tenant's templates named ``(name, version)``; a 1005 for each one not found,
    with its index in the list."""
    keys = [_template_key(name, version) for name, version in wanted]
    found = {}
    if names := {key[0] for key in keys if key}:
        for template in Template.objects.filter(tenant_id=tenant_id, name__in=names):
            found[(template.name, template.version)] = template
    templates, problems = [], []
    for index, ((name, version), key) in enumerate(zip(wanted, keys, strict=True)):
        template = found.get(key) if key else None
        if template is None:
            message = rules.template_not_found(name, version)
            problems.append(rules.Problem(rules.TEMPLATE_CODE, "templates", message, index))
        elif template not in templates:
            templates.append(template)
    return templates, problems


def _taken(
    *, tenant_id: int, values: rules.PackageInput, exclude: Package | None, skip: set[str]
) -> list[rules.Problem]:
    """1003 and 1006: a name or business name another package of the tenant has (not
    asked of a field in ``skip``, which the body got wrong already)."""
    others = Package.objects.filter(tenant_id=tenant_id)
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    problems = []
    if "name" not in skip and values.name and others.filter(name=values.name).exists():
        problems.append(rules.Problem(*rules.PACKAGE_NAME_TAKEN))
    business_name = values.business_name if "businessName" not in skip else None
    if business_name and others.filter(business_name=business_name).exists():
        problems.append(rules.Problem(*rules.BUSINESS_NAME_TAKEN))
    return problems


def _package_write(
    *, package: Package, values: rules.PackageInput, templates: list[Template] | None
) -> Package:
    """Save under the unique constraints: a racing writer that took the name or business
    name first makes this one a 1003/1006 (Invalid), never a 500."""
    try:
        with transaction.atomic():
            package.save()
            if templates is not None:
                package.templates.set(templates)
    except IntegrityError:
        problems = _taken(tenant_id=package.tenant_id, values=values, exclude=package, skip=set())
        if not problems:
            raise
        raise Invalid(problems) from None
    return package


def _package_check(
    *,
    tenant_id: int,
    values: rules.PackageInput,
    exclude: Package | None,
    problems: list[rules.Problem],
) -> list[Template] | None:
    """The templates ``values`` names (None: not sent). Invalid with the body's own
    ``problems`` (rules.package_parse) and 1003, 1005, 1006 of the fields it got right,
    every one at once in code order."""
    skip = {problem.field for problem in problems}
    found = _taken(tenant_id=tenant_id, values=values, exclude=exclude, skip=skip)
    templates = None
    if values.templates is not None and "templates" not in skip:
        templates, missing = _templates_find(tenant_id=tenant_id, wanted=values.templates)
        found += missing
    if problems or found:
        raise Invalid(sorted([*problems, *found], key=lambda p: int(p.code)))
    return templates


def tenant_is_full(*, tenant_id: int) -> bool:
    """Whether the tenant holds rules.TENANT_PACKAGES_MAX packages."""
    return _is_full(
        Tenant.objects.filter(pk=tenant_id),
        Package.objects.filter(tenant_id=tenant_id),
        rules.TENANT_PACKAGES_MAX,
    )


@transaction.atomic
def node_package_create(
    *, node: BusinessNode, values: rules.PackageInput, problems: list[rules.Problem]
) -> Package:
    """POST .../businessnode/{nodeId}/package, values and problems from
    rules.package_parse; Invalid as _package_check, or 1010 if the tenant is full."""
    if tenant_is_full(tenant_id=node.tenant_id):
        raise Invalid([rules.tenant_full()])
    templates = _package_check(
        tenant_id=node.tenant_id, values=values, exclude=None, problems=problems
    )
    package = Package(
        node=node,
        tenant_id=node.tenant_id,
        name=values.name,
        type=values.type,
        business_name=values.business_name,
        description=values.description,
    )
    return _package_write(package=package, values=values, templates=templates)


def node_package_update(
    *, package: Package, values: rules.PackageInput, problems: list[rules.Problem]
) -> Package:
    """PUT .../businessnode/{nodeId}/package/{packageId}: only businessName, description
    and templates change, each only when sent; problems as node_package_create's."""
    templates = _package_check(
        tenant_id=package.tenant_id, values=values, exclude=package, problems=problems
    )
    if values.business_name is not None:
        package.business_name = values.business_name
    if values.description is not None:
        package.description = values.description
    _package_write(package=package, values=values, templates=templates)
    if templates is not None:
        # The answer reads the prefetched list: refresh it.
        package._prefetched_objects_cache.pop("templates", None)
    return package


def grs_user_by_token_or_password(*, username: str, secret: str) -> AbstractBaseUser | None:
    """changepassword's caller: the user of a live session whose token is ``secret``, else
    the active user whose password it is; None otherwise."""
    if "\x00" in username or "\x00" in secret:
        return None  # no user has one, and PostgreSQL refuses it in a query
    access = grs_session_use(username=username, token=secret)
    if access is not None:
        return access.user
    return authenticate(username=username, password=secret)
