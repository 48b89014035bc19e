"""Hostile bodies get a 4xx in the family's shape, never a 500, and write nothing."""

import pytest

from events.models import CalendarEvent

from .conftest import BATCH_URL, event, put_batch


def put_raw(client, raw: bytes, content_type: str = "application/json"):
    return client.put(BATCH_URL, raw, content_type=content_type)


def test_body_over_the_limit_is_413(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = put_raw(client, b"[" + b" " * 20_000 + b"]")
    assert response.status_code == 413
    assert response.json() == {"Message": "Request body is too large."}


def test_limit_is_configurable(client, student, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 50_000_000
    body = [event(f"e{i}", student.pk, Title="t" * 400) for i in range(1000)]
    assert put_batch(client, body).status_code == 200


@pytest.mark.parametrize("depth", [100, 10_000, 100_000])
def test_deeply_nested_json(client, db, depth):
    response = put_raw(client, b"[" * depth + b"]" * depth)
    if response.status_code == 200:  # decoded: an array of arrays, none an event
        assert response.json()[0]["ErrorMessage"] == "Each calendar event must be a JSON object."
    else:
        assert response.status_code == 400
        assert list(response.json()) == ["Message"]
    assert not CalendarEvent.objects.exists()


@pytest.mark.parametrize("literal", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(client, student, literal):
    raw = (
        b'[{"ExternalId": "e1", "UserId": ' + literal + b', "TypeId": 1, '
        b'"StartTime": "2018-06-10T20:00:00Z", "EndTime": "2018-06-10T22:00:00Z", "Title": "t"}]'
    )
    response = put_raw(client, raw)
    assert response.status_code == 400
    assert response.json() == {"Message": "The request body is not valid JSON."}


@pytest.mark.parametrize("number", [2**64, -(2**70), 10**400])
def test_integers_beyond_64_bits(client, student, number):
    [result] = put_batch(client, [event("e1", number)]).json()
    assert result["ErrorMessage"] == "UserId must be a positive 64-bit integer."
    [result] = put_batch(client, [event("e1", student.pk, TypeId=number)]).json()
    assert result["ErrorMessage"] == "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."


def test_nul_bytes_in_every_string_field(client, student):
    item = event("a\x00b", student.pk, Title="x\x00", StartTime="2018-06-10T20:00:00Z\x00")
    [result] = put_batch(client, [item]).json()
    assert "ExternalId must not contain NUL characters." in result["ErrorMessage"]
    assert "Title must not contain NUL characters." in result["ErrorMessage"]
    assert "StartTime must be an ISO 8601 date/time." in result["ErrorMessage"]
    assert not CalendarEvent.objects.exists()


def test_invalid_utf8_in_a_string(client, db):
    raw = b'[{"ExternalId": "\xff\xfe", "UserId": 1}]'
    response = put_raw(client, raw)
    assert response.status_code == 400
    assert response.json() == {"Message": "The request body is not valid JSON."}


def test_lone_surrogate_escape_is_refused(client, student):
    raw = (
        b'[{"ExternalId": "\\ud800", "UserId": %d, "TypeId": 1, "StartTime": '
        b'"2018-06-10T20:00:00Z", "EndTime": "2018-06-10T22:00:00Z", "Title": "\\udfff"}]'
    ) % student.pk
    response = put_raw(client, raw)
    if response.status_code == 200:  # decoded, then refused by the rules
        assert response.json()[0]["ExternalId"] is None
        assert response.json()[0]["ErrorMessage"] == (
            "ExternalId must be valid Unicode text. Title must be valid Unicode text."
        )
    else:  # or refused by a decoder that knows surrogates are not text
        assert response.json() == {"Message": "The request body is not valid JSON."}
    assert not CalendarEvent.objects.exists()


def test_very_long_strings(client, student):
    item = event("x" * 100_000, student.pk, Title="y" * 1_000_000)
    [result] = put_batch(client, [item]).json()
    assert result["ErrorMessage"] == (
        "ExternalId must be at most 255 characters. Title must be at most 500 characters."
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
    ],
)
def test_wrong_content_types(client, db, content_type):
    response = put_raw(client, b"[]", content_type)
    assert response.status_code == 415
    assert list(response.json()) == ["Message"]


def test_unicode_stored_and_returned_verbatim(client, student):
    title = "Cours d'été — 日本語 🎓"
    put_batch(client, [event("ünï-1", student.pk, Title=title)])
    stored = CalendarEvent.objects.get()
    assert (stored.external_id, stored.title) == ("ünï-1", title)


def test_a_key_spelled_twice_is_an_item_error_and_nothing_is_written(client, student):
    # The duplicate check once read one spelling and the write the other: beside an item
    # whose ExternalId is the second spelling's, PostgreSQL refused the statement (500).
    twice = {**event("x", student.pk), "externalid": "y"}
    response = put_batch(client, [twice, event("y", student.pk)])
    assert response.status_code == 200
    assert response.json() == [
        {
            "ExternalId": None,
            "ErrorMessage": "ExternalId is given more than once (keys match whatever their case).",
            "IsSuccessful": False,
        }
    ]
    assert not CalendarEvent.objects.exists()


@pytest.mark.parametrize(
    ("spellings", "field"),
    [
        (("USERID", "userId"), "UserId"),
        (("title", "TITLE"), "Title"),
        (("StartTime", "starttime"), "StartTime"),
        (("typeid", "TypeID"), "TypeId"),
    ],
)
def test_any_field_spelled_twice_is_named(client, student, spellings, field):
    item = event("e1", student.pk)
    del item[field]
    first, second = spellings
    item[first] = item[second] = event("e1", student.pk)[field]
    [result] = put_batch(client, [item]).json()
    assert result["ExternalId"] == "e1"
    assert (
        result["ErrorMessage"]
        == f"{field} is given more than once (keys match whatever their case)."
    )
    assert not CalendarEvent.objects.exists()


def test_one_odd_spelling_is_still_read(client, student):
    item = event("e1", student.pk)
    item["externalID"] = item.pop("ExternalId")
    [result] = put_batch(client, [item]).json()
    assert result["IsSuccessful"] is True
    assert CalendarEvent.objects.get().external_id == "e1"
