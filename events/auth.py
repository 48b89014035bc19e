"""12Twenty authentication: `Authorization: Bearer <token>`, tokens issued for API keys."""

from __future__ import annotations

from django.conf import settings
from rest_framework import authentication, exceptions, permissions

from events.selectors import api_token_user

# The .NET Web API's own wording, which the vendor's clients already handle.
DENIED = "Authorization has been denied for this request."

WRITE_PERMS = ("events.add_calendarevent", "events.change_calendarevent")
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"
    # Asked with the token, in its one query, for the permission classes below.
    perms = WRITE_PERMS

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        user = api_token_user(token=token, perms=self.perms) if token else None
        if user is None:
            raise exceptions.AuthenticationFailed(DENIED)
        return user, token

    def authenticate_header(self, request) -> str:
        # A value here makes DRF answer 401 rather than 403 to a missing token.
        return self.keyword


def has_perms(user, perms: tuple[str, ...]) -> bool:
    """``user.has_perms(perms)``, answered by the token lookup when it asked for these
    perms and ModelBackend is the only backend (it then asked what ModelBackend asks);
    otherwise asked of the backends."""
    asked, granted = getattr(user, "token_perms", ((), False))
    if asked == perms and list(settings.AUTHENTICATION_BACKENDS) == [MODEL_BACKEND]:
        return user.is_active and (user.is_superuser or granted)
    return user.has_perms(perms)


class CanWriteEvents(permissions.BasePermission):
    message = "You do not have permission to add or change calendar events."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and has_perms(request.user, WRITE_PERMS))
