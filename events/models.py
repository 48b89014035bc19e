import hashlib
import secrets
from typing import Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


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


def hash_secret(secret: str) -> str:
    """API keys and tokens are long random strings, so one round of SHA-256 is enough
    to make a stolen table useless; we look them up by this hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(models.Model):
    """A school integration's key. Only its hash is kept; the key is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_api_keys"
    )
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def set_new_key(self) -> str:
        key = "key_" + secrets.token_urlsafe(32)
        self.prefix = key[:12]
        self.key_hash = hash_secret(key)
        return key


class ApiToken(models.Model):
    """A bearer token issued for an API key; dies with the key or after its TTL."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token for {self.api_key}"


class FeedToken(models.Model):
    """The secret in a student's iCalendar feed URL. Only its hash is kept; the URL is
    shown once. Calendar apps cannot send headers, so the secret is the credential."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_feed_tokens"
    )
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "feed token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def set_new_secret(self) -> str:
        secret = "feed_" + secrets.token_urlsafe(32)
        self.prefix = secret[:12]
        self.token_hash = hash_secret(secret)
        return secret
