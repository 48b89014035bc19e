from rest_framework import exceptions
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calendarsite import fastjson
from calendarsite.api import EVENTS, error_response, make_exception_handler
from events import services
from events.auth import DENIED, BearerTokenAuthentication, CanWriteEvents

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

    def get(self, request: Request) -> Response:
        token = services.api_token_issue(key=request.query_params.get("key", ""))
        if token is None:
            return error_response(EVENTS, 401, "The API key is not valid.")
        return Response(token)


class BatchView(EventsView):
    permission_classes = [IsAuthenticated, CanWriteEvents]

    def put(self, request: Request) -> Response:
        try:
            results = services.calendar_events_upsert(items=request.data)
        except services.BatchRejected as exc:
            return error_response(EVENTS, 400, exc.message)
        return Response(results)
