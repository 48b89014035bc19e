"""GRS authentication: HTTP Basic with the password at login, with the API token after."""

from __future__ import annotations

import base64

from django.http import HttpRequest
from rest_framework import authentication, exceptions

from calendars import rules, services


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    """``(username, secret)`` from ``Authorization: Basic base64(username:secret)``."""
    scheme, _, encoded = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except ValueError:  # not ASCII, not base64 (binascii.Error), not UTF-8
        return None
    if "\x00" in decoded:
        # No stored username or password holds NUL, and PostgreSQL refuses it in a
        # query (DataError): refused here, like any other credential that cannot match.
        return None
    username, colon, secret = decoded.partition(":")
    if not colon or not username or not secret:
        return None
    return username, secret


class GrsTokenAuthentication(authentication.BaseAuthentication):
    """``request.user`` is the session's user, ``request.auth`` its services.GrsAccess."""

    def authenticate(self, request):
        credentials = basic_credentials(request)
        if credentials is None:
            return None  # DRF answers 401 NotAuthenticated: "APIToken not valid"
        # The tenant of the URL, if any: its membership is asked in the same query.
        context = getattr(request, "parser_context", None) or {}
        kwargs = context.get("kwargs") or {}
        # The calendar the view is about, if it asks for one: read in that same query.
        ride = getattr(context.get("view"), "session_ride", None)
        access = services.grs_session_use(
            username=credentials[0],
            token=credentials[1],
            tenant_id=kwargs.get("tenant_id"),
            ride=ride(request, kwargs) if ride else None,
        )
        if access is None:
            raise exceptions.AuthenticationFailed(rules.TOKEN_INVALID)
        return access.user, access

    def authenticate_header(self, request) -> str:
        # A value here makes DRF answer 401 rather than 403 to a missing token.
        return 'Basic realm="GRS"'
