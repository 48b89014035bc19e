"""What the request id and metrics middleware cost the batch hot path: 1000-event batch
upserts (update pass) through Django's handler, in process, alternating with and without
the two middleware, p50 of each beside the other; then the middleware alone, per request.

    DATABASE_URL=postgres://... .venv/bin/python bench/metrics_overhead.py [--rounds 40]
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calendarsite.settings")

OURS = ["calendarsite.ops.RequestIdMiddleware", "calendarsite.ops.MetricsMiddleware"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=40)
    rounds = parser.parse_args().rounds

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.http import HttpResponse
    from django.test import Client, RequestFactory, override_settings
    from django.urls import resolve

    from calendarsite.ops import MetricsMiddleware, RequestIdMiddleware
    from events.models import CalendarEvent
    from events.services import api_key_create, api_token_issue, event_writes_grant

    settings.ALLOWED_HOSTS = ["testserver"]
    User = get_user_model()
    integration, _ = User.objects.get_or_create(username="bench-metrics-integration")
    event_writes_grant(user=integration)
    student, _ = User.objects.get_or_create(username="bench-metrics-student")
    token = api_token_issue(key=api_key_create(user=integration, name="bench")[1])
    body = json.dumps(
        [
            {"ExternalId": f"bench-metrics-{i}", "UserId": student.pk, "TypeId": 1,
             "StartTime": "2026-06-10T20:00:00Z", "EndTime": "2026-06-10T22:00:00Z",
             "Title": f"Course {i}"}
            for i in range(1000)
        ]
    )  # fmt: skip
    without = [m for m in settings.MIDDLEWARE if m not in OURS]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def put() -> float:
        start = time.perf_counter()
        response = client.put("/api/v2/calendar-events/batch", body, "application/json")
        assert response.status_code == 200, response.content
        return time.perf_counter() - start

    put()  # the insert pass; then every run is an update pass
    timings: dict[str, list[float]] = {"with": [], "without": []}
    for _ in range(rounds):
        timings["with"].append(put())
        with override_settings(MIDDLEWARE=without):
            timings["without"].append(put())
    base = statistics.median(timings["without"])
    print(f"1000-event batch, update pass, {rounds} rounds each, alternating:")
    for label in ("without", "with"):
        p50 = statistics.median(timings[label])
        print(f"  {label:<8} request id + metrics: p50 {p50 * 1000:7.2f} ms  x{p50 / base:.3f}")

    request = RequestFactory().put("/api/v2/calendar-events/batch")
    request.resolver_match = resolve("/api/v2/calendar-events/batch")
    answer = HttpResponse()
    chain = RequestIdMiddleware(MetricsMiddleware(lambda r: answer))
    n = 20_000
    start = time.perf_counter()
    for _ in range(n):
        chain(request)
    per_request = (time.perf_counter() - start) / n
    print(f"  the two middleware alone: {per_request * 1e6:.1f} µs a request")
    CalendarEvent.objects.filter(external_id__startswith="bench-metrics-").delete()


if __name__ == "__main__":
    main()
