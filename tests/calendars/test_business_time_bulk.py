"""POST .../calendar/{calendarId}/business-time: questions in bulk (docs/business-time.md)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from calendars import rules

from .conftest import BT_QUERIES, VIEW, api_client, member, scope
from .conftest import bt as single


def url(package, calendar) -> str:
    return f"{scope(package)}/calendar/{calendar.external_id}/business-time"


def ask(client, package, calendar, body, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url(package, calendar), data, content_type=content_type)


QUESTIONS = [
    ("working", {"at": "2026-03-09T09:30:00-04:00"}),
    ("next-working", {"after": "2026-03-06T22:00:00Z"}),
    ("add", {"start": "2026-03-06T16:00:00-05:00", "minutes": "90"}),
    ("duration", {"start": "2026-03-06T21:00:00Z", "end": "2026-03-09T14:00:00Z"}),
    ("add", {"start": "2026-03-09T13:00:00", "minutes": "5"}),  # no offset: 400
    ("duration", {"start": "2026-03-09T14:00:00Z", "end": "2026-03-06T21:00:00Z"}),
    ("add", {"start": "9998-12-01T00:00:00Z", "minutes": "100000"}),
]


def test_each_answer_is_the_single_endpoints(client, package, new_york):
    body = [{"op": op, **params} for op, params in QUESTIONS]
    response = ask(client, package, new_york, body)
    assert response.status_code == 200
    results = response.json()
    assert len(results) == len(QUESTIONS)
    for (op, params), result in zip(QUESTIONS, results, strict=True):
        alone = client.get(single(package, new_york, op, **params))
        if alone.status_code == 200:
            assert result == alone.json()
        else:
            assert result == {"status": alone.status_code, **alone.json()}
    assert results[2] == {"end": "2026-03-09T13:30:00Z"}
    assert results[5] == {"status": 400, "message": rules.END_BEFORE_START}


def test_no_working_time_is_a_422_result(client, package, new_york):
    new_york.exceptions.all().delete()
    new_york.week_starts = new_york.week_ends = 1
    new_york.save()
    from calendars.models import CalendarException

    for month in range(1, 13):
        for kind in ("FIRST", "SECOND", "THIRD", "FOURTH", "LAST"):
            CalendarException.objects.create(
                calendar=new_york,
                name="Sunday",
                type="HOLIDAY",
                placement="RELATIVE",
                relative_type=kind,
                relative_day_of_week=1,
                relative_month=month,
            )
    results = ask(
        client, package, new_york, [{"op": "next-working", "after": "2026-03-09T14:00:00Z"}]
    ).json()
    assert results == [{"status": 422, "message": rules.no_working_time("2026-03-09T14:00:00Z")}]


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("working", rules.QUESTION_NOT_AN_OBJECT),
        (["working"], rules.QUESTION_NOT_AN_OBJECT),
        ({}, rules.QUESTION_OP_INVALID),
        ({"op": "sleep"}, rules.QUESTION_OP_INVALID),
        ({"op": ["add"]}, rules.QUESTION_OP_INVALID),
        ({"op": "working"}, rules.instant_invalid("at")),
        ({"op": "working", "at": 1767225600}, rules.instant_invalid("at")),
        ({"op": "working", "at": "0001-01-01T00:00:00Z"}, rules.instant_out_of_range("at")),
        ({"op": "add", "start": "2026-03-09T14:00:00Z", "minutes": -1}, rules.MINUTES_INVALID),
        ({"op": "add", "start": "2026-03-09T14:00:00Z", "minutes": 1.5}, rules.MINUTES_INVALID),
        ({"op": "add", "start": "2026-03-09T14:00:00Z", "minutes": True}, rules.MINUTES_INVALID),
        ({"op": "add", "start": "2026-03-09T14:00:00Z", "minutes": "1e3"}, rules.MINUTES_INVALID),
        (
            {"op": "add", "start": "2026-03-09T14:00:00Z", "minutes": 52_596_001},
            rules.MINUTES_TOO_MANY,
        ),
    ],
)
def test_a_bad_question_fails_alone(client, package, new_york, question, message):
    good = {"op": "add", "start": "2026-03-06T16:00:00-05:00", "minutes": 90}
    results = ask(client, package, new_york, [good, question, good]).json()
    assert results == [
        {"end": "2026-03-09T13:30:00Z"},
        {"status": 400, "message": message},
        {"end": "2026-03-09T13:30:00Z"},
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"op": "working", "at": "2026-03-09T14:00:00Z"},  # an object, not an array
        "null",
        "3",
        [{"op": "working", "at": "2026-03-09T14:00:00Z"}] * 1001,
    ],
)
def test_a_body_that_is_not_an_array_of_questions_is_a_400(client, package, new_york, body):
    response = ask(client, package, new_york, body)
    assert response.status_code == 400
    assert response.json() == {"message": rules.QUESTIONS_INVALID}


def test_not_json_and_other_media_types(client, package, new_york):
    response = ask(client, package, new_york, "[{")
    assert response.status_code == 400
    assert response.json() == {"message": rules.NOT_JSON}
    response = ask(client, package, new_york, "[]", content_type="text/plain")
    assert response.status_code == 415
    assert ask(client, package, new_york, []).json() == []


def test_a_thousand_questions_cost_the_queries_of_one(client, package, new_york):
    body = [{"op": "add", "start": "2026-03-06T16:00:00-05:00", "minutes": n} for n in range(1000)]
    client.get(single(package, new_york, "working", at="2026-03-09T14:00:00Z"))  # session warm
    with CaptureQueriesContext(connection) as queries:
        response = ask(client, package, new_york, body)
    assert response.status_code == 200
    assert len(response.json()) == 1000
    assert len(queries) == BT_QUERIES


def test_needs_calendar_view(package, new_york):
    client = api_client(member(package.tenant))
    response = ask(client, package, new_york, [])
    assert response.status_code == 403
    assert response.json() == {"message": rules.permission_missing(VIEW)}
