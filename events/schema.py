"""The 12Twenty endpoints in the OpenAPI document: request and answer shapes, key for key
(PascalCase) as the views write them, and every documented error.

The serializers here only describe; the batch parses its items with events/rules.py and
answers 200 with per-item results even when items are invalid (the vendor's page), so
the item schema says what a *successful* item looks like, not what the batch refuses.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_serializer,
)
from rest_framework import serializers

from calendarsite.schema import error_responses
from events import filters, rules
from events.auth import DENIED

# A tag that generators turn into a module name (calendar_events, not tag12_twenty).
TAGS = ["CalendarEvents"]
BEARER_SCHEME = "bearerToken"


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "events.auth.BearerTokenAuthentication"
    name = BEARER_SCHEME

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from GET /api/client/generateAuthenticationToken?key=API_KEY "
            "(valid 24 hours).",
        }


# Shapes -------------------------------------------------------------------------------


class EventsErrorSerializer(serializers.Serializer):
    Message = serializers.CharField()

    class Meta:
        ref_name = "EventsError"


class CalendarEventInputSerializer(serializers.Serializer):
    """One batch item. Keys match in any letter case; unknown keys are ignored."""

    ExternalId = serializers.CharField(
        max_length=rules.MAX_EXTERNAL_ID,
        help_text="The school's id of the event: updated if it exists, else inserted.",
    )
    UserId = serializers.IntegerField(
        min_value=1, max_value=rules.MAX_ID, help_text="12Twenty's id of the student."
    )
    TypeId = serializers.ChoiceField(
        choices=[(1, "Class"), (2, "Interview"), (3, "Other")],
        help_text="1 Class, 2 Interview, 3 Other.",
    )
    StartTime = serializers.DateTimeField(
        help_text="ISO 8601; an offset is converted to UTC, no offset means UTC."
    )
    EndTime = serializers.DateTimeField(help_text="ISO 8601; must be after StartTime.")
    Title = serializers.CharField(max_length=rules.MAX_TITLE)

    class Meta:
        ref_name = "CalendarEventInput"


class BatchSuccessSerializer(serializers.Serializer):
    Id = serializers.IntegerField(help_text="12Twenty's id of the event.")
    ExternalId = serializers.CharField()
    ErrorMessage = serializers.CharField(allow_null=True, help_text="Always null.")
    IsSuccessful = serializers.ChoiceField(choices=[True])

    class Meta:
        ref_name = "BatchItemSuccess"


class BatchFailureSerializer(serializers.Serializer):
    ExternalId = serializers.CharField(
        allow_null=True, allow_blank=True, help_text="As sent; null if it was not a string."
    )
    ErrorMessage = serializers.CharField(
        help_text="Every problem of the item, as sentences joined by a space."
    )
    IsSuccessful = serializers.ChoiceField(choices=[False])

    class Meta:
        ref_name = "BatchItemFailure"


# The batch bodies are arrays. Declared as list serializers marked many=False so that
# the examples below are shown as written rather than wrapped in one more list.


@extend_schema_serializer(many=False)
class BatchRequestSerializer(serializers.ListSerializer):
    child = CalendarEventInputSerializer()


@extend_schema_serializer(many=False)
class BatchResultsSerializer(serializers.ListSerializer):
    child = PolymorphicProxySerializer(
        component_name="BatchItemResult",
        serializers=[BatchSuccessSerializer, BatchFailureSerializer],
        resource_type_field_name=None,
    )


class CalendarEventSerializer(serializers.Serializer):
    Id = serializers.IntegerField()
    ExternalId = serializers.CharField()
    UserId = serializers.IntegerField()
    TypeId = serializers.ChoiceField(choices=[(1, "Class"), (2, "Interview"), (3, "Other")])
    StartTime = serializers.DateTimeField()
    EndTime = serializers.DateTimeField()
    Title = serializers.CharField()
    CreatedAt = serializers.DateTimeField()
    UpdatedAt = serializers.DateTimeField()
    IsDeleted = serializers.BooleanField()
    DeletedAt = serializers.DateTimeField(allow_null=True)

    class Meta:
        ref_name = "CalendarEvent"


class CalendarEventPageSerializer(serializers.Serializer):
    Items = CalendarEventSerializer(many=True)
    TotalCount = serializers.IntegerField(
        allow_null=True,
        help_text="Every match, not only this page's, exact when given. Given when the first"
        " page holds every match, or when asked with IncludeTotalCount=true and at most"
        f" {filters.MAX_TOTAL_COUNT:,} match; null otherwise (never an estimate).",
    )
    PageSize = serializers.IntegerField()
    Next = serializers.URLField(
        allow_null=True, help_text="The next page's absolute URL, null on the last page."
    )
    NextCursor = serializers.CharField(
        allow_null=True,
        help_text="The Cursor of the next page (the one in Next), null on the last page. Send"
        " it with the same filters and Ordering: a cursor used with others is a 400 naming"
        " them.",
    )

    class Meta:
        ref_name = "CalendarEventPage"


# Examples, from the vendor's page (12twenty-calendar-events-batch.txt) --------------------

VENDOR_REQUEST = [
    {
        "ExternalId": "xyz-123",
        "UserId": 124,
        "TypeId": 1,
        "StartTime": "2018-06-10T20:00:00Z",
        "EndTime": "2018-06-10T22:00:00Z",
        "Title": "Course FMAR2: Fin. Meas., Analysis & Rept. 2",
    },
    {
        "ExternalId": "xyz-124",
        "UserId": 124,
        "TypeId": 1,
        "StartTime": "2018-06-10T20:00:00Z",
        "EndTime": "2018-06-10T22:00:00Z",
        "Title": "Course FMARX: Misc",
    },
]
VENDOR_ERRORS = [
    {
        "ExternalId": "xyz-123",
        "ErrorMessage": "Event 'load-test-10' is owned by another student (20100323).",
        "IsSuccessful": False,
    },
    {
        "ExternalId": "xyz-124",
        "ErrorMessage": "StartTime must be before EndTime",
        "IsSuccessful": False,
    },
]
VENDOR_SUCCESS = [
    {"Id": 270067010486464, "ExternalId": "test-1", "ErrorMessage": None, "IsSuccessful": True}
]

# Errors -------------------------------------------------------------------------------

ERROR_TEXTS = {
    400: "Not a JSON array, malformed JSON, or more than 1000 items; nothing written.",
    401: f"Missing, unknown, expired or revoked token: `{DENIED}`.",
    403: "The token's user lacks the permission.",
    404: "`Not found.`",
    413: "`Request body is too large.`",
    415: "The body is not `application/json`.",
    429: "Too many attempts from this address (see `Retry-After`).",
    503: "The database is unavailable; try again shortly.",
}


def _errors(*statuses: int, **overrides: str) -> dict[int, OpenApiResponse]:
    return error_responses(EventsErrorSerializer, ERROR_TEXTS, statuses, **overrides)


def _op(operation_id: str, summary: str, **kwargs: Any) -> extend_schema:
    return extend_schema(operation_id=operation_id, summary=summary, tags=TAGS, **kwargs)


def _query(name: str, type_: Any, description: str, **kwargs: Any) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, description=description, **kwargs)


token = _op(
    "eventsToken",
    "Bearer token for an API key",
    description="Answers the token as a JSON string; send it as `Authorization: Bearer "
    "<token>`. Tokens expire after 24 hours.",
    auth=[],
    parameters=[_query("key", OpenApiTypes.STR, "The school's API key.", required=True)],
    responses={
        200: OpenApiResponse(response=OpenApiTypes.STR, description="The bearer token."),
        **_errors(401, 429, 503, e401="`The API key is not valid.`"),
    },
)

BATCH_DESCRIPTION = (
    "All or nothing. If every item is valid, each is answered in request order with its "
    "Id. If any item fails, nothing is written and only the failed items are answered, "
    "in request order, still **200**. Item errors: `StartTime must be before EndTime`, "
    "`Event '<ExternalId>' is owned by another student (<UserId>).`, "
    "`User <UserId> does not exist.`, `ExternalId '<ExternalId>' appears more than once "
    "in the batch.`, `<Field> is required.`, and one per invalid field."
)
batch_upsert = _op(
    "eventsBatchUpsert",
    "Insert or update up to 1000 events",
    description="Needs events.add_calendarevent and events.change_calendarevent. "
    + BATCH_DESCRIPTION,
    request=BatchRequestSerializer(),
    responses={
        200: OpenApiResponse(
            response=BatchResultsSerializer(),
            description="Per-item results: all successes, or only the failures.",
            examples=[
                OpenApiExample("Successful", value=VENDOR_SUCCESS, status_codes=["200"]),
                OpenApiExample("With errors", value=VENDOR_ERRORS, status_codes=["200"]),
            ],
        ),
        **_errors(400, 401, 403, 413, 415, 503),
    },
    examples=[OpenApiExample("Two classes", value=VENDOR_REQUEST, request_only=True)],
)
batch_delete = _op(
    "eventsBatchDelete",
    "Delete up to 1000 events by ExternalId",
    description="Needs events.delete_calendarevent. All or nothing, answered like the "
    "upsert (still 200 when items fail): `Event '<ExternalId>' does not exist.` for an "
    "unknown or already deleted event. Deleted events remain as tombstones (docs/events.md).",
    responses={
        200: OpenApiResponse(
            response=BatchResultsSerializer(),
            description="Per-item results: all successes, or only the failures.",
            examples=[
                OpenApiExample(
                    "Deleted",
                    value=[dict(VENDOR_SUCCESS[0], ExternalId="xyz-123")],
                    status_codes=["200"],
                ),
                OpenApiExample(
                    "Unknown",
                    value=[
                        {
                            "ExternalId": "nope",
                            "ErrorMessage": rules.event_missing("nope"),
                            "IsSuccessful": False,
                        }
                    ],
                    status_codes=["200"],
                ),
            ],
        ),
        **_errors(400, 401, 403, 413, 415, 503),
    },
)

INSTANT = "ISO 8601; an offset is converted to UTC, no offset means UTC."
event_list = _op(
    "eventsList",
    "List events",
    description="Needs events.view_calendarevent. Parameter names match in any letter "
    "case; an empty value is the same as none. Every bad parameter is named in one 400.",
    parameters=[
        _query("UserId", OpenApiTypes.INT64, "Only this student's events."),
        _query("TypeId", OpenApiTypes.INT, "1 Class, 2 Interview, 3 Other."),
        _query("From", OpenApiTypes.DATETIME, f"Events that end after this. {INSTANT}"),
        _query("To", OpenApiTypes.DATETIME, f"Events that start before this. {INSTANT}"),
        _query(
            "UpdatedSince",
            OpenApiTypes.DATETIME,
            f"UpdatedAt >= this. {INSTANT} With IncludeDeleted=true, at most"
            " EVENTS_TOMBSTONE_RETENTION_DAYS (90 by default) ago, else 400: deleted events"
            " are kept that long.",
        ),
        _query("IncludeDeleted", OpenApiTypes.BOOL, "Also tombstones (default false)."),
        _query(
            "Ordering",
            OpenApiTypes.STR,
            "Sort; ties by Id in the same direction (default StartTime).",
        ),
        _query(
            "PageSize",
            OpenApiTypes.INT,
            f"1-{filters.MAX_PAGE_SIZE} (default {filters.DEFAULT_PAGE_SIZE}).",
        ),
        _query(
            "Cursor",
            OpenApiTypes.STR,
            "Opaque: NextCursor of the previous page (also in its Next link), sent with the"
            " same filters and Ordering (else 400 naming them).",
        ),
        _query(
            "IncludeTotalCount",
            OpenApiTypes.BOOL,
            f"Count every match, up to {filters.MAX_TOTAL_COUNT:,} (default false).",
        ),
    ],
    responses={
        200: OpenApiResponse(CalendarEventPageSerializer, "One page of events."),
        **_errors(400, 401, 403, 503, e400="Bad parameters, each named."),
    },
)
event_get = _op(
    "eventsGet",
    "One event",
    description="Needs events.view_calendarevent.",
    parameters=[
        OpenApiParameter("event_id", OpenApiTypes.INT64, OpenApiParameter.PATH, description="Id")
    ],
    responses={
        200: OpenApiResponse(CalendarEventSerializer, "The event."),
        **_errors(401, 403, 404, 503, e404="`Event <Id> does not exist.` (unknown or deleted)."),
    },
)

BATCH_PATH = "/api/v2/calendar-events/batch"
LIST_PATH = "/api/v2/calendar-events"
TOKEN_PATH = "/api/client/generateAuthenticationToken"
FEED_PATH = "/api/v2/calendar-events/feeds/{secret}.ics"
ERROR_REF = {"$ref": "#/components/schemas/EventsError"}


def postprocess(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: what DRF's schema generator cannot see.

    The batch answers are arrays; the batch bodies hold at most 1000 items; the batch
    DELETE has a body (the generator
    gives bodies to POST, PUT and PATCH only); the iCalendar feed is a plain Django view
    (calendar apps send no bearer token and ask for text/calendar).
    """
    batch = result["paths"][BATCH_PATH]
    for operation in batch.values():  # BatchResultsSerializer is many=False for its examples
        content = operation["responses"]["200"]["content"]["application/json"]
        content["schema"] = {"type": "array", "items": content["schema"]}
    batch["put"]["requestBody"]["content"]["application/json"]["schema"]["maxItems"] = (
        rules.MAX_ITEMS
    )
    batch["delete"]["requestBody"] = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "maxItems": rules.MAX_ITEMS,
                    "items": {"type": "string", "maxLength": rules.MAX_EXTERNAL_ID},
                },
                "examples": {"TwoEvents": {"value": ["xyz-123", "xyz-124"]}},
            }
        },
    }
    result["paths"][FEED_PATH] = {"get": FEED_OPERATION}
    result["paths"][TOKEN_PATH]["get"]["security"] = []  # the key is the credential
    _list_parameters(result)
    return result


def _list_parameters(result: dict[str, Any]) -> None:
    """The list's parameters as generators want them: TypeId refers to the items' enum
    component (one enum, not two), Ordering to its own, PageSize and UserId with their
    ranges in the schema."""
    schemas = result["components"]["schemas"]
    schemas["EventOrdering"] = {
        "type": "string",
        "enum": list(filters.ORDERINGS),
        "description": "Sort key; `-` is descending.",
    }
    refs = {"TypeId": "TypeIdEnum", "Ordering": "EventOrdering"}
    ranges = {
        "PageSize": {"minimum": 1, "maximum": filters.MAX_PAGE_SIZE},
        "UserId": {"minimum": 1, "maximum": rules.MAX_ID},
    }
    for parameter in result["paths"][LIST_PATH]["get"]["parameters"]:
        name = parameter["name"]
        if name in refs:
            parameter["schema"] = {"$ref": f"#/components/schemas/{refs[name]}"}
        parameter["schema"].update(ranges.get(name, {}))


FEED_OPERATION = {
    "operationId": "eventsFeed",
    "summary": "A student's events as iCalendar",
    "description": "For calendar apps to subscribe to. The URL is the credential; staff "
    "issue and revoke it (docs/events.md). Answers GET and HEAD.",
    "tags": TAGS,
    "security": [],
    "parameters": [
        {
            "name": "secret",
            "in": "path",
            "required": True,
            "schema": {"type": "string"},
            "description": "The feed secret (feed_...).",
        },
        *(
            {
                "name": name,
                "in": "query",
                "required": False,
                "schema": {"type": "string", "format": "date-time"},
                "description": f"{text} ISO 8601 date or instant. From and To may be at most "
                f"{rules.FEED_MAX_SPAN.days} days apart.",
            }
            for name, text in (
                (
                    "From",
                    f"Events that start at or after this (default: {rules.FEED_DAYS_BACK}"
                    " days before today, 00:00 UTC).",
                ),
                (
                    "To",
                    f"Events that start before this (default: {rules.FEED_DAYS_AHEAD} days"
                    " after today, 00:00 UTC).",
                ),
            )
        ),
    ],
    "responses": {
        "200": {
            "description": "An RFC 5545 iCalendar document of the student's live events "
            f"that start in the window, at most {rules.FEED_MAX_EVENTS}, in StartTime order. "
            "Carries a weak ETag and Last-Modified; HEAD answers the headers only.",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        },
        "304": {"description": "Not modified since If-None-Match / If-Modified-Since."},
        "400": {
            "description": "A bad From or To, each named.",
            "content": {"application/json": {"schema": ERROR_REF}},
        },
        "404": {
            "description": "Unknown or revoked secret, or an inactive student: `Not found.`",
            "content": {"application/json": {"schema": ERROR_REF}},
        },
        "503": {
            "description": ERROR_TEXTS[503],
            "content": {"application/json": {"schema": ERROR_REF}},
        },
    },
}
