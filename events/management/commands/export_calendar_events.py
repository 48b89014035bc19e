import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from events import rules
from events.models import CalendarEvent
from events.serializers import calendar_event_item, calendar_events_ics


class Command(BaseCommand):
    help = (
        "Write the live calendar events (of one user with --user) to stdout, as a JSON "
        "array of the list API's items or as an iCalendar document."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", type=int, metavar="ID", help="Only this user's events.")
        parser.add_argument("--format", choices=["json", "ics"], default="json")

    def handle(self, *args, user: int | None, format: str, **options) -> None:
        events = CalendarEvent.objects.live().order_by("start_time", "id")
        name = "Calendar events"
        if user is not None:
            owner = None
            if 0 < user <= rules.MAX_ID:
                owner = get_user_model().objects.filter(pk=user).first()
            if owner is None:
                raise CommandError(rules.user_missing(user))
            events = events.filter(user=owner)
            name = f"Calendar events of {owner.get_username()}"
        if format == "ics":
            self.stdout.write(calendar_events_ics(events.iterator(), name=name).decode(), ending="")
            return
        # One item per line, streamed, so a large export needs little memory.
        self.stdout.write("[")
        for index, event in enumerate(events.iterator(chunk_size=2000)):
            prefix = "," if index else ""
            self.stdout.write(prefix + json.dumps(calendar_event_item(event)))
        self.stdout.write("]")
