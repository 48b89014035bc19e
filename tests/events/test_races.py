"""Overlapping batches from many connections at once (PostgreSQL: real row locks)."""

import pytest
from rest_framework.test import APIClient

from events.services import api_key_create, api_token_issue
from tests.factories import UserFactory
from tests.helpers import check_racing_batches, racing_batches, run_concurrently

from .conftest import grant_event_writes

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
        bodies = racing_batches(round_=round_, user_ids=[s.pk for s in students], private=PRIVATE)

        def send(body):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
            return client.put("/api/v2/calendar-events/batch", body, format="json")

        responses = run_concurrently([lambda body=body: send(body) for body in bodies])

        answered = [(a.status_code, a.json()) for a in responses]

        check_racing_batches(round_=round_, bodies=bodies, answered=answered)
