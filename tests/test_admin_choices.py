"""Every admin form's relation fields (select, autocomplete, raw id, many-to-many) answer
an id no row could have with the form's own error, never a 500: the value is checked
against the target field before any query (calendarsite/admin_choices.py)."""

import pytest
from django.contrib import admin
from django.test import Client

from calendarsite.admin_choices import GuardedChoicesAdmin
from tests.factories import CalendarFactory, UserFactory

pytestmark = pytest.mark.django_db

# Not an integer, NUL, past 64 bits, not a UUID: each refused before a query.
NO_ROW_HAS = ["abc", "\x00", "99999999999999999999", "-99999999999999999999"]


def relation_fields() -> list[tuple[type, str]]:
    """(model, field) for each relation field of each registered admin's add form."""
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = get_user_model()(is_superuser=True, is_active=True, is_staff=True)
    return [
        (model, name)
        for model, model_admin in admin.site._registry.items()
        for name, field in model_admin.get_form(request).base_fields.items()
        if hasattr(field, "queryset")  # ModelChoiceField and ModelMultipleChoiceField
    ]


def test_every_registered_admin_is_guarded():
    assert all(isinstance(a, GuardedChoicesAdmin) for a in admin.site._registry.values())


@pytest.mark.parametrize(
    ("model", "name"),
    relation_fields(),
    ids=lambda v: f"{v._meta.app_label}.{v._meta.model_name}" if isinstance(v, type) else v,
)
def test_relation_fields_refuse_ids_no_row_could_have(model, name):
    CalendarFactory()  # a tenant, package and calendar to refer to
    browser = Client()
    browser.force_login(UserFactory(staff=True))
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/"
    for value in NO_ROW_HAS:
        response = browser.post(url, {name: value})
        assert response.status_code == 200, (value, response.status_code)
        assert name in response.context["adminform"].form.errors, value
