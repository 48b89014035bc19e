from django.contrib import admin, messages
from django.http import HttpRequest

from events import services
from events.models import ApiKey, CalendarEvent


@admin.register(CalendarEvent)
class CalendarEventAdmin(admin.ModelAdmin):
    list_display = ["external_id", "user", "type_id", "start_time", "end_time", "title"]
    list_filter = ["type_id", "start_time", ("user", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["external_id", "title"]
    list_select_related = ["user"]
    date_hierarchy = "start_time"
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-start_time"]


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
