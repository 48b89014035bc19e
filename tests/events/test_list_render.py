"""The list writes its instants with orjson (serializers.InstantJSONRenderer): every way of
asking for the page answers the items the detail endpoint answers, text for text."""

import json

import pytest

from .conftest import BATCH_URL, event, put_batch

LIST_URL = "/api/v2/calendar-events"


@pytest.fixture
def events(reader, student):
    put_batch(
        reader,
        [
            event("whole", student.pk),
            event(
                "fraction",
                student.pk,
                StartTime="2018-06-11T20:00:00.5Z",
                EndTime="2018-06-11T22:00:00Z",
            ),
            event(
                "gone",
                student.pk,
                StartTime="2018-06-12T20:00:00.123456+02:00",
                EndTime="2018-06-12T22:00:00Z",
            ),
        ],
    )
    assert reader.delete(BATCH_URL, ["gone"], format="json").status_code == 200
    return [
        reader.get(f"{LIST_URL}/{item['Id']}").json() if item["ExternalId"] != "gone" else None
        for item in reader.get(LIST_URL, {"IncludeDeleted": "true"}).json()["Items"]
    ]


@pytest.mark.parametrize(
    "params, headers",
    [
        ({}, {}),
        ({"format": "json"}, {}),
        ({}, {"HTTP_ACCEPT": "application/json"}),
        ({}, {"HTTP_ACCEPT": "application/json; indent=2"}),  # DRF's renderer, not orjson
    ],
)
def test_items_are_the_detail_items(reader, events, params, headers):
    response = reader.get(LIST_URL, {"IncludeDeleted": "true", **params}, **headers)
    assert response.status_code == 200
    items = json.loads(response.content)["Items"]
    assert [i["ExternalId"] for i in items] == ["whole", "fraction", "gone"]
    assert items[:2] == events[:2]
    assert items[1]["StartTime"] == "2018-06-11T20:00:00.500000Z"
    assert items[2]["StartTime"] == "2018-06-12T18:00:00.123456Z"
    assert items[2]["IsDeleted"] is True
    assert items[2]["DeletedAt"].endswith("Z") and items[2]["DeletedAt"] >= items[2]["CreatedAt"]
    if "indent" in headers.get("HTTP_ACCEPT", ""):
        assert response.content.startswith(b'{\n  "Items"')


@pytest.mark.parametrize("times", [1, 2])  # the refusal is not remembered as a choice
def test_html_only_is_refused(reader, events, times):
    for _ in range(times):
        response = reader.get(LIST_URL, HTTP_ACCEPT="text/html")
        assert response.status_code == 406
        assert set(response.json()) == {"Message"}


def test_unknown_format_is_404(reader, events):
    assert reader.get(LIST_URL, {"format": "xml"}).status_code == 404
