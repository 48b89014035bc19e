"""Users' ids are 64-bit end to end, as 12Twenty's UserId is (calendarsite/userids.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client

from calendarsite.userids import _NARROW_COLUMNS_SQL, widen_user_columns
from events.models import CalendarEvent
from events.services import feed_token_create
from tests.factories import UserFactory

from .conftest import event, put_batch

BIG_IDS = [2**31 + 5, 2**53]


@pytest.fixture
def big_students(db):
    User = get_user_model()
    return [User.objects.create(id=pk, username=f"big{n}") for n, pk in enumerate(BIG_IDS)]


def test_students_with_ids_beyond_32_bits_through_every_endpoint(client, integration, big_students):
    from .conftest import grant

    grant(integration, "view_calendarevent", "delete_calendarevent")
    body = [event(f"big-{s.pk}", s.pk) for s in big_students]
    results = put_batch(client, body).json()
    assert [r["IsSuccessful"] for r in results] == [True] * len(BIG_IDS), results
    assert sorted(CalendarEvent.objects.values_list("user_id", flat=True)) == BIG_IDS

    for student, result in zip(big_students, results, strict=True):
        listed = client.get("/api/v2/calendar-events", {"UserId": student.pk}).json()
        assert [item["UserId"] for item in listed["Items"]] == [student.pk]
        detail = client.get(f"/api/v2/calendar-events/{result['Id']}").json()
        assert detail["UserId"] == student.pk
        _, secret = feed_token_create(user=student)
        # The events are of June 2018: a window around them (docs/events.md, feeds).
        window = {"From": "2018-06-01", "To": "2018-07-01"}
        feed = Client().get(f"/api/v2/calendar-events/feeds/{secret}.ics", window)
        assert feed.status_code == 200
        assert f"big-{student.pk}" in feed.content.decode()

    # An unknown big id is still named as such, not mistaken for an overflow.
    [result] = put_batch(client, [event("nobody", 2**62)]).json()
    assert result["ErrorMessage"] == f"User {2**62} does not exist."


def test_the_admin_and_staff_pages_reach_big_ids(db, big_students):
    staff = UserFactory(username="boss", password="x", staff=True)
    client = Client()
    client.force_login(staff)
    for student in big_students:
        assert client.get(f"/admin/auth/user/{student.pk}/change/").status_code == 200
        assert client.get(f"/staff/users/{student.pk}/week/").status_code == 200


def test_lookups_use_the_64_bit_range(big_students):
    User = get_user_model()
    assert User.objects.filter(pk=2**31 + 5).exists()
    assert User.objects.filter(pk__in=BIG_IDS).count() == len(BIG_IDS)
    assert not User.objects.filter(pk=2**63).exists()  # beyond any column: no match, no error


@pytest.mark.postgres
def test_every_column_referring_to_users_is_bigint(db):
    # A model added later with a foreign key to the user is widened by the next migrate.
    with connection.cursor() as cursor:
        cursor.execute(_NARROW_COLUMNS_SQL, {"table": '"auth_user"'})
        assert cursor.fetchall() == []
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f'"
            " AND confrelid = '\"auth_user\"'::regclass"
        )
        assert cursor.fetchone()[0] >= 8  # the check above looked at real columns


@pytest.mark.postgres
def test_widening_keeps_the_data(integration, student, client):
    # As a database migrated before this change had it: 32-bit columns, with rows.
    put_batch(client, [event("kept", student.pk)])
    referring = [
        ("events_calendarevent", "user_id"),
        ("events_apikey", "user_id"),
        ("auth_user_user_permissions", "user_id"),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before ALTER
        for table, column in referring:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} TYPE integer")
        cursor.execute("ALTER TABLE auth_user ALTER COLUMN id TYPE integer")
    altered = widen_user_columns(connection)
    assert set(altered) >= {f"{t}.{c}" for t, c in referring} | {"auth_user.id"}
    assert widen_user_columns(connection) == []
    assert CalendarEvent.objects.get().user_id == student.pk
    assert put_batch(client, [event("after", 2**40)]).json()[0]["ErrorMessage"] == (
        f"User {2**40} does not exist."
    )
    get_user_model().objects.create(id=2**40, username="wide")
    assert put_batch(client, [event("after", 2**40)]).json()[0]["IsSuccessful"]
