"""Staff manage GRS here: tenants and their members, packages, calendars with their
exceptions, and locks. Calendars and exceptions are checked by the API's own rules
(model clean), and the form fields answer with the same messages."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from calendars import pages, rules, services
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
)

# For each of Django's form errors, a value that fails the same way, to ask the rule
# for its message.
_PROBES = {
    "required": None,
    "invalid": None,
    "invalid_choice": None,
    "min_value": -1,
    "max_value": 2**31,
    "max_length": "x" * (rules.NAME_MAX + 1),
}


def rule_messages(field_rules: list[rules.FieldRule]) -> type[forms.ModelForm]:
    """A ModelForm base whose fields report the rules' messages where Django would say
    "This field is required.", "Enter a whole number." and the like; the model's clean
    applies the rules to what the fields let through."""

    class RuleMessagesForm(forms.ModelForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for rule in field_rules:
                if (field := self.fields.get(rule.attr)) is None:
                    continue
                for code, probe in _PROBES.items():
                    if message := rule.problem(probe):
                        field.error_messages[code] = message

    return RuleMessagesForm


class CalendarForm(rule_messages(list(rules.CALENDAR_RULES))):
    class Meta:
        model = Calendar
        fields = [
            "package",
            "name",
            "week_starts",
            "week_ends",
            "day_starts_hour",
            "day_starts_min",
            "day_ends_hour",
            "day_ends_min",
            "time_zone_id",
        ]


class CalendarExceptionForm(rule_messages(list(rules.EXCEPTION_RULES.values()))):
    class Meta:
        model = CalendarException
        fields = "__all__"


class CalendarExceptionInline(admin.StackedInline):
    model = CalendarException
    form = CalendarExceptionForm
    extra = 0
    fieldsets = [
        (None, {"fields": [("name", "type", "placement")]}),
        ("FIXED", {"fields": ["fixed_date"]}),
        ("ANNUAL", {"fields": [("annual_month", "annual_day")]}),
        ("RELATIVE", {"fields": [("relative_type", "relative_day_of_week", "relative_month")]}),
        (
            "TIME_CHANGE",
            {
                "fields": [
                    ("time_change_start_hour", "time_change_start_min"),
                    ("time_change_stop_hour", "time_change_stop_min"),
                ]
            },
        ),
    ]


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "member_count"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("members"))

    @admin.display(description="members", ordering="member_count")
    def member_count(self, tenant: Tenant) -> int:
        return tenant.member_count


@admin.register(BusinessNode)
class BusinessNodeAdmin(admin.ModelAdmin):
    """Each tenant's tree; its root is made with the tenant. Packages hang from nodes."""

    list_display = ["name", "id", "tenant", "parent"]
    list_filter = ["tenant"]
    list_select_related = ["tenant", "parent"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    readonly_fields = ["id"]


@admin.register(Template)
class TemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "version", "tenant", "type", "is_global"]
    list_filter = ["tenant", "is_global"]
    list_select_related = ["tenant"]
    search_fields = ["name"]


class PackageForm(forms.ModelForm):
    class Meta:
        model = Package
        fields = ["node", "name", "type", "business_name", "description", "templates"]

    def clean(self):
        cleaned = super().clean()
        node, templates = cleaned.get("node"), cleaned.get("templates")
        if node is None:
            return cleaned
        if any(t.tenant_id != node.tenant_id for t in templates or ()):
            self.add_error("templates", "Choose templates of the node's tenant.")
        if not self.instance._state.adding and self.instance.tenant_id != node.tenant_id:
            self.add_error("node", "A package stays in its tenant: choose a node of it.")
        # The tenant-scoped unique constraints are checked against the node's tenant.
        self.instance.tenant_id = node.tenant_id
        return cleaned


@admin.register(Package)
class PackageAdmin(admin.ModelAdmin):
    form = PackageForm
    list_display = ["name", "tenant", "node", "type", "business_name", "id"]
    list_filter = ["tenant"]
    list_select_related = ["tenant", "node"]
    search_fields = ["name", "business_name"]
    readonly_fields = ["id", "tenant"]
    autocomplete_fields = ["node"]
    filter_horizontal = ["templates"]


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    form = CalendarForm
    inlines = [CalendarExceptionInline]
    list_display = ["external_id", "name", "package", "time_zone_id", "lock_state"]
    list_filter = ["package__tenant"]
    list_select_related = ["package", "lock_user"]
    search_fields = ["name"]
    readonly_fields = ["external_id", "uuid", "lock_state", "updated_at", "working_week"]
    actions = ["unlock"]

    def get_queryset(self, request):
        # Annotated only: a select_related here would replace list_select_related.
        return super().get_queryset(request).annotate(lock_live=live_lock_expression())

    @admin.display(description="working week")
    def working_week(self, calendar: Calendar) -> str:
        """This week as the staff page draws it, and the next exception dates."""
        if not calendar.pk:
            return "-"
        today = pages.local_today(calendar)
        context = pages.week_context(calendar, pages.week_start(None, today))
        context["upcoming"] = pages.next_exceptions(calendar, today)
        return render_to_string("staff/_calendar_admin_week.html", context)

    @admin.display(description="external id", ordering="id")
    def external_id(self, calendar: Calendar) -> str:
        return calendar.external_id if calendar.pk else "-"

    @admin.display(description="lock")
    def lock_state(self, calendar: Calendar) -> str:
        owner = calendar.lock_owner(timezone.now())
        return f"locked by {owner}" if owner else "unlocked"

    @admin.action(description="Unlock selected calendars")
    def unlock(self, request, queryset) -> None:
        count = services.calendars_unlock(calendar_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"Unlocked {count} calendar(s).", messages.SUCCESS)


@admin.register(GrsSession)
class GrsSessionAdmin(admin.ModelAdmin):
    """Read-only; deleting a session logs it out and frees its locks."""

    list_display = ["id", "user", "created_at", "last_used_at", "alive"]
    list_select_related = ["user"]
    fields = ["user", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(boolean=True)
    def alive(self, session: GrsSession) -> bool:
        return session.is_alive()


class GrsAccountInline(admin.StackedInline):
    """The "must change password" flag, on the user's own admin page."""

    model = GrsAccount
    can_delete = False
    verbose_name_plural = "GRS account"


def _add_grs_account_inline() -> None:
    # Extend whichever admin the user model has (Django's UserAdmin by default).
    User = get_user_model()
    if not admin.site.is_registered(User):
        return
    base = type(admin.site._registry[User])
    if GrsAccountInline in base.inlines:
        return
    admin.site.unregister(User)
    admin.site.register(
        User, type(base.__name__, (base,), {"inlines": [*base.inlines, GrsAccountInline]})
    )


_add_grs_account_inline()
