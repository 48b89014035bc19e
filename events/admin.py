from django.contrib import admin, messages
from django.http import HttpRequest
from django.urls import reverse

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
    list_display = [
        "external_id",
        "user",
        "type_id",
        "start_time",
        "end_time",
        "title",
        "deleted_at",
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

    # Deleting here does what the API's delete does, so syncing clients see it; a
    # second delete of the tombstone removes it for good.
    def delete_model(self, request: HttpRequest, obj: CalendarEvent) -> None:
        services.calendar_events_discard(queryset=CalendarEvent.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset) -> None:
        services.calendar_events_discard(queryset=queryset)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "user", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    raw_id_fields = ["user"]
    fields = ["user", "name", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: ApiKey | None = None) -> bool:
        # A key is issued and revoked, never edited: its owner is part of what it grants.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ApiKey, form, change: bool) -> None:
        key = obj.set_new_key()
        super().save_model(request, obj, form, change)
        messages.warning(
            request,
            f"The new API key is {key} — copy it now: it is not stored and won't be shown again.",
        )

    @admin.action(description="Revoke selected API keys", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        for api_key in queryset:
            services.api_key_revoke(api_key=api_key)
        self.message_user(request, f"Revoked {queryset.count()} API key(s).")


@admin.register(FeedToken)
class FeedTokenAdmin(admin.ModelAdmin):
    """A student's iCalendar feed URL: issued here (shown once) and revoked here."""

    list_display = ["prefix", "name", "user", "created_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user"]
    search_fields = ["prefix", "name", "user__username"]
    raw_id_fields = ["user"]
    fields = ["user", "name", "prefix", "created_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: FeedToken | None = None) -> bool:
        # Whose events a feed shows is what it grants: issue another instead.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: FeedToken, form, change: bool) -> None:
        secret = obj.set_new_secret()
        super().save_model(request, obj, form, change)
        url = request.build_absolute_uri(reverse("calendar-events-feed", args=[secret]))
        messages.warning(
            request,
            f"The feed URL is {url} — copy it now: it is not stored and won't be shown again.",
        )

    @admin.action(description="Revoke selected feed tokens", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        for feed_token in queryset:
            services.feed_token_revoke(feed_token=feed_token)
        self.message_user(request, f"Revoked {queryset.count()} feed token(s).")
