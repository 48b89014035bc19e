"""What the batch's fast path (one statement, arrays on PostgreSQL) must keep exact."""

import threading
from datetime import UTC, datetime

import pytest
from rest_framework.test import APIClient

from events import rules
from events.models import CalendarEvent
from events.services import api_key_create, api_token_issue
from tests.factories import UserFactory

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


def test_every_column_of_every_row_lands_in_its_own_row(client, student):
    other = UserFactory(username="grace")
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


def test_unknown_user_in_a_valid_batch_writes_nothing(client, student):
    body = [event("mine", student.pk), event("ghost", 99)]
    assert put_batch(client, body).json() == [
        {"ExternalId": "ghost", "ErrorMessage": "User 99 does not exist.", "IsSuccessful": False}
    ]
    assert not CalendarEvent.objects.exists()


@pytest.mark.postgres
def test_racing_batches_never_both_win_and_never_half_write(transactional_db):
    from django.db import connection

    from tests.factories import UserFactory

    from .conftest import grant_event_writes

    integration = UserFactory(username="integration")
    grant_event_writes(integration)
    _, key = api_key_create(user=integration)
    token = api_token_issue(key=key)
    students = [UserFactory(username="ada"), UserFactory(username="grace")]
    answers: dict[int, list] = {0: [], 1: []}
    errors: list[BaseException] = []
    rounds, size = 10, 200
    barrier = threading.Barrier(2)

    def racer(side: int) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        try:
            for r in range(rounds):
                # Each side sends the same ExternalIds, in its own order.
                body = [event(f"r{r}-{i}", students[side].pk) for i in range(size)]
                if side:
                    body.reverse()
                barrier.wait(timeout=30)
                response = put_batch(client, body)
                answers[side].append((response.status_code, response.json()))
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=racer, args=(side,)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    for r in range(rounds):
        results = [answers[side][r] for side in (0, 1)]
        assert [status for status, _ in results] == [200, 200]
        won = [all(item["IsSuccessful"] for item in body) for _, body in results]
        assert sorted(won) == [False, True]
        winner = students[won.index(True)]
        loser_body = results[won.index(False)][1]
        assert len(loser_body) == size
        assert all(
            item["ErrorMessage"].endswith(f"is owned by another student ({winner.pk}).")
            for item in loser_body
        )
        owners = set(
            CalendarEvent.objects.filter(external_id__startswith=f"r{r}-").values_list(
                "user_id", flat=True
            )
        )
        assert owners == {winner.pk}
        assert CalendarEvent.objects.filter(external_id__startswith=f"r{r}-").count() == size


def test_documented_spelling_and_other_spellings_read_alike(student):
    documented = event("e1", student.pk)
    lowered = {key.lower(): value for key, value in documented.items()}
    with_extra = {**documented, "Location": "ignored"}
    parsed = [rules.parse_event(item) for item in (documented, lowered, with_extra)]
    assert parsed[0] == parsed[1] == parsed[2]
    assert parsed[0][1] == []


def test_a_key_sent_twice_in_two_spellings_is_refused(student):
    item = {**event("first", student.pk), "externalid": "last"}
    parsed, problems = rules.parse_event(item)
    assert parsed.external_id is None
    assert problems == [rules.key_repeated("ExternalId")]


@pytest.mark.parametrize("suffix", ["Z", "+00:00", "-00:00", "", "+05:30"])
def test_every_utc_spelling_gives_the_same_aware_instant(suffix):
    parsed = rules.parse_instant(f"2018-06-10T20:00:00{suffix}")
    expected = datetime(2018, 6, 10, 20, tzinfo=UTC)
    if suffix == "+05:30":
        expected = datetime(2018, 6, 10, 14, 30, tzinfo=UTC)
    assert parsed == expected
    assert parsed.tzinfo is UTC
