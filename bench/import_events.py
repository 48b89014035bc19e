"""How `manage.py import_calendar_events` performs on a large file: wall time and peak
memory (max RSS) of the command, beside the RSS of a bare `manage.py check` (Django
loaded, nothing done) measured in the same run.

    DATABASE_URL=postgres://... .venv/bin/python bench/import_events.py --events 100000

Uses the database DATABASE_URL names (migrated); creates 50 students `bench-import-N` and
events whose ExternalId starts with `bench-import-`, which it deletes first.
"""

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calendarsite.settings")


def measure(*args: str) -> tuple[float, int, str]:
    """Seconds, max RSS in MB, and the last output line of one manage.py command."""
    command = ["/usr/bin/time", "-f", "%M", sys.executable, "manage.py", *args]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    rss_kb = int(done.stderr.strip().splitlines()[-1])
    last = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or [""])[-1]
    return seconds, rss_kb // 1024, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    count = parser.parse_args().events

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from events.models import CalendarEvent

    users = [
        get_user_model().objects.get_or_create(username=f"bench-import-{n}")[0].pk
        for n in range(50)
    ]
    CalendarEvent.objects.filter(external_id__startswith="bench-import-").delete()
    rows = [
        {
            "ExternalId": f"bench-import-{i}",
            "UserId": users[i % 50],
            "TypeId": 1 + i % 3,
            "StartTime": "2026-06-10T20:00:00Z",
            "EndTime": "2026-06-10T22:00:00Z",
            "Title": f"Course {i}: Fin. Meas., Analysis & Rept. 2",
        }
        for i in range(count)
    ]
    folder = Path(tempfile.mkdtemp(prefix="bench-import-"))
    json_file, csv_file = folder / "events.json", folder / "events.csv"
    json_file.write_text(json.dumps(rows))
    with csv_file.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    # Baseline of the same run: the rows as the batch API would send them, 1000 per
    # call of the batch service, in this process (no file, no command).
    from events.services import calendar_events_upsert

    start = time.perf_counter()
    for offset in range(0, count, 1000):
        calendar_events_upsert(items=rows[offset : offset + 1000])
    service_seconds = time.perf_counter() - start
    CalendarEvent.objects.filter(external_id__startswith="bench-import-").delete()
    del rows
    connection.close()

    print(f"{count:,} events on {connection.vendor}; JSON {json_file.stat().st_size >> 20} MB")
    print(f"{'run':<34} {'time':>8} {'max RSS':>8}")
    print(f"{'baseline: batch service, 1000/call':<34} {service_seconds:>6.1f} s {'':>8}   all new")
    for label, args in [
        ("baseline: manage.py check", ["check"]),
        ("JSON, all new", ["import_calendar_events", str(json_file)]),
        ("JSON, all updated", ["import_calendar_events", str(json_file)]),
        ("CSV, all updated", ["import_calendar_events", str(csv_file)]),
        ("JSON, --dry-run", ["import_calendar_events", str(json_file), "--dry-run"]),
    ]:
        seconds, rss, last = measure(*args)
        print(f"{label:<34} {seconds:>6.1f} s {rss:>5} MB   {re.sub(r' in .*', '', last)}")
    CalendarEvent.objects.filter(external_id__startswith="bench-import-").delete()
    for path in (json_file, csv_file):
        path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
