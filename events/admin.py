from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.forms import Media
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import cached_property
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


class StudentFilter(admin.SimpleListFilter):
    """The student, picked by typing a name (the admin's autocomplete over the users'
    search), instead of a link for every student who has an event (tens of thousands)."""

    title = "student"
    parameter_name = "user__id__exact"
    template = "admin/events/student_filter.html"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return []  # the widget shows the chosen student

    def has_output(self) -> bool:
        return True

    def queryset(self, request: HttpRequest, queryset):
        value = self.value()
        if value is None:
            return queryset
        return queryset.filter(user_id=value) if value.isdigit() else queryset.none()

    def widget(self) -> str:
        """The autocomplete, showing the chosen student (one query by primary key)."""
        field = CalendarEvent._meta.get_field("user")
        choice = forms.ModelChoiceField(
            field.related_model.objects.all(),
            required=False,
            widget=AutocompleteSelect(field, admin.site, attrs={"data-student-filter": "1"}),
        )
        value = self.value()
        return choice.widget.render(
            self.parameter_name, value if value and value.isdigit() else None
        )


class CappedCountPaginator(Paginator):
    """Counts no more than CAP matches (reading at most CAP + 1 rows through whichever
    index serves the filters), so that a changelist of millions of events never counts the
    table; past the cap the changelist says "10000+" and pages up to it (filter or search
    to go further).

    The count also decides how the page is read. Few matches (at most CAP) are fetched
    and sorted: reading them along the order's index instead, as the planner may when it
    overestimates them (an ExternalId's beginning OR a title's trigrams), walks the index
    past every row that does not match (0.4 s at 2M events). Past the cap the matches are
    dense, and walking the index finds a page at once."""

    CAP = 10_000

    @cached_property
    def count(self) -> int:
        found = self.object_list.order_by().values("pk")[: self.CAP + 1].count()
        return found if found <= self.CAP else AtLeast(self.CAP)

    def page(self, number):
        if not isinstance(self.count, AtLeast):
            self.object_list = _order_unindexed(self.object_list)
        return super().page(number)


class SortableByChangeList(ChangeList):
    """Django's changelist honours ``?o=`` for every column, sortable or not; this one
    ignores the columns its admin's ``sortable_by`` leaves out."""

    def get_ordering_field(self, field_name):
        if self.sortable_by is not None and field_name not in self.sortable_by:
            return None
        return super().get_ordering_field(field_name)


def _order_unindexed(queryset):
    """The same order, by expressions no index serves: COALESCE(x, x) is x, NULLs too.
    Only a model's own columns are rewritten: a relation orders by its model's ordering,
    which an F() would not follow."""
    terms = []
    for term in queryset.query.order_by:
        name = term.lstrip("-") if isinstance(term, str) else None
        if name and _own_column(queryset.model, name):
            same = Coalesce(F(name), F(name))
            term = same.desc() if term.startswith("-") else same.asc()
        terms.append(term)
    return queryset.order_by(*terms)


def _own_column(model, name: str) -> bool:
    if name == "pk":
        return True
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return field.concrete and not field.is_relation


class AtLeast(int):
    def __str__(self) -> str:
        return f"{int(self)}+"


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
        StudentFilter,
    ]
    # Millions of rows: no COUNT of the whole table, no date hierarchy (it reads every
    # distinct date), a paginator that counts at most 10,000 matches.
    show_full_result_count = False
    paginator = CappedCountPaginator
    search_fields = ["external_id", "title"]
    search_help_text = "An ExternalId (exact or its beginning) or a word of the title."
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at", "updated_at", "deleted_at"]
    ordering = ["-start_time"]
    # Only the orders an index serves: sorting millions of events by title or type would
    # cost a worker a second; search or filter instead.
    sortable_by = ["external_id", "student", "when"]

    def get_changelist(self, request: HttpRequest, **kwargs):
        return SortableByChangeList

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        """ExternalId exactly or by its beginning (case matters, as in the API: served by
        the ExternalId indexes), or every word in the title in any case (on PostgreSQL
        served by the trigram index of migration 0007_scale_indexes)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        words = Q()
        for word in term.split():
            words &= Q(title__icontains=word)
        return queryset.filter(Q(external_id__startswith=term) | words), False

    @property
    def media(self):
        # The student filter's autocomplete: select2 and the admin's script for it.
        field = CalendarEvent._meta.get_field("user")
        widget = AutocompleteSelect(field, admin.site)
        return super().media + widget.media + Media(js=["events/student_filter.js"])

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
        # Only ever an add (no change permission): the service gives the form's new
        # object its secret and saves it, as the commands and the API do.
        shown = self.shown(request, services.secret_issue(secret=obj))
        messages.warning(
            request, f"{shown} — copy it now: it is not stored and won't be shown again."
        )

    def shown(self, request: HttpRequest, secret: str) -> str:
        """The sentence that shows the new secret."""
        raise NotImplementedError

    @admin.action(description="Revoke selected", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        for obj in queryset:
            services.secret_revoke(secret=obj)
        self.message_user(request, f"Revoked {queryset.count()} {self.opts.verbose_name}(s).")


@admin.register(ApiKey)
class ApiKeyAdmin(IssuedSecretAdmin):
    def shown(self, request: HttpRequest, secret: str) -> str:
        return f"The new API key is {secret}"


@admin.register(FeedToken)
class FeedTokenAdmin(IssuedSecretAdmin):
    """A student's iCalendar feed URL."""

    def shown(self, request: HttpRequest, secret: str) -> str:
        url = request.build_absolute_uri(reverse("calendar-events-feed", args=[secret]))
        return f"The feed URL is {url}"
