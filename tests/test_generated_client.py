"""A client nobody here wrote: openapi-python-client generates one from the served
document (once per session, offline), and the README's flows of both families run
through it against a live server (issue 16). docs/openapi.md shows the same steps.
"""

from __future__ import annotations

import base64
import importlib
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from calendars import rules as grs_rules
from calendars import services as grs_services
from calendars.models import Package, Tenant
from events.services import api_key_create
from tests.events.conftest import grant as grant_events
from tests.factories import UserFactory

PACKAGE = "calendar_client"
PASSWORD = "a-Long-pass-phrase-4711"


@pytest.fixture(scope="session")
def generated(tmp_path_factory, django_db_setup, django_db_blocker):
    """The generated package, imported: generated once per session from the document
    the site serves, with no network (the generator reads a file; its formatter is the
    ruff of our venv)."""
    with django_db_blocker.unblock():
        document = Client().get("/api/schema/?format=json")
    assert document.status_code == 200
    root = tmp_path_factory.mktemp("generated")
    (root / "openapi.json").write_bytes(document.content)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(  # noqa: S603 - our venv's generator, fixed arguments
        [
            str(bin_dir / "openapi-python-client"), "generate",
            "--path", str(root / "openapi.json"),
            "--output-path", str(root / PACKAGE), "--meta", "none",
        ],
        cwd=root, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    # Every operation generated: the generator skips (and only warns about) what it
    # cannot express.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))


def op(generated, module: str):
    return importlib.import_module(f"{generated.__name__}.api.{module}")


def model(generated, name: str):
    return getattr(importlib.import_module(f"{generated.__name__}.models"), name)


@pytest.fixture
def server(live_server):
    return live_server.url


def test_12twenty_flow(generated, server):
    integration = UserFactory(username="integration")
    grant_events(
        integration,
        "add_calendarevent",
        "change_calendarevent",
        "view_calendarevent",
        "delete_calendarevent",
    )
    students = [UserFactory(username=f"s{n}") for n in range(2)]
    _, key = api_key_create(user=integration)
    events = "calendar_events"
    Input, TypeId, Ordering = (
        model(generated, name) for name in ("CalendarEventInput", "TypeIdEnum", "EventOrdering")
    )

    # Token: no credentials but the key.
    anonymous = generated.Client(base_url=server, raise_on_unexpected_status=True)
    token = op(generated, f"{events}.events_token").sync(client=anonymous, key=key)
    assert isinstance(token, str) and token
    bad = op(generated, f"{events}.events_token").sync_detailed(client=anonymous, key="nope")
    assert bad.status_code == 401 and bad.parsed.message
    client = generated.AuthenticatedClient(
        base_url=server, token=token, raise_on_unexpected_status=True
    )

    # Batch: a failing item writes nothing and is answered alone; then all succeed.
    start = datetime(2026, 6, 10, 20, tzinfo=UTC)

    def item(n: int, student, type_id=TypeId.CLASS, hours: int = 1):
        return Input(
            external_id=f"gen-{n}",
            user_id=student.pk,
            type_id=type_id,
            start_time=start + timedelta(days=n),
            end_time=start + timedelta(days=n, hours=hours),
            title=f"Course {n}",
        )

    upsert = op(generated, f"{events}.events_batch_upsert")
    failed = upsert.sync(client=client, body=[item(0, students[0]), item(1, students[0], hours=-1)])
    assert [(r.external_id, r.is_successful) for r in failed] == [("gen-1", False)]
    assert failed[0].error_message == "StartTime must be before EndTime"
    body = [item(n, students[n % 2], TypeId.INTERVIEW if n % 3 else TypeId.CLASS) for n in range(7)]
    results = upsert.sync(client=client, body=body)
    assert all(r.is_successful for r in results) and len(results) == 7
    ids = {r.external_id: r.id for r in results}

    # List: student 0's interviews, one per page, following whatever cursor each page
    # gives (a NextCursor value if the answer has one, else the Cursor of its Next link),
    # repeating the filters.
    listing = op(generated, f"{events}.events_list")
    filters = {"user_id": students[0].pk, "type_id": TypeId.INTERVIEW}
    seen, cursor, pages = [], None, 0
    while True:
        page = listing.sync(
            client=client,
            **filters,
            ordering=Ordering.START_TIME_DESC,
            page_size=1,
            **({"cursor": cursor} if cursor else {}),
        )
        pages += 1
        seen += [(e.external_id, e.user_id, e.type_id) for e in page.items]
        cursor = next_cursor(page)
        if cursor is None:
            break
    expected = [
        (f"gen-{n}", students[0].pk, TypeId.INTERVIEW)
        for n in (4, 2)
        if n % 3  # 0 and 6: class
    ]
    assert seen == expected and pages == 2
    # A cursor sent with other filters is refused, naming the parameter.
    first = listing.sync_detailed(client=client, **filters, page_size=1)
    cursor = next_cursor(first.parsed)
    other = listing.sync_detailed(
        client=client, user_id=students[1].pk, type_id=TypeId.INTERVIEW, cursor=cursor
    )
    assert other.status_code == 400 and b"UserId" in other.content
    all_pages, cursor = [], None
    while True:
        more = {"cursor": cursor} if cursor else {}
        page = listing.sync(client=client, page_size=3, include_total_count=True, **more)
        all_pages.append([e.external_id for e in page.items])
        assert page.total_count == 7  # counted on request (docs/events.md, TotalCount)
        if (cursor := next_cursor(page)) is None:
            break
    assert [len(p) for p in all_pages] == [3, 3, 1]
    assert sorted(x for page_ids in all_pages for x in page_ids) == sorted(ids)

    # Detail, then delete, then the detail is 404 in the family's shape.
    detail = op(generated, f"{events}.events_get")
    event = detail.sync(ids["gen-3"], client=client)
    assert (event.external_id, event.title, event.is_deleted) == ("gen-3", "Course 3", False)
    deleted = op(generated, f"{events}.events_batch_delete").sync(client=client, body=["gen-3"])
    assert [(r.external_id, r.is_successful) for r in deleted] == [("gen-3", True)]
    gone = detail.sync_detailed(ids["gen-3"], client=client)
    assert gone.status_code == 404
    assert gone.parsed.message == f"Event {ids['gen-3']} does not exist."


def next_cursor(page) -> str | None:
    value = getattr(page, "next_cursor", None)
    if isinstance(value, str):
        return value
    if not isinstance(page.next_, str):
        return None
    return parse_qs(urlsplit(page.next_).query)["Cursor"][0]


def basic(username: str, secret: str) -> str:
    return base64.b64encode(f"{username}:{secret}".encode()).decode()


def test_grs_flow(generated, server):
    package = Package.objects.create(tenant=Tenant.objects.create(name="ACME"), name="dmd")
    user = UserFactory(username="alice", password=PASSWORD)
    package.tenant.members.add(user)
    user.user_permissions.add(*grs_services.grs_permissions(tuple(grs_rules.PERMISSIONS)))
    grs = "grs"
    Request, BodyRequest, ExceptionRequest, Type, Placement = (
        model(generated, name)
        for name in (
            "GrsCalendarRequest",
            "GrsCalendarBodyRequest",
            "GrsExceptionRequest",
            "TypeEnum",
            "PlacementEnum",
        )
    )

    # Login: HTTP Basic username:password; later requests Basic username:apiToken.
    login_client = generated.AuthenticatedClient(
        base_url=server, prefix="Basic", token=basic("alice", PASSWORD)
    )
    login = op(generated, f"{grs}.grs_login").sync(client=login_client)
    assert login.api_token
    client = generated.AuthenticatedClient(
        base_url=server,
        prefix="Basic",
        token=basic("alice", login.api_token),
        raise_on_unexpected_status=True,
    )
    tenant_id, package_id = package.tenant.pk, package.pk
    assert [t.node_id for t in op(generated, f"{grs}.grs_tenants").sync(client=client).tenants] == [
        tenant_id
    ]

    calendar = op(generated, f"{grs}.grs_calendar_create").sync(
        tenant_id,
        package_id,
        client=client,
        body=Request(
            name="Office",
            week_starts=2,
            week_ends=6,
            day_starts_hour=9,
            day_starts_min=0,
            day_ends_hour=17,
            day_ends_min=0,
            time_zone_id="Europe/Paris",
        ),
    )
    assert (calendar.name, calendar.locked) == ("Office", False)
    ids = (tenant_id, package_id, calendar.calendar_id)

    assert (
        op(generated, f"{grs}.grs_calendar_lock").sync_detailed(*ids, client=client).status_code
        == 204
    )
    christmas = ExceptionRequest(
        name="Christmas",
        type_=Type.HOLIDAY,
        placement=Placement.ANNUAL,
        annual_month=12,
        annual_day=25,
    )
    written = op(generated, f"{grs}.grs_calendar_body_put").sync(
        *ids, client=client, body=BodyRequest(exceptions=[christmas])
    )
    assert [e.name for e in written.exceptions] == ["Christmas"]
    body = op(generated, f"{grs}.grs_calendar_body_get").sync(*ids, client=client)
    assert [(e.name, e.annual_month, e.annual_day) for e in body.exceptions] == [
        ("Christmas", 12, 25)
    ]

    # Business time: Wednesday 24 December 16:00 Paris + 120 working minutes skips
    # Christmas (a Thursday) to Friday 26 at 10:00.
    start = datetime(2025, 12, 24, 15, tzinfo=UTC)
    added = op(generated, f"{grs}.grs_business_time_add").sync(
        *ids, client=client, start=start, minutes=120
    )
    assert added.end == datetime(2025, 12, 26, 9, tzinfo=UTC)

    assert (
        op(generated, f"{grs}.grs_calendar_unlock").sync_detailed(*ids, client=client).status_code
        == 204
    )
    op(generated, f"{grs}.grs_calendar_lock").sync_detailed(*ids, client=client)
    assert (
        op(generated, f"{grs}.grs_calendar_delete").sync_detailed(*ids, client=client).status_code
        == 204
    )
    listed = op(generated, f"{grs}.grs_calendar_list").sync(tenant_id, package_id, client=client)
    assert listed.calendars == []
