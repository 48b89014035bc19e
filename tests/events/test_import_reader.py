"""The import's streaming JSON reader gives exactly what json.loads gives, whatever
where its reads cut the text, in memory bounded by one item."""

import io
import json

import pytest
from django.core.management import CommandError

from events.management.commands import import_calendar_events as command

ITEMS = [
    {"ExternalId": "a", "UserId": 12345678901234567890123, "Title": "\ud800 lone"},
    {"ExternalId": "b, ]", "UserId": 7, "TypeId": 1.5, "Title": 'é 😀 \\ " '},
    "not an object",
    12,
    None,
    [],
]


def read(text: str, chunk: int) -> list:
    stream = io.BufferedReader(io.BytesIO(text.encode("utf-8", "surrogatepass")))
    return list(command.json_items(stream, chunk=chunk))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 16])
@pytest.mark.parametrize("indent", [None, 2])
def test_reads_what_json_loads_reads_wherever_the_reads_cut(chunk, indent):
    text = "\ufeff " + json.dumps(ITEMS, indent=indent) + "\n"
    assert read(text, chunk) == json.loads(text.lstrip("\ufeff"))


@pytest.mark.parametrize("chunk", [1, 5, 1 << 16])
def test_empty_array_and_a_number_cut_by_a_read(chunk):
    assert read(" [ ] ", chunk) == []
    assert read("[123456, 7]", chunk) == [123456, 7]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "must hold a JSON array"),
        ('{"a": 1}', "must hold a JSON array"),
        ("[1 2]", "a comma or ] is missing after event 1"),
        ("[1,", "event 2 is cut short or malformed"),
        ("[1, }", "event 2 is cut short or malformed"),
        ("[1] [2]", "there is more after the array"),
        ("[1,]", "event 2 is cut short or malformed"),
    ],
)
def test_refuses_what_is_not_one_json_array(text, message):
    with pytest.raises(CommandError, match=message):
        read(text, 3)


def test_refuses_invalid_utf8():
    stream = io.BufferedReader(io.BytesIO(b'["\xff"]'))
    with pytest.raises(CommandError, match="not valid UTF-8"):
        list(command.json_items(stream))


def test_an_item_over_the_bound_is_refused_not_buffered_forever(monkeypatch):
    monkeypatch.setattr(command, "MAX_ITEM_CHARS", 100)
    with pytest.raises(CommandError, match="event 1 is malformed or over 1 MB"):
        read('["' + "x" * 1000 + '"]', 16)
