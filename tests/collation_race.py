"""Racing upserters and deleters on mixed-case ExternalIds, run against the database that
DATABASE_URL names (tests/events/test_collation.py runs it on an ICU en-US database).

A script rather than a test: the suite's own test database has whatever collation the
server's default is, so this one migrates and fills a database of its own. Prints one
JSON line: how many requests answered each status.
"""

import json
import os
import sys
import threading
from collections import Counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calendarsite.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from events.services import api_key_create, api_token_issue  # noqa: E402

BATCH_URL = "/api/v2/calendar-events/batch"


def main(rounds: int, workers: int) -> None:
    call_command("migrate", verbosity=0)
    User = get_user_model()
    integration = User.objects.create_user("integration")
    integration.user_permissions.add(*Permission.objects.filter(content_type__app_label="events"))
    student = User.objects.create_user("student")
    _, key = api_key_create(user=integration)
    token = api_token_issue(key=key)
    # Case first, then letter: in C order every upper-case id sorts before every lower-case
    # one, in en-US they interleave (a000 A000 b000 B000 ...).
    ids = [f"{letter}{n:03d}" for n in range(30) for letter in "aAbBcCdDzZ"]
    events = [
        {"ExternalId": ext, "UserId": student.pk, "TypeId": 1, "Title": ext,
         "StartTime": "2026-06-10T20:00:00Z", "EndTime": "2026-06-10T22:00:00Z"}
        for ext in ids
    ]  # fmt: skip
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(2 * workers)

    def run(method: str, body: list) -> None:
        client = Client(raise_request_exception=False)
        try:
            barrier.wait(timeout=60)
            for _ in range(rounds):
                response = client.generic(
                    method, BATCH_URL, json.dumps(body), content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {token}",
                )  # fmt: skip
                with lock:
                    statuses[response.status_code] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=("PUT", events)) for _ in range(workers)]
    threads += [threading.Thread(target=run, args=("DELETE", ids[::-1])) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    print(json.dumps({"statuses": {str(k): v for k, v in sorted(statuses.items())}}))


if __name__ == "__main__":
    main(rounds=int(sys.argv[1]), workers=int(sys.argv[2]))
