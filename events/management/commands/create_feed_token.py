from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from events.services import feed_token_create


class Command(BaseCommand):
    help = (
        "Issue an iCalendar feed URL for USERNAME's calendar events. "
        "The URL is printed alone on the last line; revoke it in the admin."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the feed is for.")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, username: str, name: str, base_url: str, **options) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"User {username!r} does not exist.") from None
        _, secret = feed_token_create(user=user, name=name)
        self.stdout.write(f"iCalendar feed of {username} (shown once, stored hashed):")
        self.stdout.write(base_url.rstrip("/") + reverse("calendar-events-feed", args=[secret]))
