"""Cross-cutting API plumbing: one error helper for both API families.

The two families answer errors in different shapes, fixed by the vendors' pages:
GRS (under /grs/) as ``{"message": ...}``, 12Twenty (under /api/) as ``{"Message": ...}``.
Everything that turns a failure into a response goes through ``error_response`` so the
shape cannot drift between views, DRF's exception handling and the middleware.
"""

import logging
from collections.abc import Callable
from typing import Any

from django.core.exceptions import DisallowedHost, RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.views import exception_handler as drf_exception_handler

from calendarsite.ops import database_error_count

logger = logging.getLogger(__name__)

GRS = "grs"
EVENTS = "events"

# The key each family puts its message under.
MESSAGE_KEY = {GRS: "message", EVENTS: "Message"}


def family_for_path(path: str) -> str | None:
    if path.startswith("/grs/"):
        return GRS
    if path.startswith("/api/"):
        return EVENTS
    return None


def error_response(family: str, status: int, message: str, **extra: Any) -> JsonResponse:
    """The one way an API error is answered: the family's shape, JSON, no stack trace."""
    response = JsonResponse({MESSAGE_KEY[family]: message, **extra}, status=status)
    response["Cache-Control"] = "no-cache"
    return response


class DomainError(Exception):
    """A refusal by a service or a selector, which the view lets through and the family's
    exception handler answers: ``status``, ``message`` (the class's, or one of the
    instance's own) and ``extra`` fields, in the family's shape. So each refusal's
    status and text are said once, where the refusal is made."""

    status = 400
    message = ""

    def __init__(self, message: str | None = None, **extra: Any) -> None:
        if message is not None:
            self.message = message
        super().__init__(self.message)
        self.extra = extra


def _detail_text(detail: Any) -> str:
    if isinstance(detail, list | tuple) and detail:
        return _detail_text(detail[0])
    if isinstance(detail, dict) and detail:
        return _detail_text(next(iter(detail.values())))
    return str(detail)


def make_exception_handler(family: str, messages: dict[type, str] | None = None) -> Callable:
    """A DRF exception handler that answers in ``family``'s shape: DomainError as it
    says, DRF's exceptions with their status and detail.

    ``messages`` overrides the text for whole exception classes (GRS says
    "APIToken not valid" for every authentication failure, for instance).
    """
    overrides = messages or {}

    def handler(exc: Exception, context: dict) -> HttpResponse | None:
        if isinstance(exc, DomainError):
            return error_response(family, exc.status, exc.message, **exc.extra)
        response = drf_exception_handler(exc, context)
        if response is None:
            return None  # not an API exception: the middleware answers it
        text = next(
            (msg for cls, msg in overrides.items() if isinstance(exc, cls)),
            _detail_text(getattr(exc, "detail", str(exc))),
        )
        answer = error_response(family, response.status_code, text)
        for header in ("WWW-Authenticate", "Retry-After", "Allow"):
            if header in response:
                answer[header] = response[header]
        return answer

    return handler


class ApiErrorMiddleware:
    """Turns what escapes an API view into the family's JSON error shape.

    Database outages become 503 (the client may retry; persistent connections with
    health checks reconnect by themselves once the database is back), oversized bodies
    413, unknown API URLs 404, and anything unexpected 500, logged here and never
    shown to the client.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        family = family_for_path(request.path)
        if family is None:
            return self.get_response(request)
        response = self.get_response(request)
        if response.status_code in (404, 405) and not _is_json(response):
            text = "Not found." if response.status_code == 404 else "Method not allowed."
            answer = error_response(family, response.status_code, text)
            if "Allow" in response:  # a 405 must say which methods are (RFC 9110)
                answer["Allow"] = response["Allow"]
            response = answer
        if family == EVENTS:
            events_headers(response)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        family = family_for_path(request.path)
        if family is None:
            return None
        if isinstance(exc, RequestDataTooBig):
            return error_response(family, 413, "Request body is too large.")
        if isinstance(exc, DatabaseError):
            database_error_count(exc)
        if is_database_outage(exc):
            logger.warning("database unavailable: %s", exc)
            return error_response(family, 503, "Service unavailable, try again shortly.")
        if isinstance(exc, exceptions.APIException):
            return error_response(family, exc.status_code, _detail_text(exc.detail))
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(family, 500, "Internal server error.")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: what Django answers itself for a request it refuses before any view (a
    Host header not in ALLOWED_HOSTS, above all), in the family's JSON under /api/ and
    /grs/, as Django's page elsewhere. The Host is not echoed back."""
    family = family_for_path(request.path)
    if family is None:
        return defaults.bad_request(request, exception)
    text = "The Host header is not allowed." if isinstance(exception, DisallowedHost) else None
    return error_response(family, 400, text or "Bad request.")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a failure outside ApiErrorMiddleware's reach (a middleware before it),
    in the family's JSON under /api/ and /grs/."""
    family = family_for_path(request.path)
    if family is None:
        return defaults.server_error(request)
    return error_response(family, 500, "Internal server error.")


# The headers of the vendor's example answer (12Twenty), on every answer under /api/:
# no client or proxy may reuse an answer without asking again. A view may set its own
# Cache-Control (the iCalendar feed's, for conditional GET, docs/events.md).
EVENTS_HEADERS = {"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1"}
JSON_UTF8 = "application/json; charset=utf-8"


def events_headers(response: HttpResponse) -> None:
    for header, value in EVENTS_HEADERS.items():
        response.headers.setdefault(header, value)
    if _is_json(response):
        response["Content-Type"] = JSON_UTF8


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


# SQLSTATE classes that mean "the database is not there right now": connection
# exception, insufficient resources, operator intervention (shutdown, cancel).
OUTAGE_SQLSTATE_CLASSES = {"08", "53", "57"}


def is_database_outage(exc: BaseException) -> bool:
    """True for a lost or refused database connection, not for a bad query."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in OUTAGE_SQLSTATE_CLASSES
    if type(cause).__module__ == "sqlite3":
        return "locked" in str(exc)  # a busy file, not a bad query
    return True  # psycopg reports a lost connection without a SQLSTATE


class RememberedNegotiation(DefaultContentNegotiation):
    """DRF's choice of renderer, remembered per renderers, format and Accept header:
    parsing the header and matching media types on every request gave the same answer
    each time. Refusals (406, 404 for a format) are not remembered; nor are unusual
    headers (long, or past the first 256 kinds), which are simply negotiated afresh."""

    def select_renderer(self, request, renderers, format_suffix=None):
        accept = request.META.get("HTTP_ACCEPT", "*/*")  # DRF's default: "" is not absent
        fmt = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        key = (tuple(map(type, renderers)), format_suffix, fmt, accept)
        found = _NEGOTIATED.get(key)
        if found is not None:
            return renderers[found[0]], found[1]
        renderer, media_type = super().select_renderer(request, renderers, format_suffix)
        if len(accept) <= 200 and len(_NEGOTIATED) < 256:
            index = next(i for i, r in enumerate(renderers) if r is renderer)
            _NEGOTIATED[key] = (index, media_type)
        return renderer, media_type


_NEGOTIATED: dict[tuple, tuple[int, str]] = {}
