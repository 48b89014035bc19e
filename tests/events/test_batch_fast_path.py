"""What the batch's fast path (one statement, arrays on PostgreSQL) must keep exact."""

from datetime import UTC, datetime

import pytest

from events.models import CalendarEvent

from .conftest import event, put_batch

AWKWARD = [
    "NULL",
    "null",
    "{a,b}",
    'say "hi"',
    "back\\slash",
    "  padded  ",
    "comma, separated",
    "ünïcödé ✓ 日本",
    "'quoted'",
    "tab\there",
    "new\nline",
]


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_is_stored_verbatim(client, student, text):
    [result] = put_batch(client, [event(f"id {text}", student.pk, Title=text)]).json()
    assert result["IsSuccessful"] is True
    stored = CalendarEvent.objects.get()
    assert (stored.external_id, stored.title) == (f"id {text}", text)
    assert result["ExternalId"] == f"id {text}"
    assert result["Id"] == stored.pk


def test_every_column_of_every_row_lands_in_its_own_row(client, student, django_user_model):
    other = django_user_model.objects.create(username="grace")
    body = [
        event(
            f"e{i:02d}",
            (student.pk, other.pk)[i % 2],
            TypeId=i % 3 + 1,
            StartTime=f"2018-06-{i + 1:02d}T08:{i:02d}:00.{i:06d}Z",
            EndTime=f"2018-06-{i + 1:02d}T12:00:00+02:00",
            Title=f"title {i}",
        )
        for i in range(25)
    ]
    # Request order differs from ExternalId order, the order rows are written in.
    body.reverse()

    results = put_batch(client, body).json()

    assert [r["ExternalId"] for r in results] == [item["ExternalId"] for item in body]
    stored = {e.external_id: e for e in CalendarEvent.objects.all()}
    for item, result in zip(body, results, strict=True):
        row = stored[item["ExternalId"]]
        i = int(item["ExternalId"][1:])
        assert result["Id"] == row.pk
        assert row.user_id == item["UserId"]
        assert row.type_id == i % 3 + 1
        assert row.start_time == datetime(2018, 6, i + 1, 8, i, 0, i, tzinfo=UTC)
        assert row.end_time == datetime(2018, 6, i + 1, 10, tzinfo=UTC)
        assert row.title == f"title {i}"


def test_update_changes_only_the_batch_rows(client, student):
    put_batch(client, [event(f"e{i}", student.pk, Title="first") for i in range(3)])
    put_batch(client, [event("e1", student.pk, Title="second")])
    titles = dict(CalendarEvent.objects.values_list("external_id", "title"))
    assert titles == {"e0": "first", "e1": "second", "e2": "first"}
