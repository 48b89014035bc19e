from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from events.services import api_key_create


class Command(BaseCommand):
    help = "Issue a 12Twenty API key for USERNAME. The key is printed alone on the last line."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the key is for.")

    def handle(self, *args, username: str, name: str, **options) -> None:
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"User {username!r} does not exist.") from None
        _, key = api_key_create(user=user, name=name)
        self.stdout.write(f"API key for {username} (shown once, stored hashed):")
        self.stdout.write(key)
