"""Users racing on one calendar over HTTP, each request on its own connection
(PostgreSQL: real row locks), many rounds. test_locks.py races the lock service alone;
here whole requests race: lock, modify, delete, replace the exceptions, override."""

import pytest

from calendars.models import Calendar, CalendarException
from tests.factories import CalendarFactory, PackageFactory
from tests.helpers import run_concurrently

from .conftest import DELETE, MODIFY, OVERRIDE, VENDOR_REQUEST, VIEW, api_client, member, url

ROUNDS = 20

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def exceptions(tag: str, count: int) -> dict:
    return {
        "exceptions": [
            {"name": f"{tag} {n}", "type": "HOLIDAY", "placement": "ANNUAL",
             "annualMonth": 1 + n, "annualDay": 1 + n}
            for n in range(count)
        ]
    }  # fmt: skip


def test_two_users_lock_modify_and_delete_one_calendar():
    """Both lock, replace the exceptions, modify and delete: one holds the lock and does
    it all; the other is refused (412) until the calendar is gone, then told so (404)."""
    package = PackageFactory()
    names = ("alice", "bob")
    clients = [
        api_client(member(package.tenant, VIEW, MODIFY, DELETE, username=name)) for name in names
    ]

    for _ in range(ROUNDS):
        calendar = CalendarFactory(package=package)
        lock_url = url(package, "lockcalendar", calendar)
        body_url = url(package, "businesscalendarbody", calendar)
        calendar_url = url(package, "calendar", calendar)

        def run(i, lock_url=lock_url, body_url=body_url, calendar_url=calendar_url):
            client, name = clients[i], names[i]
            return [
                client.get(lock_url).status_code,
                client.put(body_url, exceptions(name, 2 + i), format="json").status_code,
                client.put(calendar_url, {**VENDOR_REQUEST, "name": name}, format="json"),
                client.delete(calendar_url).status_code,
            ]

        logs = run_concurrently([lambda i=i: run(i) for i in range(2)])

        logs = [[*log[:2], log[2].status_code, log[3]] for log in logs]
        assert [log[0] for log in logs].count(204) == 1, logs  # exactly one lock holder
        holder, other = logs if logs[0][0] == 204 else logs[::-1]
        assert holder == [204, 201, 200, 204], logs
        # The other is refused while the calendar exists, then told it is gone.
        assert set(other) <= {412, 404}, logs
        assert other == sorted(other, key=lambda status: status == 404), logs
        for client in clients:
            assert client.get(body_url).status_code == 404
            assert client.get(lock_url).status_code == 404
        assert not Calendar.objects.filter(pk=calendar.pk).exists()
        assert not CalendarException.objects.filter(calendar_id=calendar.pk).exists()


def test_two_body_puts_by_the_holder_leave_one_whole_body():
    """The same session sends two exception lists at once: each is answered whole, and
    the calendar ends with exactly one of them, never a mix or both."""
    package = PackageFactory()
    user = member(package.tenant, VIEW, MODIFY, username="alice")
    first = api_client(user)
    second = api_client(user)
    second.credentials(**first._credentials)  # the same session, from two connections

    for round_ in range(ROUNDS):
        calendar = CalendarFactory(package=package)
        assert first.get(url(package, "lockcalendar", calendar)).status_code == 204
        body_url = url(package, "businesscalendarbody", calendar)
        sent = [exceptions(f"x{round_}", 3), exceptions(f"y{round_}", 5)]

        def put(client, body, path=body_url):
            return client.put(path, body, format="json")

        responses = run_concurrently(
            [lambda c=c, b=b: put(c, b) for c, b in zip((first, second), sent, strict=True)]
        )

        assert [r.status_code for r in responses] == [201, 201]
        answered = [r.json()["exceptions"] for r in responses]
        for body, answer in zip(sent, answered, strict=True):
            assert [e["name"] for e in answer] == [e["name"] for e in body["exceptions"]]
        after = first.get(body_url).json()["exceptions"]
        assert after in answered, after
        assert CalendarException.objects.filter(calendar=calendar).count() == len(after)


def test_override_unlock_racing_the_holders_write():
    """While the holder replaces the exceptions, a supervisor (OVERRIDE_LOCKS) breaks
    the lock, takes it and writes its own: the holder's write lands before the break or
    is refused (412), so the supervisor's list is what remains, exactly."""
    package = PackageFactory()
    holder = api_client(member(package.tenant, VIEW, MODIFY, username="alice"))
    boss = api_client(member(package.tenant, VIEW, MODIFY, OVERRIDE, username="boss"))

    for round_ in range(ROUNDS):
        calendar = CalendarFactory(package=package)
        assert holder.get(url(package, "lockcalendar", calendar)).status_code == 204
        body_url = url(package, "businesscalendarbody", calendar)
        theirs, ours = exceptions(f"holder{round_}", 4), exceptions(f"boss{round_}", 2)

        def take_over(calendar=calendar, body_url=body_url, ours=ours):
            return [
                boss.get(url(package, "unlockcalendar", calendar)).status_code,
                boss.get(url(package, "lockcalendar", calendar)).status_code,
                boss.put(body_url, ours, format="json"),
            ]

        written, (unlocked, locked, boss_put) = run_concurrently(
            [lambda path=body_url, body=theirs: holder.put(path, body, format="json"), take_over]
        )

        assert written.status_code in (201, 412), written.content
        assert (unlocked, locked, boss_put.status_code) == (204, 204, 201)
        after = boss.get(body_url).json()["exceptions"]
        assert after == boss_put.json()["exceptions"]
        assert [e["name"] for e in after] == [e["name"] for e in ours["exceptions"]]
        assert Calendar.objects.get(pk=calendar.pk).lock_user == boss.grs_session.user
