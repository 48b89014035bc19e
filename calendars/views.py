"""GRS endpoints under /grs/v1. Thin: access checks here, rules in rules.py, writes in
services.py, reads in selectors.py, answers in serializers.py.

Checks run in this order (docs/grs.md): 401 token; 403 tenant membership, then each
permission the operation needs; 404 package, then calendar; 415 media type (400 for a
body that is not JSON or not an object); 412 lock; 422 fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.http import HttpResponse
from rest_framework import exceptions, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from calendars import rules, schema, selectors, services
from calendars.auth import GrsTokenAuthentication, basic_credentials
from calendars.engine import business_time
from calendars.engine.business_time import CalendarSpec
from calendars.models import BusinessNode, Calendar, Package
from calendars.serializers import (
    calendar_body_json,
    calendar_json,
    calendar_list_entry,
    calendar_written_body_json,
    instant_json,
    package_json,
)
from calendarsite import fastjson
from calendarsite.api import GRS, RememberedNegotiation, error_response, make_exception_handler
from calendarsite.perms import granted
from calendarsite.throttles import CredentialsEndpoint

VIEW, CREATE, MODIFY, DELETE, OVERRIDE = (
    "CALENDAR_VIEW",
    "CALENDAR_CREATE",
    "CALENDAR_MODIFY",
    "CALENDAR_DELETE",
    "OVERRIDE_LOCKS",
)
PACKAGE_CREATE, PACKAGE_MODIFY, PACKAGE_DELETE = rules.PACKAGE_PERMISSIONS

exception_handler = make_exception_handler(
    GRS,
    {
        exceptions.NotAuthenticated: rules.TOKEN_INVALID,
        exceptions.AuthenticationFailed: rules.TOKEN_INVALID,
        exceptions.ParseError: rules.NOT_JSON,
    },
)


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST


def has_permission(request: Request, permission: str) -> bool:
    """Whether the caller holds the GRS ``permission`` (a codename of calendars' models),
    as the session lookup found it (calendarsite/perms.py:granted)."""
    return granted(request, f"calendars.{permission}")


class GrsView(APIView):
    """Base of every GRS endpoint: API-token auth, errors as {"message": ...}."""

    authentication_classes = [GrsTokenAuthentication]
    permission_classes = [IsAuthenticated]
    content_negotiation_class = RememberedNegotiation
    # DRF's rendering byte for byte (calendarsite/fastjson.py), with orjson's speed.
    renderer_classes = [fastjson.JSONRenderer]
    parser_classes = [fastjson.GrsJSONParser]  # DRF's decoding, which the rules need

    def get_exception_handler(self):
        return exception_handler

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # A user whom staff flagged may only change the password (docs/grs.md).
        if request.auth is not None and services.must_change_password(request.user):
            raise services.PasswordChangeRequired

    def require_tenant(self, request: Request, tenant_id: str, *permissions: str) -> None:
        if request.auth.tenant_id == tenant_id:  # asked by the session lookup
            member = request.auth.member
        else:
            member = selectors.tenant_is_member(user=request.user, tenant_id=tenant_id)
        if not member:
            raise exceptions.PermissionDenied(rules.NOT_A_MEMBER)
        for permission in permissions:
            if not has_permission(request, permission):
                raise exceptions.PermissionDenied(rules.permission_missing(permission))


class PackageView(GrsView):
    """Endpoints under /grs/v1/tenant/{tenantId}/package/{packageId}/."""

    def package(self, request: Request, tenant_id: str, package_id: str, *perms: str) -> Package:
        self.require_tenant(request, tenant_id, *perms)
        package = selectors.package_get(tenant_id=tenant_id, package_id=package_id)
        if package is None:
            raise exceptions.NotFound(rules.PACKAGE_NOT_FOUND)
        return package

    def calendar(
        self, request: Request, kwargs: dict[str, str], *perms: str, **options: Any
    ) -> Calendar:
        package = self.package(request, kwargs["tenant_id"], kwargs["package_id"], *perms)
        calendar = selectors.calendar_get(
            package=package, calendar_id=kwargs["calendar_id"], **options
        )
        if calendar is None:
            raise exceptions.NotFound(rules.CALENDAR_NOT_FOUND)
        return calendar

    @staticmethod
    def json_object(request: Request) -> dict[str, Any]:
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise exceptions.UnsupportedMediaType(request.content_type or "")
        data = request.data
        if not isinstance(data, dict):
            raise BadRequest(rules.NOT_AN_OBJECT)
        return data

    @staticmethod
    def require_lock(request: Request, calendar: Calendar) -> None:
        """The early answer; the services check again as they write."""
        if calendar.lock_user_id != request.user.pk or not calendar.lock_is_live():
            raise services.NotLocked


def _calendar_ids(kwargs: Mapping[str, str]) -> dict[str, str]:
    return {key: kwargs[key] for key in ("tenant_id", "package_id", "calendar_id")}


def raise_not_found(ids: Mapping[str, str]) -> None:
    """404 for a calendar that one query did not find. Only on this error path: which of
    package and calendar is missing."""
    if selectors.package_get(tenant_id=ids["tenant_id"], package_id=ids["package_id"]):
        raise exceptions.NotFound(rules.CALENDAR_NOT_FOUND)
    raise exceptions.NotFound(rules.PACKAGE_NOT_FOUND)


class LoginView(CredentialsEndpoint, GrsView):
    @schema.login
    def get(self, request: Request) -> HttpResponse:
        credentials = basic_credentials(request)
        answer = credentials and services.grs_login(
            username=credentials[0], password=credentials[1]
        )
        if not answer:
            response = error_response(GRS, 401, rules.LOGIN_INVALID)
            response["WWW-Authenticate"] = 'Basic realm="GRS"'
            return response
        token, last_login = answer
        response = Response({"apiToken": token, "lastLogin": last_login})
        response["Cache-Control"] = "no-store"
        return response


class TenantsView(GrsView):
    @schema.tenants
    def get(self, request: Request) -> Response:
        tenants = selectors.tenant_list(user=request.user)
        return Response({"tenants": [{"nodeId": t.pk, "name": t.name} for t in tenants]})


class PermissionsView(GrsView):
    @schema.permissions
    def get(self, request: Request, tenant_id: str) -> Response:
        self.require_tenant(request, tenant_id)
        return Response(
            {
                key: perm is not None and has_permission(request, perm)
                for key, perm in rules.PERMISSION_KEYS.items()
            }
        )


class ChangePasswordView(CredentialsEndpoint, GrsView):
    """PUT /grs/v1/changepassword. Basic ``username:apiToken``, or ``username:password``
    (how a user whose login answers 422 Password Change Required gets here: docs/grs.md).
    Rate-limited as login is, since it checks passwords."""

    @staticmethod
    def caller(request: Request) -> Any:
        credentials = basic_credentials(request)
        return credentials and services.grs_user_by_token_or_password(
            username=credentials[0], secret=credentials[1]
        )

    @staticmethod
    def refused() -> HttpResponse:
        response = error_response(GRS, 401, rules.TOKEN_INVALID)
        response["WWW-Authenticate"] = 'Basic realm="GRS"'
        return response

    def options(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        # As every GRS endpoint: OPTIONS needs the credentials too.
        if not self.caller(request):
            return self.refused()
        return super().options(request, *args, **kwargs)

    @schema.change_password
    def put(self, request: Request) -> HttpResponse:
        user = self.caller(request)
        if not user:
            return self.refused()
        data = PackageView.json_object(request)
        services.grs_password_change(user=user, new_password=data.get("newPassword"))
        return Response(status=204)


class CalendarListView(PackageView):
    @schema.calendar_list
    def get(self, request: Request, tenant_id: str, package_id: str) -> Response:
        package = self.package(request, tenant_id, package_id, VIEW)
        listed = selectors.calendar_list_read(package=package)
        for item in listed:
            if item.answer is None:  # the first request to read this calendar's row
                item.answer = calendar_list_entry(item.calendar)
        return Response({"calendars": [item.answer for item in listed]})


class CalendarCreateView(PackageView):
    @schema.calendar_create
    def post(self, request: Request, tenant_id: str, package_id: str) -> HttpResponse:
        package = self.package(request, tenant_id, package_id, VIEW, CREATE)
        values, problems = rules.calendar_parse(self.json_object(request))
        if problems:
            raise services.Invalid(problems)
        calendar = services.calendar_create(package=package, **values)
        return Response(calendar_json(calendar), status=201)


class CalendarView(PackageView):
    @schema.calendar_modify
    def put(self, request: Request, **kwargs: str) -> HttpResponse:
        calendar = self.calendar(request, kwargs, VIEW, MODIFY)
        data = self.json_object(request)
        self.require_lock(request, calendar)
        values, problems = rules.calendar_parse(data)
        if problems:
            raise services.Invalid(problems)
        services.calendar_update(calendar=calendar, session=request.auth.session, **values)
        return Response(calendar_json(calendar))

    @schema.calendar_delete
    def delete(self, request: Request, **kwargs: str) -> Response:
        calendar = self.calendar(request, kwargs, VIEW, DELETE)
        self.require_lock(request, calendar)
        services.calendar_delete(calendar=calendar, session=request.auth.session)
        return Response(status=204)


class CalendarBodyView(PackageView):
    def session_ride(self, request: Request, kwargs: dict[str, str]) -> selectors.Ride | None:
        if request.method != "GET":
            return None
        return selectors.calendar_body_ride(**_calendar_ids(kwargs))

    @schema.body_get
    def get(self, request: Request, **kwargs: str) -> Response:
        if not request.auth.ride_read:
            calendar = self.calendar(request, kwargs, VIEW, with_exceptions=True)
            return Response(calendar_body_json(calendar))
        self.require_tenant(request, kwargs["tenant_id"], VIEW)
        body = request.auth.ride_answer
        if body is None:
            raise_not_found(_calendar_ids(kwargs))
        if body.answer is None:  # the first request to read these rows
            body.answer = calendar_body_json(body.calendar, body.exceptions)
        return Response(body.answer)

    @schema.body_put
    def put(self, request: Request, **kwargs: str) -> HttpResponse:
        calendar = self.calendar(request, kwargs, VIEW, MODIFY)
        data = self.json_object(request)
        self.require_lock(request, calendar)
        values, problems = rules.exceptions_parse(data, rules.calendar_zone(calendar))
        if problems:
            raise services.Invalid(problems)
        created = services.calendar_exceptions_replace(
            calendar=calendar, session=request.auth.session, exceptions=values
        )
        return Response(calendar_written_body_json(calendar, created), status=201)


class LockView(PackageView):
    @schema.lock
    def get(self, request: Request, **kwargs: str) -> Response:
        calendar = self.calendar(request, kwargs, VIEW, MODIFY)
        services.calendar_lock(calendar=calendar, session=request.auth.session)
        return Response(status=204)


class UnlockView(PackageView):
    @schema.unlock
    def get(self, request: Request, **kwargs: str) -> Response:
        calendar = self.calendar(request, kwargs, VIEW, MODIFY)
        services.calendar_unlock(
            calendar=calendar,
            session=request.auth.session,
            override=has_permission(request, OVERRIDE),
        )
        return Response(status=204)


# --- business hierarchy and packages ---------------------------------------------------


class BusinessHierarchyView(GrsView):
    @schema.business_hierarchy
    def get(self, request: Request, tenant_id: str) -> Response:
        self.require_tenant(request, tenant_id)
        return Response({"nodes": selectors.business_hierarchy(tenant_id=tenant_id)})


class BusinessNodeView(GrsView):
    """Endpoints under /grs/v1/tenant/{tenantId}/businessnode/{nodeId}/: a tenant the
    user is not in and a node that is not the tenant's are one 403, as the vendor's."""

    def node(self, request: Request, tenant_id: str, node_id: str, *perms: str) -> BusinessNode:
        try:
            self.require_tenant(request, tenant_id)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(rules.NODE_FORBIDDEN) from None
        node = selectors.business_node_get(tenant_id=tenant_id, node_id=node_id)
        if node is None:
            raise exceptions.PermissionDenied(rules.NODE_FORBIDDEN)
        self.require_tenant(request, tenant_id, *perms)
        return node

    def package_of(self, node: BusinessNode, package_id: str) -> Package:
        package = selectors.node_package_get(node=node, package_id=package_id)
        if package is None:
            raise exceptions.NotFound(rules.NODE_PACKAGE_NOT_FOUND)
        return package


class NodePackagesView(BusinessNodeView):
    @schema.node_packages
    def get(self, request: Request, tenant_id: str, node_id: str) -> Response:
        node = self.node(request, tenant_id, node_id)
        return Response({"packages": [package_json(p) for p in selectors.node_packages(node=node)]})


class NodePackageCreateView(BusinessNodeView):
    @schema.node_package_create
    def post(self, request: Request, tenant_id: str, node_id: str) -> HttpResponse:
        node = self.node(request, tenant_id, node_id, PACKAGE_CREATE)
        values, problems = rules.package_parse(PackageView.json_object(request), create=True)
        package = services.node_package_create(node=node, values=values, problems=problems)
        return Response(package_json(package), status=201)


class NodePackageView(BusinessNodeView):
    @schema.node_package_get
    def get(self, request: Request, tenant_id: str, node_id: str, package_id: str) -> Response:
        node = self.node(request, tenant_id, node_id)
        return Response(package_json(self.package_of(node, package_id)))

    @schema.node_package_modify
    def put(self, request: Request, tenant_id: str, node_id: str, package_id: str) -> HttpResponse:
        node = self.node(request, tenant_id, node_id, PACKAGE_MODIFY)
        package = self.package_of(node, package_id)
        values, problems = rules.package_parse(PackageView.json_object(request), create=False)
        services.node_package_update(package=package, values=values, problems=problems)
        return Response(package_json(package))


# --- business time (docs/business-time.md) --------------------------------------------

# Instants inside which the engine answers (years 2 to 9998, UTC).
_INSTANT_MIN = datetime(2, 1, 1, tzinfo=UTC)
_INSTANT_MAX = datetime(9999, 1, 1, tzinfo=UTC)
# ISO 8601's extended format with a date, hours and minutes and an offset (RFC 3339, with
# seconds optional): checked before fromisoformat, which also reads other forms and stops
# at a NUL byte. ASCII digits only.
_INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})"
)
_MINUTES = re.compile(r"[0-9]+")  # ASCII digits only: no sign, exponent or fraction


def instant_param(params: Mapping[str, Any], name: str) -> datetime:
    """A required parameter holding an ISO 8601 instant: with an offset or Z, since a local
    time alone names no instant (which zone: the calendar's? UTC?)."""
    value = params.get(name, "")
    if not isinstance(value, str):
        value = ""
    try:
        instant = datetime.fromisoformat(value.upper()) if _INSTANT.fullmatch(value) else None
    except ValueError:  # a month 13, a 25th hour
        instant = None
    if instant is None:
        raise BadRequest(rules.instant_invalid(name))
    try:
        in_range = _INSTANT_MIN <= instant < _INSTANT_MAX
    except OverflowError:
        in_range = False
    if not in_range:
        raise BadRequest(rules.instant_out_of_range(name))
    return instant


def minutes_param(params: Mapping[str, Any]) -> int:
    """``minutes``: ASCII digits in a query string; in a bulk question, also a JSON integer."""
    value = params.get("minutes", "")
    if type(value) is int and value >= 0:
        value = str(value)
    if not isinstance(value, str) or not _MINUTES.fullmatch(value):
        raise BadRequest(rules.MINUTES_INVALID)
    if len(value.lstrip("0")) > 12:
        # Over 10^12 minutes (1.9 million years): past the year 9998 from anywhere, and
        # int() of thousands of digits is refused or slow.
        raise BadRequest(rules.ANSWER_TOO_LATE)
    return int(value)


class NoWorkingTimeAfter(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY


def _working(spec: CalendarSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    at = instant_param(params, "at")
    return {"at": instant_json(at), "working": business_time.is_working(spec, at)}


def _next_working(spec: CalendarSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    after = instant_param(params, "after")
    try:
        found = business_time.next_working(spec, after)
    except business_time.NoWorkingTime:
        raise NoWorkingTimeAfter(rules.no_working_time(instant_json(after))) from None
    except business_time.OutOfRange:
        raise BadRequest(rules.NO_WORKING_TIME_BEFORE_9999) from None
    return {"at": instant_json(found)}


def _add(spec: CalendarSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    start = instant_param(params, "start")
    minutes = minutes_param(params)
    if minutes * 60 > (_INSTANT_MAX - start).total_seconds():
        # More minutes than there are before the year 9999, working or not: no need to
        # ask the engine (which would walk there).
        raise BadRequest(rules.ANSWER_TOO_LATE)
    if minutes > rules.MAX_SPAN_MINUTES:
        raise BadRequest(rules.MINUTES_TOO_MANY)
    try:
        end = business_time.add(spec, start, minutes)
    except business_time.NoWorkingTime:
        raise NoWorkingTimeAfter(rules.no_working_time(instant_json(start))) from None
    except business_time.OutOfRange:
        raise BadRequest(rules.ANSWER_TOO_LATE) from None
    return {"end": instant_json(end)}


def _duration(spec: CalendarSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    start = instant_param(params, "start")
    end = instant_param(params, "end")
    if end < start:
        raise BadRequest(rules.END_BEFORE_START)
    if (end - start).total_seconds() > rules.MAX_SPAN_MINUTES * 60:
        raise BadRequest(rules.SPAN_TOO_LONG)
    return {"minutes": business_time.duration(spec, start, end)}


# The four questions by the name a bulk question gives in "op".
QUESTIONS = {
    "working": _working,
    "next-working": _next_working,
    "add": _add,
    "duration": _duration,
}


class BusinessTimeView(PackageView):
    """Base of the four business-time questions: CALENDAR_VIEW, then one query for the
    calendar and its exceptions, then the parameters (400 after 401/403/404, as a body's
    errors come after them elsewhere in GRS), then the engine
    (calendars/engine/business_time.py)."""

    def session_ride(self, request: Request, kwargs: dict[str, str]) -> selectors.Ride | None:
        return selectors.calendar_spec_ride(**_calendar_ids(kwargs))

    def spec(self, request: Request, kwargs: dict[str, str]) -> CalendarSpec:
        ids = _calendar_ids(kwargs)
        self.require_tenant(request, ids["tenant_id"], VIEW)
        if request.auth.ride_read:  # with the session
            spec = request.auth.ride_answer
        else:
            spec = selectors.calendar_business_spec(**ids)
        if spec is None:
            raise_not_found(ids)
        return spec


class WorkingView(BusinessTimeView):
    @schema.bt_working
    def get(self, request: Request, **kwargs: str) -> Response:
        return Response(_working(self.spec(request, kwargs), request.query_params))


class NextWorkingView(BusinessTimeView):
    @schema.bt_next_working
    def get(self, request: Request, **kwargs: str) -> Response:
        return Response(_next_working(self.spec(request, kwargs), request.query_params))


class AddView(BusinessTimeView):
    @schema.bt_add
    def get(self, request: Request, **kwargs: str) -> Response:
        return Response(_add(self.spec(request, kwargs), request.query_params))


class DurationView(BusinessTimeView):
    @schema.bt_duration
    def get(self, request: Request, **kwargs: str) -> Response:
        return Response(_duration(self.spec(request, kwargs), request.query_params))


class BusinessTimeBulkView(BusinessTimeView):
    """Up to 1,000 questions in one request, answered in order against one spec: each
    result is the single endpoint's answer, or its error as {"status", "message"}."""

    @schema.bt_bulk
    def post(self, request: Request, **kwargs: str) -> Response:
        spec = self.spec(request, kwargs)
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type != "application/json":
            raise exceptions.UnsupportedMediaType(request.content_type or "")
        questions = request.data
        if not isinstance(questions, list) or len(questions) > rules.MAX_QUESTIONS:
            raise BadRequest(rules.QUESTIONS_INVALID)
        return Response([_answer(spec, question) for question in questions])


def _answer(spec: CalendarSpec, question: Any) -> dict[str, Any]:
    if not isinstance(question, dict):
        return {"status": 400, "message": rules.QUESTION_NOT_AN_OBJECT}
    ask = QUESTIONS.get(question.get("op")) if isinstance(question.get("op"), str) else None
    if ask is None:
        return {"status": 400, "message": rules.QUESTION_OP_INVALID}
    try:
        return ask(spec, question)
    except exceptions.APIException as error:
        return {"status": error.status_code, "message": str(error.detail)}
