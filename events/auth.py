"""12Twenty authentication: `Authorization: Bearer <token>`, tokens issued for API keys."""

from __future__ import annotations

from rest_framework import authentication, exceptions, permissions

from calendarsite.perms import granted
from events.selectors import api_token_access

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
        if not token:
            raise exceptions.AuthenticationFailed(DENIED)
        # The page the view reads, if it asks for one: read in the same query, and kept
        # for the view as ``request.token_ride`` (its rows, used only after the checks).
        ride = getattr(_view(request), "token_ride", None)
        ride = ride(request) if ride else None
        access = api_token_access(token=token, perms=_view_perms(request), ride=ride)
        if access is None:
            raise exceptions.AuthenticationFailed(DENIED)
        request.token_ride = ride
        return access.user, access

    def authenticate_header(self, request) -> str:
        # A value here makes DRF answer 401 rather than 403 to a missing token.
        return self.keyword


def _view_perms(request) -> tuple[str, ...]:
    """The perms the view's permissions will check for this request (their ``perms``),
    so that the token lookup asks them in its one query."""
    view = _view(request)
    if view is None:
        return ()
    checks = view.get_permissions()
    return tuple(dict.fromkeys(perm for check in checks for perm in getattr(check, "perms", ())))


def _view(request):
    return (getattr(request, "parser_context", None) or {}).get("view")


class HasPerms(permissions.BasePermission):
    """Allows a user holding every one of ``perms``, asked along with the bearer token."""

    perms: tuple[str, ...] = ()

    def has_permission(self, request, view) -> bool:
        return granted(request, *self.perms)


class CanWriteEvents(HasPerms):
    message = "You do not have permission to add or change calendar events."
    perms = ("events.add_calendarevent", "events.change_calendarevent")


class CanReadEvents(HasPerms):
    message = "You do not have permission to view calendar events."
    perms = ("events.view_calendarevent",)


class CanDeleteEvents(HasPerms):
    message = "You do not have permission to delete calendar events."
    perms = ("events.delete_calendarevent",)
