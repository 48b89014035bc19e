from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from calendars import services
from calendars.management import command_error


class Command(BaseCommand):
    help = "Create a GRS tenant; prints its nodeId alone on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name")

    def handle(self, *args, name: str, **options) -> None:
        try:
            tenant = services.tenant_create(name=name)
        except ValidationError as error:
            raise command_error(error) from None
        self.stdout.write(f"Created tenant {tenant.name!r}.")
        self.stdout.write(str(tenant.pk))
