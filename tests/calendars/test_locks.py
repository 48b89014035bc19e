"""Edit locks: who may take, hold, break and need them."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from calendars import services
from calendars.models import Calendar, CalendarException, GrsSession
from tests.factories import CalendarFactory, PackageFactory, UserFactory

from .conftest import MODIFY, OVERRIDE, VENDOR_REQUEST, VIEW, api_client, lock, member, unlock, url

HELD = {"message": "Precondition failed\u2014another user holds the lock for this resource"}
NOT_LOCKED = {"message": "Calendar was not locked first"}
NEW_YEAR = {"name": "New Year", "type": "HOLIDAY", "placement": "ANNUAL", "annualMonth": 1,
            "annualDay": 1}  # fmt: skip


def holder(calendar):
    """The user the lock is stored for (live or not)."""
    return Calendar.objects.get(pk=calendar.pk).lock_user


def kill(client, settings) -> None:
    """Let the client's session go idle past the limit."""
    GrsSession.objects.filter(pk=client.grs_session.pk).update(
        last_used_at=timezone.now() - timedelta(seconds=settings.GRS_SESSION_IDLE_SECONDS + 1)
    )


def test_lock_is_204_without_body_and_held_by_the_session(client, package, calendar):
    response = lock(client, package, calendar)
    assert response.status_code == 204
    assert response.content == b""
    assert holder(calendar) == client.grs_session.user


def test_relocking_your_own_lock_is_204(client, package, calendar):
    assert lock(client, package, calendar).status_code == 204
    assert lock(client, package, calendar).status_code == 204
    assert holder(calendar) == client.grs_session.user


def test_another_users_live_lock_is_412(client, other_client, package, calendar):
    lock(client, package, calendar)
    response = lock(other_client, package, calendar)
    assert response.status_code == 412
    assert response.json() == HELD
    assert HELD["message"] == "Precondition failed—another user holds the lock for this resource"
    assert holder(calendar) == client.grs_session.user


def test_a_lock_dies_with_its_session(client, other_client, package, calendar, settings):
    lock(client, package, calendar)
    kill(client, settings)
    listed = other_client.get(url(package, "calendars")).json()["calendars"][0]
    assert (listed["locked"], listed["lockOwner"]) == (False, None)
    assert lock(other_client, package, calendar).status_code == 204
    assert holder(calendar) == other_client.grs_session.user


def test_a_live_lock_survives_within_the_idle_limit(client, other_client, package, calendar):
    lock(client, package, calendar)
    GrsSession.objects.filter(pk=client.grs_session.pk).update(
        last_used_at=timezone.now() - timedelta(minutes=29)
    )
    assert lock(other_client, package, calendar).status_code == 412


def test_the_lock_belongs_to_the_user_not_the_session(user, other_client, package, calendar):
    """The vendor: the lock holds "until UNLOCKED by the user, or until the user's
    APIToken times out". Any live session of the holder may write, relock and unlock."""
    first, second = api_client(user), api_client(user)
    assert lock(first, package, calendar).status_code == 204
    path = url(package, "businesscalendarbody", calendar)
    assert second.put(path, {"exceptions": [NEW_YEAR]}, format="json").status_code == 201
    # Relocking from another session keeps the lock: the first may still write.
    assert lock(second, package, calendar).status_code == 204
    assert first.put(path, {"exceptions": []}, format="json").status_code == 201
    assert lock(other_client, package, calendar).json() == HELD
    listed = other_client.get(url(package, "calendars")).json()["calendars"][0]
    assert (listed["locked"], listed["lockOwner"]) == (True, "alice")
    assert unlock(second, package, calendar).status_code == 204
    assert first.put(path, {"exceptions": []}, format="json").json() == NOT_LOCKED
    assert lock(other_client, package, calendar).status_code == 204


def test_the_lock_lives_while_any_session_of_the_holder_does(
    user, other_client, package, calendar, settings
):
    first = api_client(user)
    lock(first, package, calendar)
    second = api_client(user)  # opened while the first is alive: the same run
    kill(first, settings)
    assert lock(other_client, package, calendar).json() == HELD
    path = url(package, "businesscalendarbody", calendar)
    assert second.put(path, {"exceptions": []}, format="json").status_code == 201
    kill(second, settings)
    # No live session left: the lock is free, and logging in again does not revive it.
    third = api_client(user)
    listed = third.get(url(package, "calendars")).json()["calendars"][0]
    assert (listed["locked"], listed["lockOwner"]) == (False, None)
    assert third.put(path, {"exceptions": []}, format="json").json() == NOT_LOCKED
    assert lock(other_client, package, calendar).status_code == 204


def test_unlock_own_lock(client, other_client, package, calendar):
    lock(client, package, calendar)
    response = unlock(client, package, calendar)
    assert response.status_code == 204
    assert response.content == b""
    assert holder(calendar) is None
    assert lock(other_client, package, calendar).status_code == 204


def test_unlocking_an_unlocked_calendar_is_204(client, package, calendar):
    assert unlock(client, package, calendar).status_code == 204
    assert unlock(client, package, calendar).status_code == 204


def test_unlocking_another_users_lock_is_412(client, other_client, package, calendar):
    lock(client, package, calendar)
    response = unlock(other_client, package, calendar)
    assert response.status_code == 412
    assert response.json() == HELD
    assert holder(calendar) == client.grs_session.user


def test_override_locks_may_unlock_another_users_lock(other_client, tenant, package, calendar):
    lock(other_client, package, calendar)
    supervisor = api_client(member(tenant, VIEW, MODIFY, OVERRIDE))
    assert unlock(supervisor, package, calendar).status_code == 204
    assert holder(calendar) is None
    path = url(package, "calendar", calendar)
    assert other_client.put(path, VENDOR_REQUEST, format="json").json() == NOT_LOCKED


def test_override_locks_does_not_let_you_lock_over_another(other_client, tenant, package, calendar):
    lock(other_client, package, calendar)
    supervisor = api_client(member(tenant, VIEW, MODIFY, OVERRIDE))
    assert lock(supervisor, package, calendar).json() == HELD


def test_unlocking_a_dead_lock_is_204(client, other_client, package, calendar, settings):
    lock(client, package, calendar)
    kill(client, settings)
    assert unlock(other_client, package, calendar).status_code == 204
    assert holder(calendar) is None


@pytest.mark.parametrize("operation", ["modify", "delete", "body"])
@pytest.mark.parametrize("state", ["unlocked", "locked by another", "lock expired"])
def test_writes_need_the_lock(client, other_client, package, calendar, settings, operation, state):
    if state == "locked by another":
        lock(other_client, package, calendar)
    if state == "lock expired":
        lock(client, package, calendar)
        kill(client, settings)
        client = api_client(client.grs_session.user)  # logged in again, lock not retaken
    path = url(package, "businesscalendarbody" if operation == "body" else "calendar", calendar)
    if operation == "modify":
        response = client.put(path, {**VENDOR_REQUEST, "name": "changed"}, format="json")
    elif operation == "delete":
        response = client.delete(path)
    else:
        response = client.put(path, {"exceptions": [NEW_YEAR]}, format="json")
    assert response.status_code == 412
    assert response.json() == NOT_LOCKED
    calendar.refresh_from_db()
    assert calendar.name != "changed"
    assert not CalendarException.objects.exists()


def test_412_comes_before_422(client, package, calendar):
    response = client.put(url(package, "calendar", calendar), {}, format="json")
    assert response.json() == NOT_LOCKED


def test_lock_of_a_deleted_calendar_is_404(client, package, calendar):
    lock(client, package, calendar)
    assert client.delete(url(package, "calendar", calendar)).status_code == 204
    assert lock(client, package, calendar).status_code == 404


def test_service_refuses_a_write_when_the_lock_was_lost_after_the_check(
    client, other_client, package, calendar
):
    """The view's early check passed, then someone broke the lock: the write is refused."""
    lock(client, package, calendar)
    stale = Calendar.objects.with_lock().get(pk=calendar.pk)
    Calendar.objects.filter(pk=calendar.pk).update(lock_user=None, lock_at=None)
    with pytest.raises(services.NotLocked):
        services.calendar_delete(calendar=stale, session=client.grs_session)
    assert Calendar.objects.filter(pk=calendar.pk).exists()


def test_lock_service_sees_a_lock_taken_after_its_first_reading(client, other_client, calendar):
    """The first reading (the view's) says free; the row says otherwise: the swap fails,
    the service reads again and refuses."""
    stale = Calendar.objects.with_lock().get(pk=calendar.pk)
    services.calendar_lock(calendar=calendar, session=client.grs_session)
    with pytest.raises(services.LockHeld):
        services.calendar_lock(calendar=stale, session=other_client.grs_session)
    assert holder(calendar) == client.grs_session.user


def test_admin_unlock_service(client, package, calendar):
    second = CalendarFactory(package=package)
    lock(client, package, calendar)
    assert services.calendars_unlock(calendar_ids=[calendar.pk, second.pk]) == 1
    assert holder(calendar) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_users_racing_for_a_lock_exactly_one_wins():
    """Real concurrency on PostgreSQL: each thread has its own connection."""
    package = PackageFactory()
    sessions = [services.grs_session_create(user=UserFactory())[0] for _ in range(2)]
    calendars = [CalendarFactory(package=package) for _ in range(20)]

    for calendar in calendars:
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def take(session, calendar=calendar, barrier=barrier, outcomes=outcomes):
            try:
                # Both read the lock as free before either writes: the real race.
                seen = Calendar.objects.with_lock().get(pk=calendar.pk)
                barrier.wait(timeout=10)
                services.calendar_lock(calendar=seen, session=session)
                outcomes.append("won")
            except services.LockHeld:
                outcomes.append("held")
            finally:
                connection.close()

        threads = [threading.Thread(target=take, args=(s,)) for s in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert sorted(outcomes) == ["held", "won"], outcomes
        winner = Calendar.objects.get(pk=calendar.pk).lock_user_id
        assert winner in {s.user_id for s in sessions}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_unlock_waits_for_a_write_in_progress():
    """A guarded write holds the calendar's row to commit: an override unlock that comes
    in between waits for it, so the write never lands on a calendar someone else locked."""
    package = PackageFactory()
    owner = services.grs_session_create(user=UserFactory())[0]
    calendar = CalendarFactory(package=package)
    services.calendar_lock(calendar=calendar, session=owner)
    calendar = Calendar.objects.with_lock().get(pk=calendar.pk)
    claimed, order = threading.Event(), []

    def write():
        from django.db import transaction

        try:
            with transaction.atomic():
                services.calendar_exceptions_replace(
                    calendar=calendar, session=owner, exceptions=[]
                )
                claimed.set()
                threading.Event().wait(0.5)  # keep the row while the unlock tries
                order.append("write committed")
        finally:
            connection.close()

    def override_unlock():
        try:
            claimed.wait(timeout=10)
            admin = services.grs_session_create(user=UserFactory())[0]
            services.calendar_unlock(calendar=calendar, session=admin, override=True)
            order.append("unlocked")
        finally:
            connection.close()

    threads = [threading.Thread(target=write), threading.Thread(target=override_unlock)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert order == ["write committed", "unlocked"]
    assert Calendar.objects.get(pk=calendar.pk).lock_user is None
