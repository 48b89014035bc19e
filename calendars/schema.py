"""The GRS endpoints in the OpenAPI document: request and answer shapes, key for key as
the views write them (calendars/serializers.py), and every documented error.

The serializers here only describe; the views parse with calendars/rules.py (which
reports every invalid field at once, in the vendor's 422 shape) and answer with the
plain functions of calendars/serializers.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers

from calendars import rules
from calendarsite.schema import error_responses

R = OpenApiResponse
TAGS = ["GRS"]
LOGIN_SCHEME = "grsPassword"
TOKEN_SCHEME = "grsApiToken"

SECURITY_SCHEMES = {
    LOGIN_SCHEME: {
        "type": "http",
        "scheme": "basic",
        "description": "`Authorization: Basic base64(username:password)`, for GET "
        "/grs/v1/login only.",
    },
    TOKEN_SCHEME: {
        "type": "http",
        "scheme": "basic",
        "description": (
            "`Authorization: Basic base64(username:apiToken)`, the `apiToken` from "
            "GET /grs/v1/login. A session ends after 30 minutes without a request."
        ),
    },
}


class GrsTokenScheme(OpenApiAuthenticationExtension):
    target_class = "calendars.auth.GrsTokenAuthentication"
    name = TOKEN_SCHEME

    def get_security_definition(self, auto_schema):
        return SECURITY_SCHEMES[TOKEN_SCHEME]


def postprocess(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Postprocessing hook: what DRF's schema generator cannot see. Login reads its Basic
    credentials itself (no DRF authentication class), so its scheme is declared here;
    the generator leaves out a nested list's length limit."""
    components = result.setdefault("components", {})
    components.setdefault("securitySchemes", {})[LOGIN_SCHEME] = SECURITY_SCHEMES[LOGIN_SCHEME]
    body = components["schemas"]["GrsCalendarBodyRequest"]["properties"]["exceptions"]
    body["maxItems"] = rules.MAX_EXCEPTIONS
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if operation.get("operationId") == "grsBusinessTimeBulk":
                questions = operation["requestBody"]["content"]["application/json"]["schema"]
                questions["maxItems"] = rules.MAX_QUESTIONS
            if {TOKEN_SCHEME: []} in operation.get("security", []):
                _password_change_required(operation["responses"])
    return result


def _password_change_required(responses: dict[str, Any]) -> None:
    """Every request with a token of a user whom staff flagged answers 422 Password
    Change Required (docs/grs.md, Sessions); beside a 422 of validation errors, either."""
    flagged = {"$ref": "#/components/schemas/GrsPasswordChangeRequired"}
    text = "Staff flagged the user: Password Change Required (PUT /grs/v1/changepassword)."
    if "422" not in responses:
        responses["422"] = {
            "description": text,
            "content": {"application/json": {"schema": flagged}},
        }
        return
    answer = responses["422"]
    answer["description"] += " Or: " + text
    for media in answer.get("content", {}).values():
        media["schema"] = {"anyOf": [media["schema"], flagged]}


# Shapes -------------------------------------------------------------------------------
# Each is named in the document as its class, less "Serializer" (GrsLogin, ...).


def _serializer(
    name: str, fields: dict[str, serializers.Field], doc: str | None = None
) -> type[serializers.Serializer]:
    """A serializer of ``fields``, which must be made in their order (DRF orders declared
    fields by creation), named ``name`` in the document."""
    return type(f"{name}Serializer", (serializers.Serializer,), {**fields, "__doc__": doc})


class GrsErrorSerializer(serializers.Serializer):
    message = serializers.CharField()


class GrsFieldErrorSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="A string: 1000-1009 (calendar), 1000-1016 (exceptions), 1000-1010 "
        "(packages), 1000-1001 (changepassword); docs/grs.md. Login's Password Change "
        "Required is the vendor's number 1000 with no field."
    )
    field = serializers.CharField(help_text='The JSON key; 1007 and 1008 name it "timeZoneID".')
    message = serializers.CharField()
    index = serializers.IntegerField(
        required=False, help_text="The exception's position in the list (exception errors)."
    )


class GrsValidationErrorSerializer(serializers.Serializer):
    message = serializers.ChoiceField(choices=[rules.VALIDATION_FAILED])
    errors = GrsFieldErrorSerializer(many=True)


class GrsPasswordChangeRequiredErrorSerializer(serializers.Serializer):
    code = serializers.IntegerField(help_text="1000, a number here, as the vendor shows it.")
    message = serializers.CharField()


class GrsPasswordChangeRequiredSerializer(serializers.Serializer):
    message = serializers.ChoiceField(choices=[rules.VALIDATION_FAILED])
    errors = GrsPasswordChangeRequiredErrorSerializer(many=True)


class GrsLoginSerializer(serializers.Serializer):
    apiToken = serializers.CharField()
    lastLogin = serializers.IntegerField(
        help_text="The previous login in epoch milliseconds, 0 for the first."
    )


class GrsTenantSerializer(serializers.Serializer):
    nodeId = serializers.IntegerField()
    name = serializers.CharField()


class GrsTenantsSerializer(serializers.Serializer):
    tenants = GrsTenantSerializer(many=True)


GrsPermissionsSerializer = _serializer(
    "GrsPermissions",
    {
        key: serializers.BooleanField(
            help_text=f"The {perm} permission."
            if perm
            else "Always false: this service has no such feature."
        )
        for key, perm in rules.PERMISSION_KEYS.items()
    },
)


class GrsChangePasswordRequestSerializer(serializers.Serializer):
    newPassword = serializers.CharField(
        help_text="Checked by the same validators as the admin's (AUTH_PASSWORD_VALIDATORS)."
    )


class GrsBusinessNodeSerializer(serializers.Serializer):
    nodeId = serializers.IntegerField()
    name = serializers.CharField()


# Nodes below, of the same shape: declared once the class exists.
GrsBusinessNodeSerializer._declared_fields["children"] = GrsBusinessNodeSerializer(
    many=True, allow_null=True, help_text="Nodes below; null for a leaf."
)


class GrsBusinessHierarchySerializer(serializers.Serializer):
    nodes = GrsBusinessNodeSerializer(many=True, help_text="The tenant's root node, with its tree.")


class GrsTemplateSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField()
    type = serializers.CharField(allow_null=True)
    # "global" is a Python keyword: declared below.
    changeComment = serializers.CharField(allow_null=True)


GrsTemplateSerializer._declared_fields["global"] = serializers.BooleanField()


class GrsTemplateRefSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.IntegerField()


class GrsPackageSerializer(serializers.Serializer):
    packageId = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.CharField(allow_null=True)
    businessName = serializers.CharField(allow_null=True)
    description = serializers.CharField(allow_null=True)
    templates = GrsTemplateSerializer(many=True)


class GrsPackagesSerializer(serializers.Serializer):
    packages = GrsPackageSerializer(many=True)


class GrsPackageCreateRequestSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text="A Java package name: ASCII letters, digits and _, segments joined by "
        "dots, none starting with a digit or being a Java keyword. Unique in the tenant."
    )
    type = serializers.CharField()
    businessName = serializers.CharField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_null=True)
    templates = GrsTemplateRefSerializer(many=True, required=False)


class GrsPackageModifyRequestSerializer(serializers.Serializer):
    businessName = serializers.CharField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_null=True)
    templates = GrsTemplateRefSerializer(many=True, required=False)


def rule_fields(
    field_rules: Iterable[rules.FieldRule], *, request: bool = False, bare: bool = False
) -> dict[str, serializers.Field]:
    """The OpenAPI fields of ``field_rules`` (calendars/rules.py), in their order. A field
    that a placement or type uses is nullable (the vendor answers it null or 0 when
    unused, as 0 stands for unused), and a request may leave it out; ``bare`` leaves out
    descriptions and length limits, as the calendar answers have them."""
    fields: dict[str, serializers.Field] = {}
    for rule in field_rules:
        kwargs: dict[str, Any] = {"help_text": rule.doc} if rule.doc and not bare else {}
        if rule.used_with:
            # A request may send null for an unused field; an answer writes it as the
            # vendor does, 0 (a number) or null (fixedDate, relativeType).
            kwargs |= {
                "required": not request,
                "allow_null": request or rule.key in rules.UNUSED_NULL,
            }
        if rule.choices:
            fields[rule.key] = serializers.ChoiceField(choices=rule.choices, **kwargs)
        elif rule.low is not None:
            low = min(rule.low, 0) if rule.used_with else rule.low
            fields[rule.key] = serializers.IntegerField(
                min_value=low, max_value=rule.high, **kwargs
            )
        else:
            length = {"max_length": rule.max_length} if rule.max_length and not bare else {}
            fields[rule.key] = serializers.CharField(**length, **kwargs)
    return fields


def _calendar_answer(**ids: serializers.Field) -> dict[str, serializers.Field]:
    """A calendar as the answers write it (calendars/serializers.py): its ids, its name,
    the lock, then its other fields."""
    name, *others = rules.CALENDAR_RULES
    return {
        **ids,
        **rule_fields([name], bare=True),
        "locked": serializers.BooleanField(),
        "lockOwner": serializers.CharField(allow_null=True),
        **rule_fields(others, bare=True),
    }


GrsCalendarRequestSerializer = _serializer(
    "GrsCalendarRequest",
    rule_fields(rules.CALENDAR_RULES, request=True),
    "Every field is required; all invalid ones are reported at once (422).",
)
GrsCalendarSerializer = _serializer(
    "GrsCalendar",
    _calendar_answer(calendarId=serializers.CharField(help_text="The external id, Calendar_N.")),
    "Create and modify answers.",
)
GrsCalendarListItemSerializer = _serializer(
    "GrsCalendarListItem",
    _calendar_answer(
        calendarId=serializers.UUIDField(),
        extCalendarId=serializers.CharField(help_text="Calendar_N"),
    ),
)


class GrsCalendarListSerializer(serializers.Serializer):
    calendars = GrsCalendarListItemSerializer(many=True)


# The 13 keys of a calendar exception. Answers carry all of them, unused numbers 0 and
# unused fixedDate and relativeType null (the vendor's); requests need name, type and
# placement, and may leave unused ones out, null or 0.
_EXCEPTION_RULES = rules.EXCEPTION_RULES.values()
GrsExceptionSerializer = _serializer("GrsException", rule_fields(_EXCEPTION_RULES))
GrsExceptionRequestSerializer = _serializer(
    "GrsExceptionRequest",
    rule_fields(_EXCEPTION_RULES, request=True),
)


class GrsCalendarBodyRequestSerializer(serializers.Serializer):
    exceptions = GrsExceptionRequestSerializer(
        many=True,
        max_length=rules.MAX_EXCEPTIONS,
        help_text="Replaces the calendar's exceptions, in this order. Other keys are ignored.",
    )


GrsCalendarBodySerializer = _serializer(
    "GrsCalendarBody",
    {
        **_calendar_answer(
            calendarId=serializers.UUIDField(),
            externalId=serializers.CharField(help_text="Calendar_N"),
        ),
        "exceptions": GrsExceptionSerializer(many=True),
    },
    "GET businesscalendarbody.",
)


class GrsCalendarWrittenBodySerializer(GrsCalendarSerializer):
    """PUT businesscalendarbody: the create answer plus the exceptions."""

    exceptions = GrsExceptionSerializer(many=True)


# Examples, from the vendor's page (grs-create-calendar.txt) ------------------------------

VENDOR_REQUEST = {
    "name": "Dad's Calendar",
    "weekStarts": 6,
    "weekEnds": 7,
    "dayStartsHour": 17,
    "dayStartsMin": 30,
    "dayEndsHour": 23,
    "dayEndsMin": 0,
    "timeZoneId": "EST",
}
VENDOR_RESPONSE = {
    "calendarId": "Calendar_117",
    "name": "Dad's Calendar",
    "locked": False,
    "lockOwner": None,
    **{k: v for k, v in VENDOR_REQUEST.items() if k != "name"},
}
# The vendor's 422 for an empty body: each rule's message for a missing value.
VENDOR_422 = {
    "message": rules.VALIDATION_FAILED,
    "errors": [
        {"code": rule.code, "field": rule.field, "message": rule.problem(None)}
        for rule in sorted(rules.CALENDAR_RULES, key=lambda rule: int(rule.code))
    ],
}
THANKSGIVING = {
    "name": "Thanksgiving",
    "type": "HOLIDAY",
    "placement": "RELATIVE",
    "fixedDate": None,
    "annualMonth": 0,
    "annualDay": 0,
    "relativeType": "FOURTH",
    "relativeDayOfWeek": 5,
    "relativeMonth": 11,
    "timeChangeStartHour": 0,
    "timeChangeStartMin": 0,
    "timeChangeStopHour": 0,
    "timeChangeStopMin": 0,
}
EXCEPTION_422 = {
    "message": "Validation Failed",
    "errors": [
        {
            "code": "1005",
            "field": "relativeType",
            "message": "relativeType is invalid. Must be FIRST, SECOND, THIRD, FOURTH or LAST.",
            "index": 0,
        }
    ],
}

# Errors -------------------------------------------------------------------------------

ERROR_TEXTS = {
    400: f"The body is not JSON (`{rules.NOT_JSON}`) or not a JSON object "
    f"(`{rules.NOT_AN_OBJECT}`).",
    401: f"Missing, unknown or expired token: `{rules.TOKEN_INVALID}`.",
    403: f"Not a member of the tenant (`{rules.NOT_A_MEMBER}`), or a permission is missing "
    "(`User does not have proper permission to perform this operation (CALENDAR_X).`).",
    404: f"`{rules.PACKAGE_NOT_FOUND}` or `{rules.CALENDAR_NOT_FOUND}` (unknown, malformed or "
    "another tenant's id), or `Not found.` for a path that names no endpoint.",
    412: f"`{rules.NOT_LOCKED}`: this session does not hold the calendar's lock.",
    413: "`Request body is too large.`",
    415: "The body is not `application/json`.",
    422: "See the operation.",
    429: "Too many login attempts from this address (see `Retry-After`).",
    503: "The database is unavailable; try again shortly.",
}

ACCESS = (401, 403, 503)
PACKAGE = (*ACCESS, 404)
BODY = (400, 413, 415)


def _errors(*statuses: int, **overrides: str) -> dict[int, OpenApiResponse]:
    return error_responses(GrsErrorSerializer, ERROR_TEXTS, statuses, **overrides)


def _validation(example: dict, description: str) -> OpenApiResponse:
    return OpenApiResponse(
        response=GrsValidationErrorSerializer,
        description=description,
        examples=[OpenApiExample("Validation failed", value=example, status_codes=["422"])],
    )


def _path(name: str, type_: OpenApiTypes, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.PATH, description=description)


TENANT_ID = _path(
    "tenant_id",
    OpenApiTypes.INT64,
    "The tenant's nodeId. Unknown or malformed: 403, as for a tenant you are not in.",
)
PACKAGE_ID = _path("package_id", OpenApiTypes.UUID, "The rule package. Unknown: 404.")
CALENDAR_ID = _path(
    "calendar_id",
    OpenApiTypes.STR,
    "The calendar's UUID (any case) or its external id Calendar_N. Unknown: 404.",
)
IN_PACKAGE = [TENANT_ID, PACKAGE_ID]
IN_CALENDAR = [TENANT_ID, PACKAGE_ID, CALENDAR_ID]


def _op(operation_id: str, summary: str, **kwargs) -> extend_schema:
    return extend_schema(operation_id=operation_id, summary=summary, tags=TAGS, **kwargs)


login = _op(
    "grsLogin",
    "Log in",
    description="HTTP Basic with the password; answers the API token for later requests.",
    auth=[{LOGIN_SCHEME: []}],
    responses={
        200: R(GrsLoginSerializer, "The token for `username:apiToken` from now on."),
        422: OpenApiResponse(
            response=GrsPasswordChangeRequiredSerializer,
            description="Staff flagged the user: change the password first "
            "(PUT /grs/v1/changepassword with `username:password`).",
            examples=[
                OpenApiExample(
                    "Password Change Required",
                    value={
                        "message": "Validation Failed",
                        "errors": [{"code": 1000, "message": "Password Change Required"}],
                    },
                    status_codes=["422"],
                )
            ],
        ),
        **_errors(
            401,
            429,
            503,
            e401=f"Wrong, missing or malformed credentials: `{rules.LOGIN_INVALID}`.",
        ),
    },
)
tenants = _op(
    "grsTenants",
    "Tenants you are a member of",
    responses={200: R(GrsTenantsSerializer, "Tenants you are a member of."), **_errors(401, 503)},
)
permissions = _op(
    "grsPermissions",
    "Your permissions in a tenant",
    parameters=[TENANT_ID],
    responses={200: R(GrsPermissionsSerializer, "Your permissions."), **_errors(*ACCESS)},
)
calendar_list = _op(
    "grsCalendarList",
    "List calendars",
    description="Needs CALENDAR_VIEW.",
    parameters=IN_PACKAGE,
    responses={200: R(GrsCalendarListSerializer, "The package's calendars."), **_errors(*PACKAGE)},
)
calendar_create = _op(
    "grsCalendarCreate",
    "Create a calendar",
    description="Needs CALENDAR_CREATE and CALENDAR_VIEW. Every invalid field is reported "
    "at once, in code order (1000-1007); unknown keys are ignored. A package holds at most "
    "1,000 calendars: past that, 1009 (field calendars).",
    parameters=IN_PACKAGE,
    request=GrsCalendarRequestSerializer,
    responses={
        201: R(GrsCalendarSerializer, "Created."),
        422: _validation(VENDOR_422, "Field validation error, codes 1000-1007, or 1009."),
        **_errors(*PACKAGE, *BODY),
    },
    examples=[
        OpenApiExample("Dad's Calendar", value=VENDOR_REQUEST, request_only=True),
        OpenApiExample(
            "Dad's Calendar", value=VENDOR_RESPONSE, response_only=True, status_codes=["201"]
        ),
    ],
)
calendar_modify = _op(
    "grsCalendarModify",
    "Modify a calendar's own fields",
    description="Needs CALENDAR_MODIFY and the lock (lockcalendar). Same body, rules and "
    "codes as create, plus 1008 (timeZoneID, with index) when the new zone would move a "
    "stored exception's fixedDate outside the years 1 to 9999.",
    parameters=IN_CALENDAR,
    request=GrsCalendarRequestSerializer,
    responses={
        200: R(GrsCalendarSerializer, "Modified."),
        422: _validation(VENDOR_422, "Field validation error, codes 1000-1007."),
        **_errors(*PACKAGE, *BODY, 412),
    },
    examples=[OpenApiExample("Dad's Calendar", value=VENDOR_REQUEST, request_only=True)],
)
calendar_delete = _op(
    "grsCalendarDelete",
    "Delete a calendar",
    description="Needs CALENDAR_DELETE and the lock.",
    parameters=IN_CALENDAR,
    responses={204: R(None, "Deleted."), **_errors(*PACKAGE, 412)},
)
body_get = _op(
    "grsCalendarBodyGet",
    "A calendar with its exceptions",
    description="Needs CALENDAR_VIEW.",
    parameters=IN_CALENDAR,
    responses={200: R(GrsCalendarBodySerializer, "The calendar."), **_errors(*PACKAGE)},
)
body_put = _op(
    "grsCalendarBodyPut",
    "Replace a calendar's exceptions",
    description="Needs CALENDAR_MODIFY and the lock. Answers 201 with the calendar and its "
    "new exceptions. Placement FIXED uses fixedDate; ANNUAL annualMonth and annualDay; "
    "RELATIVE relativeType, relativeDayOfWeek and relativeMonth; type TIME_CHANGE the four "
    f"timeChange fields. Fields that are not used must be absent, null or 0 (else "
    f"{rules.UNUSED_CODE}). "
    "Errors (codes 1000-1016, docs/grs.md; 1002 and 1003 the vendor's) carry the "
    "exception's index. Answers carry all 13 keys, unused numbers 0 and unused fixedDate "
    "and relativeType null, as the vendor's.",
    parameters=IN_CALENDAR,
    request=GrsCalendarBodyRequestSerializer,
    responses={
        201: R(GrsCalendarWrittenBodySerializer, "Exceptions replaced."),
        422: _validation(EXCEPTION_422, "Field validation error, codes 1000-1016 with index."),
        **_errors(*PACKAGE, *BODY, 412),
    },
    examples=[
        OpenApiExample("Thanksgiving", value={"exceptions": [THANKSGIVING]}, request_only=True)
    ],
)
lock = _op(
    "grsCalendarLock",
    "Lock a calendar for editing",
    description="Needs CALENDAR_VIEW and CALENDAR_MODIFY. Relocking your own lock is a 204.",
    parameters=IN_CALENDAR,
    responses={
        204: R(None, "Locked by this session."),
        **_errors(*PACKAGE, 412, e412=f"`{rules.LOCK_HELD}`"),
    },
)
unlock = _op(
    "grsCalendarUnlock",
    "Unlock a calendar",
    description="Needs CALENDAR_VIEW and CALENDAR_MODIFY; another user's lock needs "
    "OVERRIDE_LOCKS. Unlocking a calendar that is not locked is a 204.",
    parameters=IN_CALENDAR,
    responses={
        204: R(None, "Unlocked."),
        **_errors(*PACKAGE, 412, e412=f"`{rules.LOCK_HELD}`"),
    },
)


# Change password, business hierarchy, packages --------------------------------------

change_password = _op(
    "grsChangePassword",
    "Change your password",
    description="Basic `username:apiToken`, or `username:password` (a user whose login "
    "answers 422 Password Change Required has no token). Ends every session of the user, "
    "this one too: log in again with the new password. Rate-limited as login.",
    auth=[{TOKEN_SCHEME: []}, {LOGIN_SCHEME: []}],
    request=GrsChangePasswordRequestSerializer,
    responses={
        204: R(None, "Changed; every session of the user has ended."),
        422: _validation(
            {
                "message": "Validation Failed",
                "errors": [
                    {
                        "code": "1001",
                        "field": "newPassword",
                        "message": "This password is too common.",
                    }
                ],
            },
            "1000 newPassword missing; 1001 each validator's message.",
        ),
        **_errors(401, 429, 503, *BODY),
    },
)
NODE_ID = _path("node_id", OpenApiTypes.INT64, "A business node of the tenant. Other: 403.")
NODE_PACKAGE_ID = _path(
    "package_id", OpenApiTypes.UUID, "A package of the node. Other: 404 (see below)."
)
IN_NODE = [TENANT_ID, NODE_ID]
NODE_403 = f"`{rules.NODE_FORBIDDEN}`, or a permission is missing."
NODE_404 = f"`{rules.NODE_PACKAGE_NOT_FOUND}`"
PACKAGE_422 = {
    "message": "Validation Failed",
    "errors": [
        {"code": "1002", "field": "name", "message": "package name cannot contain java keyword(s)"},
        {
            "code": "1005",
            "field": "templates",
            "message": "specified template: XYZ version: 2 not found",
            "index": 0,
        },
    ],
}
PACKAGE_EXAMPLE = {
    "packageId": "5b1c9c0e-3d0a-4bd4-9d7e-2f8c1b2a7e11",
    "name": "dmd",
    "type": "samples",
    "businessName": "XYZ",
    "description": "SamplePackage",
    "templates": [
        {"name": "XYZ", "version": 1, "type": None, "global": False, "changeComment": None}
    ],
}
business_hierarchy = _op(
    "grsBusinessHierarchy",
    "The tenant's business hierarchy",
    description="Every member sees the whole tree.",
    parameters=[TENANT_ID],
    responses={200: R(GrsBusinessHierarchySerializer, "The tree."), **_errors(*ACCESS)},
    examples=[
        OpenApiExample(
            "ACME",
            value={
                "nodes": [
                    {
                        "nodeId": 346,
                        "name": "ACME Solution",
                        "children": [
                            {"nodeId": 458, "name": "Financial Department", "children": None}
                        ],
                    }
                ]
            },
            response_only=True,
        )
    ],
)
node_packages = _op(
    "grsNodePackages",
    "Packages of a business node",
    description="The packages attached to the node itself, by name. Membership only.",
    parameters=IN_NODE,
    responses={
        200: R(GrsPackagesSerializer, "The node's packages."),
        **_errors(*ACCESS, e403=NODE_403),
    },
    examples=[OpenApiExample("dmd", value={"packages": [PACKAGE_EXAMPLE]}, response_only=True)],
)
node_package_get = _op(
    "grsNodePackage",
    "A package of a business node",
    parameters=[*IN_NODE, NODE_PACKAGE_ID],
    responses={
        200: R(GrsPackageSerializer, "The package."),
        **_errors(*PACKAGE, e403=NODE_403, e404=NODE_404),
    },
)
node_package_create = _op(
    "grsNodePackageCreate",
    "Create a package in a business node",
    description="Needs PACKAGE_CREATE. Every invalid field at once, in code order: the "
    "vendor's 1000-1006, ours 1007-1009 (docs/grs.md); 1010 alone when the tenant holds "
    "1,000 packages already.",
    parameters=IN_NODE,
    request=GrsPackageCreateRequestSerializer,
    responses={
        201: R(GrsPackageSerializer, "Created."),
        422: _validation(PACKAGE_422, "Field validation error, codes 1000-1010."),
        **_errors(*ACCESS, *BODY, e403=NODE_403),
    },
    examples=[
        OpenApiExample(
            "dmd",
            value={k: v for k, v in PACKAGE_EXAMPLE.items() if k != "packageId"}
            | {"templates": [{"name": "XYZ", "version": 1}]},
            request_only=True,
        )
    ],
)
node_package_modify = _op(
    "grsNodePackageModify",
    "Modify a package",
    description="Needs PACKAGE_MODIFY. Only businessName, description and templates "
    "change, each only when sent; other keys are ignored. 422: 1005-1009.",
    parameters=[*IN_NODE, NODE_PACKAGE_ID],
    request=GrsPackageModifyRequestSerializer,
    responses={
        200: R(GrsPackageSerializer, "Modified."),
        422: _validation(PACKAGE_422, "Field validation error."),
        **_errors(*PACKAGE, *BODY, e403=NODE_403, e404=NODE_404),
    },
)


# Business time (docs/business-time.md) --------------------------------------------------

INSTANT = "UTC, ISO 8601 with Z: seconds always, microseconds only when not zero."


class GrsWorkingSerializer(serializers.Serializer):
    at = serializers.DateTimeField(help_text=f"The instant asked about. {INSTANT}")
    working = serializers.BooleanField()


class GrsNextWorkingSerializer(serializers.Serializer):
    at = serializers.DateTimeField(
        help_text=f"The first working instant at or after `after`. {INSTANT}"
    )


class GrsAddSerializer(serializers.Serializer):
    end = serializers.DateTimeField(
        help_text=f"The earliest instant with `minutes` working minutes since `start`. {INSTANT}"
    )


class GrsDurationSerializer(serializers.Serializer):
    minutes = serializers.FloatField(
        min_value=0,
        help_text="Working minutes in [start, end): a whole number when whole, else with "
        "its fraction (09:00:30 to 10:00 is 59.5).",
    )


def _instant(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.DATETIME,
        OpenApiParameter.QUERY,
        required=True,
        description=f"{description} ISO 8601 with an offset or Z (a time without one is a "
        "400); years 2 to 9998 (UTC). Encode `+` as `%2B`.",
    )


BT_400 = "A parameter is missing or invalid; the message names it (docs/business-time.md)."
BT_422 = "`Calendar has no working time after <T>.`: every working day from then on is a holiday."


def _bt(operation_id: str, summary: str, answer, description: str, params, *statuses: int):
    return _op(
        operation_id,
        summary,
        description=f"Needs CALENDAR_VIEW. {description} docs/business-time.md has the rules.",
        parameters=[*IN_CALENDAR, *params],
        responses={
            200: R(answer, "The answer."),
            **_errors(*PACKAGE, 400, *statuses, e400=BT_400, e422=BT_422),
        },
    )


bt_working = _bt(
    "grsBusinessTimeWorking",
    "Is an instant working time",
    GrsWorkingSerializer,
    "Whether `at` is inside the calendar's working time (intervals are half-open).",
    [_instant("at", "The instant.")],
)
bt_next_working = _bt(
    "grsBusinessTimeNextWorking",
    "The next working instant",
    GrsNextWorkingSerializer,
    "The first working instant at or after `after` (`after` itself when it is working).",
    [_instant("after", "From this instant on.")],
    422,
)
bt_add = _bt(
    "grsBusinessTimeAdd",
    "Add working minutes",
    GrsAddSerializer,
    "The earliest instant with exactly `minutes` working minutes between `start` and it; "
    "`minutes=0` answers `start`.",
    [
        _instant("start", "From this instant."),
        OpenApiParameter(
            "minutes",
            OpenApiTypes.INT64,
            OpenApiParameter.QUERY,
            required=True,
            description="Working minutes to add: a whole number, 0 or more (ASCII digits).",
        ),
    ],
    422,
)
bt_duration = _bt(
    "grsBusinessTimeDuration",
    "Working minutes between two instants",
    GrsDurationSerializer,
    "Working minutes in [start, end), start <= end.",
    [_instant("start", "From this instant."), _instant("end", "Up to this instant.")],
)


class GrsBusinessTimeQuestionSerializer(serializers.Serializer):
    op = serializers.ChoiceField(
        choices=["working", "next-working", "add", "duration"], help_text="The question."
    )
    at = serializers.CharField(required=False, help_text="working: the instant.")
    after = serializers.CharField(required=False, help_text="next-working: from this instant.")
    start = serializers.CharField(required=False, help_text="add, duration: from this instant.")
    end = serializers.CharField(required=False, help_text="duration: up to this instant.")
    minutes = serializers.IntegerField(
        required=False, min_value=0, help_text="add: working minutes (or a string of digits)."
    )


class GrsBusinessTimeResultSerializer(serializers.Serializer):
    """One result: the single endpoint's answer, or its error with the status it would have."""

    at = serializers.DateTimeField(required=False, help_text=f"working, next-working. {INSTANT}")
    working = serializers.BooleanField(required=False, help_text="working.")
    end = serializers.DateTimeField(required=False, help_text=f"add. {INSTANT}")
    minutes = serializers.FloatField(required=False, help_text="duration.")
    status = serializers.IntegerField(
        required=False, help_text="On an error: the status the single endpoint answers (400, 422)."
    )
    message = serializers.CharField(
        required=False, help_text="On an error: the single endpoint's message."
    )


BULK_EXAMPLE = [
    {"op": "working", "at": "2026-03-09T13:30:00Z"},
    {"op": "add", "start": "2026-03-06T16:00:00-05:00", "minutes": 90},
    {"op": "duration", "start": "2026-03-06T21:00:00Z", "end": "2026-03-05T14:00:00Z"},
]
BULK_ANSWER = [
    {"at": "2026-03-09T13:30:00Z", "working": True},
    {"end": "2026-03-09T13:30:00Z"},
    {"status": 400, "message": rules.END_BEFORE_START},
]

bt_bulk = _op(
    "grsBusinessTimeBulk",
    "Business-time questions in bulk",
    description=f"Needs CALENDAR_VIEW. A JSON array of up to {rules.MAX_QUESTIONS} questions, "
    'each `{"op": ..., ...}` with the single endpoint\'s parameters, answered in order: one '
    "result per question, the single endpoint's answer or its error as `status` and "
    "`message`. A bad question fails alone; a body that is not such an array is a 400. "
    "docs/business-time.md has the rules.",
    parameters=IN_CALENDAR,
    request=GrsBusinessTimeQuestionSerializer(many=True),
    responses={
        200: R(GrsBusinessTimeResultSerializer(many=True), "One result per question, in order."),
        **_errors(*PACKAGE, *BODY, e400=f"`{rules.QUESTIONS_INVALID}` (or not JSON)"),
    },
    examples=[
        OpenApiExample("Three questions", value=BULK_EXAMPLE, request_only=True),
        OpenApiExample("Their results", value=BULK_ANSWER, response_only=True),
    ],
)
