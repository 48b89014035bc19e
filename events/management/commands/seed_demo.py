from django.core.management.base import BaseCommand
from django.db import transaction

from calendars.demo import demo_seed as calendars_demo_seed
from events.demo import demo_seed as events_demo_seed


class Command(BaseCommand):
    help = (
        "Load demo data for both APIs and print how to call them. Run again, it prints the "
        "same credentials and what it printed before keeps working, unless --reset."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="New staff password, API key and feed URL; the earlier ones stop working.",
        )

    @transaction.atomic
    def handle(self, *args, base_url: str, reset: bool, **options) -> None:
        base_url = base_url.rstrip("/")
        lines = [
            *events_demo_seed(base_url=base_url, reset=reset),
            "",
            *calendars_demo_seed(base_url=base_url),
        ]
        for line in lines:
            self.stdout.write(line)
