"""Staff manage GRS here: tenants and their members, packages, calendars with their
exceptions, and locks. Calendars and exceptions are checked by the API's own rules
(model clean), and the form fields answer with the same messages."""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, QuerySet
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from calendars import pages, public_holidays, rules, selectors, services
from calendars.engine import business_time
from calendars.engine.timezones import JAVA_ZONE_IDS, is_java_zone_id, java_zone
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
from events.admin import CappedCountPaginator

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
            # A form field that stands for several attributes (SplitFieldsForm) speaks
            # with the first one's rule.
            owner = {a: f for f, attrs in getattr(self, "split", {}).items() for a in attrs}
            done = set()
            for rule in field_rules:
                name = rule.attr if rule.attr in self.fields else owner.get(rule.attr)
                if name is None or name in done:
                    continue
                done.add(name)
                for code, probe in _PROBES.items():
                    if message := rule.problem(probe):
                        self.fields[name].error_messages[code] = message

    return RuleMessagesForm


_CALENDAR_RULES = {rule.attr: rule for rule in rules.CALENDAR_RULES}
_EXCEPTION_RULES = {rule.attr: rule for rule in rules.EXCEPTION_RULES.values()}


class JavaZoneInput(forms.TextInput):
    """A text input searchable among the Java zone IDs: the browser's own suggestion
    list (``<datalist>``), so it works without JavaScript; the rule checks the value."""

    datalist = format_html_join(
        "", '<option value="{}">', ((zone,) for zone in sorted(JAVA_ZONE_IDS))
    )

    def __init__(self) -> None:
        super().__init__(attrs={"list": "java-zone-ids", "autocomplete": "off", "size": 32})

    def render(self, name, value, attrs=None, renderer=None):
        field = super().render(name, value, attrs, renderer)
        return format_html('{}<datalist id="java-zone-ids">{}</datalist>', field, self.datalist)


def _time_field(label: str, **kwargs) -> forms.TimeField:
    """An HH:MM time input (the browser's time picker; plain text where there is none)."""
    return forms.TimeField(
        label=label,
        widget=forms.TimeInput(format="%H:%M", attrs={"type": "time"}),
        input_formats=["%H:%M", "%H:%M:%S"],
        **kwargs,
    )


def _choice_field(label: str, rule: rules.FieldRule, **kwargs) -> forms.TypedChoiceField:
    """The rule's integers by name (week days, months); the rule checks the value."""
    choices = [("", "---------"), *enumerate(rule.labels, rule.low)]
    return forms.TypedChoiceField(
        label=label, choices=choices, coerce=int, required=False, **kwargs
    )


class SplitFieldsForm(forms.ModelForm):
    """A ModelForm whose form fields stand for other model fields: ``split`` maps a form
    field to the model attributes it is stored in (an HH:MM time in an hour and a minute,
    a date in epoch milliseconds). The model's clean (the rules) checks those attributes
    too, and its messages are shown on the form field."""

    split: dict[str, tuple[str, ...]] = {}

    def _get_validation_exclusions(self):
        # Check the attributes behind the split fields, except those of a field that has
        # already failed (its message is given).
        exclude = super()._get_validation_exclusions()
        stored = {a for f, attrs in self.split.items() if f not in self._errors for a in attrs}
        return exclude - stored

    def _update_errors(self, errors):
        shown_on = {attr: field for field, attrs in self.split.items() for attr in attrs}
        if hasattr(errors, "error_dict"):
            moved: dict[str, list] = {}
            for attr, messages in errors.error_dict.items():
                moved.setdefault(shown_on.get(attr, attr), []).extend(messages)
            errors = ValidationError(moved)
        super()._update_errors(errors)

    def _time_to_instance(self, field: str) -> None:
        """Store the HH:MM of ``field`` in its hour and minute attributes (None if empty)."""
        value = self.cleaned_data.get(field)
        hour, minute = self.split[field]
        setattr(self.instance, hour, None if value is None else value.hour)
        setattr(self.instance, minute, None if value is None else value.minute)

    def _time_initial(self, field: str) -> None:
        hour, minute = (getattr(self.instance, attr) for attr in self.split[field])
        if hour is not None and minute is not None and field not in self.initial:
            self.initial[field] = time(hour, minute)


class LockRespectingForm(forms.ModelForm):
    """Staff's change to a calendar or its exceptions respects the API's lock, as the
    public-holidays action does. ``staff`` (who is saving) is set by the ModelAdmin's
    get_form."""

    staff = None
    override_lock = forms.BooleanField(
        label="Override another user's lock",
        required=False,
        help_text="Save even though another user has locked the calendar (needs OVERRIDE_LOCKS).",
    )

    def check_lock(self, calendar_id: int | None) -> None:
        if calendar_id is None or self.staff is None:
            return
        refusal = services.calendar_staff_edit_refusal(
            calendar_id=calendar_id,
            user=self.staff,
            override=self.cleaned_data.get("override_lock", False),
        )
        if refusal:
            self.add_error("override_lock", refusal)


class LockRespectingDelete:
    """ModelAdmin: deleting calendars, or what hangs on them, respects the API's locks
    (services.calendars_staff_delete_refusal). The confirmation page lists the refusal
    where Django lists what staff may not delete, and refuses the POST. The delete page's
    POST checks inside the transaction that deletes (Django's delete_view), so the rows
    stay locked until then; the bulk action's does not, so its delete checks again."""

    def calendars_of(self, objs) -> QuerySet[Calendar]:
        raise NotImplementedError

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        if refusal := self._delete_refusal(request, objs):
            perms_needed = {*perms_needed, refusal}
        return deleted, counts, perms_needed, protected

    def _delete_refusal(self, request, objs) -> str | None:
        return services.calendars_staff_delete_refusal(
            calendars=self.calendars_of(list(objs)), user=request.user
        )

    def delete_queryset(self, request, queryset) -> None:
        with transaction.atomic():
            if self._delete_refusal(request, queryset):
                raise PermissionDenied
            super().delete_queryset(request, queryset)


class StaffFormMixin:
    """ModelAdmin: its form knows which staff user saves (LockRespectingForm)."""

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a class made per request
        form.staff = request.user
        return form


class CalendarForm(rule_messages(list(rules.CALENDAR_RULES)), SplitFieldsForm, LockRespectingForm):
    """Week days by name (1 = Sunday, as GRS numbers them), working hours as HH:MM, the
    zone among Java's IDs."""

    split = {
        "day_starts": ("day_starts_hour", "day_starts_min"),
        "day_ends": ("day_ends_hour", "day_ends_min"),
    }
    week_starts = _choice_field("Week starts", _CALENDAR_RULES["week_starts"])
    week_ends = _choice_field("Week ends", _CALENDAR_RULES["week_ends"])
    day_starts = _time_field("Day starts", required=False)
    day_ends = _time_field(
        "Day ends",
        required=False,
        help_text="At or before the start: the day runs past midnight (a night shift); "
        "equal to the start: 24 hours.",
    )

    class Meta:
        model = Calendar
        fields = ["package", "name", "week_starts", "week_ends", "time_zone_id"]
        widgets = {"time_zone_id": JavaZoneInput()}
        help_texts = {"time_zone_id": "A Java time zone ID, e.g. America/New_York; type to search."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.split:
            self._time_initial(field)

    def clean(self):
        cleaned = super().clean()
        for field in self.split:
            self._time_to_instance(field)
        self.check_lock(self.instance.pk)
        package = cleaned.get("package")
        if self.instance.pk is None and package and services.package_is_full(package=package):
            self.add_error("package", rules.package_full().message)
        return cleaned


class CalendarExceptionForm(rule_messages(list(rules.EXCEPTION_RULES.values())), SplitFieldsForm):
    """One exception, showing the fields its placement and type use (the inline's CSS
    hides the others, no JavaScript needed). Fields the placement or type does not use
    are ignored, not refused: they are hidden, and may keep a value from before the
    placement changed. A FIXED date is picked as a date and stored as the epoch
    milliseconds of its local midnight in the calendar's zone."""

    split = {
        "fixed_day": ("fixed_date",),
        "time_change_start": ("time_change_start_hour", "time_change_start_min"),
        "time_change_stop": ("time_change_stop_hour", "time_change_stop_min"),
    }
    fixed_day = forms.DateField(
        label="Date",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],
        help_text="In the calendar's time zone.",
    )
    annual_month = _choice_field("Month", _EXCEPTION_RULES["annual_month"], empty_value=None)
    relative_day_of_week = _choice_field(
        "Week day", _EXCEPTION_RULES["relative_day_of_week"], empty_value=None
    )
    relative_month = _choice_field("Of month", _EXCEPTION_RULES["relative_month"], empty_value=None)
    time_change_start = _time_field("Hours from", required=False)
    time_change_stop = _time_field("to", required=False)

    class Meta:
        model = CalendarException
        fields = [
            "name",
            "type",
            "placement",
            "annual_month",
            "annual_day",
            "relative_type",
            "relative_day_of_week",
            "relative_month",
        ]
        labels = {"annual_day": "Day", "relative_type": "The"}

    def __init__(self, *args, calendar: Calendar | None = None, **kwargs):
        self.calendar = calendar  # as edited on the page (CalendarExceptionFormSet)
        super().__init__(*args, **kwargs)
        for field in ("time_change_start", "time_change_stop"):
            self._time_initial(field)
        if self.instance.fixed_date is not None and "fixed_day" not in self.initial:
            # Stored before the write-time check, or the zone changed since, a fixedDate
            # may name no date here: the picker then starts empty and saving asks for one.
            with contextlib.suppress(ValueError):
                self.initial["fixed_day"] = business_time.local_date_of_epoch_ms(
                    self.instance.fixed_date, self._zone()
                )

    def _zone(self) -> tzinfo:
        # The calendar as edited on the same page: its zone may be changing too. An
        # unknown zone is refused on the calendar's form; UTC stands in meanwhile.
        try:
            return java_zone(self.calendar.time_zone_id)
        except (AttributeError, KeyError):
            return UTC

    def clean(self):
        cleaned = super().clean()
        placement, type_ = cleaned.get("placement"), cleaned.get("type")
        for key, attrs in rules.PLACEMENT_KEYS.items():
            if key != placement:  # hidden: dropped
                for attr in (rules.EXCEPTION_RULES[k].attr for k in attrs):
                    cleaned[attr] = None
        if type_ != "TIME_CHANGE":
            cleaned["time_change_start"] = cleaned["time_change_stop"] = None
        for field in ("time_change_start", "time_change_stop"):
            self._time_to_instance(field)
        if placement != "FIXED":
            cleaned["fixed_day"] = None
        self.instance.fixed_date = self._fixed_ms(cleaned.get("fixed_day"))
        return cleaned

    def _fixed_ms(self, day: date | None) -> int | None:
        """Epoch ms of ``day``'s local midnight; the stored value while it still names
        that day (an unchanged date keeps the API's value)."""
        if day is None:
            return None
        tz, stored = self._zone(), self.instance.fixed_date
        with contextlib.suppress(ValueError):  # a stored value naming no day in this zone
            if stored is not None and business_time.local_date_of_epoch_ms(stored, tz) == day:
                return stored
        if (
            not rules.FIXED_DATE_MIN
            <= (day - date(1970, 1, 1)).days * 86_400_000
            <= (rules.FIXED_DATE_MAX)
        ):
            return rules.FIXED_DATE_MAX + 1  # refused by the rule, with its message
        return int(datetime.combine(day, time(), tz).timestamp() * 1000)


class CalendarExceptionFormSet(forms.BaseInlineFormSet):
    """One page of the calendar's exceptions (EXCEPTIONS_PER_PAGE, in list order), so that
    the change page costs the same with 5 exceptions or 1000. A posted page binds to the
    exceptions it showed (their posted ids), whatever was added or removed meanwhile; the
    others are neither shown nor touched."""

    page = 1  # set per request (CalendarExceptionInline.get_formset)

    def get_form_kwargs(self, index):
        # The calendar as posted (its zone may be changing with its dates), not as stored.
        return {**super().get_form_kwargs(index), "calendar": self.instance}

    def get_queryset(self):
        if not hasattr(self, "_queryset"):
            mine = super().get_queryset()  # the calendar's exceptions, in list order
            if self.is_bound:
                self._queryset = mine.filter(pk__in=self._posted_ids())
            else:
                self.page = min(self.page, self._pages())  # past the end: the last page
                start = (self.page - 1) * EXCEPTIONS_PER_PAGE
                self._queryset = mine[start : start + EXCEPTIONS_PER_PAGE]
        return self._queryset

    def _posted_ids(self) -> list[int]:
        try:
            shown = int(self.data.get(f"{self.prefix}-INITIAL_FORMS", 0))
        except (TypeError, ValueError):
            shown = 0
        ids = (self.data.get(f"{self.prefix}-{i}-id", "") for i in range(shown))
        return [int(pk) for pk in ids if pk.isascii() and pk.isdigit()][:EXCEPTIONS_PER_PAGE]

    @cached_property
    def stored_count(self) -> int:
        """How many exceptions the calendar has, shown or not."""
        if not self.instance.pk:
            return 0
        return CalendarException.objects.filter(calendar=self.instance).count()

    def _pages(self) -> int:
        return max(1, -(-self.stored_count // EXCEPTIONS_PER_PAGE))

    def clean(self):
        super().clean()
        # Shown exceptions that stay, and new ones (a form of an id gone meanwhile saves
        # nothing).
        kept = [
            form
            for form in self.forms
            if not self._should_delete_form(form)
            and (form.instance.pk if form in self.initial_forms else form.has_changed())
        ]
        total = self.stored_count - len(self.get_queryset()) + len(kept)
        if total > rules.MAX_EXCEPTIONS:
            raise ValidationError(rules.too_many_exceptions(total))
        self._check_zone_change()

    def _check_zone_change(self) -> None:
        """As the API's PUT calendar (1008): a new zone may not move a stored fixedDate out
        of the years 1..9999. The forms shown re-anchor their dates in the new zone; the
        exceptions paged away keep their instants, so they are checked as stored."""
        calendar = self.instance
        if not calendar.pk or not is_java_zone_id(calendar.time_zone_id):
            return
        stored = Calendar.objects.filter(pk=calendar.pk).values_list("time_zone_id", flat=True)
        if calendar.time_zone_id in stored:
            return
        shown = {form.instance.pk for form in self.initial_forms}
        dates = calendar.stored_fixed_dates(skip=shown)
        if problems := rules.zone_problems(calendar.time_zone_id, dates):
            raise ValidationError([problem.message for problem in problems])

    def page_info(self) -> dict:
        """Where this page is among the calendar's exceptions (the template's pager)."""
        count, pages = self.stored_count, self._pages()
        first = (self.page - 1) * EXCEPTIONS_PER_PAGE
        return {
            "count": count,
            "page": self.page,
            "pages": pages,
            "first": first + 1,
            "last": min(count, first + EXCEPTIONS_PER_PAGE),
            "previous": self.page - 1 if self.page > 1 else None,
            "next": self.page + 1 if self.page < pages else None,
            "paged": count > EXCEPTIONS_PER_PAGE,
        }


# A page of exceptions on the calendar's change page. Each form is ~16 widgets, about as
# costly to render as the rest of the page together: ten keep a page of a big calendar
# within twice the cost of a small one's, and far under Django's
# DATA_UPLOAD_MAX_NUMBER_FIELDS when posted (the whole list of 500 was over it).
EXCEPTIONS_PER_PAGE = 10


def exception_page(request) -> int:
    """The page of exceptions asked for with ?exc_page= (1 when absent or not a number)."""
    value = request.GET.get("exc_page", "")
    if not (value.isascii() and value.isdigit()):
        return 1
    return max(1, min(int(value), rules.MAX_EXCEPTIONS))


class CalendarExceptionInline(admin.StackedInline):
    model = CalendarException
    form = CalendarExceptionForm
    formset = CalendarExceptionFormSet
    extra = 0
    # The pager and the links to all of the calendar's exceptions go above the forms.
    template = "admin/calendars/calendar/exceptions_inline.html"
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # a class made per request
        formset.page = exception_page(request)
        return formset

    # The "when-*" classes let the page's CSS show only what the placement and type use
    # (templates/admin/calendars/calendar/change_form.html).
    fieldsets = EXCEPTION_FIELDSETS = [
        (None, {"fields": [("name", "type", "placement")]}),
        (None, {"fields": ["fixed_day"], "classes": ["when-fixed"]}),
        (None, {"fields": [("annual_month", "annual_day")], "classes": ["when-annual"]}),
        (
            None,
            {
                "fields": [("relative_type", "relative_day_of_week", "relative_month")],
                "classes": ["when-relative"],
            },
        ),
        (
            None,
            {
                "fields": [("time_change_start", "time_change_stop")],
                "classes": ["when-time-change"],
            },
        ),
    ]


class PublicHolidaysForm(forms.Form):
    """The choices of add_public_holidays (calendars/public_holidays.py)."""

    country = forms.ChoiceField(label="Country")
    subdivision = forms.CharField(
        label="Subdivision",
        required=False,
        max_length=64,
        help_text="Optional: a state, province or region code, e.g. NY.",
    )
    years = forms.CharField(label="Years", max_length=9, help_text="A year or FIRST-LAST.")
    override_lock = forms.BooleanField(
        label="Override another user's lock",
        required=False,
        help_text="Add to calendars another user has locked (needs OVERRIDE_LOCKS).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = public_holidays.countries()
        self.fields["country"].choices = [
            ("", "---------"),
            *((code, f"{name} ({code})") for code, name in names.items()),
        ]
        year = timezone.now().year
        self.fields["years"].initial = f"{year}-{year + 4}"

    def clean(self):
        cleaned = super().clean()
        if "years" in cleaned:
            try:
                cleaned["years"] = public_holidays.parse_years(cleaned["years"])
            except ValidationError as error:
                self.add_error(None, error)
        if cleaned.get("country"):
            try:
                public_holidays.check_place(cleaned["country"], cleaned.get("subdivision"))
            except ValidationError as error:
                self.add_error(None, error)
        return cleaned


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
class PackageAdmin(LockRespectingDelete, admin.ModelAdmin):
    form = PackageForm
    list_display = ["name", "tenant", "node", "type", "business_name", "id"]
    list_filter = ["tenant"]
    list_select_related = ["tenant", "node"]
    search_fields = ["name", "business_name"]
    readonly_fields = ["id", "tenant"]
    autocomplete_fields = ["node"]
    filter_horizontal = ["templates"]

    def calendars_of(self, objs) -> QuerySet[Calendar]:
        return Calendar.objects.filter(package__in=[package.pk for package in objs])


@admin.register(Calendar)
class CalendarAdmin(LockRespectingDelete, StaffFormMixin, admin.ModelAdmin):
    form = CalendarForm
    inlines = [CalendarExceptionInline]
    list_display = ["external_id", "name", "package", "time_zone_id", "lock_state"]
    list_filter = ["package__tenant"]
    list_select_related = ["package", "lock_user"]
    search_fields = ["name"]
    readonly_fields = ["external_id", "uuid", "lock_state", "updated_at", "working_week"]
    actions = ["unlock", "add_public_holidays"]

    def calendars_of(self, objs) -> QuerySet[Calendar]:
        return Calendar.objects.filter(pk__in=[calendar.pk for calendar in objs])

    def get_queryset(self, request):
        # Annotated only: a select_related here would replace list_select_related.
        return super().get_queryset(request).annotate(lock_live=live_lock_expression())

    @admin.display(description="working week")
    def working_week(self, calendar: Calendar) -> str:
        """This week as the staff page draws it, and the next exception dates."""
        if not calendar.pk:
            return "-"
        # The week as stored: a form posted with errors has put its values, maybe a zone
        # Java does not know, on the instance the page is drawn with.
        calendar = Calendar.objects.select_related("package").get(pk=calendar.pk)
        today = pages.local_today(calendar)
        # Built once per content of the calendar (the API's cache): hundreds of
        # exceptions are not read into models on every view of the page.
        spec = selectors.calendar_business_spec(
            tenant_id=str(calendar.package.tenant_id),
            package_id=str(calendar.package_id),
            calendar_id=calendar.external_id,
        )
        monday = today - timedelta(days=today.weekday())
        context = pages.week_context(calendar, monday, spec)
        context["upcoming"] = pages.next_exceptions(calendar, today, spec=spec)
        return render_to_string("staff/_calendar_admin_week.html", context)

    @admin.display(description="external id", ordering="id")
    def external_id(self, calendar: Calendar) -> str:
        return calendar.external_id if calendar.pk else "-"

    @admin.display(description="lock")
    def lock_state(self, calendar: Calendar) -> str:
        owner = calendar.lock_owner(timezone.now())
        return f"locked by {owner}" if owner else "unlocked"

    @admin.action(description="Add public holidays to selected calendars", permissions=["change"])
    def add_public_holidays(self, request, queryset) -> TemplateResponse | None:
        """Asks for the country, subdivision and years (a page of its own), then adds the
        holidays to each calendar as add_public_holidays does, one message per calendar."""
        form = PublicHolidaysForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            if data["override_lock"] and not request.user.has_perm("calendars.OVERRIDE_LOCKS"):
                form.add_error("override_lock", rules.permission_missing("OVERRIDE_LOCKS"))
            elif queryset.count() > rules.HOLIDAY_ACTION_MAX:
                # One request must stay short: the command has no such limit.
                form.add_error(None, rules.holiday_action_too_many(queryset.count()))
            else:
                for calendar in queryset:
                    self._add_holidays(request, calendar, data)
                return None
        return TemplateResponse(
            request,
            "admin/calendars/calendar/public_holidays.html",
            {
                **self.admin_site.each_context(request),
                "title": "Add public holidays",
                "opts": self.model._meta,
                "form": form,
                "calendars": queryset,
                "selected": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
                "select_across": request.POST.get("select_across", "0"),
            },
        )

    def _add_holidays(self, request, calendar: Calendar, data: dict) -> None:
        try:
            created, present = services.calendar_public_holidays_add(
                calendar=calendar,
                country=data["country"],
                subdivision=data["subdivision"] or None,
                years=data["years"],
                user=request.user,
                override=data["override_lock"],
            )
        except services.LockHeld:
            self.message_user(request, f"{calendar}: {rules.LOCK_HELD_OVERRIDE}", messages.ERROR)
        except ValidationError as error:
            self.message_user(request, f"{calendar}: {' '.join(error.messages)}", messages.ERROR)
        else:
            self.message_user(
                request,
                f"{calendar}: added {len(created)} holiday exception(s) ({present} already there).",
                messages.SUCCESS,
            )

    @admin.action(description="Unlock selected calendars")
    def unlock(self, request, queryset) -> None:
        count = services.calendars_unlock(calendar_ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"Unlocked {count} calendar(s).", messages.SUCCESS)


class CalendarExceptionAdminForm(CalendarExceptionForm, LockRespectingForm):
    """The inline's form on a page of its own, with the calendar (chosen when adding)."""

    class Meta(CalendarExceptionForm.Meta):
        fields = ["calendar", *CalendarExceptionForm.Meta.fields]

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None and instance.calendar_id:
            kwargs.setdefault("calendar", instance.calendar)
        super().__init__(*args, **kwargs)

    def clean(self):
        if self.calendar is None:  # adding: the calendar chosen on the form
            self.calendar = self.cleaned_data.get("calendar")
        cleaned = super().clean()
        if self.instance.pk is None and self.calendar is not None:
            total = self.calendar.exceptions.count() + 1
            if total > rules.MAX_EXCEPTIONS:
                raise ValidationError(rules.too_many_exceptions(total))
        self.check_lock(self.calendar.pk if self.calendar is not None else None)
        return cleaned


class CalendarFilter(admin.SimpleListFilter):
    """The calendar's exceptions (the link on its change page): the chosen calendar only,
    not a link for each of thousands of calendars."""

    title = "calendar"
    parameter_name = "calendar__id__exact"

    def lookups(self, request, model_admin) -> list[tuple[str, str]]:
        value = self.value()
        if value and value.isascii() and value.isdigit():
            calendar = Calendar.objects.filter(pk=value).first()
            if calendar is not None:
                return [(value, str(calendar))]
        return []

    def has_output(self) -> bool:
        return True

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        return (
            queryset.filter(calendar_id=value)
            if value.isascii() and value.isdigit()
            else queryset.none()
        )


@admin.register(CalendarException)
class CalendarExceptionAdmin(LockRespectingDelete, StaffFormMixin, admin.ModelAdmin):
    """Every calendar's exceptions, to find one among a calendar's hundreds (its change
    page shows a page of them): the inline's form and rules on a page of their own."""

    form = CalendarExceptionAdminForm
    list_display = ["name", "calendar", "type", "placement", "when"]
    list_filter = [CalendarFilter, "type", "placement"]
    list_select_related = ["calendar"]
    search_fields = ["name"]
    search_help_text = "A word of the exception's name."
    autocomplete_fields = ["calendar"]
    # Never a COUNT of every calendar's exceptions (nor a count per filter choice).
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = CappedCountPaginator

    def get_fieldsets(self, request, obj=None):
        return [
            (None, {"fields": ["calendar"]}),
            *CalendarExceptionInline.EXCEPTION_FIELDSETS,
            (None, {"fields": ["override_lock"]}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # An exception stays on its calendar (a FIXED date is local to its zone).
        return ["calendar"] if obj is not None else []

    @admin.display(description="when")
    def when(self, exception: CalendarException) -> str:
        return describe_exception(exception)

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        _calendars_touch([obj.calendar_id])

    def calendars_of(self, objs) -> QuerySet[Calendar]:
        return Calendar.objects.filter(pk__in={exception.calendar_id for exception in objs})

    def delete_model(self, request, obj) -> None:
        super().delete_model(request, obj)
        _calendars_touch([obj.calendar_id])

    def delete_queryset(self, request, queryset) -> None:
        calendar_ids = list(queryset.values_list("calendar_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        _calendars_touch(calendar_ids)


def _calendars_touch(calendar_ids: list[int]) -> None:
    # A new version of the calendar for its readers, as the API's and the calendar
    # page's writes give.
    Calendar.objects.filter(pk__in=calendar_ids).update(updated_at=timezone.now())


def describe_exception(exception: CalendarException) -> str:
    """When an exception falls, in words: "2026-06-10", "January 1", "Fourth Thursday
    of November", with its hours if it changes them."""
    ex = exception
    if ex.placement == "FIXED" and ex.fixed_date is not None:
        zone = java_zone(ex.calendar.time_zone_id)
        text = str(business_time.local_date_of_epoch_ms(ex.fixed_date, zone))
    elif ex.placement == "ANNUAL" and ex.annual_month and ex.annual_day:
        text = f"{rules.MONTH_NAMES[ex.annual_month - 1]} {ex.annual_day}"
    elif ex.placement == "RELATIVE" and ex.relative_day_of_week and ex.relative_month:
        text = (
            f"{(ex.relative_type or '').capitalize()} "
            f"{rules.WEEK_DAY_NAMES[ex.relative_day_of_week - 1]}"
            f" of {rules.MONTH_NAMES[ex.relative_month - 1]}"
        )
    else:
        text = "-"
    if ex.type == "TIME_CHANGE" and ex.time_change_start_hour is not None:
        text += (
            f", {ex.time_change_start_hour:02d}:{ex.time_change_start_min or 0:02d}"
            f"\u2013{ex.time_change_stop_hour or 0:02d}:{ex.time_change_stop_min or 0:02d}"
        )
    return text


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
