"""Fuzz both API families from their OpenAPI document (schemathesis, in-process WSGI).

One test per documented operation. Each draws requests three ways: valid data on the
real tenant, package, calendar, event and feed (so the fuzz reaches the code behind the
access checks), valid data on generated ids, and data that breaks the schema on the
real ids. Every answer must not be a 500, must have a documented status code and
content type, and must match its documented schema. Derandomized: CI replays the same
requests. Run alone: ``.venv/bin/pytest tests/test_fuzz.py`` (docs/openapi.md).
"""

from __future__ import annotations

import base64
import os
import re
from collections import Counter
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Permission
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from calendars import services as grs
from calendars.models import Calendar, CalendarException
from calendars.rules import PACKAGE_PERMISSIONS, PERMISSIONS
from events import rules as event_rules
from events import services as events
from tests.factories import CalendarFactory, EventFactory, PackageFactory, UserFactory

APP = WSGIHandler()
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", APP)
OPERATIONS = sorted(
    (result.ok() for result in SCHEMA.get_all_operations()), key=lambda op: op.label
)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    # Bounded for CI; FUZZ_EXAMPLES=500 digs deeper locally.
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "50")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
PASSWORD = "fuzz-password-1"
# What a WSGI header can carry.
LATIN_1 = st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f")

STATUSES: Counter[tuple[str, int]] = Counter()


@pytest.fixture(scope="module", autouse=True)
def report(request):
    """Prints what was fuzzed, for the lead's report."""
    yield
    if not STATUSES:
        return
    total = sum(STATUSES.values())
    errors = sum(n for (_, status), n in STATUSES.items() if status >= 500)
    by_status = Counter()
    for (_, status), n in STATUSES.items():
        by_status[status] += n
    line = ", ".join(f"{status}: {n}" for status, n in sorted(by_status.items()))
    plugins = request.config.pluginmanager
    with plugins.get_plugin("capturemanager").global_and_fixture_disabled():
        plugins.get_plugin("terminalreporter").write_line(
            f"\nfuzz: {total} requests over {len({op for op, _ in STATUSES})} operations, "
            f"{errors} server errors ({line})"
        )


@pytest.fixture
def in_process(db, settings):
    """Requests go through Django's WSGI handler in this thread, inside the test's
    transaction: Django's test client likewise keeps the per-request connection cleanup
    from closing the test's connection."""
    settings.ALLOWED_HOSTS = ["localhost"]
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def basic(username: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode()


@pytest.fixture
def world(in_process) -> dict[str, Any]:
    """Real credentials and ids: a GRS user with every permission and a live session
    holding the lock of a calendar with exceptions; a 12Twenty integration with every
    events permission, its bearer token, a student with an event and a feed."""
    package = PackageFactory()
    user = UserFactory(username="fuzzer", password=PASSWORD)
    package.tenant.members.add(user)
    user.user_permissions.add(*grs.grs_permissions([*PERMISSIONS, *PACKAGE_PERMISSIONS]))
    session, api_token = grs.grs_session_create(user=user)
    calendar = CalendarFactory(package=package)
    CalendarException.objects.create(
        calendar=calendar,
        name="New Year",
        type="HOLIDAY",
        placement="ANNUAL",
        annual_month=1,
        annual_day=1,
    )
    grs.calendar_lock(calendar=calendar, session=session)

    integration = UserFactory(username="integration")
    integration.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="events").filter(
            codename__endswith="calendarevent"
        )
    )
    _, key = events.api_key_create(user=integration)
    student = UserFactory(username="student")
    event = EventFactory(
        external_id="xyz-123",
        user=student,
        title="Course FMAR2",
        start_time=event_rules.parse_instant("2018-06-10T20:00:00Z"),
        end_time=event_rules.parse_instant("2018-06-10T22:00:00Z"),
    )
    _, feed_secret = events.feed_token_create(user=student)
    return {
        "grs_login": {"Authorization": basic("fuzzer", PASSWORD)},
        "grs": {"Authorization": basic("fuzzer", api_token)},
        "events": {"Authorization": f"Bearer {events.api_token_issue(key=key)}"},
        "path": {
            "tenantId": package.tenant_id,
            "packageId": str(package.pk),
            "nodeId": package.node_id,
            "calendarId": calendar.external_id,
            "Id": event.pk,
            "secret": feed_secret,
        },
        "query": {"key": key},
        "student": student.pk,
        "calendar": calendar,
    }


def headers_for(operation, world: dict[str, Any]) -> dict[str, str]:
    if operation.path == "/grs/v1/login":
        return world["grs_login"]
    if operation.path.startswith("/grs/"):
        return world["grs"]
    return world["events"]


ZONES = ["EST", "America/New_York", "Europe/Paris", "Asia/Kolkata", "UTC"]


def realistic(case, student: int, zone: str):
    """Bodies that pass more of the rules, so that the fuzz also reaches the writes:
    batch items of a real student with their times in order; calendars in a real zone."""
    body = case.body
    if case.operation.path.endswith("/batch") and case.method == "PUT" and isinstance(body, list):
        for index, item in enumerate(body):
            if isinstance(item, dict):
                item["UserId"] = student
                item["ExternalId"] = f"fuzz-{index}-{str(item.get('ExternalId'))[:200]}"
                if event_rules.external_id_error(item.get("Title")):
                    item["Title"] = "Course"
                start = event_rules.parse_instant(item.get("StartTime"))
                end = event_rules.parse_instant(item.get("EndTime"))
                if start and end and end < start:
                    item["StartTime"], item["EndTime"] = item["EndTime"], item["StartTime"]
    if isinstance(body, dict) and "timeZoneId" in body:
        body["timeZoneId"] = zone
    return case


def strategy(operation, world: dict[str, Any]):
    """Valid data on the real ids (made realistic), valid data on generated ids, data
    that breaks the schema on the real ids, and valid data with a missing or garbage
    Authorization header."""
    names = {p.name for p in operation.path_parameters}
    real_path = {k: v for k, v in world["path"].items() if k in names} or None
    query = world["query"] if operation.path.endswith("generateAuthenticationToken") else None
    headers = headers_for(operation, world)
    real = st.builds(
        realistic,
        operation.as_strategy(path_parameters=real_path, headers=headers, query=query),
        st.just(world["student"]),
        st.sampled_from(ZONES),
    )
    garbage = st.one_of(
        st.just(""),
        st.sampled_from(["Basic ", "Bearer ", "basic ", ""]).flatmap(
            # No leading whitespace: an HTTP client cannot send it.
            lambda scheme: st.text(alphabet=LATIN_1, max_size=60).map(
                lambda text: (scheme + text).strip()
            )
        ),
    )
    return st.one_of(
        real,
        operation.as_strategy(headers=headers),
        operation.as_strategy(GenerationMode.NEGATIVE, path_parameters=real_path, headers=headers),
        garbage.flatmap(
            lambda auth: operation.as_strategy(
                path_parameters=real_path, headers={"Authorization": auth}
            )
        ),
    )


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.label)
def test_fuzz(operation, world):
    @FUZZ
    @given(case=strategy(operation, world))
    def fuzz(case):
        response = case.call()
        STATUSES[operation.label, response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    fuzz()


def test_fuzz_reached_past_the_access_checks(world):
    """The real-id strategy is what makes the fuzz worth running: check that it is
    wired (a real-id request on the calendar answers 200, not 403/404)."""
    operation = SCHEMA["/grs/v1/tenant/{tenantId}/package/{packageId}/calendars"]["GET"]
    path = {k: world["path"][k] for k in ("tenantId", "packageId")}
    response = operation.Case(path_parameters=path, headers=world["grs"]).call()
    assert response.status_code == 200
    assert response.json()["calendars"][0]["extCalendarId"] == world["calendar"].external_id
    assert Calendar.objects.count() == 1


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def concrete(path: str, world: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(world["path"][m[1]]), path)


def family_error(response, status: int, path: str) -> None:
    assert response.status_code == status, (path, response.status_code, response.content)
    key = "message" if path.startswith("/grs/") else "Message"
    assert list(response.json()) == [key], (path, response.content)


def test_undocumented_methods_answer_405_with_allow(world, client):
    """What schemathesis does not send: every method the document does not list, with
    valid credentials, is 405 in the family's shape with an Allow header (RFC 9110)."""
    for path, operations in SCHEMA.raw_schema["paths"].items():
        documented = {method.upper() for method in operations}
        headers = headers_for(SCHEMA[path][next(iter(documented))], world)
        for method in set(METHODS) - documented:
            response = client.generic(
                method,
                concrete(path, world),
                HTTP_HOST="localhost",
                HTTP_AUTHORIZATION=headers["Authorization"],
            )
            family_error(response, 405, path)
            assert documented <= set(response["Allow"].replace(" ", "").split(",")), path


def test_bodies_that_are_not_json_get_the_documented_errors(world, client):
    """Malformed JSON is 400 and another media type 415 wherever a body is taken, in
    the family's shape, as documented."""
    for path, operations in SCHEMA.raw_schema["paths"].items():
        for method, operation in operations.items():
            if "requestBody" not in operation:
                continue
            headers = headers_for(SCHEMA[path][method.upper()], world)
            for body, content_type, status in (
                ('{"name": ', "application/json", 400),
                ("name=x", "text/plain", 415),
            ):
                assert str(status) in operation["responses"], (path, method, status)
                response = client.generic(
                    method.upper(),
                    concrete(path, world),
                    body,
                    content_type=content_type,
                    HTTP_HOST="localhost",
                    HTTP_AUTHORIZATION=headers["Authorization"],
                )
                family_error(response, status, path)
