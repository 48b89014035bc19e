"""The orjson parser and renderer answer as DRF's own do."""

import io
import json
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import parsers, renderers
from rest_framework.exceptions import ParseError

from calendarsite import fastjson

from .conftest import BATCH_URL, event, put_batch

NOT_JSON = {"Message": "The request body is not valid JSON."}


def drf_parse(body: bytes, encoding: str = "utf-8"):
    return parsers.JSONParser().parse(io.BytesIO(body), None, {"encoding": encoding})


def fast_parse(body: bytes, encoding: str = "utf-8"):
    return fastjson.JSONParser().parse(io.BytesIO(body), None, {"encoding": encoding})


def grs_parse(body: bytes, encoding: str = "utf-8"):
    return fastjson.GrsJSONParser().parse(io.BytesIO(body), None, {"encoding": encoding})


def outcome(parse, body: bytes):
    try:
        return ("ok", parse(body))
    except ParseError:
        return ("ParseError", None)


# Text a database can store: no lone surrogates.
texts = st.text(st.characters(exclude_categories=["Cs"]))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | texts,
    lambda children: st.lists(children) | st.dictionaries(texts, children),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_parses_what_drf_parses(value):
    for body in (json.dumps(value), json.dumps(value, ensure_ascii=False, indent=1)):
        assert fast_parse(body.encode()) == drf_parse(body.encode())


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_renders_what_drf_renders(value):
    assert fastjson.JSONRenderer().render(value) == renderers.JSONRenderer().render(value)


@pytest.mark.parametrize(
    "body",
    [
        b"[{",
        b"[1,]",
        b"\xff\xfe",
        b"[NaN]",
        b"[Infinity]",
        b"[-Infinity]",
        b"[1]x",
        b"",
        b"   ",
        b"\xef\xbb\xbf[]",
        b'["a\x01"]',
        b'{"a":1,"a":2}',
        b"[1e400]",
        b"[1E2, -0, 0.5]",
        b'["\xed\xa0\x80"]',
        b'["\\ud83d\\ude00"]',
        b"  [ ]  ",
    ],
)
@pytest.mark.parametrize("parse", [fast_parse, grs_parse], ids=["12twenty", "grs"])
def test_edge_bodies_as_drf(parse, body):
    assert outcome(parse, body) == outcome(drf_parse, body)


@pytest.mark.parametrize(
    "body",
    [
        b'["\\ud800"]',
        b'{"name": "Dad\\udfff", "\\ud800": 1}',
        b'{"fixedDate": 100000000000000000000}',
    ],
    ids=["lone-surrogate", "lone-surrogates-in-keys", "integer-past-64-bits"],
)
def test_grs_reads_what_orjson_would_blur_as_drf_does(body):
    """GRS's rules name a field holding a lone surrogate (1000 "must be valid Unicode
    text") and tell 10**20 (1016, out of range) from 1e20 (1002)."""
    # repr: 1e20 == 10**20 in Python.
    grs, drf, fast = (repr(outcome(parse, body)) for parse in (grs_parse, drf_parse, fast_parse))
    assert grs == drf != fast


def test_grs_refuses_nesting_too_deep_as_invalid_json():
    with pytest.raises(ParseError):
        grs_parse(b"[" * 5000 + b"]" * 5000)


def test_other_charsets_still_decoded():
    body = json.dumps(["é", 1]).encode("utf-16")
    assert fast_parse(body, "utf-16") == drf_parse(body, "utf-16") == ["é", 1]


@pytest.mark.parametrize(
    "body",
    [b"[" * 5000 + b"]" * 5000, b'["\\ud800"]', b'[{"Title": "a\\udc00b"}]'],
    ids=["deep", "lone-high-surrogate", "lone-low-surrogate"],
)
def test_what_used_to_be_500s_is_invalid_json(client, body):
    with pytest.raises(ParseError):
        fast_parse(body)
    response = client.put(BATCH_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == NOT_JSON


def test_dates_times_and_friends_render_as_drf():
    value = {
        "at": datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC),
        "naive": datetime(2026, 3, 29, 1, 30),
        "day": date(2024, 2, 29),
        "time": time(23, 59, 59, 999999),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "amount": Decimal("12.50"),
        "separators": "a\u2028b\u2029c",
    }
    assert fastjson.JSONRenderer().render(value) == renderers.JSONRenderer().render(value)


def test_what_orjson_cannot_write_is_rendered_by_drf():
    value = {"big": 2**70, "list": [1, "\u2028"]}
    assert fastjson.JSONRenderer().render(value) == renderers.JSONRenderer().render(value)


def test_batch_response_bytes_are_drfs(client, student):
    body = [event("e1", student.pk, Title="Line\u2028separated ✓"), event("e2", student.pk)]
    response = put_batch(client, body)
    assert response.content == renderers.JSONRenderer().render(response.json())


@pytest.mark.parametrize("field", ["UserId", "TypeId"])
def test_integers_past_64_bits_keep_their_item_message(client, student, field):
    message = {
        "UserId": "UserId must be a positive 64-bit integer.",
        "TypeId": "TypeId must be 1 (Class), 2 (Interview) or 3 (Other).",
    }[field]
    raw = json.dumps([event("e1", student.pk, **{field: 7})]).replace(": 7", ": 2" + "0" * 25)
    response = client.put(BATCH_URL, raw.encode(), content_type="application/json")
    assert response.json() == [{"ExternalId": "e1", "ErrorMessage": message, "IsSuccessful": False}]


def test_wrong_content_type_answers_as_before(client):
    response = client.put(BATCH_URL, b"[]", content_type="text/plain")
    assert response.status_code == 415
    assert response.json() == {"Message": 'Unsupported media type "text/plain" in request.'}
