"""`seed_demo` run again keeps what it printed working, and its printed lines work when
pasted into a shell, twice."""

import json
import re
import subprocess
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from rest_framework.test import APIClient

from calendars.models import Calendar
from events.models import ApiKey
from events.services import api_token_issue
from tests.helpers import basic


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def secrets_printed(out: str) -> tuple[str, str, str]:
    password = re.search(r"user 'staff', password (\S+)", out).group(1)
    key = re.search(r"API key of 'school-integration': (\S+)", out).group(1)
    feed = re.search(r"(/api/v2/calendar-events/feeds/\S+\.ics)", out).group(1)
    return password, key, feed


def test_a_second_run_prints_the_same_credentials_and_they_work(db):
    first = seed()
    assert seed() == first
    password, key, feed = secrets_printed(first)
    assert authenticate(username="staff", password=password) is not None
    assert api_token_issue(key=key)
    assert APIClient().get(feed).status_code == 200
    assert ApiKey.objects.filter(name="demo").count() == 1


def test_reset_issues_new_credentials_and_ends_the_old_ones(db):
    old_password, old_key, old_feed = secrets_printed(seed())
    reset = seed("--reset")
    password, key, feed = secrets_printed(reset)
    assert (password, key, feed) != (old_password, old_key, old_feed)
    assert authenticate(username="staff", password=old_password) is None
    assert api_token_issue(key=old_key) is None
    assert APIClient().get(old_feed).status_code == 404
    # Later runs leave what --reset printed working, and say so.
    again = seed()
    assert "password unchanged" in again and again.count("unchanged (issued before") == 2
    assert authenticate(username="staff", password=password) is not None
    assert api_token_issue(key=key)
    assert APIClient().get(feed).status_code == 200


def test_the_two_families_tokens_have_different_names(db):
    out = seed()
    assert "EVENTS_TOKEN=$(" in out and "GRS_TOKEN=$(" in out
    assert not re.search(r"(?<![A-Z_])TOKEN=", out)
    assert "$EVENTS_TOKEN" in out and "$GRS_TOKEN" in out


@pytest.mark.django_db(transaction=True)
def test_the_printed_lines_work_pasted_into_a_shell_twice(live_server):
    out = seed("--base-url", live_server.url)
    lines = [line.strip() for line in out.splitlines() if line.startswith("    ")]
    script = "set -eu\n" + "\n".join(line for line in lines if not line.startswith("http"))
    seeded = Calendar.objects.get()
    for _ in range(2):
        done = subprocess.run(  # noqa: S603 (a fixed interpreter, the lines seed_demo printed)
            ["/bin/bash", "-c", script], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, done.stderr
        answers = done.stdout
        assert answers.count('"IsSuccessful":true') == 2  # the events batch
        assert '"ExternalId":"demo-1"' in answers  # read back
        # lock, unlock, lock, delete of the walkthrough's own calendar
        assert answers.count("204 No Content") == 4, answers
        assert '"working":false' in answers
        assert "New Year" in answers  # the body read back
    # The seeded calendar is untouched; the walkthrough's calendar is gone.
    assert list(Calendar.objects.all()) == [seeded]


def seed_bench() -> dict:
    out = StringIO()
    call_command("seed_bench", "--students", "3", stdout=out)
    return json.loads(out.getvalue().splitlines()[-1])


def test_seed_bench_makes_its_fixtures_once_and_they_work(db):
    first, second = seed_bench(), seed_bench()
    assert second["students"] == first["students"] and len(first["students"]) == 3
    assert second["grs"]["calendar"] == first["grs"]["calendar"]
    assert second["grs"]["password"] != first["grs"]["password"]  # new for each run

    # Its API key gives a token that may write events for its students.
    token = api_token_issue(key=second["key"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    item = {"ExternalId": "b-1", "UserId": second["students"][0], "TypeId": 1,
            "StartTime": "2026-06-10T20:00:00Z", "EndTime": "2026-06-10T22:00:00Z",
            "Title": "Bench"}  # fmt: skip
    answer = client.put("/api/v2/calendar-events/batch", [item], format="json")
    assert answer.status_code == 200 and answer.json()[0]["IsSuccessful"]

    # This run's GRS password logs in, and the calendar is the office one with 8 holidays.
    grs = second["grs"]
    login = APIClient().get("/grs/v1/login", HTTP_AUTHORIZATION=basic(grs["user"], grs["password"]))
    assert login.status_code == 200
    calendar = Calendar.objects.get(pk=grs["calendar"])
    assert (calendar.week_starts, calendar.week_ends, calendar.time_zone_id) == (
        2,
        6,
        "America/New_York",
    )
    assert calendar.exceptions.count() == 8
