import contextlib
import io
import json
import os
import re
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from events import rules
from events.models import CalendarEvent
from events.serializers import calendar_event_item, calendar_events_ics


def user_by_id_or_name(value: str):
    """The user with this id (digits), or else with this username."""
    users = get_user_model().objects
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        number = int(text)
        found = users.filter(pk=number).first() if 0 < number <= rules.MAX_ID else None
        found = found or users.filter(username=value).first()
        if found is None:
            raise CommandError(rules.user_missing(number))
        return found
    found = users.filter(username=value).first()
    if found is None:
        raise CommandError(f"User {value!r} does not exist.")
    return found


class Command(BaseCommand):
    help = (
        "Write the live calendar events (of one user with --user) to stdout, as a JSON "
        "array of the list API's items or as an iCalendar document named for its user."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--user",
            metavar="ID_OR_USERNAME",
            help="Only this user's events: a user id, or else a username.",
        )
        parser.add_argument("--format", choices=["json", "ics"], default="json")

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except BrokenPipeError:
            # The reader stopped early (`| head`): stop quietly, as Unix tools do. Python
            # would flush stdout again at exit and print a second BrokenPipeError.
            with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise SystemExit(1) from None

    def handle(self, *args, user: str | None, format: str, **options) -> None:
        events = CalendarEvent.objects.live().order_by("start_time", "id")
        name = "Calendar events"
        if user is not None:
            owner = user_by_id_or_name(user)
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
