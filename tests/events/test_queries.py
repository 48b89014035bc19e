import pytest

from .conftest import event, put_batch

# token lookup, the user's and the groups' permissions, the batch's users, the existing
# events, and the write (inside a savepoint, as the test runs in a transaction).
BATCH_QUERIES = 8


@pytest.mark.parametrize("size", [1, 1000])
def test_batch_query_count_does_not_grow(client, student, django_assert_num_queries, size):
    body = [event(f"e{i}", student.pk) for i in range(size)]
    with django_assert_num_queries(BATCH_QUERIES):
        inserted = put_batch(client, body)
    with django_assert_num_queries(BATCH_QUERIES):
        updated = put_batch(client, body)
    assert len(inserted.json()) == len(updated.json()) == size
    assert all(r["IsSuccessful"] for r in inserted.json() + updated.json())


def test_rejected_batch_writes_nothing_and_queries_less(client, student, django_assert_num_queries):
    body = [event(f"e{i}", student.pk) for i in range(999)] + [event("bad", 99)]
    with django_assert_num_queries(BATCH_QUERIES - 3):
        response = put_batch(client, body)
    assert len(response.json()) == 1


# token lookup, the user's and the groups' permissions, the count, the page.
LIST_QUERIES = 5


@pytest.mark.parametrize("size", [1, 100])
def test_list_query_count_does_not_grow(reader, student, django_assert_num_queries, size):
    put_batch(reader, [event(f"e{i}", student.pk) for i in range(size)])
    with django_assert_num_queries(LIST_QUERIES):
        response = reader.get("/api/v2/calendar-events", {"PageSize": 1000})
    assert len(response.json()["Items"]) == size
    with django_assert_num_queries(LIST_QUERIES):
        response = reader.get("/api/v2/calendar-events", {"IncludeDeleted": "true", "UserId": 1})
    assert response.status_code == 200


def test_detail_query_count(reader, student, django_assert_num_queries):
    [result] = put_batch(reader, [event("e1", student.pk)]).json()
    with django_assert_num_queries(LIST_QUERIES - 1):
        assert reader.get(f"/api/v2/calendar-events/{result['Id']}").status_code == 200


# token lookup, the permissions (two), the live events locked, the update, and the
# savepoint around them (two).
DELETE_QUERIES = 7


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
