"""GRS business calendars: tenants, rule packages, calendars, their exceptions, API sessions.

Ranges and field/placement consistency are database constraints as well as rules
(calendars/rules.py): the rules give the vendor's messages, the constraints make sure
nothing else (a bulk update, a shell) can store a calendar the API would refuse.
"""

from __future__ import annotations

import dataclasses
import operator
import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta, tzinfo
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from calendars import rules
from calendars.engine import business_time
from calendars.engine.timezones import java_zone

NAME_MAX = rules.NAME_MAX


def session_cutoff(now: datetime | None = None) -> datetime:
    """Sessions last used before this instant are dead, and so are their locks."""
    return (now or timezone.now()) - timedelta(seconds=settings.GRS_SESSION_IDLE_SECONDS)


def session_refresh_due(last_used_at: datetime, now: datetime) -> bool:
    """A use writes the session's last use only when the stored one is older than a
    thirtieth of the idle time, at most 60 s (1800 s idle: once a minute), which spares
    most requests an UPDATE. The session then dies up to that long before the idle time
    after its true last use, never after: the stored last use is what every check
    (this one, the locks') reads, so all agree on when it died."""
    interval = min(60.0, settings.GRS_SESSION_IDLE_SECONDS / 30)
    return now - last_used_at >= timedelta(seconds=interval)


class Tenant(models.Model):
    """A GRS tenant; its primary key is the API's integer ``nodeId``."""

    name = models.CharField(max_length=NAME_MAX)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="grs_tenants"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="tenant_name_not_empty"),
            models.UniqueConstraint(
                Lower("name"),
                name="tenant_name_unique",
                violation_error_message="A tenant with this name (in any letter case) exists.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pk})"

    def save(self, *args, **kwargs) -> None:
        created = self._state.adding
        super().save(*args, **kwargs)
        if created:
            # Every tenant has its root business node, named as the tenant (docs/grs.md).
            BusinessNode.objects.create(tenant=self, parent=None, name=self.name)

    def root_node(self) -> BusinessNode:
        root = self.business_nodes.filter(parent__isnull=True).first()
        if root is None:  # a tenant made by bulk_create or raw SQL
            root = BusinessNode.objects.get_or_create(tenant=self, parent=None, name=self.name)[0]
        return root


class BusinessNode(models.Model):
    """A node of a tenant's business hierarchy (GRS "business node"): a tree with one root
    per tenant; packages hang from nodes. Its primary key is the API's ``nodeId``."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="business_nodes")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    name = models.CharField(max_length=NAME_MAX)

    class Meta:
        ordering = ["tenant_id", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="business_node_name_not_empty"),
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(parent__isnull=True),
                name="business_node_one_root",
                violation_error_message="The tenant has its root node already: choose a parent.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.parent.tenant_id != self.tenant_id:
            raise ValidationError({"parent": "The parent must be a node of the same tenant."})
        node, seen = self.parent, set()
        while node is not None and node.pk not in seen:
            if self.pk is not None and node.pk == self.pk:
                raise ValidationError({"parent": "A node cannot be its own ancestor."})
            seen.add(node.pk)
            node = node.parent


class Template(models.Model):
    """A rule template of a tenant, as data (we run no rules): packages name templates by
    name and version."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="templates")
    name = models.CharField(max_length=NAME_MAX)
    version = models.PositiveIntegerField(default=1)
    type = models.CharField(max_length=NAME_MAX, null=True, blank=True)  # noqa: DJ001
    is_global = models.BooleanField("global", default=False)
    change_comment = models.TextField(null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["tenant_id", "name", "version"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="template_name_not_empty"),
            models.UniqueConstraint(
                fields=["tenant", "name", "version"], name="template_name_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Package(models.Model):
    """A rule package of a tenant, attached to one of its business nodes; calendars live
    in packages. ``tenant`` is always the node's tenant (set on save)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="packages")
    node = models.ForeignKey(
        BusinessNode,
        on_delete=models.RESTRICT,
        related_name="packages",
        verbose_name="business node",
    )
    name = models.CharField(max_length=NAME_MAX)
    type = models.CharField(max_length=NAME_MAX, blank=True)
    business_name = models.CharField(max_length=NAME_MAX, blank=True)
    description = models.TextField(blank=True)
    templates = models.ManyToManyField(Template, blank=True, related_name="packages")

    class Meta:
        ordering = ["tenant_id", "name"]
        permissions = list(rules.PACKAGE_PERMISSIONS.items())
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="package_name_not_empty"),
            models.UniqueConstraint(fields=["tenant", "name"], name="package_name_unique"),
            models.UniqueConstraint(
                fields=["tenant", "business_name"],
                condition=~Q(business_name=""),
                name="package_business_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if self.node_id is None and self.tenant_id is not None:
            self.node = self.tenant.root_node()  # the command's and old callers' way
        elif self.node_id is not None:
            self.tenant_id = self.node.tenant_id
        super().save(*args, **kwargs)


class GrsSession(models.Model):
    """An API session opened by GET /grs/v1/login. Only a hash of its token is stored.

    It dies after GRS_SESSION_IDLE_SECONDS without use; a dead session never comes back
    (the use that would refresh it is conditional on it being alive), so its locks are free.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grs_sessions"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now, db_index=True)
    # When the user's run of overlapping live sessions began: a session opened while
    # another is alive inherits it, one opened when none is alive starts a new run. Locks
    # taken before the run began are dead (docs/grs.md, Locks).
    chain_started_at = models.DateTimeField(default=timezone.now)
    # A keyed hash of the user's password hash when the session opened: a password
    # changed by any path ends the session at its next use.
    password_stamp = models.CharField(max_length=64, default="", editable=False)

    class Meta:
        verbose_name = "GRS API session"

    def __str__(self) -> str:
        return f"session {self.pk} of {self.user_id}"

    def is_alive(self, now: datetime | None = None) -> bool:
        return self.last_used_at >= session_cutoff(now)


def live_lock_expression(now: datetime | None = None) -> Exists:
    """On a Calendar query: its lock is live, i.e. the holder is active and has a live
    session of the run in which the lock was taken (docs/grs.md, Locks)."""
    return Exists(
        GrsSession.objects.filter(
            user_id=OuterRef("lock_user_id"),
            user__is_active=True,
            last_used_at__gte=session_cutoff(now),
            chain_started_at__lte=OuterRef("lock_at"),
        )
    )


class CalendarQuerySet(models.QuerySet):
    def with_lock(self, now: datetime | None = None) -> CalendarQuerySet:
        """With ``lock_live`` and the holder, so that ``lock_owner`` asks nothing more."""
        return self.select_related("lock_user").annotate(lock_live=live_lock_expression(now))


class GrsAccount(models.Model):
    """What GRS keeps per user beyond Django's user: the staff's "must change password"
    flag (login then answers 422 Password Change Required)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="grs_account",
    )
    must_change_password = models.BooleanField(
        default=False,
        help_text="GRS login answers 422 Password Change Required until the user changes "
        "the password (PUT /grs/v1/changepassword).",
    )

    class Meta:
        verbose_name = "GRS account"

    def __str__(self) -> str:
        return f"GRS account of {self.user_id}"


def _clean_fields(
    instance: models.Model, exclude: Collection[str] | None, check: Callable[..., None]
) -> None:
    """Django's field checks, then the API's rules, on the fields not excluded."""
    exclude = set(exclude or ())
    errors: dict[str, list[str]] = {}
    try:
        models.Model.clean_fields(instance, exclude)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        check(instance, exclude=exclude | set(errors))
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _between(field: str, low: int, high: int) -> Q:
    return Q(**{f"{field}__isnull": False, f"{field}__gte": low, f"{field}__lte": high})


def _field_constraints(
    prefix: str, field_rules: Iterable[rules.FieldRule]
) -> list[models.CheckConstraint]:
    """The rules of the fields always used (calendars/rules.py) as check constraints: an
    integer within its bounds, a free string not empty. Choices and the fields a placement
    or type uses are _use_constraint's."""
    return [
        models.CheckConstraint(
            condition=_between(rule.attr, rule.low, rule.high), name=f"{prefix}_{rule.attr}"
        )
        if rule.low is not None
        else models.CheckConstraint(
            condition=~Q(**{rule.attr: ""}), name=f"{prefix}_{rule.attr}_not_empty"
        )
        for rule in field_rules
        if not rule.used_with and not rule.choices
    ]


def _use_constraint(key: str, name: str) -> models.CheckConstraint:
    """For each value of the exception's ``key`` (placement, type): the fields it uses are
    set and within their rules, the fields the other values use are NULL."""
    chooser = rules.EXCEPTION_RULES[key]
    using = [r for r in rules.EXCEPTION_RULES.values() if r.used_with in chooser.choices]
    alternatives = []
    for value in chooser.choices:
        fields: dict[str, Any] = {chooser.attr: value}
        bounds = []
        for rule in using:
            if rule.used_with != value:
                fields[f"{rule.attr}__isnull"] = True
            elif rule.low is not None and rule.db_bounds:
                bounds.append(_between(rule.attr, rule.low, rule.high))
            else:
                fields[f"{rule.attr}__isnull"] = False
                if rule.choices:
                    fields[f"{rule.attr}__in"] = list(rule.choices)
        alternatives.append(reduce(operator.and_, bounds, Q(**fields)))
    return models.CheckConstraint(condition=reduce(operator.or_, alternatives), name=name)


def _choices(key: str) -> list[tuple[str, str]]:
    """An exception field's choices, labelled as Django's TextChoices would."""
    return [(c, c.replace("_", " ").title()) for c in rules.EXCEPTION_RULES[key].choices]


class Calendar(models.Model):
    """A business calendar. ``id`` is N of its external id ``Calendar_N``.

    Fields the rules validate are ``blank=True`` so that the admin reports the rules'
    messages (same as the API's) instead of Django's generic "This field is required.";
    NOT NULL and the check constraints still hold in the database.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    package = models.ForeignKey(Package, on_delete=models.CASCADE, related_name="calendars")
    name = models.CharField(max_length=NAME_MAX, blank=True)
    week_starts = models.PositiveSmallIntegerField(blank=True)
    week_ends = models.PositiveSmallIntegerField(blank=True)
    day_starts_hour = models.PositiveSmallIntegerField(blank=True)
    day_starts_min = models.PositiveSmallIntegerField(blank=True)
    day_ends_hour = models.PositiveSmallIntegerField(blank=True)
    day_ends_min = models.PositiveSmallIntegerField(blank=True)
    time_zone_id = models.CharField("time zone ID", max_length=64, blank=True)
    # The user holding the edit lock, and when it was taken; the lock is live while the
    # user is active and has a live session of the run it was taken in.
    lock_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="locked_calendars",
        editable=False,
    )
    lock_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CalendarQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        # Custom permissions, granted to users or groups in the admin.
        permissions = list(rules.PERMISSIONS.items())
        constraints = _field_constraints("calendar", rules.CALENDAR_RULES)

    def __str__(self) -> str:
        return f"{self.external_id} {self.name}"

    @property
    def external_id(self) -> str:
        return f"Calendar_{self.pk}"

    def lock_is_live(self, now: datetime | None = None) -> bool:
        """Whether someone holds the lock: the ``with_lock`` annotation, or a query."""
        if self.lock_user_id is None:
            return False
        live = getattr(self, "lock_live", None)
        if live is None:
            live = (
                Calendar.objects.filter(pk=self.pk)
                .with_lock(now)
                .values_list("lock_live", flat=True)
                .first()
            )
        return bool(live)

    def locked_by_other(self, user: Any) -> bool:
        """Whether a live lock is held by someone other than ``user`` (None: by anyone),
        which staff's writes may pass only by overriding it."""
        return self.lock_is_live() and (user is None or self.lock_user_id != user.pk)

    def stored_fixed_dates(self, *, skip: Collection[int] = ()) -> list[tuple[int, int]]:
        """(index in the body's list order, fixedDate) of each stored FIXED exception, but
        those whose id is in ``skip``: what a change of zone must keep within the years
        1..9999 (rules.zone_problems, 1008)."""
        rows = self.exceptions.order_by("id").values_list("id", "placement", "fixed_date")
        return [
            (i, ms)
            for i, (pk, placement, ms) in enumerate(rows)
            if placement == "FIXED" and pk not in skip
        ]

    def lock_owner(self, now: datetime | None = None) -> str | None:
        return self.lock_user.get_username() if self.lock_is_live(now) else None

    def business_spec(
        self, exceptions: Iterable[CalendarException] | None = None
    ) -> business_time.CalendarSpec:
        """The calendar as the business-time engine sees it, with ``exceptions`` (default:
        its own, prefetched or not) in list order. The one model -> engine adapter."""
        tz = java_zone(self.time_zone_id)
        if exceptions is None:
            exceptions = self.exceptions.all()
        return business_time.CalendarSpec(
            week_starts=self.week_starts,
            week_ends=self.week_ends,
            day_starts_hour=self.day_starts_hour,
            day_starts_min=self.day_starts_min,
            day_ends_hour=self.day_ends_hour,
            day_ends_min=self.day_ends_min,
            tz=tz,
            exceptions=tuple(
                found for ex in exceptions if (found := ex.business_exception(tz)) is not None
            ),
        )

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Here rather than in clean(): the rules skip the fields a form has already
        # refused (exclude), so that no message is given twice.
        _clean_fields(self, exclude, rules.calendar_model_check)


# The fields the engine reads of an exception, named as the model's; fixed_date converted.
_ENGINE_EXCEPTION_FIELDS = tuple(
    f.name for f in dataclasses.fields(business_time.CalendarException) if f.name != "fixed_date"
)


class CalendarException(models.Model):
    """A holiday or changed hours on one day of a calendar.

    Which of the date fields are used depends on ``placement``, whether the time-change
    fields are used on ``type``; unused fields are NULL (constraints below). The list
    order of a calendar's exceptions is their id order: the API replaces the whole
    list in one insert.
    """

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="exceptions")
    name = models.CharField(max_length=NAME_MAX, blank=True)
    type = models.CharField(max_length=16, choices=_choices("type"), blank=True)
    placement = models.CharField(max_length=16, choices=_choices("placement"), blank=True)
    # The day that contains this instant in the calendar's time zone.
    fixed_date = models.BigIntegerField(
        null=True, blank=True, help_text="Epoch milliseconds (placement FIXED)."
    )
    annual_month = models.PositiveSmallIntegerField(null=True, blank=True)
    annual_day = models.PositiveSmallIntegerField(null=True, blank=True)
    # NULL, not "", when unused: the API answers null for every unused field.
    relative_type = models.CharField(  # noqa: DJ001
        max_length=8, choices=_choices("relativeType"), null=True, blank=True
    )
    relative_day_of_week = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 = Sunday ... 7 = Saturday."
    )
    relative_month = models.PositiveSmallIntegerField(null=True, blank=True)
    time_change_start_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    time_change_start_min = models.PositiveSmallIntegerField(null=True, blank=True)
    time_change_stop_hour = models.PositiveSmallIntegerField(null=True, blank=True)
    time_change_stop_min = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["calendar_id", "id"]
        constraints = [
            *_field_constraints("exception", rules.EXCEPTION_RULES.values()),
            _use_constraint("placement", "exception_placement_fields"),
            _use_constraint("type", "exception_type_fields"),
        ]

    def __str__(self) -> str:
        return self.name

    def business_exception(self, tz: tzinfo) -> business_time.CalendarException | None:
        """This exception for the engine; ``tz`` is the calendar's zone, in which
        ``fixed_date`` (epoch milliseconds) names a local date. None for a FIXED one whose
        local date falls outside the years 1 to 9999 (stored before the write-time check, or
        the zone changed since): it names no date the engine answers about, and stored data
        must never make a read fail."""
        fixed = self.fixed_date
        if fixed is not None:
            try:
                fixed = business_time.local_date_of_epoch_ms(fixed, tz)
            except ValueError:
                if self.placement == business_time.Placement.FIXED:
                    return None
                fixed = None  # unused by other placements
        return business_time.CalendarException(
            **{attr: getattr(self, attr) for attr in _ENGINE_EXCEPTION_FIELDS}, fixed_date=fixed
        )

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        _clean_fields(self, exclude, rules.exception_model_check)
