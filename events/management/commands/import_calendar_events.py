import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from events.services import BatchRejected, calendar_events_upsert


class Command(BaseCommand):
    help = (
        "Upsert the JSON array of calendar events in FILE with the batch API's own rules, "
        "all or nothing, and print the batch API's results."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check everything, write nothing."
        )

    def handle(self, *args, file: Path, dry_run: bool, **options) -> None:
        try:
            items = json.loads(file.read_bytes())
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from None
        except (ValueError, UnicodeDecodeError):
            raise CommandError(f"{file} is not valid JSON.") from None
        try:
            results = calendar_events_upsert(items=items, dry_run=dry_run)
        except BatchRejected as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps(results, indent=2))
        if any(not result["IsSuccessful"] for result in results):
            raise CommandError("Nothing was written: some events are invalid.")
