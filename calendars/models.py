"""GRS business calendars: tenants, rule packages, calendars, their exceptions, API sessions.

Ranges and field/placement consistency are database constraints as well as rules
(calendars/rules.py): the rules give the vendor's messages, the constraints make sure
nothing else (a bulk update, a shell) can store a calendar the API would refuse.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta, tzinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from calendars import business_time, rules
from calendars.timezones import java_zone

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
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="tenant_name_not_empty")]

    def __str__(self) -> str:
        return f"{self.name} ({self.pk})"


class Package(models.Model):
    """A rule package of a tenant; calendars live in packages."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="packages")
    name = models.CharField(max_length=NAME_MAX)

    class Meta:
        ordering = ["tenant_id", "name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="package_name_not_empty"),
            models.UniqueConstraint(fields=["tenant", "name"], name="package_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


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

    class Meta:
        verbose_name = "GRS API session"

    def __str__(self) -> str:
        return f"session {self.pk} of {self.user_id}"

    def is_alive(self, now: datetime | None = None) -> bool:
        return self.last_used_at >= session_cutoff(now)


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
    # The session holding the edit lock; the lock is live only while that session is.
    lock_session = models.ForeignKey(
        GrsSession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="locked_calendars",
        editable=False,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        # Custom permissions, granted to users or groups in the admin.
        permissions = list(rules.PERMISSIONS.items())
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="calendar_name_not_empty"),
            models.CheckConstraint(
                condition=_between("week_starts", 1, 7), name="calendar_week_starts"
            ),
            models.CheckConstraint(
                condition=_between("week_ends", 1, 7), name="calendar_week_ends"
            ),
            models.CheckConstraint(
                condition=_between("day_starts_hour", 0, 23), name="calendar_day_starts_hour"
            ),
            models.CheckConstraint(
                condition=_between("day_ends_hour", 0, 23), name="calendar_day_ends_hour"
            ),
            models.CheckConstraint(
                condition=_between("day_starts_min", 0, 59), name="calendar_day_starts_min"
            ),
            models.CheckConstraint(
                condition=_between("day_ends_min", 0, 59), name="calendar_day_ends_min"
            ),
            models.CheckConstraint(
                condition=~Q(time_zone_id=""), name="calendar_time_zone_id_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} {self.name}"

    @property
    def external_id(self) -> str:
        return f"Calendar_{self.pk}"

    def live_lock(self, now: datetime | None = None) -> GrsSession | None:
        """The session holding the lock, if that session is alive."""
        held = self.lock_session
        return held if held is not None and held.is_alive(now) else None

    def lock_owner(self, now: datetime | None = None) -> str | None:
        held = self.live_lock(now)
        return held.user.get_username() if held else None

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


class ExceptionType(models.TextChoices):
    HOLIDAY = "HOLIDAY"
    TIME_CHANGE = "TIME_CHANGE"


class Placement(models.TextChoices):
    FIXED = "FIXED"
    ANNUAL = "ANNUAL"
    RELATIVE = "RELATIVE"


class RelativeType(models.TextChoices):
    FIRST = "FIRST"
    SECOND = "SECOND"
    THIRD = "THIRD"
    FOURTH = "FOURTH"
    LAST = "LAST"


class CalendarException(models.Model):
    """A holiday or changed hours on one day of a calendar.

    Which of the date fields are used depends on ``placement``, whether the time-change
    fields are used on ``type``; unused fields are NULL (constraints below). The list
    order of a calendar's exceptions is their id order: the API replaces the whole
    list in one insert.
    """

    Type = ExceptionType
    Placement = Placement
    RelativeType = RelativeType

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="exceptions")
    name = models.CharField(max_length=NAME_MAX, blank=True)
    type = models.CharField(max_length=16, choices=ExceptionType.choices, blank=True)
    placement = models.CharField(max_length=16, choices=Placement.choices, blank=True)
    # The day that contains this instant in the calendar's time zone.
    fixed_date = models.BigIntegerField(
        null=True, blank=True, help_text="Epoch milliseconds (placement FIXED)."
    )
    annual_month = models.PositiveSmallIntegerField(null=True, blank=True)
    annual_day = models.PositiveSmallIntegerField(null=True, blank=True)
    # NULL, not "", when unused: the API answers null for every unused field.
    relative_type = models.CharField(  # noqa: DJ001
        max_length=8, choices=RelativeType.choices, null=True, blank=True
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
            models.CheckConstraint(condition=~Q(name=""), name="exception_name_not_empty"),
            models.CheckConstraint(
                condition=(
                    Q(
                        placement="FIXED",
                        fixed_date__isnull=False,
                        annual_month__isnull=True,
                        annual_day__isnull=True,
                        relative_type__isnull=True,
                        relative_day_of_week__isnull=True,
                        relative_month__isnull=True,
                    )
                    | (
                        Q(
                            placement="ANNUAL",
                            fixed_date__isnull=True,
                            relative_type__isnull=True,
                            relative_day_of_week__isnull=True,
                            relative_month__isnull=True,
                        )
                        & _between("annual_month", 1, 12)
                        & _between("annual_day", 1, 31)
                    )
                    | (
                        Q(
                            placement="RELATIVE",
                            fixed_date__isnull=True,
                            annual_month__isnull=True,
                            annual_day__isnull=True,
                            relative_type__isnull=False,
                            relative_type__in=RelativeType.values,
                        )
                        & _between("relative_day_of_week", 1, 7)
                        & _between("relative_month", 1, 12)
                    )
                ),
                name="exception_placement_fields",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        type="HOLIDAY",
                        time_change_start_hour__isnull=True,
                        time_change_start_min__isnull=True,
                        time_change_stop_hour__isnull=True,
                        time_change_stop_min__isnull=True,
                    )
                    | (
                        Q(type="TIME_CHANGE")
                        & _between("time_change_start_hour", 0, 23)
                        & _between("time_change_start_min", 0, 59)
                        & _between("time_change_stop_hour", 0, 23)
                        & _between("time_change_stop_min", 0, 59)
                    )
                ),
                name="exception_type_fields",
            ),
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
                if self.placement == self.Placement.FIXED:
                    return None
                fixed = None  # unused by other placements
        return business_time.CalendarException(
            type=self.type,
            placement=self.placement,
            fixed_date=fixed,
            annual_month=self.annual_month,
            annual_day=self.annual_day,
            relative_type=self.relative_type,
            relative_day_of_week=self.relative_day_of_week,
            relative_month=self.relative_month,
            time_change_start_hour=self.time_change_start_hour,
            time_change_start_min=self.time_change_start_min,
            time_change_stop_hour=self.time_change_stop_hour,
            time_change_stop_min=self.time_change_stop_min,
            name=self.name,
        )

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        _clean_fields(self, exclude, rules.exception_model_check)
