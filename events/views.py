import hashlib
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calendarsite import fastjson
from calendarsite.api import EVENTS, RememberedNegotiation, error_response, make_exception_handler
from calendarsite.ops import BATCH_SIZE
from calendarsite.throttles import CredentialsEndpoint
from events import rules, schema, selectors, services
from events.auth import (
    DENIED,
    BearerTokenAuthentication,
    CanDeleteEvents,
    CanReadEvents,
    CanWriteEvents,
)
from events.filters import BadParameters, canonical_params
from events.serializers import InstantJSONRenderer, calendar_event_item, calendar_events_ics

exception_handler = make_exception_handler(
    EVENTS,
    {
        exceptions.NotAuthenticated: DENIED,
        exceptions.ParseError: "The request body is not valid JSON.",
    },
)


class EventsView(APIView):
    """Base of every 12Twenty endpoint: bearer tokens, errors as {"Message": ...}."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [IsAuthenticated]
    content_negotiation_class = RememberedNegotiation
    # DRF's JSON parser and renderer, through orjson: a batch's 250 KB read and written
    # several times faster, every body answered as before.
    parser_classes = [fastjson.JSONParser]
    renderer_classes = [fastjson.JSONRenderer]

    def get_exception_handler(self):
        return exception_handler


class TokenView(CredentialsEndpoint, EventsView):
    @schema.token
    def get(self, request: Request) -> Response:
        token = services.api_token_issue(key=request.query_params.get("key", ""))
        if token is None:
            return error_response(EVENTS, 401, "The API key is not valid.")
        return Response(token)


class BatchView(EventsView):
    permission_classes = [IsAuthenticated, CanWriteEvents]

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [IsAuthenticated(), CanDeleteEvents()]
        return super().get_permissions()

    @schema.batch_upsert
    def put(self, request: Request) -> Response:
        return self.run(services.calendar_events_upsert, request)

    @schema.batch_delete
    def delete(self, request: Request) -> Response:
        return self.run(services.calendar_events_delete, request)

    @staticmethod
    def run(service, request: Request) -> Response:
        """The batch's per-item results (a body that is no batch at all: BatchRejected)."""
        results = service(items=request.data)
        BATCH_SIZE.labels(request.method.lower()).observe(len(request.data))
        return Response(results)


class EventListView(EventsView):
    permission_classes = [IsAuthenticated, CanReadEvents]
    # The page's items hold datetimes, written by orjson as serializers.instant writes them.
    renderer_classes = [InstantJSONRenderer]

    def token_ride(self, request: Request) -> selectors.PageRide | None:
        """The page, for the token lookup to read in its query (events/auth.py); None for
        parameters that cannot be used, which get() answers (400) after the checks."""
        try:
            return selectors.calendar_event_page_ride(params=canonical_params(request.query_params))
        except BadParameters:
            return None

    @schema.event_list
    def get(self, request: Request) -> Response:
        params = canonical_params(request.query_params)
        ride = getattr(request, "token_ride", None)
        page = selectors.calendar_event_list(params=params, ride=ride)
        next_url = None
        if page.next_cursor:
            query = urlencode({**params, "Cursor": page.next_cursor})
            next_url = request.build_absolute_uri(f"{request.path}?{query}")
        return Response(
            {
                "Items": page.items,
                "TotalCount": page.total_count,
                "PageSize": page.page_size,
                "Next": next_url,
                "NextCursor": page.next_cursor,
            }
        )


class EventDetailView(EventsView):
    permission_classes = [IsAuthenticated, CanReadEvents]

    @schema.event_get
    def get(self, request: Request, event_id: int) -> Response:
        event = selectors.calendar_event_get(event_id=event_id)
        if event is None:
            return error_response(EVENTS, 404, rules.event_id_missing(event_id))
        return Response(calendar_event_item(event))


FEED_METHODS = ("GET", "HEAD")


@csrf_exempt  # no cookies, no forms: a POST gets the 405 below, not the CSRF page
def feed_view(request: HttpRequest, secret: str) -> HttpResponse:
    """A student's events as iCalendar, for calendar apps to subscribe to. A plain
    Django view: calendar apps send no bearer token, and may ask for text/calendar
    only, which DRF's content negotiation (JSON only) would refuse.

    Bounded whatever the student's number of events: one query answers HEAD and a
    conditional GET (304) from the validators, a second reads the window's events.
    """
    if request.method not in FEED_METHODS:
        answer = error_response(EVENTS, 405, "Method not allowed.")
        answer["Allow"] = ", ".join(FEED_METHODS)
        return answer
    feed = selectors.calendar_event_feed(secret=secret)
    if feed is None:
        return error_response(EVENTS, 404, "Not found.")
    now = timezone.now()
    try:
        window = rules.feed_window(params=feed_params(request.GET), now=now)
    except ValueError as exc:
        return error_response(EVENTS, 400, str(exc))
    name = f"Calendar events of {feed.user.get_username()}"
    # The body changes when an event changes, when the window moves (at midnight UTC,
    # for the default one) or when the student is renamed; not otherwise, except for
    # DTSTAMP (the time of producing), hence a weak ETag.
    changed = [t for t in (feed.last_change, window.moved_at) if t]
    last_modified = max(changed) if changed else None
    bounds = (window.start, window.end, last_modified)
    version = "|".join([str(FEED_VERSION), name, *(t.isoformat() if t else "" for t in bounds)])
    headers = HttpResponse(status=200)
    headers["ETag"] = 'W/"' + hashlib.sha256(version.encode()).hexdigest()[:32] + '"'
    if last_modified and last_modified.timestamp() // 1 + 1 > now.timestamp():
        # Its second is not over: Last-Modified has whole seconds, so another change
        # within it would carry the same date and a client's If-Modified-Since would get
        # a 304 for a changed feed. The ETag alone validates until the second is over.
        last_modified = None
    if last_modified:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    headers["Cache-Control"] = "private, no-cache"  # may keep it, must ask (304) before use
    headers["Content-Type"] = "text/calendar; charset=utf-8"
    headers["Content-Disposition"] = 'inline; filename="calendar-events.ics"'
    not_modified = get_conditional_response(
        request,
        etag=headers["ETag"],
        last_modified=int(last_modified.timestamp()) if last_modified else None,
        response=headers,
    )
    if not_modified is not headers:
        return not_modified
    if request.method == "HEAD":
        # Headers only; streamed so that no Content-Length of an unrendered body is sent.
        response = StreamingHttpResponse(iter(()), status=200)
    else:
        events = selectors.calendar_event_feed_events(user=feed.user, window=window)
        response = HttpResponse(calendar_events_ics(events, name=name, stamp=now))
    for header, value in headers.items():
        response[header] = value
    return response


# Bumped when the feed's rendering changes, so that apps holding an ETag fetch it again.
FEED_VERSION = 2


def feed_params(query: Any) -> dict[str, str]:
    """``From`` and ``To`` in any letter case, as the list takes its parameters."""
    names = {"from": "From", "to": "To"}
    return {names[key.lower()]: query[key] for key in query if key.lower() in names}
