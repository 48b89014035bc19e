from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from calendars import rules, services
from calendars.models import Tenant


class Command(BaseCommand):
    help = (
        "Create a user who can log in to the GRS API, member of the given tenants, with the "
        "given permissions; prints the user's id alone on the last line."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument(
            "--tenant", dest="tenants", type=int, action="append", default=[], metavar="ID"
        )
        parser.add_argument(
            "--permission",
            dest="permissions",
            action="append",
            default=[],
            metavar="NAME",
            help=", ".join(rules.PERMISSIONS),
        )

    def handle(self, *args, username, password, tenants, permissions, **options) -> None:
        found = list(Tenant.objects.filter(pk__in=tenants))
        missing = sorted(set(tenants) - {t.pk for t in found})
        # Every problem at once: the tenants' and the service's (username, password,
        # permissions); nothing is created unless there are none.
        problems = [f"No tenant with id {', '.join(map(str, missing))}."] if missing else []
        try:
            with transaction.atomic():
                user = services.api_user_create(
                    username=username, password=password, tenants=found, permissions=permissions
                )
                if problems:
                    raise ValidationError(problems)
        except ValidationError as error:
            problems = list(dict.fromkeys([*problems, *error.messages]))
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(
            f"Created GRS API user {user.get_username()!r}"
            f" (tenants: {', '.join(str(t.pk) for t in found) or 'none'};"
            f" permissions: {', '.join(dict.fromkeys(permissions)) or 'none'})."
        )
        self.stdout.write(str(user.pk))
