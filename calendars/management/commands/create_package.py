from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from calendars import services
from calendars.management import command_error
from calendars.models import Tenant


class Command(BaseCommand):
    help = "Create a rule package in a GRS tenant; prints its packageId alone on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant_id", type=int)
        parser.add_argument("name")

    def handle(self, *args, tenant_id: int, name: str, **options) -> None:
        tenant = Tenant.objects.filter(pk=tenant_id).first()
        if tenant is None:
            raise CommandError(f"No tenant with id {tenant_id}.")
        try:
            package = services.package_create(tenant=tenant, name=name)
        except ValidationError as error:
            raise command_error(error) from None
        self.stdout.write(f"Created package {package.name!r} in tenant {tenant.pk}.")
        self.stdout.write(str(package.pk))
