"""Every answer of the 12Twenty family carries the vendor's headers (issue 13): its
example answer has `Cache-Control: no-cache`, `Pragma: no-cache`, `Expires: -1` and
`Content-Type: application/json; charset=utf-8`. Successes and errors, on every route
under /api/ (the list below must cover the URL resolver's); the feed keeps its own
type and Cache-Control (docs/events.md)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from events.services import api_key_create, feed_token_create

from .conftest import client_for, event, grant, stored

JSON = "application/json; charset=utf-8"
BATCH = "/api/v2/calendar-events/batch"


def api_routes(resolver=None, prefix: str = "") -> set[str]:
    found = set()
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found |= api_routes(entry, route)
        elif isinstance(entry, URLPattern) and route.startswith("api/"):
            found.add(route)
    return found


@pytest.fixture
def world(integration, student):
    grant(integration, "view_calendarevent", "delete_calendarevent")
    stored("e1", student, "2026-06-10T20:00Z", "2026-06-10T21:00Z")
    _, key = api_key_create(user=integration)
    _, secret = feed_token_create(user=student)
    return {
        "client": client_for(integration),
        "key": key,
        "feed": f"/api/v2/calendar-events/feeds/{secret}.ics",
        "student": student,
    }


def answers(world) -> dict[str, list]:
    """(route, description, response) for a success and errors of every route."""
    c, anonymous = world["client"], Client()
    event_id = world["student"].calendar_events.get().pk
    item = event("new-1", world["student"].pk)
    token_url = "/api/client/generateAuthenticationToken"
    return {
        "api/client/generateAuthenticationToken": [
            ("200", anonymous.get(f"{token_url}?key={world['key']}")),
            ("401", anonymous.get(f"{token_url}?key=nope")),
            ("405", anonymous.post(token_url)),
        ],
        "api/v2/calendar-events/batch": [
            ("200 upsert", c.put(BATCH, [item], format="json")),
            ("200 item errors", c.put(BATCH, [dict(item, TypeId=9)], format="json")),
            ("200 delete", c.delete(BATCH, ["new-1"], format="json")),
            ("400", c.put(BATCH, "{", content_type="application/json")),
            ("401", anonymous.put(BATCH, "[]", content_type="application/json")),
            ("415", c.put(BATCH, "x", content_type="text/plain")),
        ],
        "api/v2/calendar-events": [
            ("200", c.get("/api/v2/calendar-events?PageSize=1")),
            ("400", c.get("/api/v2/calendar-events?PageSize=0")),
            ("401", anonymous.get("/api/v2/calendar-events")),
            ("405", c.post("/api/v2/calendar-events")),
        ],
        "api/v2/calendar-events/<int:event_id>": [
            ("200", c.get(f"/api/v2/calendar-events/{event_id}")),
            ("404", c.get("/api/v2/calendar-events/999999")),
            ("401", anonymous.get(f"/api/v2/calendar-events/{event_id}")),
        ],
        "api/v2/calendar-events/feeds/<str:secret>.ics": [
            ("404", anonymous.get("/api/v2/calendar-events/feeds/nope.ics")),
            ("400", anonymous.get(world["feed"] + "?From=x")),
            ("405", anonymous.post(world["feed"])),
        ],
        "unknown": [("404", anonymous.get("/api/v2/nothing-here"))],
    }


def test_every_answer_of_the_family_carries_the_vendors_headers(world):
    found = answers(world)
    documents = {"api/schema/", "api/docs/"}  # not the vendor's API: checked below
    assert set(found) - {"unknown"} == api_routes() - documents
    for route, cases in found.items():
        for description, response in cases:
            where = f"{route} {description}"
            assert response.status_code == int(description[:3]), (where, response.content)
            assert response["Cache-Control"] == "no-cache", where
            assert response["Pragma"] == "no-cache", where
            assert response["Expires"] == "-1", where
            assert response["Content-Type"] == JSON, where


def test_the_feed_keeps_its_type_and_caching_headers(world):
    for response in (Client().get(world["feed"]), Client().head(world["feed"])):
        assert response.status_code == 200
        assert response["Content-Type"] == "text/calendar; charset=utf-8"
        assert response["Cache-Control"] == "private, no-cache"
        assert response["Pragma"] == "no-cache" and response["Expires"] == "-1"
    etag = Client().get(world["feed"])["ETag"]
    not_modified = Client().get(world["feed"], HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified["Cache-Control"] == "private, no-cache"


def test_the_openapi_pages_under_api_are_not_cached_either(db):
    for path in ("/api/schema/", "/api/schema/?format=json", "/api/docs/"):
        response = Client().get(path)
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-cache", path


def test_grs_answers_are_untouched(db):
    response = Client().get("/grs/v1/tenants")
    assert response.status_code == 401
    assert "Pragma" not in response and "Expires" not in response
