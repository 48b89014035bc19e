import re

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from calendars import services
from calendars.management import command_error
from calendars.models import Tenant


def tenant_by_id_or_name(value: str) -> Tenant:
    """The tenant with this id (digits), or else with this name."""
    text = value.strip()
    is_id = re.fullmatch(r"[0-9]+", text) is not None
    # Ids are 64-bit: a longer number names no tenant (and must not reach the database).
    if is_id and len(text) <= 18 and (found := Tenant.objects.filter(pk=int(text)).first()):
        return found
    named = list(Tenant.objects.filter(name=text)[:2])
    if len(named) == 1:
        return named[0]
    if named:
        raise CommandError(f"Several tenants are named {text!r}: give the tenant's id.")
    if is_id:
        raise CommandError(f"No tenant with id {text}.")
    raise CommandError(f"No tenant named {text!r}.")


class Command(BaseCommand):
    help = "Create a rule package in a GRS tenant; prints its packageId alone on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant", metavar="TENANT", help="The tenant's id or name.")
        parser.add_argument("name")

    def handle(self, *args, tenant: str, name: str, **options) -> None:
        tenant = tenant_by_id_or_name(tenant)
        try:
            package = services.package_create(tenant=tenant, name=name)
        except ValidationError as error:
            raise command_error(error) from None
        self.stdout.write(f"Created package {package.name!r} in tenant {tenant.pk}.")
        self.stdout.write(str(package.pk))
