"""The operators' commands and the demo data."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from calendars.demo import PASSWORD, USERNAME, demo_seed
from calendars.models import Calendar, Package, Tenant
from tests.factories import TenantFactory

from .conftest import ALL, basic


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue().splitlines()


def test_create_tenant_prints_its_id_last(db):
    lines = run("create_tenant", "  Environment ")
    tenant = Tenant.objects.get()
    assert lines[-1] == str(tenant.pk)
    assert tenant.name == "Environment"


@pytest.mark.parametrize("name", ["", "   ", "x" * 256])
def test_create_tenant_refuses_bad_names(db, name):
    with pytest.raises(CommandError, match="name must be"):
        run("create_tenant", name)
    assert not Tenant.objects.exists()


def test_create_package_prints_its_id_last(db):
    tenant = TenantFactory()
    lines = run("create_package", str(tenant.pk), "Rules")
    package = Package.objects.get()
    assert lines[-1] == str(package.pk)
    assert (package.tenant, package.name) == (tenant, "Rules")


def test_create_tenant_refuses_a_duplicate_name(db):
    run("create_tenant", "Environment")
    with pytest.raises(CommandError, match="A tenant named 'Environment' already exists"):
        run("create_tenant", " Environment ")
    assert Tenant.objects.count() == 1


def test_create_package_takes_the_tenant_by_name(db):
    tenant = TenantFactory(name="Environment")
    lines = run("create_package", "Environment", "Rules")
    assert Package.objects.get(pk=lines[-1]).tenant == tenant
    with pytest.raises(CommandError, match="No tenant named 'Nowhere'"):
        run("create_package", "Nowhere", "Rules")
    with pytest.raises(CommandError, match="No tenant with id 99999999999999999999"):
        run("create_package", "99999999999999999999", "Rules")


def test_create_package_errors(db):
    tenant = TenantFactory()
    with pytest.raises(CommandError, match="No tenant with id 999"):
        run("create_package", "999", "Rules")
    run("create_package", str(tenant.pk), "Rules")
    with pytest.raises(CommandError, match="already has a package named 'Rules'"):
        run("create_package", str(tenant.pk), "Rules")
    with pytest.raises(CommandError, match="name must be specified"):
        run("create_package", str(tenant.pk), " ")


def test_create_api_user_who_can_log_in_and_act(db):
    first, second = TenantFactory(), TenantFactory()
    lines = run(
        "create_api_user", "carol", "--password", "a-Long-pass-phrase",
        "--tenant", str(first.pk), "--tenant", str(second.pk),
        "--permission", "CALENDAR_VIEW", "--permission", "CALENDAR_CREATE",
    )  # fmt: skip
    user = get_user_model().objects.get(username="carol")
    assert lines[-1] == str(user.pk)
    assert set(user.grs_tenants.all()) == {first, second}
    assert user.has_perm("calendars.CALENDAR_VIEW")
    assert user.has_perm("calendars.CALENDAR_CREATE")
    assert not user.has_perm("calendars.CALENDAR_DELETE")
    assert not user.is_staff
    login = APIClient().get(
        "/grs/v1/login", HTTP_AUTHORIZATION=basic("carol", "a-Long-pass-phrase")
    )
    assert login.status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--permission", "CALENDAR_EDIT"], "Unknown permission 'CALENDAR_EDIT'"),
        (["--tenant", "999"], "No tenant with id 999"),
        (["--password", "123"], "This password is too short"),
    ],
)
def test_create_api_user_errors(db, args, message):
    base = ["create_api_user", "dave", "--password", "a-Long-pass-phrase"]
    with pytest.raises(CommandError, match=message):
        run(*base, *args)
    assert not get_user_model().objects.filter(username="dave").exists()


def test_create_api_user_reports_every_problem_at_once(db):
    run("create_api_user", "erin", "--password", "a-Long-pass-phrase")
    with pytest.raises(CommandError) as error:
        run(
            "create_api_user", "erin", "--password", "123", "--tenant", "999",
            "--permission", "CALENDAR_EDIT", "--permission", "NOPE",
        )  # fmt: skip
    lines = str(error.value).splitlines()
    assert lines[0] == "No tenant with id 999."
    assert "A user named 'erin' already exists." in lines
    assert any(line.startswith("This password is too short") for line in lines)
    assert any(line.startswith("Unknown permission 'CALENDAR_EDIT'") for line in lines)
    assert any(line.startswith("Unknown permission 'NOPE'") for line in lines)
    assert get_user_model().objects.filter(username="erin").count() == 1


def test_create_api_user_creates_nothing_when_only_a_tenant_is_missing(db):
    with pytest.raises(CommandError, match=r"^No tenant with id 999\.$"):
        run("create_api_user", "dave", "--password", "a-Long-pass-phrase", "--tenant", "999")
    assert not get_user_model().objects.filter(username="dave").exists()


def test_create_api_user_refuses_an_existing_username(db):
    run("create_api_user", "erin", "--password", "a-Long-pass-phrase")
    with pytest.raises(CommandError, match="A user named 'erin' already exists"):
        run("create_api_user", "erin", "--password", "a-Long-pass-phrase")


def test_demo_seed_is_idempotent_and_usable(db):
    lines = demo_seed(base_url="http://testserver")
    again = demo_seed(base_url="http://testserver")
    assert lines == again
    assert Tenant.objects.count() == Package.objects.count() == Calendar.objects.count() == 1
    user = authenticate(username=USERNAME, password=PASSWORD)
    assert user is not None
    assert all(user.has_perm(f"calendars.{p}") for p in ALL)
    text = "\n".join(lines)
    assert PASSWORD in text
    assert "/grs/v1/login" in text
    assert Calendar.objects.get().external_id in text


def test_create_package_refuses_a_full_tenant(db, monkeypatch):
    from calendars import rules

    tenant = TenantFactory()
    monkeypatch.setattr(rules, "TENANT_PACKAGES_MAX", 1)
    run("create_package", str(tenant.pk), "Rules")
    with pytest.raises(CommandError, match="the tenant already holds 1 packages"):
        run("create_package", str(tenant.pk), "More")
    assert Package.objects.count() == 1


def test_create_tenant_refuses_a_name_taken_in_any_letter_case(db):
    run("create_tenant", "Demo tenant")
    with pytest.raises(CommandError, match="A tenant named 'demo TENANT' already exists"):
        run("create_tenant", " demo TENANT ")
    assert Tenant.objects.count() == 1


def test_a_racing_duplicate_tenant_is_refused_by_the_constraint(db):
    from calendars import services

    services.tenant_create(name="Acme")
    # No lookup before the insert, which a racing create could pass: the database's
    # constraint refuses it, with the command's message.
    with pytest.raises(services.ValidationError, match="A tenant named 'ACME' already exists"):
        services.tenant_create(name="ACME")
