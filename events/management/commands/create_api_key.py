from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from events.auth import CanWriteEvents
from events.services import api_key_create, event_writes_grant


class Command(BaseCommand):
    help = (
        "Issue a 12Twenty API key for USERNAME. The key is printed alone on the last line. "
        "Warns when the user may not add and change events (the batch upsert would answer "
        "403); --grant gives the user those permissions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the key is for.")
        parser.add_argument(
            "--grant",
            action="store_true",
            help="Also grant events.add_calendarevent and events.change_calendarevent.",
        )

    @transaction.atomic
    def handle(self, *args, username: str, name: str, grant: bool, **options) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"User {username!r} does not exist.") from None
        if grant:
            event_writes_grant(user=user)
            self.stdout.write(f"Granted {username} {', '.join(CanWriteEvents.perms)}.")
        _, key = api_key_create(user=user, name=name)
        lacking = [perm for perm in CanWriteEvents.perms if not user.has_perm(perm)]
        if lacking:
            self.stderr.write(
                self.style.WARNING(
                    f"Warning: {username} lacks {', '.join(lacking)}: the batch upsert "
                    "will answer 403 with this key. Grant them in the admin or run again "
                    "with --grant."
                )
            )
        self.stdout.write(f"API key for {username} (shown once, stored hashed):")
        self.stdout.write(key)
