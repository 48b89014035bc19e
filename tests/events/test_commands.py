import json
import re
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from events.models import CalendarEvent
from events.services import api_token_issue
from tests.factories import EventFactory, UserFactory

from .conftest import event

T0 = datetime(2026, 1, 1, 9, tzinfo=UTC)
T1 = datetime(2026, 1, 1, 10, tzinfo=UTC)


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_api_key_prints_a_working_key_on_its_last_line(integration):
    key = run("create_api_key", "integration").strip().splitlines()[-1]
    assert api_token_issue(key=key)


def test_create_api_key_warns_when_the_user_cannot_write_events(db):
    UserFactory(username="plain")
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "plain", stdout=out, stderr=err)
    assert "lacks events.add_calendarevent, events.change_calendarevent" in err.getvalue()
    assert "--grant" in err.getvalue()
    assert api_token_issue(key=out.getvalue().splitlines()[-1])


def test_create_api_key_grant_gives_what_the_batch_needs(db):
    UserFactory(username="plain")
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "plain", "--grant", stdout=out, stderr=err)
    assert err.getvalue() == ""
    token = api_token_issue(key=out.getvalue().splitlines()[-1])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    student = UserFactory()
    response = client.put("/api/v2/calendar-events/batch", [event("g", student.pk)], format="json")
    assert response.status_code == 200 and response.json()[0]["IsSuccessful"]


def test_create_api_key_for_a_user_who_can_write_says_nothing_more(integration):
    err = StringIO()
    call_command("create_api_key", "integration", stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""


def test_create_api_key_unknown_user(db):
    with pytest.raises(CommandError, match=r"User 'ghost' does not exist\."):
        run("create_api_key", "ghost")


def run_import(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_calendar_events", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_writes_the_events_and_prints_one_summary_line(student, tmp_path):
    EventFactory(external_id="a", user=student, title="old", start_time=T0, end_time=T1)
    file = tmp_path / "events.json"
    file.write_text(json.dumps([event("a", student.pk), event("b", student.pk)]))

    out, err = run_import(str(file))

    assert re.fullmatch(r"Imported 2 events \(1 new, 1 updated\) in \d+\.\d s\n", out)
    assert err == ""  # no progress bar when stderr is not a terminal
    assert set(CalendarEvent.objects.values_list("external_id", "title")) == {
        ("a", "Course FMAR2: Fin. Meas., Analysis & Rept. 2"),
        ("b", "Course FMAR2: Fin. Meas., Analysis & Rept. 2"),
    }


def test_import_takes_more_than_one_batch_in_one_go(student, tmp_path):
    file = tmp_path / "events.json"
    file.write_text(json.dumps([event(f"e{i}", student.pk) for i in range(2500)]))

    out, _ = run_import(str(file))

    assert out.startswith("Imported 2,500 events (2,500 new, 0 updated)")
    assert CalendarEvent.objects.count() == 2500


def test_import_names_every_failure_across_chunks_and_writes_nothing(student, tmp_path):
    items = [event(f"e{i}", student.pk) for i in range(2500)]
    items[3]["EndTime"] = "2000-01-01T00:00:00Z"
    items[1800]["UserId"] = 99
    items[2400]["ExternalId"] = "e5"  # the same ExternalId as an item of the first chunk
    del items[2499]["ExternalId"]
    file = tmp_path / "events.json"
    file.write_text(json.dumps(items))
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError, match=r"Nothing was written: 5 of 2,500 events are invalid"):
        call_command("import_calendar_events", str(file), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        "Event 4 (ExternalId 'e3'): StartTime must be before EndTime",
        "Event 1,801 (ExternalId 'e1800'): User 99 does not exist.",
        # In the order found: the third chunk's own checks, then the file's duplicates.
        "Event 2,500 (no usable ExternalId): ExternalId is required.",
        "Event 6 (ExternalId 'e5'): ExternalId 'e5' appears more than once in the file.",
        "Event 2,401 (ExternalId 'e5'): ExternalId 'e5' appears more than once in the file.",
    ]
    assert out.getvalue() == ""
    assert not CalendarEvent.objects.exists()


def test_import_csv_with_a_header_row_of_the_batch_fields(student, tmp_path):
    file = tmp_path / "events.csv"
    file.write_text(
        "externalid,UserId,TypeId,StartTime,EndTime,Title\n"
        f'c1,{student.pk},1,2026-06-10T20:00:00Z,2026-06-10T22:00:00Z,"Course, with comma"\n'
        f"c2,{student.pk},2,2026-06-11T20:00:00+02:00,2026-06-11T21:00:00+02:00,Interview\n"
    )

    out, _ = run_import(str(file))

    assert out.startswith("Imported 2 events (2 new, 0 updated)")
    c1, c2 = CalendarEvent.objects.order_by("external_id")
    assert (c1.title, c1.type_id, c2.type_id) == ("Course, with comma", 1, 2)
    assert c2.start_time.isoformat() == "2026-06-11T18:00:00+00:00"


def test_import_csv_reports_the_batch_messages(student, tmp_path):
    file = tmp_path / "events.csv"
    file.write_text(
        "ExternalId,UserId,TypeId,StartTime,EndTime,Title\nc1,x,9,2026-06-10T20:00:00Z,,Title\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_calendar_events", str(file), stdout=StringIO(), stderr=err)
    assert err.getvalue() == (
        "Event 1 (ExternalId 'c1'): UserId must be a positive 64-bit integer."
        " TypeId must be 1 (Class), 2 (Interview) or 3 (Other). EndTime is required.\n"
    )


def test_import_csv_without_the_fields_in_its_header(db, tmp_path):
    file = tmp_path / "events.csv"
    file.write_text("ExternalId,UserId\nx,1\n")
    with pytest.raises(CommandError, match="header row lacks EndTime, StartTime, Title, TypeId"):
        run_import(str(file))


def test_import_dry_run_checks_and_says_nothing_was_written(student, tmp_path):
    file = tmp_path / "events.json"
    file.write_text(json.dumps([event("a", student.pk)]))

    out, _ = run_import(str(file), "--dry-run")

    assert "Checked 1 events (1 new, 0 updated)" in out
    assert out.rstrip().endswith("Nothing was written (--dry-run).")
    assert not CalendarEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "must hold a JSON array"),
        ('{"a": 1}', "must hold a JSON array"),
        ("", "must hold a JSON array"),
        ('[{"ExternalId": "a"}, ', "is not valid JSON"),
    ],
)
def test_import_rejects_unusable_files(db, tmp_path, content, message):
    file = tmp_path / "events.json"
    file.write_text(content)
    with pytest.raises(CommandError, match=message):
        run_import(str(file))
    assert not CalendarEvent.objects.exists()


def test_import_of_a_file_broken_after_valid_items_writes_nothing(student, tmp_path):
    file = tmp_path / "events.json"
    text = json.dumps([event(f"e{i}", student.pk) for i in range(1500)])
    file.write_text(text[:-1] + ", oops]")
    with pytest.raises(CommandError, match="is not valid JSON"):
        run_import(str(file))
    assert not CalendarEvent.objects.exists()


def test_import_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        run_import(str(tmp_path / "missing.json"))


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
    err = StringIO()
    with pytest.raises(CommandError, match="Nothing was written"):
        call_command("import_calendar_events", str(file), stdout=StringIO(), stderr=err)
    assert err.getvalue() == (
        "Event 1 (no usable ExternalId): ExternalId must be valid Unicode text.\n"
    )
