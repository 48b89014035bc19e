"""12Twenty authentication: `Authorization: Bearer <token>`, tokens issued for API keys."""

from __future__ import annotations

from rest_framework import authentication, exceptions, permissions

from events.selectors import api_token_user

# The .NET Web API's own wording, which the vendor's clients already handle.
DENIED = "Authorization has been denied for this request."


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token.strip()
        user = api_token_user(token=token) if token else None
        if user is None:
            raise exceptions.AuthenticationFailed(DENIED)
        return user, token

    def authenticate_header(self, request) -> str:
        # A value here makes DRF answer 401 rather than 403 to a missing token.
        return self.keyword


class CanWriteEvents(permissions.BasePermission):
    message = "You do not have permission to add or change calendar events."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(
            user
            and user.has_perm("events.add_calendarevent")
            and user.has_perm("events.change_calendarevent")
        )
