from typing import ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from calendarsite.credentials import secret_new


class EventType(models.IntegerChoices):
    CLASS = 1, "Class"
    INTERVIEW = 2, "Interview"
    OTHER = 3, "Other"


class CalendarEventQuerySet(models.QuerySet):
    def live(self) -> Self:
        """Events that are not deleted. The default manager keeps tombstones in view
        because the batch's ownership check must see them."""
        return self.filter(deleted_at__isnull=True)


class CalendarEvent(models.Model):
    """A student's event, keyed by the school's own ExternalId. Times are UTC.

    Deleting an event leaves it as a tombstone (``deleted_at`` set, ``updated_at``
    bumped) so that a client syncing by UpdatedSince learns of the deletion. Upserting
    the same ExternalId again for the same student brings it back.
    """

    # Ids are 64-bit (DEFAULT_AUTO_FIELD is BigAutoField), as the vendor's are.
    external_id = models.CharField("ExternalId", max_length=255, unique=True)
    # No index of its own: (user, start_time) and (user, updated_at) below serve every
    # lookup by student, and a third index would only slow each upsert.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_events",
        db_index=False,
    )
    type_id = models.PositiveSmallIntegerField("type", choices=EventType.choices)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    title = models.CharField(max_length=500)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = CalendarEventQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(type_id__in=EventType.values), name="event_type_known"
            ),
        ]
        indexes = [
            models.Index(fields=["user", "start_time"]),
            # The list's default order (StartTime, then Id): a page is read from the
            # index instead of sorting the whole table.
            models.Index(fields=["start_time", "id"], name="event_start_order"),
            # When a student's events last changed (a feed's ETag and Last-Modified):
            # one index probe, however many events they have.
            models.Index(fields=["user", "updated_at"], name="event_user_last_change"),
            # Sync (UpdatedSince, Ordering=UpdatedAt) reads its pages from here.
            models.Index(fields=["updated_at", "id"], name="event_updated_order"),
            # Tombstones, few among millions: the purge and the admin's status filter.
            models.Index(
                fields=["deleted_at"],
                condition=Q(deleted_at__isnull=False),
                name="event_tombstones",
            ),
            # PostgreSQL also has an index on the duration and a trigram index on the
            # title (migration 0007_scale_indexes), which Django cannot declare for
            # SQLite too.
        ]

    def __str__(self) -> str:
        return self.external_id

    def save(self, *args, **kwargs) -> None:
        self.updated_at = timezone.now()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        # The admin checks what the batch checks, with the same messages.
        from events.rules import event_model_errors

        event_model_errors(self)


class IssuedSecret(models.Model):
    """A secret issued to a user (an API key, a feed URL). Only its hash is kept; the
    secret is shown once (events.services.secret_issue). Each kind declares its own
    ``user`` (the reverse names differ) and hash column (HASH_FIELD)."""

    SECRET_PREFIX: ClassVar[str]
    HASH_FIELD: ClassVar[str]

    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def set_new_secret(self) -> str:
        """Sets a new secret's prefix and hash (not saved); returns the secret."""
        secret, digest = secret_new(self.SECRET_PREFIX)
        self.prefix = secret[:12]
        setattr(self, self.HASH_FIELD, digest)
        return secret


class ApiKey(IssuedSecret):
    """A school integration's key."""

    SECRET_PREFIX, HASH_FIELD = "key_", "key_hash"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_api_keys"
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = "API key"


class ApiToken(models.Model):
    """A bearer token issued for an API key; dies with the key or after its TTL."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token for {self.api_key}"


class FeedToken(IssuedSecret):
    """The secret in a student's iCalendar feed URL. Calendar apps cannot send headers,
    so the secret is the credential."""

    SECRET_PREFIX, HASH_FIELD = "feed_", "token_hash"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feed_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        verbose_name = "feed token"
