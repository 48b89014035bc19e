from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from events import services


class Command(BaseCommand):
    help = (
        "Remove deleted events (tombstones) deleted more than DAYS ago, for good. DAYS may"
        " not be less than EVENTS_TOMBSTONE_RETENTION_DAYS, the promise made to syncing"
        " clients (docs/events.md, 'Tombstones and sync')."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.EVENTS_TOMBSTONE_RETENTION_DAYS,
            metavar="DAYS",
            help="default: EVENTS_TOMBSTONE_RETENTION_DAYS (%(default)s)",
        )

    def handle(self, *args, older_than: int, **options) -> None:
        try:
            purged = services.calendar_event_tombstones_purge(older_than_days=older_than)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Purged {purged} tombstones deleted more than {older_than} days ago.")
