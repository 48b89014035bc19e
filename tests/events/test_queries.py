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
