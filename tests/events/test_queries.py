import pytest

from events.models import CalendarEvent
from tests.factories import UserFactory

from .conftest import event, put_batch

# The token lookup, which fetches the user and its permissions too.
AUTH_QUERIES = 1
# A valid batch is one statement, which checks users and owners as it writes (inside a
# savepoint, as the test runs in a transaction): no read before it.
BATCH_QUERIES = AUTH_QUERIES + 3
# A batch with problems reads the users and the existing events once each, to name them.
CHECK_QUERIES = 2


@pytest.mark.parametrize("size", [1, 1000])
def test_batch_query_count_does_not_grow(client, student, django_assert_num_queries, size):
    body = [event(f"e{i}", student.pk) for i in range(size)]
    with django_assert_num_queries(BATCH_QUERIES):
        inserted = put_batch(client, body)
    with django_assert_num_queries(BATCH_QUERIES):
        updated = put_batch(client, body)
    assert len(inserted.json()) == len(updated.json()) == size
    assert all(r["IsSuccessful"] for r in inserted.json() + updated.json())


@pytest.mark.parametrize("size", [2, 1000])
def test_invalid_batch_is_checked_but_never_written(
    client, student, django_assert_num_queries, size
):
    body = [event(f"e{i}", student.pk) for i in range(size - 1)] + [event("bad", 99, TypeId=5)]
    with django_assert_num_queries(AUTH_QUERIES + CHECK_QUERIES) as captured:
        response = put_batch(client, body)
    assert response.json() == [
        {
            "ExternalId": "bad",
            "ErrorMessage": "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."
            " User 99 does not exist.",
            "IsSuccessful": False,
        }
    ]
    assert not any("INSERT" in query["sql"] for query in captured.captured_queries)


@pytest.mark.parametrize("size", [2, 1000])
def test_refused_write_rolls_back_then_names_the_problem(
    client, student, django_assert_num_queries, size
):
    other = UserFactory(username="grace")
    put_batch(client, [event("theirs", other.pk, Title="Grace's")])
    body = [event(f"e{i}", student.pk) for i in range(size - 1)] + [event("theirs", student.pk)]

    # The write and the rollback to its savepoint, then the reads of a batch with problems.
    with django_assert_num_queries(BATCH_QUERIES + 1 + CHECK_QUERIES):
        response = put_batch(client, body)

    assert response.json() == [
        {
            "ExternalId": "theirs",
            "ErrorMessage": f"Event 'theirs' is owned by another student ({other.pk}).",
            "IsSuccessful": False,
        }
    ]
    assert list(CalendarEvent.objects.values_list("external_id", "title")) == [
        ("theirs", "Grace's")
    ]


# The token lookup (with the permissions), which reads the page in the same statement
# (events/selectors.py:api_token_access's ride): no count (TotalCount is counted only when
# asked; tests/events/test_scale.py).
LIST_QUERIES = AUTH_QUERIES


@pytest.mark.parametrize("size", [1, 100])
def test_list_query_count_does_not_grow(reader, student, django_assert_num_queries, size):
    put_batch(reader, [event(f"e{i}", student.pk) for i in range(size)])
    with django_assert_num_queries(LIST_QUERIES):
        response = reader.get("/api/v2/calendar-events", {"PageSize": 1000})
    assert len(response.json()["Items"]) == size
    with django_assert_num_queries(LIST_QUERIES):
        response = reader.get("/api/v2/calendar-events", {"IncludeDeleted": "true", "UserId": 1})
    assert response.status_code == 200


def test_list_query_count_with_a_cursor_and_a_count(reader, student, django_assert_num_queries):
    put_batch(reader, [event(f"e{i}", student.pk) for i in range(5)])
    with django_assert_num_queries(LIST_QUERIES):
        first = reader.get("/api/v2/calendar-events", {"PageSize": 2, "Ordering": "-StartTime"})
    cursor = first.json()["NextCursor"]
    params = {"PageSize": 2, "Ordering": "-StartTime", "Cursor": cursor}
    with django_assert_num_queries(LIST_QUERIES):
        second = reader.get("/api/v2/calendar-events", params)
    # Counting is the one more query, and only when asked.
    with django_assert_num_queries(LIST_QUERIES + 1):
        counted = reader.get("/api/v2/calendar-events", {**params, "IncludeTotalCount": "true"})
    assert [i["ExternalId"] for i in first.json()["Items"]] == ["e4", "e3"]
    assert [i["ExternalId"] for i in second.json()["Items"]] == ["e2", "e1"]
    assert counted.json()["Items"] == second.json()["Items"]
    assert counted.json()["TotalCount"] == 5


def test_list_with_bad_parameters_reads_no_page(reader, django_assert_num_queries):
    with django_assert_num_queries(AUTH_QUERIES) as context:
        response = reader.get("/api/v2/calendar-events", {"PageSize": 0})
    assert response.status_code == 400
    assert CalendarEvent._meta.db_table not in context.captured_queries[0]["sql"]


def test_detail_query_count(reader, student, django_assert_num_queries):
    [result] = put_batch(reader, [event("e1", student.pk)]).json()
    with django_assert_num_queries(AUTH_QUERIES + 1):
        assert reader.get(f"/api/v2/calendar-events/{result['Id']}").status_code == 200


# The token lookup (with the permissions), the live events locked, the update, and the
# savepoint around them (two).
DELETE_QUERIES = AUTH_QUERIES + 4


@pytest.mark.parametrize("size", [1, 1000])
def test_delete_query_count_does_not_grow(reader, student, django_assert_num_queries, size):
    put_batch(reader, [event(f"e{i}", student.pk) for i in range(size)])
    with django_assert_num_queries(DELETE_QUERIES):
        response = reader.delete(
            "/api/v2/calendar-events/batch", [f"e{i}" for i in range(size)], format="json"
        )
    assert len(response.json()) == size
    assert all(r["IsSuccessful"] for r in response.json())
    with django_assert_num_queries(DELETE_QUERIES - 1):
        response = reader.delete(
            "/api/v2/calendar-events/batch", [f"e{i}" for i in range(size)], format="json"
        )
    assert not any(r["IsSuccessful"] for r in response.json())
