from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def command_error(error: ValidationError) -> CommandError:
    """A rule's message as the command's error (exit status 1, no traceback)."""
    return CommandError(" ".join(error.messages))
