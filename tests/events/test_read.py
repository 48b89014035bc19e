from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from events.models import CalendarEvent
from tests.factories import UserFactory

from .conftest import client_for, event, grant, put_batch, stored

LIST_URL = "/api/v2/calendar-events"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["ExternalId"] for item in response.json()["Items"]]


def test_list_shape(reader, student):
    put_batch(reader, [event("xyz-123", student.pk, StartTime="2018-06-10T22:00:00+02:00")])
    stored_event = CalendarEvent.objects.get()

    response = reader.get(LIST_URL)

    assert response.status_code == 200
    assert response.json() == {
        "Items": [
            {
                "Id": stored_event.pk,
                "ExternalId": "xyz-123",
                "UserId": student.pk,
                "TypeId": 1,
                "StartTime": "2018-06-10T20:00:00Z",
                "EndTime": "2018-06-10T22:00:00Z",
                "Title": "Course FMAR2: Fin. Meas., Analysis & Rept. 2",
                "CreatedAt": stored_event.created_at.isoformat().replace("+00:00", "Z"),
                "UpdatedAt": stored_event.updated_at.isoformat().replace("+00:00", "Z"),
                "IsDeleted": False,
                "DeletedAt": None,
            }
        ],
        "TotalCount": 1,
        "PageSize": 100,
        "Next": None,
        "NextCursor": None,
    }


def test_empty_list(reader):
    assert reader.get(LIST_URL).json() == {
        "Items": [],
        "TotalCount": 0,
        "PageSize": 100,
        "Next": None,
        "NextCursor": None,
    }


@pytest.fixture
def three(student):
    grace = UserFactory(username="grace")
    stored("a", student, "2026-01-01T10:00Z", "2026-01-01T12:00Z", type_id=1)
    stored("b", student, "2026-01-02T10:00Z", "2026-01-02T12:00Z", type_id=2)
    stored("c", grace, "2026-01-03T10:00Z", "2026-01-03T12:00Z", type_id=1)
    return student, grace


def test_filter_by_user(reader, three):
    student, grace = three
    assert ids(reader.get(LIST_URL, {"UserId": student.pk})) == ["a", "b"]
    assert ids(reader.get(LIST_URL, {"UserId": grace.pk})) == ["c"]
    assert ids(reader.get(LIST_URL, {"UserId": 2**63 - 1})) == []


def test_filter_by_type(reader, three):
    assert ids(reader.get(LIST_URL, {"TypeId": 1})) == ["a", "c"]
    assert ids(reader.get(LIST_URL, {"TypeId": 2})) == ["b"]
    assert ids(reader.get(LIST_URL, {"TypeId": 3})) == []


def test_filter_by_window(reader, three):
    assert ids(reader.get(LIST_URL, {"From": "2026-01-02T00:00Z"})) == ["b", "c"]
    assert ids(reader.get(LIST_URL, {"To": "2026-01-02T11:00Z"})) == ["a", "b"]
    window = {"From": "2026-01-02T00:00Z", "To": "2026-01-03T00:00Z"}
    assert ids(reader.get(LIST_URL, window)) == ["b"]


def test_filter_by_updated_since(reader, three):
    later = timezone.now() + timedelta(minutes=5)
    CalendarEvent.objects.filter(external_id="b").update(updated_at=later)
    assert ids(reader.get(LIST_URL, {"UpdatedSince": later.isoformat()})) == ["b"]
    since = (later + timedelta(microseconds=1)).isoformat()
    assert ids(reader.get(LIST_URL, {"UpdatedSince": since})) == []


def test_filters_combined(reader, three):
    student, _ = three
    params = {"UserId": student.pk, "TypeId": 1, "From": "2026-01-01T00:00Z"}
    assert ids(reader.get(LIST_URL, params)) == ["a"]
    params["To"] = "2026-01-01T10:00Z"
    assert ids(reader.get(LIST_URL, params)) == []


@pytest.mark.parametrize(
    ("window", "found"),
    [
        ({"From": "2026-01-01T12:00Z"}, False),  # the event ends as the window starts
        ({"From": "2026-01-01T11:59:59.999999Z"}, True),
        ({"To": "2026-01-01T10:00Z"}, False),  # the window ends as the event starts
        ({"To": "2026-01-01T10:00:00.000001Z"}, True),
        ({"From": "2026-01-01T10:30Z", "To": "2026-01-01T11:00Z"}, True),  # inside
        ({"From": "2026-01-01T09:00Z", "To": "2026-01-01T13:00Z"}, True),  # around
        ({"From": "2026-01-01T10:00Z", "To": "2026-01-01T12:00Z"}, True),  # the same
        ({"From": "2026-01-01T11:00+02:00", "To": "2026-01-01T12:00+02:00"}, False),
        ({"From": "2026-01-01T11:00", "To": "2026-01-01T11:01"}, True),  # naive is UTC
    ],
)
def test_window_overlap_edges(reader, student, window, found):
    stored("a", student, "2026-01-01T10:00Z", "2026-01-01T12:00Z")
    assert ids(reader.get(LIST_URL, window)) == (["a"] if found else [])


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("StartTime", ["early", "tie-1", "tie-2", "late"]),
        ("-StartTime", ["late", "tie-2", "tie-1", "early"]),
        ("Id", ["late", "tie-1", "early", "tie-2"]),
        ("-Id", ["tie-2", "early", "tie-1", "late"]),
        ("UpdatedAt", ["tie-2", "late", "tie-1", "early"]),
        ("-UpdatedAt", ["early", "tie-1", "late", "tie-2"]),
    ],
)
def test_ordering(reader, student, ordering, expected):
    day = "2026-03-0{}T10:00Z"
    made = [
        stored("late", student, day.format(4), "2026-03-09T00:00Z"),
        stored("tie-1", student, day.format(2), "2026-03-09T00:00Z"),
        stored("early", student, day.format(1), "2026-03-09T00:00Z"),
        stored("tie-2", student, day.format(2), "2026-03-09T00:00Z"),
    ]
    base = datetime(2026, 5, 1, tzinfo=UTC)
    for minutes, name in enumerate(["tie-2", "late", "tie-1", "early"]):
        CalendarEvent.objects.filter(external_id=name).update(
            updated_at=base + timedelta(minutes=minutes)
        )
    assert [e.external_id for e in made] == ["late", "tie-1", "early", "tie-2"]

    assert ids(reader.get(LIST_URL, {"Ordering": ordering})) == expected


def test_default_ordering_is_start_time_then_id(reader, student):
    stored("b", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")
    stored("a", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")
    stored("first", student, "2025-01-01T10:00Z", "2025-01-01T11:00Z")
    assert ids(reader.get(LIST_URL)) == ["first", "b", "a"]


def walk(client, params=None, url=LIST_URL) -> tuple[list[str], list[dict]]:
    """Every page from the first, following Next; returns the ids and the bodies."""
    seen, bodies = [], []
    response = client.get(url, params)
    while True:
        body = response.json()
        assert response.status_code == 200, body
        bodies.append(body)
        seen += [item["ExternalId"] for item in body["Items"]]
        if body["Next"] is None:
            return seen, bodies
        response = client.get(body["Next"])


@pytest.mark.parametrize(("count", "pages"), [(0, 1), (1, 1), (2, 1), (3, 2), (4, 2), (5, 3)])
@pytest.mark.parametrize("ordering", ["StartTime", "-StartTime", "UpdatedAt", "-Id"])
def test_pagination_walks_every_event_once(reader, student, count, pages, ordering):
    for i in range(count):
        # Pairs share a start time, so pages end inside ties.
        stored(f"e{i}", student, f"2026-01-0{1 + i // 2}T10:00Z", "2026-02-01T00:00Z")
    CalendarEvent.objects.update(updated_at=timezone.now())  # all tied

    params = {"PageSize": 2, "Ordering": ordering, "IncludeTotalCount": "true"}
    seen, bodies = walk(reader, params)

    assert sorted(seen) == [f"e{i}" for i in range(count)]
    assert len(bodies) == pages
    assert all(body["TotalCount"] == count and body["PageSize"] == 2 for body in bodies)
    # Not asked, the count is given only when the first page shows every match.
    _, bodies = walk(reader, {"PageSize": 2, "Ordering": ordering})
    assert [body["TotalCount"] for body in bodies] == ([count] if pages == 1 else [None] * pages)
    everything = ids(reader.get(LIST_URL, {"Ordering": ordering}))
    assert seen == everything


def test_next_link_keeps_the_filters(reader, three):
    student, _ = three
    params = {"UserId": student.pk, "PageSize": 1, "Ordering": "-StartTime"}
    first = reader.get(LIST_URL, params).json()

    query = parse_qs(urlsplit(first["Next"]).query)

    assert first["Next"].startswith("http://testserver/api/v2/calendar-events?")
    assert query["UserId"] == [str(student.pk)]
    assert query["Ordering"] == ["-StartTime"]
    assert query["PageSize"] == ["1"]
    assert ids(reader.get(first["Next"])) == ["a"]
    assert reader.get(first["Next"]).json()["Next"] is None


def test_sync_paging_does_not_skip_an_event_updated_meanwhile(reader, student):
    """Offset paging would skip "c" here: "a" moves to the end, everything shifts."""
    for name in "abcd":
        stored(name, student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")
    params = {"Ordering": "UpdatedAt", "PageSize": 2, "UpdatedSince": "2000-01-01T00:00Z"}
    first = reader.get(LIST_URL, params).json()
    assert [item["ExternalId"] for item in first["Items"]] == ["a", "b"]

    put_batch(reader, [event("a", student.pk, Title="Changed")])

    seen, _ = walk(reader, url=first["Next"])
    assert seen == ["c", "d", "a"]


def test_page_size_bounds(reader, student):
    for i in range(3):
        stored(f"e{i}", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")
    assert len(ids(reader.get(LIST_URL, {"PageSize": 1}))) == 1
    body = reader.get(LIST_URL, {"PageSize": 1000}).json()
    assert (len(body["Items"]), body["PageSize"], body["Next"]) == (3, 1000, None)


def test_page_of_1000(reader, student):
    put_batch(reader, [event(f"e{i:04}", student.pk) for i in range(1000)])
    stored("last", student, "2030-01-01T00:00Z", "2030-01-01T01:00Z")

    body = reader.get(LIST_URL, {"PageSize": 1000, "IncludeTotalCount": "true"}).json()

    assert len(body["Items"]) == 1000
    assert body["TotalCount"] == 1001
    assert ids(reader.get(body["Next"])) == ["last"]


PAGE_SIZE_INVALID = "PageSize must be an integer from 1 to 1000."
CURSOR_INVALID = "Cursor is not valid; use the Next link of the previous page."


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"UserId": "abc"}, "UserId must be a positive 64-bit integer."),
        ({"UserId": "1.5"}, "UserId must be a positive 64-bit integer."),
        ({"UserId": "0"}, "UserId must be a positive 64-bit integer."),
        ({"UserId": "-1"}, "UserId must be a positive 64-bit integer."),
        ({"UserId": "+1"}, "UserId must be a positive 64-bit integer."),
        ({"UserId": "1_0"}, "UserId must be a positive 64-bit integer."),
        ({"UserId": str(2**63)}, "UserId must be a positive 64-bit integer."),
        ({"UserId": "9" * 40}, "UserId must be a positive 64-bit integer."),
        ({"TypeId": "4"}, "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."),
        ({"TypeId": "Class"}, "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."),
        ({"From": "yesterday"}, "From must be an ISO 8601 date/time."),
        ({"To": "2026-13-01"}, "To must be an ISO 8601 date/time."),
        ({"UpdatedSince": "2026-01-01T25:00Z"}, "UpdatedSince must be an ISO 8601 date/time."),
        # A "+" left unencoded in a query string arrives as a space.
        ({"From": "2026-01-01T10:00:00 02:00"}, "From must be an ISO 8601 date/time."),
        ({"From": "2026-01-02T00:00Z", "To": "2026-01-01T00:00Z"}, "From must be before To."),
        ({"From": "2026-01-01T00:00Z", "To": "2026-01-01T00:00Z"}, "From must be before To."),
        ({"IncludeDeleted": "yes"}, "IncludeDeleted must be true or false."),
        (
            {"Ordering": "Title"},
            "Ordering must be one of StartTime, -StartTime, UpdatedAt, -UpdatedAt, Id, -Id.",
        ),
        ({"PageSize": "0"}, PAGE_SIZE_INVALID),
        ({"PageSize": "1001"}, PAGE_SIZE_INVALID),
        ({"PageSize": "ten"}, PAGE_SIZE_INVALID),
        ({"Cursor": "!!!"}, CURSOR_INVALID),
        ({"Cursor": "bm90IGpzb24"}, CURSOR_INVALID),  # "not json"
        ({"Cursor": "W10"}, CURSOR_INVALID),  # []
        ({"Cursor": "x" * 1001}, CURSOR_INVALID),
        ({"IncludeTotalCount": "1"}, "IncludeTotalCount must be true or false."),
    ],
)
def test_bad_parameter_is_400_naming_it(reader, params, message):
    response = reader.get(LIST_URL, params)
    assert response.status_code == 400
    assert response.json() == {"Message": message}


def test_several_bad_parameters_are_named_together(reader):
    response = reader.get(LIST_URL, {"PageSize": "x", "UserId": "x", "From": "x"})
    assert response.status_code == 400
    assert response.json() == {
        "Message": "UserId must be a positive 64-bit integer."
        " From must be an ISO 8601 date/time. " + PAGE_SIZE_INVALID
    }


def forged(position) -> str:
    import base64
    import json

    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode()


def cursor_of(body) -> str:
    cursor = parse_qs(urlsplit(body["Next"]).query)["Cursor"][0]
    assert body["NextCursor"] == cursor
    return cursor


def test_cursor_tampered(reader, student):
    for i in range(3):
        stored(f"e{i}", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")
    for position in (
        ["2026-01-01T10:00:00+00:00", 2**63, {}],
        ["2026-01-01T10:00:00+00:00", "1", {}],
        ["2026-01-01T10:00:00+00:00", True, {}],
        ["tomorrow", 1, {}],
        [None, 1, {}],
        [3, 1, {}],
        ["2026-01-01T10:00:00+00:00", 1],  # no filters
        ["2026-01-01T10:00:00+00:00", 1, []],
        ["StartTime", "2026-01-01T10:00:00+00:00", 1],  # the old shape
    ):
        response = reader.get(LIST_URL, {"Cursor": forged(position)})
        assert response.status_code == 400, position
        assert response.json() == {"Message": CURSOR_INVALID}
    # A well-formed cursor that points nowhere in particular is just a position.
    first = CalendarEvent.objects.get(external_id="e0").pk
    cursor = forged([None, first, {"Ordering": "Id"}])
    assert ids(reader.get(LIST_URL, {"Cursor": cursor, "Ordering": "Id"})) == ["e1", "e2"]


def cursor_mismatch(names: str) -> str:
    return (
        f"Cursor was made for another {names}; send the parameters of the page it came"
        " from, or start again without Cursor."
    )


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ({"Ordering": "-StartTime"}, "Ordering"),
        ({"UserId": None}, "UserId"),
        ({"UserId": 999}, "UserId"),
        ({"TypeId": 2}, "TypeId"),
        ({"From": "2025-06-01T00:00:00+02:00"}, "From"),
        ({"To": None}, "To"),
        ({"UpdatedSince": timezone.now() - timedelta(days=2)}, "UpdatedSince"),
        ({"IncludeDeleted": "false"}, "IncludeDeleted"),
        ({"TypeId": 2, "UserId": None}, "UserId and TypeId"),
    ],
)
def test_cursor_sent_with_other_filters_is_400_naming_them(reader, three, changed, named):
    """A cursor alone (as a generated client sends it) must not silently answer other
    events: it remembers the filters of the page it came from."""
    student, _ = three
    stored("a2", student, "2026-02-01T10:00Z", "2026-02-01T11:00Z", type_id=1)
    params = {
        "UserId": student.pk,
        "TypeId": 1,
        "From": "2025-06-01T00:00Z",
        "To": "2027-01-01T00:00Z",
        "UpdatedSince": timezone.now() - timedelta(days=1),
        "IncludeDeleted": "true",
        "PageSize": 1,
    }
    first = reader.get(LIST_URL, params).json()
    cursor = cursor_of(first)

    # The same filters, spelled otherwise (case, an offset, another PageSize), are the same.
    same = {**params, "From": "2025-06-01T02:00:00+02:00", "PageSize": 5, "includedeleted": "TRUE"}
    del same["IncludeDeleted"]
    assert reader.get(LIST_URL, {**same, "Cursor": cursor}).status_code == 200

    sent = {k: v for k, v in {**params, **changed}.items() if v is not None}
    response = reader.get(LIST_URL, {**sent, "Cursor": cursor})
    assert response.status_code == 400
    assert response.json() == {"Message": cursor_mismatch(named)}


def test_cursor_value_alone_with_the_filters_walks_the_pages(reader, three):
    """What a generated client does: the same parameters plus NextCursor."""
    student, _ = three
    params = {"UserId": student.pk, "PageSize": 1}
    body = reader.get(LIST_URL, params).json()
    seen = [item["ExternalId"] for item in body["Items"]]
    while body["NextCursor"]:
        body = reader.get(LIST_URL, {**params, "Cursor": body["NextCursor"]}).json()
        seen += [item["ExternalId"] for item in body["Items"]]
    assert seen == ids(reader.get(LIST_URL, {"UserId": student.pk}))
    assert body["Next"] is None


def test_total_count_is_capped_when_asked(reader, student, monkeypatch):
    from events import filters

    monkeypatch.setattr(filters, "MAX_TOTAL_COUNT", 3)
    for i in range(4):
        stored(f"e{i}", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")
    counted = {"PageSize": 1, "IncludeTotalCount": "true"}
    assert reader.get(LIST_URL, counted).json()["TotalCount"] is None  # more than 3
    CalendarEvent.objects.filter(external_id="e3").delete()
    assert reader.get(LIST_URL, counted).json()["TotalCount"] == 3
    assert reader.get(LIST_URL, {"PageSize": 1}).json()["TotalCount"] is None  # not asked
    assert reader.get(LIST_URL, {"PageSize": 3}).json()["TotalCount"] == 3  # one page: free


def test_parameter_names_ignore_case(reader, three):
    student, _ = three
    params = {"userid": student.pk, "TYPEID": 2, "ordering": "-StartTime", "pagesize": 5}
    body = reader.get(LIST_URL, params).json()
    assert [item["ExternalId"] for item in body["Items"]] == ["b"]
    assert body["PageSize"] == 5


def test_empty_parameter_is_no_filter(reader, three):
    assert ids(reader.get(LIST_URL, {"UserId": "", "From": ""})) == ["a", "b", "c"]


def test_unknown_parameters_are_ignored(reader, three):
    assert ids(reader.get(LIST_URL, {"Title": "x", "page": 9})) == ["a", "b", "c"]


def test_detail(reader, student):
    made = stored("a", student, "2026-01-01T10:00+01:00", "2026-01-01T12:00Z", type_id=3)

    response = reader.get(f"{LIST_URL}/{made.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body == reader.get(LIST_URL).json()["Items"][0]
    assert (body["Id"], body["TypeId"], body["StartTime"]) == (made.pk, 3, "2026-01-01T09:00:00Z")


@pytest.mark.parametrize("event_id", [0, 999, 2**63 - 1, 2**63, 10**30])
def test_detail_unknown_id_is_404(reader, event_id):
    response = reader.get(f"{LIST_URL}/{event_id}")
    assert response.status_code == 404
    assert response.json() == {"Message": f"Event {event_id} does not exist."}


def test_detail_path_that_is_not_an_id(reader):
    response = reader.get(f"{LIST_URL}/abc")
    assert response.status_code == 404
    assert response.json() == {"Message": "Not found."}


@pytest.mark.parametrize("url", [LIST_URL, f"{LIST_URL}/1"])
def test_reading_needs_a_token(db, api_client, url):
    response = api_client.get(url)
    assert response.status_code == 401
    assert response.json() == {"Message": "Authorization has been denied for this request."}
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("url", [LIST_URL, f"{LIST_URL}/1"])
def test_reading_needs_the_view_permission(client, url):
    """The integration may write events but has not been allowed to read them."""
    response = client.get(url)
    assert response.status_code == 403
    assert response.json() == {"Message": "You do not have permission to view calendar events."}


def test_reading_with_only_the_view_permission(student):
    viewer = UserFactory(username="viewer")
    grant(viewer, "view_calendarevent")
    made = stored("a", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")
    viewer_client = client_for(viewer)
    assert ids(viewer_client.get(LIST_URL)) == ["a"]
    assert viewer_client.get(f"{LIST_URL}/{made.pk}").status_code == 200
    assert put_batch(viewer_client, [event("b", student.pk)]).status_code == 403


def test_list_only_answers_get(reader):
    response = reader.post(LIST_URL, [], format="json")
    assert response.status_code == 405
    assert list(response.json()) == ["Message"]
