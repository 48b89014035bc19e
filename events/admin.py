from datetime import datetime

from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from events import services
from events.models import ApiKey, CalendarEvent, FeedToken


class DeletedFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("live", "Live"), ("deleted", "Deleted (tombstone)")]

    def queryset(self, request: HttpRequest, queryset):
        if self.value() == "live":
            return queryset.filter(deleted_at__isnull=True)
        if self.value() == "deleted":
            return queryset.filter(deleted_at__isnull=False)
        return queryset


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    # Times are stored and shown in UTC, saying so; the title gets the room that is left
    # (templates/admin/events/calendarevent/change_list.html).
    list_display = [
        "external_id",
        "student",
        "type_id",
        "when",
        "title",
        "deleted",
    ]
    list_filter = [
        DeletedFilter,
        "type_id",
        "start_time",
        ("user", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["external_id", "title"]
    list_select_related = ["user"]
    date_hierarchy = "start_time"
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at", "deleted_at"]
    ordering = ["-start_time"]

    @admin.display(description="when", ordering="start_time")
    def when(self, event: CalendarEvent) -> str:
        """Start and end in one column, the end's date only when it differs."""
        start, end = event.start_time, event.end_time
        if start.date() == end.date():
            return f"{start:%Y-%m-%d %H:%M}\u2013{end:%H:%M} UTC"
        return f"{start:%Y-%m-%d %H:%M} \u2013 {end:%Y-%m-%d %H:%M} UTC"

    @admin.display(description="deleted", ordering="deleted_at", empty_value="")
    def deleted(self, event: CalendarEvent) -> str | None:
        return _utc(event.deleted_at) if event.deleted_at else None

    @admin.display(description="user", ordering="user")
    def student(self, event: CalendarEvent) -> str:
        """The student, and a link to their week holding the event (staff page)."""
        url = reverse("staff-user-week", args=[event.user_id])
        return format_html(
            '{} · <a href="{}?date={}">week</a>', event.user, url, f"{event.start_time:%Y-%m-%d}"
        )

    # Deleting here does what the API's delete does, so syncing clients see it; a
    # second delete of the tombstone removes it for good.
    def delete_model(self, request: HttpRequest, obj: CalendarEvent) -> None:
        services.calendar_events_discard(queryset=CalendarEvent.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        services.calendar_events_discard(queryset=queryset)


def _utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC"


class IssuedSecretAdmin(admin.ModelAdmin):
    """A secret issued to a user (API key, feed URL): created here and shown once, then
    only revoked, never edited, since whom it belongs to is what it grants."""

    list_display = ["prefix", "name", "user", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    raw_id_fields = ["user"]
    fields = ["user", "name", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        shown = self.issue(request, obj)
        super().save_model(request, obj, form, change)
        messages.warning(
            request, f"{shown} — copy it now: it is not stored and won't be shown again."
        )

    def issue(self, request: HttpRequest, obj) -> str:
        """Sets the object's new secret; returns the sentence that shows it."""
        raise NotImplementedError

    @admin.action(description="Revoke selected", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        for obj in queryset:
            services.secret_revoke(secret=obj)
        self.message_user(request, f"Revoked {queryset.count()} {self.opts.verbose_name}(s).")


@admin.register(ApiKey)
class ApiKeyAdmin(IssuedSecretAdmin):
    def issue(self, request: HttpRequest, obj: ApiKey) -> str:
        return f"The new API key is {obj.set_new_key()}"


@admin.register(FeedToken)
class FeedTokenAdmin(IssuedSecretAdmin):
    """A student's iCalendar feed URL."""

    def issue(self, request: HttpRequest, obj: FeedToken) -> str:
        secret = obj.set_new_secret()
        url = request.build_absolute_uri(reverse("calendar-events-feed", args=[secret]))
        return f"The feed URL is {url}"
