"""Who may call what: every endpoint of both API families, by every way of asking
without the right to.

The endpoints come from the URL resolver. Every route it serves must be listed below:
in ENDPOINTS (needs a token, and then the permissions named), in PUBLIC (its own
credential or none), or in NOT_API (the admin and staff pages, behind Django's staff
login). A route in none of them fails ``test_every_route_is_listed``: a new endpoint
cannot ship without its line here, and one line is all it takes. The business-time
endpoints, for instance, will be

    grs("GET", CALENDAR + "/working", VIEW, query="?at=2026-01-05T10:00:00Z"),
    grs("GET", CALENDAR + "/next-working", VIEW, query="?after=2026-01-05T10:00:00Z"),
    grs("GET", CALENDAR + "/add", VIEW, query="?start=2026-01-05T10:00:00Z&minutes=90"),
    grs("GET", CALENDAR + "/duration", VIEW,
        query="?start=2026-01-05T10:00:00Z&end=2026-01-06T10:00:00Z"),

and an OpenAPI document ``Public("GET", "<its route>", 200)``.

Cases, for each endpoint:

- ``allowed``: a member with every permission (holding the lock where one is needed)
  succeeds, so the paths and bodies below are right and the refusals are not accidents;
- ``anonymous``, ``wrong-token``, ``expired-token``: 401 in the family's shape, to the
  endpoint's method and to the implied ones (OPTIONS; HEAD beside GET);
- ``token-of-another-user`` (GRS): Basic ``alice:<bob's valid token>`` is 401 too;
- ``foreign-ids``: GRS: a member of tenant A asking for tenant B's tenant, package and
  calendar ids, through B's path or through A's, gets exactly the bytes that ids which
  exist nowhere get (403 or 404). 12Twenty has no tenants: one deployment serves one
  school, whose integration acts for all its students, so reading and writing are by
  permission alone (docs/events.md, "Access"). There the foreign caller is a token of a
  user without any events permission, and existing and unknown ids get the same 403;
- ``missing-<permission>``: a caller lacking just that permission (or the membership)
  gets 403 naming it, the same bytes whether the ids exist or not, and nothing changes.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils import timezone

from calendars import rules as grs_rules
from calendars import services as grs_services
from calendars.models import Calendar, CalendarException, GrsSession, Package, Tenant
from calendarsite.api import EVENTS, GRS, MESSAGE_KEY
from events.auth import DENIED, CanDeleteEvents, CanReadEvents, CanWriteEvents
from events.models import ApiToken, CalendarEvent
from events.services import api_key_create, api_token_issue
from tests.calendars.conftest import VENDOR_REQUEST
from tests.factories import (
    CalendarFactory,
    EventFactory,
    HolidayFactory,
    PackageFactory,
    UserFactory,
)
from tests.helpers import basic

VIEW, CREATE, MODIFY, DELETE, OVERRIDE = grs_rules.PERMISSIONS
PKG_CREATE, PKG_MODIFY, PKG_DELETE = grs_rules.PACKAGE_PERMISSIONS
EVERY_GRS = (*grs_rules.PERMISSIONS, *grs_rules.PACKAGE_PERMISSIONS)
MEMBER = "membership"  # of the tenant in the path: needed by every tenant-scoped endpoint
EVENT_PERMISSIONS = EV_ADD, EV_CHANGE, EV_VIEW, EV_DELETE = (
    "add_calendarevent",
    "change_calendarevent",
    "view_calendarevent",
    "delete_calendarevent",
)
# The 403 message of a 12Twenty caller without the permission.
EV_DENIED = {
    EV_ADD: CanWriteEvents.message,
    EV_CHANGE: CanWriteEvents.message,
    EV_VIEW: CanReadEvents.message,
    EV_DELETE: CanDeleteEvents.message,
}

TENANT = "tenant/<str:tenant_id>"
PACKAGE = TENANT + "/package/<str:package_id>/"
CALENDAR = PACKAGE + "calendar/<str:calendar_id>"
BODY = PACKAGE + "businesscalendarbody/<str:calendar_id>"
NODE = TENANT + "/businessnode/<str:node_id>/"
NEW_PACKAGE = {"name": "dmd", "type": "samples", "businessName": "XYZ",
               "description": "SamplePackage", "templates": []}  # fmt: skip

CALENDAR_FIELDS = VENDOR_REQUEST
EXCEPTIONS = {
    "exceptions": [
        {
            "name": "New Year",
            "type": "HOLIDAY",
            "placement": "ANNUAL",
            "annualMonth": 1,
            "annualDay": 1,
        }
    ]
}


def upsert_body(ids: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "ExternalId": ids["externalid"],
            "UserId": ids["userid"],
            "TypeId": 1,
            "StartTime": "2026-06-10T20:00:00Z",
            "EndTime": "2026-06-10T22:00:00Z",
            "Title": "Course FMAR2",
        }
    ]


def delete_body(ids: dict[str, Any]) -> list[str]:
    return [ids["externalid"]]


@dataclass(frozen=True)
class Endpoint:
    """An endpoint that needs a token. ``needs``: for GRS the permissions (membership
    is added for tenant-scoped routes), for 12Twenty the permission codenames.
    ``body`` (or a function of the ids giving it) and ``query`` may use the ids."""

    method: str
    route: str
    needs: tuple[str, ...]
    ok: int = 200
    body: Any = None
    query: str = ""
    locked: bool = False  # the caller must hold the calendar's lock to succeed

    @property
    def family(self) -> str:
        return GRS if self.route.startswith("grs/") else EVENTS

    @property
    def id_names(self) -> list[str]:
        return [_norm(name) for name in re.findall(r"<(?:\w+:)?(\w+)>", self.route)]

    def __str__(self) -> str:
        return f"{self.method} {self.route}"


def _norm(name: str) -> str:
    """``calendar_id``, ``calendarId`` and ``calendarid`` name the same id."""
    return name.replace("_", "").lower()


def grs(method: str, route: str, *needs: str, **options: Any) -> Endpoint:
    if "<str:tenant_id>" in route:
        needs = (MEMBER, *needs)
    return Endpoint(method, "grs/v1/" + route, needs, **options)


def twelve(method: str, route: str, *needs: str, **options: Any) -> Endpoint:
    return Endpoint(method, "api/v2/" + route, needs, **options)


ENDPOINTS = [
    grs("GET", "tenants"),
    grs("GET", "permissions/<str:tenant_id>"),
    grs("PUT", "changepassword", ok=204, body={"newPassword": "a-New-long-passphrase-42"}),
    grs("GET", TENANT + "/businesshierarchy"),
    grs("GET", NODE + "packages"),
    grs("GET", NODE + "package/<str:package_id>"),
    grs("POST", NODE + "package", PKG_CREATE, ok=201, body=NEW_PACKAGE),
    grs("PUT", NODE + "package/<str:package_id>", PKG_MODIFY, body={"description": "new"}),
    grs("GET", PACKAGE + "calendars", VIEW),
    grs("POST", PACKAGE + "calendar", VIEW, CREATE, ok=201, body=CALENDAR_FIELDS),
    grs("PUT", CALENDAR, VIEW, MODIFY, body=CALENDAR_FIELDS, locked=True),
    grs("DELETE", CALENDAR, VIEW, DELETE, ok=204, locked=True),
    grs("GET", BODY, VIEW),
    grs("PUT", BODY, VIEW, MODIFY, ok=201, body=EXCEPTIONS, locked=True),
    grs("GET", PACKAGE + "lockcalendar/<str:calendar_id>", VIEW, MODIFY, ok=204),
    grs("GET", PACKAGE + "unlockcalendar/<str:calendar_id>", VIEW, MODIFY, ok=204),
    grs("GET", CALENDAR + "/working", VIEW, query="?at=2026-01-05T10:00:00Z"),
    grs("GET", CALENDAR + "/next-working", VIEW, query="?after=2026-01-05T10:00:00Z"),
    grs("GET", CALENDAR + "/add", VIEW, query="?start=2026-01-05T10:00:00Z&minutes=90"),
    grs(
        "GET",
        CALENDAR + "/duration",
        VIEW,
        query="?start=2026-01-05T10:00:00Z&end=2026-01-06T10:00:00Z",
    ),
    grs(
        "POST",
        CALENDAR + "/business-time",
        VIEW,
        body=[{"op": "working", "at": "2026-01-05T10:00:00Z"}],
    ),
    twelve("GET", "calendar-events", EV_VIEW, query="?UserId={userid}"),
    twelve("GET", "calendar-events/<int:event_id>", EV_VIEW),
    twelve("PUT", "calendar-events/batch", EV_ADD, EV_CHANGE, body=upsert_body),
    twelve("DELETE", "calendar-events/batch", EV_DELETE, body=delete_body),
]


@dataclass(frozen=True)
class Public:
    """An endpoint without a token: its answer to a caller with no credentials."""

    method: str
    route: str
    status: int
    body: Any = None
    query: str = ""


PUBLIC = [
    Public("GET", "grs/v1/login", 401, {"message": grs_rules.LOGIN_INVALID}),
    Public(
        "GET",
        "api/client/generateAuthenticationToken",
        401,
        {"Message": "The API key is not valid."},
        query="?key=key_guess",
    ),
    # The feed's secret is its credential (calendar apps send no headers).
    Public("GET", "api/v2/calendar-events/feeds/<str:secret>.ics", 404, {"Message": "Not found."}),
    # The API's own description: it holds no data.
    Public("GET", "api/schema/", 200),
    Public("GET", "api/docs/", 200),
    # The admin's login form, rate-limited (tests/test_admin_login.py).
    Public("GET", "admin/login/", 200),
    # The front page: what the service is, links; no data.
    Public("GET", "", 200),
    # Operations (docs/operations.md): liveness and readiness are public and say nothing
    # but "ok"; the metrics answer loopback only (METRICS_ALLOWED_ADDRESSES), which the
    # test client is (tests/test_operations.py checks the refusal).
    Public("GET", "healthz", 200, {"status": "ok"}),
    Public("GET", "readyz", 200, {"status": "ok", "database": "ok"}),
    Public("GET", "metrics", 200),
]

# Not an API: behind Django's staff login (admin session), which sends anyone else there.
NOT_API = ["admin/", "staff/users/<int:user_id>/week/", "staff/calendars/<str:calendar_id>/week/"]


# --- the routes the resolver serves --------------------------------------------------


def served_routes() -> set[tuple[str, str]]:
    """``(METHOD, route)`` for class-based views, ``("*", route)`` for function views
    and for the NOT_API prefixes (not walked into)."""
    found: set[tuple[str, str]] = set()

    def walk(patterns: list, prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route in NOT_API:
                    found.add(("*", route))
                else:
                    walk(pattern.url_patterns, route)
                continue
            view = getattr(pattern.callback, "view_class", None)
            if view is None:
                found.add(("*", route))
                continue
            for method in view.http_method_names:
                if method not in ("options", "head") and hasattr(view, method):
                    found.add((method.upper(), route))

    walk(get_resolver().url_patterns, "")
    return found


def declared_routes() -> set[tuple[str, str]]:
    return {(e.method, e.route) for e in [*ENDPOINTS, *PUBLIC]} | {("*", r) for r in NOT_API}


def test_every_route_is_listed():
    served, declared = served_routes(), declared_routes()
    declared_paths = {route for _, route in declared}
    served_paths = {route for _, route in served}
    unlisted = {
        (method, route)
        for method, route in served
        if (method, route) not in declared and not (method == "*" and route in declared_paths)
    }
    assert not unlisted, f"add these to the access matrix: {sorted(unlisted)}"
    stale = {
        (method, route)
        for method, route in declared
        if (method, route) not in served and ("*", route) not in served
    }
    assert not stale, f"listed but not served: {sorted(stale)}"
    assert served_paths == declared_paths


def test_the_matrix_sees_a_new_route(settings):
    """The check above is not vacuous: an unlisted route is reported."""
    from django.urls import clear_url_caches, path

    from calendars import views

    module = type("urls", (), {})()
    module.urlpatterns = [
        *get_resolver().url_patterns,
        path("grs/v1/secret-door", views.TenantsView.as_view()),
    ]
    settings.ROOT_URLCONF = module
    clear_url_caches()
    try:
        assert ("GET", "grs/v1/secret-door") in served_routes() - declared_routes()
    finally:
        clear_url_caches()


# --- the world every case runs in ----------------------------------------------------


@dataclass
class World:
    ids_a: dict[str, Any]
    ids_b: dict[str, Any]
    missing: dict[str, Any]
    tenant_a: Tenant
    tenant_b: Tenant
    calendar_a: Calendar
    calendar_b: Calendar
    alice: Any
    alice_session: GrsSession
    alice_token: str
    bob_token: str
    integration_token: str
    plain_token: str
    extra: dict[str, Any] = field(default_factory=dict)


def grs_member(tenant: Tenant | None, permissions: tuple[str, ...], username: str):
    user = UserFactory(username=username)
    if tenant is not None:
        tenant.members.add(user)
    user.user_permissions.add(*grs_services.grs_permissions(permissions))
    return user


def events_token(username: str, codenames: tuple[str, ...]) -> str:
    user = UserFactory(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="events", codename__in=codenames)
    )
    _, key = api_key_create(user=user)
    return api_token_issue(key=key)


@pytest.fixture
def world(db) -> World:
    package_a, package_b = PackageFactory(), PackageFactory()
    calendar_a = CalendarFactory(package=package_a)
    calendar_b = CalendarFactory(package=package_b)
    HolidayFactory(calendar=calendar_a)
    HolidayFactory(calendar=calendar_b)
    alice = grs_member(package_a.tenant, EVERY_GRS, "alice")
    bob = grs_member(package_b.tenant, EVERY_GRS, "bob")
    alice_session, alice_token = grs_services.grs_session_create(user=alice)
    _, bob_token = grs_services.grs_session_create(user=bob)
    student = UserFactory(username="ada")
    start = timezone.now()
    event = EventFactory(
        external_id="e-1",
        user=student,
        start_time=start,
        title="Interview",
    )
    return World(
        ids_a={
            "tenantid": package_a.tenant_id,
            "packageid": package_a.pk,
            "nodeid": package_a.node_id,
            "calendarid": calendar_a.external_id,
            "eventid": event.pk,
            "userid": student.pk,
            "externalid": event.external_id,
        },
        ids_b={
            "tenantid": package_b.tenant_id,
            "packageid": package_b.pk,
            "nodeid": package_b.node_id,
            "calendarid": calendar_b.external_id,
        },
        missing={
            "tenantid": Tenant.objects.order_by("-pk")[0].pk + 1000,
            "packageid": uuid.uuid4(),
            "nodeid": package_b.node_id + 1000,
            "calendarid": f"Calendar_{Calendar.objects.order_by('-pk')[0].pk + 1000}",
            "eventid": event.pk + 1000,
            "userid": get_user_model().objects.order_by("-pk")[0].pk + 1000,
            "externalid": "never-written",
        },
        tenant_a=package_a.tenant,
        tenant_b=package_b.tenant,
        calendar_a=calendar_a,
        calendar_b=calendar_b,
        alice=alice,
        alice_session=alice_session,
        alice_token=alice_token,
        bob_token=bob_token,
        integration_token=events_token("integration", EVENT_PERMISSIONS),
        plain_token=events_token("plain", ()),
    )


def snapshot() -> list:
    """Everything a request could wrongly change (sessions' last use aside)."""
    models = (Tenant, Package, Calendar, CalendarException, CalendarEvent)
    return [list(model.objects.order_by("pk").values()) for model in models]


def call(
    endpoint: Endpoint | Public, ids: dict[str, Any], auth: str | None = None, method: str = ""
):
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(ids[_norm(m[1])]), endpoint.route)
    body = getattr(endpoint, "body", None)
    body = body(ids) if callable(body) else body
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return Client().generic(
        method or endpoint.method,
        "/" + path + endpoint.query.format(**ids),
        json.dumps(body) if body is not None else "",
        content_type="application/json",
        **headers,
    )


def as_bytes(response) -> tuple:
    """All a client can see of an answer."""
    # X-Request-ID is new on every answer (calendarsite/ops.py), whoever asks.
    headers = sorted((k, v) for k, v in response.items() if k != "X-Request-ID")
    return response.status_code, headers, response.content


def assert_error(response, family: str, status: int, message: str) -> None:
    assert response.status_code == status, response.content
    # 12Twenty answers say their charset, as the vendor's do (docs/events.md, "Headers").
    assert response["Content-Type"] == (
        "application/json; charset=utf-8" if family == EVENTS else "application/json"
    )
    assert response.json() == {MESSAGE_KEY[family]: message}


def alice(world: World) -> str:
    return basic("alice", world.alice_token)


# --- the cases -----------------------------------------------------------------------


def allowed(world: World, endpoint: Endpoint, variant: str) -> None:
    if endpoint.family == GRS:
        if endpoint.locked:
            grs_services.calendar_lock(calendar=world.calendar_a, session=world.alice_session)
        response = call(endpoint, world.ids_a, alice(world))
    else:
        response = call(endpoint, world.ids_a, f"Bearer {world.integration_token}")
    assert response.status_code == endpoint.ok, response.content
    if endpoint.family == EVENTS and endpoint.route.endswith("batch"):
        assert [item["IsSuccessful"] for item in response.json()] == [True]


def unauthenticated(world: World, endpoint: Endpoint, variant: str) -> None:
    grs_family = endpoint.family == GRS
    if variant == "anonymous":
        auth = None
    elif variant == "wrong-token":
        auth = basic("alice", "x" * 43) if grs_family else "Bearer " + "x" * 43
    elif variant == "expired-token":
        if grs_family:
            idle = timedelta(seconds=1 + settings.GRS_SESSION_IDLE_SECONDS)
            GrsSession.objects.update(last_used_at=timezone.now() - idle)
            auth = alice(world)
        else:
            ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
            auth = f"Bearer {world.integration_token}"
    else:  # token-of-another-user: Bob's live token under Alice's name
        auth = basic("alice", world.bob_token)
    before = snapshot()
    # The methods a client does not name in the docs are refused all the same.
    implied = ["OPTIONS", "HEAD"] if endpoint.method == "GET" else ["OPTIONS"]
    for method in [endpoint.method, *implied]:
        response = call(endpoint, world.ids_a, auth, method=method)
        family, message, challenge = (
            (GRS, grs_rules.TOKEN_INVALID, 'Basic realm="GRS"')
            if grs_family
            else (EVENTS, DENIED, "Bearer")
        )
        assert response["WWW-Authenticate"] == challenge
        if method == "HEAD":
            assert (response.status_code, response.content) == (401, b"")
        else:
            assert_error(response, family, 401, message)
    assert snapshot() == before


# GRS foreign-id variants: (name, id kinds the route must have).
GRS_FOREIGN = [
    ("B's-path", "tenantid"),
    ("B's-node-in-A's-path", "nodeid"),
    ("B's-package-in-A's-path", "packageid"),
    ("B's-calendar-UUID-in-A's-package", "calendarid"),
    ("B's-Calendar_N-in-A's-package", "calendarid"),
]


def foreign_ids(world: World, endpoint: Endpoint, variant: str) -> None:
    if endpoint.family == EVENTS:
        # No tenants: a token without the permission cannot tell existing ids from others.
        auth = f"Bearer {world.plain_token}"
        expected = (EVENTS, 403, EV_DENIED[endpoint.needs[0]])
        foreign, unknown = world.ids_a, world.missing
    elif variant == "only-the-callers-password":
        bob = get_user_model().objects.get(username="bob")
        response = call(endpoint, {}, alice(world))
        assert response.status_code == 204
        assert get_user_model().objects.get(username="bob").password == bob.password
        assert call(endpoint, {}, basic("bob", world.bob_token)).status_code == 204
        return
    elif variant == "nothing-of-B-listed":
        response = call(endpoint, {}, alice(world))
        assert response.status_code == 200
        assert response.json() == {
            "tenants": [{"nodeId": world.tenant_a.pk, "name": world.tenant_a.name}]
        }
        assert world.tenant_b.name.encode() not in response.content
        return
    else:
        auth = alice(world)
        a, b, missing = world.ids_a, world.ids_b, world.missing
        in_node = "nodeid" in endpoint.id_names
        if variant == "B's-path":
            foreign, unknown = b, missing
            expected = (GRS, 403, grs_rules.NODE_FORBIDDEN if in_node else grs_rules.NOT_A_MEMBER)
        elif variant == "B's-node-in-A's-path":
            foreign = {**a, "nodeid": b["nodeid"]}
            unknown = {**a, "nodeid": missing["nodeid"]}
            expected = (GRS, 403, grs_rules.NODE_FORBIDDEN)
        elif variant == "B's-package-in-A's-path" and in_node:
            foreign = {**a, "packageid": b["packageid"]}
            unknown = {**a, "packageid": missing["packageid"]}
            expected = (GRS, 404, grs_rules.NODE_PACKAGE_NOT_FOUND)
        elif variant == "B's-package-in-A's-path":
            foreign = {**b, "tenantid": a["tenantid"]}
            unknown = {**missing, "tenantid": a["tenantid"]}
            expected = (GRS, 404, grs_rules.PACKAGE_NOT_FOUND)
        else:
            by_uuid = "UUID" in variant
            foreign = {**a, "calendarid": world.calendar_b.uuid if by_uuid else b["calendarid"]}
            unknown = {**a, "calendarid": uuid.uuid4() if by_uuid else missing["calendarid"]}
            expected = (GRS, 404, grs_rules.CALENDAR_NOT_FOUND)
    before = snapshot()
    answers = [call(endpoint, ids, auth) for ids in (foreign, unknown)]
    assert as_bytes(answers[0]) == as_bytes(answers[1])
    assert_error(answers[0], *expected)
    assert snapshot() == before


def missing_permission(world: World, endpoint: Endpoint, variant: str) -> None:
    lacking = variant.removeprefix("missing-")
    if endpoint.family == GRS:
        user = grs_member(
            None if lacking == MEMBER else world.tenant_a,
            tuple(p for p in EVERY_GRS if p != lacking),
            "carol",
        )
        session, token = grs_services.grs_session_create(user=user)
        if endpoint.locked:  # the lock does not stand in for the permission
            grs_services.calendar_lock(calendar=world.calendar_a, session=session)
        auth = basic("carol", token)
        if lacking == MEMBER:
            unknown = {**world.missing}
            in_node = "nodeid" in endpoint.id_names
            expected = (GRS, 403, grs_rules.NODE_FORBIDDEN if in_node else grs_rules.NOT_A_MEMBER)
        else:
            unknown = {**world.ids_a, **{k: world.missing[k] for k in ("packageid", "calendarid")}}
            expected = (GRS, 403, grs_rules.permission_missing(lacking))
    else:
        token = events_token("carol", tuple(p for p in EVENT_PERMISSIONS if p != lacking))
        auth = f"Bearer {token}"
        unknown = world.missing
        expected = (EVENTS, 403, EV_DENIED[lacking])
    before = snapshot()
    answers = [call(endpoint, ids, auth) for ids in (world.ids_a, unknown)]
    assert as_bytes(answers[0]) == as_bytes(answers[1])
    assert_error(answers[0], *expected)
    assert snapshot() == before


def cases(endpoint: Endpoint) -> list[tuple[Callable, str]]:
    found = [(allowed, "allowed")]
    found += [(unauthenticated, v) for v in ("anonymous", "wrong-token", "expired-token")]
    if endpoint.family == GRS:
        found.append((unauthenticated, "token-of-another-user"))
        kinds = set(endpoint.id_names)
        variants = [name for name, kind in GRS_FOREIGN if kind in kinds]
        if endpoint.route.endswith("changepassword"):
            variants = ["only-the-callers-password"]
        found += [(foreign_ids, v) for v in variants or ["nothing-of-B-listed"]]
    else:
        found.append((foreign_ids, "existing-or-unknown-without-permission"))
    found += [(missing_permission, f"missing-{need}") for need in endpoint.needs]
    return found


MATRIX = [
    pytest.param(endpoint, check, variant, id=f"{endpoint}::{variant}")
    for endpoint in ENDPOINTS
    for check, variant in cases(endpoint)
]


@pytest.mark.parametrize(("endpoint", "check", "variant"), MATRIX)
def test_access(world, endpoint, check, variant):
    check(world, endpoint, variant)


@pytest.mark.parametrize("public", PUBLIC, ids=lambda p: f"{p.method} {p.route}")
def test_public_endpoint_without_credentials(world, public):
    ids = {"secret": "feed_" + "x" * 43}
    response = call(public, ids)
    assert response.status_code == public.status, response.content
    if public.body is not None:
        assert response.json() == public.body


@pytest.mark.parametrize("route", NOT_API)
def test_staff_pages_send_anyone_else_to_the_staff_login(world, route):
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", str(world.ids_a["userid"]), route)
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    # A GRS API session is not a staff login.
    response = Client().get(path, HTTP_AUTHORIZATION=alice(world))
    assert response.status_code == 302


def test_events_reading_is_school_wide_by_permission(world):
    """12Twenty has no tenants: a key whose user holds view_calendarevent reads every
    student's events, so it may tell an Id that exists from one that does not; an Id
    that was deleted answers as one that never existed (docs/events.md, "Access")."""
    detail = ENDPOINTS[
        [str(e) for e in ENDPOINTS].index("GET api/v2/calendar-events/<int:event_id>")
    ]
    reader = f"Bearer {world.integration_token}"
    assert call(detail, world.ids_a, reader).json()["UserId"] == world.ids_a["userid"]
    missing = call(detail, world.missing, reader)
    assert_error(missing, EVENTS, 404, f"Event {world.missing['eventid']} does not exist.")
    CalendarEvent.objects.update(deleted_at=timezone.now())
    deleted = call(detail, world.ids_a, reader)
    assert_error(deleted, EVENTS, 404, f"Event {world.ids_a['eventid']} does not exist.")
