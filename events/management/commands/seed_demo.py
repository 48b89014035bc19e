from django.core.management.base import BaseCommand
from django.db import transaction

from calendars.demo import demo_seed as calendars_demo_seed
from events.demo import demo_seed as events_demo_seed


class Command(BaseCommand):
    help = "Load demo data for both APIs and print how to call them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    @transaction.atomic
    def handle(self, *args, base_url: str, **options) -> None:
        base_url = base_url.rstrip("/")
        lines = [*events_demo_seed(base_url=base_url), "", *calendars_demo_seed(base_url=base_url)]
        for line in lines:
            self.stdout.write(line)
