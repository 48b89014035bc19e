"""List endpoints run a constant number of queries, however many rows they answer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from calendars.models import CalendarException, GrsSession
from tests.factories import CalendarFactory, HolidayFactory, TenantFactory, UserFactory

from .conftest import MODIFY, VIEW, api_client, grant, lock, url

# refresh is not due: the session was used less than a minute ago), the package, the
# calendars with their lock holders.
LIST_QUERIES = 3


@pytest.mark.parametrize("count", [1, 30])
def test_list_calendars_query_count_does_not_grow(
    client, user, package, django_assert_num_queries, count
):
    calendars = CalendarFactory.create_batch(count, package=package)
    others = [UserFactory() for _ in range(3)]
    for i, calendar in enumerate(calendars[:3]):  # locks held by several users
        package.tenant.members.add(others[i])
        grant(others[i], VIEW, MODIFY)
        lock(api_client(others[i]), package, calendar)
    with django_assert_num_queries(LIST_QUERIES):
        response = client.get(url(package, "calendars"))
    items = response.json()["calendars"]
    assert len(items) == count
    assert {i["lockOwner"] for i in items} - {None} == {o.username for o in others[:count]}


@pytest.mark.parametrize("count", [1, 30])
def test_body_query_count_does_not_grow(
    client, package, calendar, django_assert_num_queries, count
):
    HolidayFactory.create_batch(count, calendar=calendar)
    # One: the session with its user, GRS permissions and membership, and the calendar
    # with its lock holder and exceptions, in one statement (services.grs_session_use).
    with django_assert_num_queries(1):
        response = client.get(url(package, "businesscalendarbody", calendar))
    assert len(response.json()["exceptions"]) == count


@pytest.mark.parametrize("count", [1, 30])
def test_tenants_query_count_does_not_grow(client, user, django_assert_num_queries, count):
    for tenant in TenantFactory.create_batch(count):
        tenant.members.add(user)
    with django_assert_num_queries(2):  # the session with its user and perms, tenants
        response = client.get("/grs/v1/tenants")
    assert len(response.json()["tenants"]) == count + 1


def test_a_due_refresh_is_one_more_query(client, user, django_assert_num_queries):
    GrsSession.objects.update(last_used_at=timezone.now() - timedelta(seconds=61))
    # The session with its user and perms, its refresh, the tenants.
    with django_assert_num_queries(3):
        assert client.get("/grs/v1/tenants").status_code == 200
    with django_assert_num_queries(2):  # refreshed just now: not due again
        assert client.get("/grs/v1/tenants").status_code == 200


def test_body_in_one_query_shows_the_lock_holder_and_ids(
    client, package, calendar, django_assert_num_queries
):
    holder = UserFactory()
    package.tenant.members.add(holder)
    grant(holder, VIEW, MODIFY)
    lock(api_client(holder), package, calendar)
    first, second = HolidayFactory(calendar=calendar), HolidayFactory(calendar=calendar)
    with django_assert_num_queries(1):
        body = client.get(url(package, "businesscalendarbody", calendar)).json()
    assert (body["calendarId"], body["externalId"]) == (str(calendar.uuid), calendar.external_id)
    assert (body["locked"], body["lockOwner"]) == (True, holder.username)
    assert [e["name"] for e in body["exceptions"]] == [first.name, second.name]
    # The holder's sessions end: the lock is dead, and the same one query says so.
    GrsSession.objects.filter(user=holder).update(last_used_at=timezone.now() - timedelta(days=9))
    with django_assert_num_queries(1):
        body = client.get(url(package, "businesscalendarbody", calendar)).json()
    assert (body["locked"], body["lockOwner"]) == (False, None)


def test_a_shared_body_answer_never_outlives_its_rows(client, package, calendar):
    """Requests reading the same rows share one answer (calendars/selectors.py:Body); any
    change to what is answered, however it is written, reads as other rows."""
    holiday = HolidayFactory(calendar=calendar, name="Closed")
    holder = UserFactory(username="holder")
    package.tenant.members.add(holder)
    grant(holder, VIEW, MODIFY)
    lock(api_client(holder), package, calendar)
    body = url(package, "businesscalendarbody", calendar)
    first = client.get(body).json()
    assert client.get(body).json() == first
    assert (first["lockOwner"], first["exceptions"][0]["name"]) == ("holder", "Closed")

    # Raw updates, which bump no version: the answer follows them all the same.
    CalendarException.objects.filter(pk=holiday.pk).update(name="Open")
    type(holder).objects.filter(pk=holder.pk).update(username="keeper")
    after = client.get(body).json()
    assert (after["lockOwner"], after["exceptions"][0]["name"]) == ("keeper", "Open")


def test_a_shared_list_entry_never_outlives_its_row(client, package, calendar):
    """Requests reading the same calendar row share one list entry
    (calendars/selectors.py:Listed); any change to what is answered, however it is
    written, and the lock's end, read as another row."""
    holder = UserFactory(username="holder")
    package.tenant.members.add(holder)
    grant(holder, VIEW, MODIFY)
    lock(api_client(holder), package, calendar)
    calendars = url(package, "calendars")
    [first] = client.get(calendars).json()["calendars"]
    assert client.get(calendars).json()["calendars"] == [first]
    assert (first["name"], first["lockOwner"]) == (calendar.name, "holder")

    # Raw updates, which bump no version: the answer follows them all the same.
    type(calendar).objects.filter(pk=calendar.pk).update(name="Renamed", day_ends_hour=18)
    type(holder).objects.filter(pk=holder.pk).update(username="keeper")
    [after] = client.get(calendars).json()["calendars"]
    assert (after["name"], after["dayEndsHour"], after["lockOwner"]) == ("Renamed", 18, "keeper")
    GrsSession.objects.filter(user=holder).update(last_used_at=timezone.now() - timedelta(days=9))
    [unlocked] = client.get(calendars).json()["calendars"]
    assert (unlocked["locked"], unlocked["lockOwner"]) == (False, None)
