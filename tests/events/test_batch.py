from datetime import UTC, datetime

import pytest

from events import rules
from events.models import CalendarEvent
from tests.factories import EventFactory, UserFactory

from .conftest import event, put_batch


def test_vendor_example_request_gives_vendor_success_shape(client, db):
    student = UserFactory(username="s124", id=124)
    body = [
        event("xyz-123", 124),
        event("xyz-124", 124, Title="Course FMARX: Misc"),
    ]
    response = put_batch(client, body)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    stored = {e.external_id: e for e in CalendarEvent.objects.all()}
    assert response.json() == [
        {
            "Id": stored["xyz-123"].pk,
            "ExternalId": "xyz-123",
            "ErrorMessage": None,
            "IsSuccessful": True,
        },
        {
            "Id": stored["xyz-124"].pk,
            "ExternalId": "xyz-124",
            "ErrorMessage": None,
            "IsSuccessful": True,
        },
    ]
    assert list(response.json()[0]) == ["Id", "ExternalId", "ErrorMessage", "IsSuccessful"]
    assert stored["xyz-124"].title == "Course FMARX: Misc"
    assert stored["xyz-123"].user == student
    assert stored["xyz-123"].start_time == datetime(2018, 6, 10, 20, tzinfo=UTC)


def test_vendor_example_with_errors(client, db):
    owner = UserFactory(username="owner", id=20100323)
    UserFactory(username="s124", id=124)
    EventFactory(
        external_id="xyz-123",
        user=owner,
        start_time=datetime(2018, 1, 1, tzinfo=UTC),
        end_time=datetime(2018, 1, 2, tzinfo=UTC),
        title="theirs",
    )
    body = [
        event("xyz-123", 124),
        event("xyz-124", 124, StartTime="2018-06-10T22:00:00Z", EndTime="2018-06-10T20:00:00Z"),
    ]
    response = put_batch(client, body)

    assert response.status_code == 200
    assert response.json() == [
        {
            "ExternalId": "xyz-123",
            "ErrorMessage": "Event 'xyz-123' is owned by another student (20100323).",
            "IsSuccessful": False,
        },
        {
            "ExternalId": "xyz-124",
            "ErrorMessage": "StartTime must be before EndTime",
            "IsSuccessful": False,
        },
    ]
    assert CalendarEvent.objects.get().title == "theirs"


def test_update_keeps_id_and_created_time(client, student):
    first = put_batch(client, [event("e1", student.pk)]).json()[0]
    created = CalendarEvent.objects.get().created_at

    second = put_batch(client, [event("e1", student.pk, TypeId=2, Title="Moved")]).json()[0]

    stored = CalendarEvent.objects.get()
    assert second["Id"] == first["Id"] == stored.pk
    assert (stored.type_id, stored.title) == (2, "Moved")
    assert stored.created_at == created
    assert stored.updated_at > created


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ExternalId": None}, "ExternalId is required."),
        ({"ExternalId": "  "}, "ExternalId is required."),
        ({"ExternalId": 7}, "ExternalId must be a string."),
        ({"ExternalId": "x" * 256}, "ExternalId must be at most 255 characters."),
        ({"UserId": None}, "UserId is required."),
        ({"UserId": "124"}, "UserId must be a positive 64-bit integer."),
        ({"UserId": 1.5}, "UserId must be a positive 64-bit integer."),
        ({"UserId": True}, "UserId must be a positive 64-bit integer."),
        ({"UserId": 0}, "UserId must be a positive 64-bit integer."),
        ({"UserId": 2**63}, "UserId must be a positive 64-bit integer."),
        ({"UserId": 99}, "User 99 does not exist."),
        ({"UserId": 2**40}, f"User {2**40} does not exist."),
        ({"TypeId": None}, "TypeId is required."),
        ({"TypeId": 4}, "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."),
        ({"TypeId": 0}, "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."),
        ({"TypeId": "1"}, "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."),
        ({"StartTime": None}, "StartTime is required."),
        ({"StartTime": "tomorrow"}, "StartTime must be an ISO 8601 date/time."),
        ({"StartTime": 1528660800}, "StartTime must be an ISO 8601 date/time."),
        ({"EndTime": "2018-13-10T20:00:00Z"}, "EndTime must be an ISO 8601 date/time."),
        ({"EndTime": "2018-06-10T20:00:00Z"}, "StartTime must be before EndTime"),
        ({"EndTime": "2018-06-10T19:00:00Z"}, "StartTime must be before EndTime"),
        ({"Title": None}, "Title is required."),
        ({"Title": ""}, "Title is required."),
        ({"Title": ["a"]}, "Title must be a string."),
        ({"Title": "t" * 501}, "Title must be at most 500 characters."),
        ({"Title": "a\x00b"}, "Title must not contain NUL characters."),
    ],
)
def test_each_rule_has_its_message(client, student, overrides, message):
    item = event("e1", student.pk)
    item.update(overrides)

    response = put_batch(client, [item])

    assert response.status_code == 200
    [result] = response.json()
    assert result["ErrorMessage"] == message
    assert result["IsSuccessful"] is False
    assert not CalendarEvent.objects.exists()


@pytest.mark.parametrize("missing", ["ExternalId", "UserId", "TypeId", "StartTime", "EndTime"])
def test_missing_key_is_required(client, student, missing):
    item = event("e1", student.pk)
    del item[missing]
    [result] = put_batch(client, [item]).json()
    assert result["ErrorMessage"] == f"{missing} is required."


def test_item_with_several_problems_names_them_all(client, student):
    item = event("e1", 99, TypeId=9, EndTime="2018-06-10T19:00:00Z", Title="")
    [result] = put_batch(client, [item]).json()
    assert result == {
        "ExternalId": "e1",
        "ErrorMessage": "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."
        " StartTime must be before EndTime. Title is required. User 99 does not exist.",
        "IsSuccessful": False,
    }


def test_joined_messages_read_as_sentences_and_vendor_texts_alone_stay_exact():
    assert rules.join_messages([rules.START_BEFORE_END]) == "StartTime must be before EndTime"
    owned = rules.owned_by_another("load-test-10", 20100323)
    assert rules.join_messages([owned]) == (
        "Event 'load-test-10' is owned by another student (20100323)."
    )
    assert rules.join_messages([rules.START_BEFORE_END, rules.user_missing(99)]) == (
        "StartTime must be before EndTime. User 99 does not exist."
    )


def test_unknown_user_reported_with_other_problems(client, db):
    [result] = put_batch(client, [event("e1", 99, Title="")]).json()
    assert result["ErrorMessage"] == "Title is required. User 99 does not exist."


def test_item_that_is_not_an_object(client, student):
    response = put_batch(client, [event("ok", student.pk), "nope", 7])
    assert response.json() == [
        {
            "ExternalId": None,
            "ErrorMessage": "Each calendar event must be a JSON object.",
            "IsSuccessful": False,
        },
        {
            "ExternalId": None,
            "ErrorMessage": "Each calendar event must be a JSON object.",
            "IsSuccessful": False,
        },
    ]


def test_all_or_nothing_999_valid_and_one_invalid(client, student):
    body = [event(f"e{i}", student.pk) for i in range(999)]
    body.insert(500, event("bad", student.pk, TypeId=5))

    response = put_batch(client, body)

    assert response.json() == [
        {
            "ExternalId": "bad",
            "ErrorMessage": "TypeId must be 1 (Class), 2 (Interview) or 3 (Other).",
            "IsSuccessful": False,
        }
    ]
    assert CalendarEvent.objects.count() == 0


def test_failures_listed_in_request_order(client, student):
    body = [event("z", student.pk, Title=""), event("ok", student.pk), event("a", 99)]
    results = put_batch(client, body).json()
    assert [r["ExternalId"] for r in results] == ["z", "a"]


def test_event_owned_by_another_student_is_not_updated(client, student):
    other = UserFactory(username="grace")
    put_batch(client, [event("e1", other.pk, Title="Grace's")])

    [result] = put_batch(client, [event("e1", student.pk, Title="Ada's")]).json()

    assert result["ErrorMessage"] == f"Event 'e1' is owned by another student ({other.pk})."
    assert CalendarEvent.objects.get().title == "Grace's"


def test_same_external_id_twice_fails_both(client, student):
    body = [event("dup", student.pk), event("fine", student.pk), event("dup", student.pk)]
    results = put_batch(client, body).json()
    message = "ExternalId 'dup' appears more than once in the batch."
    assert results == [
        {"ExternalId": "dup", "ErrorMessage": message, "IsSuccessful": False},
        {"ExternalId": "dup", "ErrorMessage": message, "IsSuccessful": False},
    ]
    assert not CalendarEvent.objects.exists()


def test_empty_array_writes_nothing(client, db):
    response = put_batch(client, [])
    assert response.status_code == 200
    assert response.json() == []


def test_1000_items_accepted(client, student):
    body = [event(f"e{i}", student.pk) for i in range(1000)]
    response = put_batch(client, body)
    assert response.status_code == 200
    results = response.json()
    assert len(results) == 1000
    assert all(r["IsSuccessful"] for r in results)
    assert [r["ExternalId"] for r in results] == [f"e{i}" for i in range(1000)]
    assert CalendarEvent.objects.count() == 1000
    assert len({r["Id"] for r in results}) == 1000


def test_1001_items_rejected(client, student):
    body = [event(f"e{i}", student.pk) for i in range(1001)]
    response = put_batch(client, body)
    assert response.status_code == 400
    assert response.json() == {"Message": "A batch may hold at most 1000 calendar events."}
    assert not CalendarEvent.objects.exists()


@pytest.mark.parametrize("body", [{"ExternalId": "e1"}, "text", 7, None])
def test_body_that_is_not_an_array(client, db, body):
    response = put_batch(client, body)
    assert response.status_code == 400
    assert response.json() == {
        "Message": "The request body must be a JSON array of calendar events."
    }


@pytest.mark.parametrize("raw", [b"[{", b"[1,]", b"\xff\xfe", b"[NaN]"])
def test_malformed_json(client, db, raw):
    response = client.put("/api/v2/calendar-events/batch", raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"Message": "The request body is not valid JSON."}


def test_empty_body(client, db):
    response = client.put("/api/v2/calendar-events/batch", b"", content_type="application/json")
    assert response.status_code == 400
    assert "Message" in response.json()


def test_wrong_content_type(client, db):
    response = client.put("/api/v2/calendar-events/batch", b"[]", content_type="text/plain")
    assert response.status_code == 415
    assert list(response.json()) == ["Message"]


def test_keys_match_case_insensitively_and_unknown_keys_are_ignored(client, student):
    item = {
        "externalid": "e1",
        "USERID": student.pk,
        "typeId": 3,
        "starttime": "2018-06-10T20:00:00Z",
        "ENDTIME": "2018-06-10T21:00:00Z",
        "tItLe": "Mixed",
        "Location": "ignored",
    }
    [result] = put_batch(client, [item]).json()
    assert result["IsSuccessful"] is True
    assert result["ExternalId"] == "e1"
    assert CalendarEvent.objects.get().title == "Mixed"


def test_offsets_converted_to_utc_and_no_offset_means_utc(client, student):
    body = [
        event(
            "offset",
            student.pk,
            StartTime="2018-06-10T20:00:00+02:00",
            EndTime="2018-06-10T16:30:00-05:00",
        ),
        event(
            "naive", student.pk, StartTime="2018-06-10T20:00:00", EndTime="2018-06-10T21:00:00.250"
        ),
    ]
    assert all(r["IsSuccessful"] for r in put_batch(client, body).json())

    offset = CalendarEvent.objects.get(external_id="offset")
    naive = CalendarEvent.objects.get(external_id="naive")
    assert offset.start_time == datetime(2018, 6, 10, 18, tzinfo=UTC)
    assert offset.end_time == datetime(2018, 6, 10, 21, 30, tzinfo=UTC)
    assert naive.start_time == datetime(2018, 6, 10, 20, tzinfo=UTC)
    assert naive.end_time == datetime(2018, 6, 10, 21, 0, 0, 250000, tzinfo=UTC)


def test_event_ids_beyond_32_bits(client, student):
    big = 2**40 + 7
    EventFactory(
        id=big,
        external_id="big",
        user=student,
        start_time=datetime(2018, 1, 1, tzinfo=UTC),
        end_time=datetime(2018, 1, 2, tzinfo=UTC),
        title="old",
    )
    [result] = put_batch(client, [event("big", student.pk)]).json()
    assert result["Id"] == big
    assert CalendarEvent.objects.get(pk=big).title != "old"


def test_sql_metacharacters_stored_verbatim(client, student):
    title = "Robert'); DROP TABLE events_calendarevent;-- %s ? \\ \""
    put_batch(client, [event("x'; --", student.pk, Title=title)])
    stored = CalendarEvent.objects.get()
    assert (stored.external_id, stored.title) == ("x'; --", title)
