from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import CalendarEvent
from tests.factories import UserFactory

from .conftest import BATCH_URL, client_for, event, grant, put_batch, stored

LIST_URL = "/api/v2/calendar-events"


def delete_batch(client, body):
    return client.delete(BATCH_URL, body, format="json")


@pytest.fixture
def two(student):
    return (
        stored("a", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z"),
        stored("b", student, "2026-01-02T10:00Z", "2026-01-02T11:00Z"),
    )


def test_delete_answers_in_the_batch_shape_and_leaves_tombstones(reader, two):
    a, b = two
    before = timezone.now()

    response = delete_batch(reader, ["b", "a"])

    assert response.status_code == 200
    assert response.json() == [
        {"Id": b.pk, "ExternalId": "b", "ErrorMessage": None, "IsSuccessful": True},
        {"Id": a.pk, "ExternalId": "a", "ErrorMessage": None, "IsSuccessful": True},
    ]
    for tombstone in CalendarEvent.objects.all():
        assert tombstone.deleted_at >= before
        assert tombstone.updated_at == tombstone.deleted_at
    assert reader.get(LIST_URL).json()["Items"] == []
    assert reader.get(f"{LIST_URL}/{a.pk}").status_code == 404


def test_unknown_external_id_fails_and_nothing_is_deleted(reader, two):
    response = delete_batch(reader, ["a", "nope", "b", "gone"])

    assert response.status_code == 200
    assert response.json() == [
        {
            "ExternalId": "nope",
            "ErrorMessage": "Event 'nope' does not exist.",
            "IsSuccessful": False,
        },
        {
            "ExternalId": "gone",
            "ErrorMessage": "Event 'gone' does not exist.",
            "IsSuccessful": False,
        },
    ]
    assert CalendarEvent.objects.live().count() == 2


def test_deleting_twice_is_an_item_error(reader, two):
    delete_batch(reader, ["a"])
    assert delete_batch(reader, ["a"]).json() == [
        {"ExternalId": "a", "ErrorMessage": "Event 'a' does not exist.", "IsSuccessful": False}
    ]


def test_duplicates_fail_both(reader, two):
    message = "ExternalId 'a' appears more than once in the batch."
    assert delete_batch(reader, ["a", "b", "a"]).json() == [
        {"ExternalId": "a", "ErrorMessage": message, "IsSuccessful": False},
        {"ExternalId": "a", "ErrorMessage": message, "IsSuccessful": False},
    ]
    assert CalendarEvent.objects.live().count() == 2


@pytest.mark.parametrize(
    ("item", "external_id", "message"),
    [
        (7, None, "ExternalId must be a string."),
        ({"ExternalId": "a"}, None, "ExternalId must be a string."),
        (None, None, "ExternalId is required."),
        ("  ", "  ", "ExternalId is required."),
        ("x" * 256, "x" * 256, "ExternalId must be at most 255 characters."),
        ("a\x00", "a\x00", "ExternalId must not contain NUL characters."),
    ],
)
def test_bad_items(reader, two, item, external_id, message):
    response = delete_batch(reader, ["a", item])
    assert response.json() == [
        {"ExternalId": external_id, "ErrorMessage": message, "IsSuccessful": False}
    ]
    assert CalendarEvent.objects.live().count() == 2


def test_empty_array(reader, two):
    assert delete_batch(reader, []).json() == []
    assert CalendarEvent.objects.live().count() == 2


@pytest.mark.parametrize("body", [{"ExternalIds": ["a"]}, "a", 7, None])
def test_body_that_is_not_an_array(reader, two, body):
    response = delete_batch(reader, body)
    assert response.status_code == 400
    assert response.json() == {"Message": "The request body must be a JSON array of ExternalIds."}


def test_empty_body(reader, two):
    response = reader.delete(BATCH_URL)
    assert response.status_code == 400
    assert response.json() == {"Message": "The request body must be a JSON array of ExternalIds."}


def test_malformed_json(reader, two):
    response = reader.delete(BATCH_URL, b'["a",', content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"Message": "The request body is not valid JSON."}


def test_1000_accepted_1001_rejected(reader, student):
    put_batch(reader, [event(f"e{i}", student.pk) for i in range(1000)])

    too_many = delete_batch(reader, [f"e{i}" for i in range(1000)] + ["e0"])
    assert too_many.status_code == 400
    assert too_many.json() == {"Message": "A batch may hold at most 1000 calendar events."}
    assert CalendarEvent.objects.live().count() == 1000

    response = delete_batch(reader, [f"e{i}" for i in range(1000)])
    assert [r["ExternalId"] for r in response.json()] == [f"e{i}" for i in range(1000)]
    assert all(r["IsSuccessful"] for r in response.json())
    assert not CalendarEvent.objects.live().exists()


def test_delete_needs_a_token(db, api_client):
    response = api_client.delete(BATCH_URL, ["a"], format="json")
    assert response.status_code == 401
    assert response.json() == {"Message": "Authorization has been denied for this request."}


def test_delete_needs_the_delete_permission(client, two):
    """The integration may write (add, change) but not delete."""
    response = delete_batch(client, ["a"])
    assert response.status_code == 403
    assert response.json() == {"Message": "You do not have permission to delete calendar events."}
    assert CalendarEvent.objects.live().count() == 2


def test_delete_permission_alone_does_not_allow_writes(student):
    deleter = UserFactory(username="deleter")
    grant(deleter, "delete_calendarevent")
    deleter_client = client_for(deleter)
    stored("a", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")

    assert put_batch(deleter_client, [event("b", student.pk)]).status_code == 403
    assert delete_batch(deleter_client, ["a"]).json()[0]["IsSuccessful"] is True


# Tombstones and sync


def test_tombstones_come_back_with_updated_since_and_include_deleted(reader, two):
    a, _ = two
    mark = timezone.now()
    delete_batch(reader, ["a"])
    tombstone = CalendarEvent.objects.get(pk=a.pk)

    changes = reader.get(LIST_URL, {"UpdatedSince": mark.isoformat(), "IncludeDeleted": "true"})

    [item] = changes.json()["Items"]
    assert item["Id"] == a.pk
    assert item["IsDeleted"] is True
    assert item["DeletedAt"] == tombstone.deleted_at.isoformat().replace("+00:00", "Z")
    assert item["UpdatedAt"] == item["DeletedAt"]
    # Without IncludeDeleted the deletion is invisible; "b" did not change.
    assert reader.get(LIST_URL, {"UpdatedSince": mark.isoformat()}).json()["Items"] == []
    everything = reader.get(LIST_URL, {"IncludeDeleted": "TRUE"}).json()
    assert [(i["ExternalId"], i["IsDeleted"]) for i in everything["Items"]] == [
        ("a", True),
        ("b", False),
    ]
    assert reader.get(LIST_URL, {"IncludeDeleted": "false"}).json()["TotalCount"] == 1


def test_mirroring_with_one_query_per_poll(reader, student):
    """A client that applies each poll's items to its copy ends up with the store."""
    mirror: dict[int, dict] = {}
    since = (timezone.now() - timedelta(days=1)).isoformat()

    def poll() -> None:
        nonlocal since
        params = {"UpdatedSince": since, "IncludeDeleted": "true", "Ordering": "UpdatedAt"}
        items = reader.get(LIST_URL, {**params, "PageSize": 1000}).json()["Items"]
        for item in items:
            if item["IsDeleted"]:
                mirror.pop(item["Id"], None)
            else:
                mirror[item["Id"]] = item
        if items:
            since = items[-1]["UpdatedAt"]

    put_batch(reader, [event(name, student.pk) for name in "abc"])
    poll()
    put_batch(reader, [event("b", student.pk, Title="B")])
    delete_batch(reader, ["a"])
    poll()
    put_batch(reader, [event("a", student.pk, Title="A again"), event("d", student.pk)])
    delete_batch(reader, ["c"])
    poll()

    store = reader.get(LIST_URL).json()["Items"]
    assert mirror == {item["Id"]: item for item in store}
    assert {(i["ExternalId"], i["Title"]) for i in mirror.values()} == {
        ("a", "A again"),
        ("b", "B"),
        ("d", event()["Title"]),
    }


def test_owner_upserting_a_deleted_event_brings_it_back_updated(reader, two):
    a, _ = two
    delete_batch(reader, ["a"])
    deleted_at = CalendarEvent.objects.get(pk=a.pk).updated_at

    [result] = put_batch(reader, [event("a", a.user_id, Title="Back")]).json()

    back = CalendarEvent.objects.get(pk=a.pk)
    assert result == {"Id": a.pk, "ExternalId": "a", "ErrorMessage": None, "IsSuccessful": True}
    assert back.deleted_at is None
    assert back.title == "Back"
    assert back.created_at == a.created_at
    assert back.updated_at > deleted_at
    assert [i["ExternalId"] for i in reader.get(LIST_URL).json()["Items"]] == ["a", "b"]


def test_another_student_cannot_take_a_deleted_event(reader, two):
    a, _ = two
    grace = UserFactory(username="grace")
    delete_batch(reader, ["a"])

    [result] = put_batch(reader, [event("a", grace.pk, Title="Grace's")]).json()

    assert result["ErrorMessage"] == f"Event 'a' is owned by another student ({a.user_id})."
    tombstone = CalendarEvent.objects.get(pk=a.pk)
    assert tombstone.deleted_at is not None
    assert tombstone.title == "Event a"


def test_dry_run_of_a_deleted_event_reports_its_id(reader, two):
    from events.services import calendar_events_upsert

    a, _ = two
    delete_batch(reader, ["a"])
    [result] = calendar_events_upsert(items=[event("a", a.user_id)], dry_run=True)
    assert result["Id"] == a.pk
    assert CalendarEvent.objects.get(pk=a.pk).deleted_at is not None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_deletes_of_one_event_let_exactly_one_win(student):
    """The second delete waits for the first's row lock, then finds a tombstone."""
    import threading
    import time

    from django.db import connection, transaction

    from events.services import calendar_events_delete

    stored("a", student, "2026-01-01T10:00Z", "2026-01-01T11:00Z")
    locked, release = threading.Event(), threading.Event()
    results = {}

    def first() -> None:
        try:
            with transaction.atomic():
                results["first"] = calendar_events_delete(items=["a"])
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    def second() -> None:
        try:
            locked.wait(10)
            results["second"] = calendar_events_delete(items=["a"])
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    locked.wait(10)
    time.sleep(0.3)  # let the second reach the lock (the outcome is the same if not)
    release.set()
    for thread in threads:
        thread.join(10)

    assert results["first"][0]["IsSuccessful"] is True
    assert results["second"] == [
        {"ExternalId": "a", "ErrorMessage": "Event 'a' does not exist.", "IsSuccessful": False}
    ]
    assert CalendarEvent.objects.get().deleted_at is not None


def test_lone_surrogate_is_an_item_error_not_a_500(reader, two):
    response = reader.delete(BATCH_URL, b'["a", "\\ud800"]', content_type="application/json")
    if response.status_code == 200:  # decoded, then refused by the rules
        assert response.json() == [
            {
                "ExternalId": None,
                "ErrorMessage": "ExternalId must be valid Unicode text.",
                "IsSuccessful": False,
            }
        ]
    else:  # or refused by a decoder that knows surrogates are not text
        assert response.json() == {"Message": "The request body is not valid JSON."}
    assert CalendarEvent.objects.live().count() == 2


def test_staff_week_page_leaves_tombstones_out(reader, two):
    from django.test import Client

    delete_batch(reader, ["b"])
    browser = Client()
    browser.force_login(UserFactory(username="boss", password="pw", staff=True))

    page = browser.get(f"/staff/users/{two[0].user_id}/week/", {"date": "2026-01-01"})

    assert page.status_code == 200
    assert 'data-external-id="a"' in page.content.decode()
    assert 'data-external-id="b"' not in page.content.decode()
