"""Admin choice fields that refuse a value no row could have, instead of asking the
database about it.

Django's model choice fields and the admin's autocomplete and raw-id widgets look a posted
id up as it comes: "abc" for an integer key raises ValueError while the page is drawn
again, and an integer beyond 64 bits raises OverflowError in SQLite's driver. Either is a
500 for a tampered (or mistyped) POST. Here every admin's foreign-key and many-to-many
fields first check the value against the target field (its type and range) and answer
"Select a valid choice" like any unknown id; widgets draw such a value as unknown.
``guard_admin_choices`` applies this to every registered admin, Django's own included.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import widgets
from django.core.exceptions import ValidationError
from django.db import models


def holds(field: models.Field, value: Any) -> bool:
    """Whether ``field`` (a key, or the field a relation points at) can hold ``value``."""
    try:
        field.run_validators(field.to_python(value))
    except (ValidationError, TypeError, ValueError, OverflowError):
        return False
    return True


def _target(queryset: models.QuerySet, to_field_name: str | None) -> models.Field:
    meta = queryset.model._meta
    return meta.get_field(to_field_name) if to_field_name else meta.pk


class ModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value in self.empty_values or holds(_target(self.queryset, self.to_field_name), value):
            return super().to_python(value)
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        target = _target(self.queryset, self.to_field_name)
        for item in value:
            if not holds(target, item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super()._check_values(value)


def _held(widget, values) -> list:
    """The values the relation's target field can hold (the rest are drawn as unknown)."""
    remote = widget.field.remote_field if hasattr(widget, "field") else widget.rel
    name = getattr(remote, "field_name", None)  # None for a many-to-many: the key
    target = remote.model._meta.get_field(name) if name else remote.model._meta.pk
    return [value for value in values if holds(target, value)]


class AutocompleteSelect(widgets.AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _held(self, value), attr)


class AutocompleteSelectMultiple(widgets.AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _held(self, value), attr)


class ForeignKeyRawIdWidget(widgets.ForeignKeyRawIdWidget):
    def label_and_url_for_value(self, value):
        if not _held(self, [value]):
            return "", ""
        return super().label_and_url_for_value(value)


_SAFE_WIDGETS = {
    widgets.AutocompleteSelect: AutocompleteSelect,
    widgets.AutocompleteSelectMultiple: AutocompleteSelectMultiple,
    widgets.ForeignKeyRawIdWidget: ForeignKeyRawIdWidget,
}


class GuardedChoicesAdmin:
    """A ModelAdmin whose relation fields check posted ids before any query."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return _guarded(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return _guarded(super().formfield_for_manytomany(db_field, request, **kwargs))


def _guarded(formfield: forms.Field | None) -> forms.Field | None:
    if formfield is None:
        return None
    safe = {
        forms.ModelChoiceField: ModelChoiceField,
        forms.ModelMultipleChoiceField: ModelMultipleChoiceField,
    }.get(type(formfield))
    if safe is not None:
        formfield.__class__ = safe  # same state, the checks above added
    widget = getattr(formfield.widget, "widget", formfield.widget)  # inside the "+" wrapper
    if type(widget) in _SAFE_WIDGETS:
        widget.__class__ = _SAFE_WIDGETS[type(widget)]
    return formfield


def guard_admin_choices(site: admin.AdminSite) -> None:
    """Give every admin registered on ``site`` the guarded relation fields (run once every
    app's admin module is loaded)."""
    for model, model_admin in list(site._registry.items()):
        base = type(model_admin)
        if issubclass(base, GuardedChoicesAdmin):
            continue
        site.unregister(model)
        site.register(model, type(base.__name__, (GuardedChoicesAdmin, base), {}))
