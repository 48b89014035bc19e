import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from events.models import CalendarEvent
from events.services import api_token_issue

from .conftest import event


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_api_key_prints_a_working_key_on_its_last_line(integration):
    key = run("create_api_key", "integration").strip().splitlines()[-1]
    assert api_token_issue(key=key)


def test_create_api_key_unknown_user(db):
    with pytest.raises(CommandError, match=r"User 'ghost' does not exist\."):
        run("create_api_key", "ghost")


def test_import_runs_the_batch_and_prints_its_results(student, tmp_path):
    file = tmp_path / "events.json"
    file.write_text(json.dumps([event("a", student.pk), event("b", student.pk)]))

    results = json.loads(run("import_calendar_events", str(file)))

    assert [r["ExternalId"] for r in results] == ["a", "b"]
    assert all(r["IsSuccessful"] and r["Id"] for r in results)
    assert CalendarEvent.objects.count() == 2


def test_import_dry_run_writes_nothing(student, tmp_path):
    file = tmp_path / "events.json"
    file.write_text(json.dumps([event("a", student.pk)]))

    results = json.loads(run("import_calendar_events", str(file), "--dry-run"))

    assert results == [{"Id": None, "ExternalId": "a", "ErrorMessage": None, "IsSuccessful": True}]
    assert not CalendarEvent.objects.exists()


def test_import_reports_item_errors_with_the_batch_messages(student, tmp_path):
    file = tmp_path / "events.json"
    file.write_text(json.dumps([event("a", student.pk, EndTime="2000-01-01T00:00:00Z")]))
    out = StringIO()

    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_calendar_events", str(file), stdout=out)

    assert json.loads(out.getvalue())[0]["ErrorMessage"] == "StartTime must be before EndTime"
    assert not CalendarEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('{"a": 1}', "must be a JSON array"),
        (json.dumps([{}] * 1001), "at most 1000"),
    ],
)
def test_import_rejects_unusable_files(db, tmp_path, content, message):
    file = tmp_path / "events.json"
    file.write_text(content)
    with pytest.raises(CommandError, match=message):
        run("import_calendar_events", str(file))


def test_import_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run("import_calendar_events", str(tmp_path / "missing.json"))


def test_seed_demo_prints_curls_that_work(db):
    out = run("seed_demo")

    key = re.search(r"API key of 'school-integration': (\S+)", out).group(1)
    token = APIClient().get("/api/client/generateAuthenticationToken", {"key": key}).json()
    body = re.search(r"-d '(\[.*\])'", out).group(1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.put("/api/v2/calendar-events/batch", body, content_type="application/json")
    assert [r["IsSuccessful"] for r in response.json()] == [True, True]
    assert "TOKEN=$(curl -s" in out


def test_seed_demo_twice_is_fine(db):
    run("seed_demo")
    run("seed_demo")


def test_seed_demo_prints_a_list_curl_and_a_feed_that_work(db):
    out = run("seed_demo")

    key = re.search(r"API key of 'school-integration': (\S+)", out).group(1)
    token = APIClient().get("/api/client/generateAuthenticationToken", {"key": key}).json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = re.search(r"-d '(\[.*\])'", out).group(1)
    client.put("/api/v2/calendar-events/batch", body, content_type="application/json")
    list_url = re.search(r"curl -s '(http://127.0.0.1:8000)(/api/v2/calendar-events\?\S+)'", out)
    listed = client.get(list_url.group(2)).json()["Items"]
    assert [item["ExternalId"] for item in listed] == ["demo-1"]

    feed = re.search(r"http://127.0.0.1:8000(/api/v2/calendar-events/feeds/\S+\.ics)", out)
    response = client.get(feed.group(1))
    assert response.status_code == 200
    assert "UID:demo-1@calendar-events" in response.content.decode()


def test_import_never_echoes_a_lone_surrogate(student, tmp_path):
    file = tmp_path / "events.json"
    file.write_text(json.dumps([event("\ud800", student.pk)]))
    out = StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_calendar_events", str(file), stdout=out)
    [result] = json.loads(out.getvalue())
    assert result == {
        "ExternalId": None,
        "ErrorMessage": "ExternalId must be valid Unicode text.",
        "IsSuccessful": False,
    }
