"""Overlapping batches from many connections at once (PostgreSQL: real row locks)."""

import pytest
from rest_framework.test import APIClient

from events.models import CalendarEvent
from events.services import api_key_create, api_token_issue
from tests.helpers import run_concurrently

from .conftest import UserFactory, event, grant_event_writes

THREADS = 8
PRIVATE = 40  # events only one batch writes
ROUNDS = 3

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_overlapping_batches_each_commit_whole_or_not_at_all():
    integration = UserFactory(username="integration")
    grant_event_writes(integration)
    _, key = api_key_create(user=integration)
    token = api_token_issue(key=key)
    students = [UserFactory(username=f"racer{i}") for i in range(THREADS)]

    for round_ in range(ROUNDS):
        # Batch i holds its private events plus contested ones it shares with its two
        # neighbours, each contested id wanted by two different students.
        def batch(i, round_=round_):
            own = [f"r{round_}-p{i}-{n}" for n in range(PRIVATE)]
            contested = [
                f"r{round_}-c{min(i, j)}-{max(i, j)}-{n}"
                for j in ((i - 1) % THREADS, (i + 1) % THREADS)
                for n in range(5)
            ]
            return [event(ext, students[i].pk) for ext in own + contested]

        bodies = [batch(i) for i in range(THREADS)]

        def send(body):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            return client.put("/api/v2/calendar-events/batch", body, format="json")

        responses = run_concurrently([lambda body=body: send(body) for body in bodies])

        assert [r.status_code for r in responses] == [200] * THREADS
        owners = dict(CalendarEvent.objects.values_list("external_id", "user_id"))
        winners = 0
        for i, (body, response) in enumerate(zip(bodies, responses, strict=True)):
            results = response.json()
            if all(r["IsSuccessful"] for r in results):
                winners += 1
                assert len(results) == len(body)
                # Written whole, and still its own: nobody overwrote a won event.
                assert all(owners[item["ExternalId"]] == students[i].pk for item in body)
            else:
                assert all("is owned by another student" in r["ErrorMessage"] for r in results)
                # Nothing of a failed batch was written.
                private = [item["ExternalId"] for item in body if "-p" in item["ExternalId"]]
                assert not any(ext in owners for ext in private)
        # Neighbours contest each other, so at most every other batch can win, and the
        # first to commit always wins.
        assert 1 <= winners <= THREADS // 2
        contested_ids = {
            item["ExternalId"] for body in bodies for item in body if "-c" in item["ExternalId"]
        }
        assert {ext for ext in owners if f"r{round_}-c" in ext} <= contested_ids
