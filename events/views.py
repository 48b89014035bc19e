from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from rest_framework import exceptions
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calendarsite import fastjson
from calendarsite.api import (
    EVENTS,
    CredentialsRateThrottle,
    error_response,
    make_exception_handler,
)
from calendarsite.ops import BATCH_SIZE
from events import rules, schema, selectors, services
from events.auth import (
    DENIED,
    BearerTokenAuthentication,
    CanDeleteEvents,
    CanReadEvents,
    CanWriteEvents,
)
from events.filters import canonical_params
from events.serializers import calendar_event_item, calendar_events_ics

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
    # DRF's JSON parser and renderer, through orjson: a batch's 250 KB read and written
    # several times faster, every body answered as before.
    parser_classes = [fastjson.JSONParser]
    renderer_classes = [fastjson.JSONRenderer]

    def get_exception_handler(self):
        return exception_handler


class TokenView(EventsView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [CredentialsRateThrottle]

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
        """The batch's per-item results, or 400 for a body that is no batch at all."""
        try:
            results = service(items=request.data)
        except services.BatchRejected as exc:
            return error_response(EVENTS, 400, exc.message)
        BATCH_SIZE.labels(request.method.lower()).observe(len(request.data))
        return Response(results)


class EventListView(EventsView):
    permission_classes = [IsAuthenticated, CanReadEvents]

    @schema.event_list
    def get(self, request: Request) -> Response:
        params = canonical_params(request.query_params)
        try:
            page = selectors.calendar_event_list(params=params)
        except selectors.BadParameters as exc:
            return error_response(EVENTS, 400, exc.message)
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


@require_safe
def feed_view(request: HttpRequest, secret: str) -> HttpResponse:
    """A student's events as iCalendar, for calendar apps to subscribe to. A plain
    Django view: calendar apps send no bearer token, and may ask for text/calendar
    only, which DRF's content negotiation (JSON only) would refuse."""
    found = selectors.calendar_event_feed(secret=secret)
    if found is None:
        return error_response(EVENTS, 404, "Not found.")
    user, events = found
    body = calendar_events_ics(events, name=f"Calendar events of {user.get_username()}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="calendar-events.ics"'
    response["Cache-Control"] = "private, no-cache"
    return response
