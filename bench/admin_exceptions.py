"""A calendar's admin change page, and its save, at 5 and at 500 exceptions, in one run.

    .venv/bin/python bench/admin_exceptions.py [--rounds N] [--counts 5,500,1000]

In process (Django's test client, a throwaway test database: SQLite in memory by default,
PostgreSQL's test_<name> with DATABASE_URL), so the figure is the page's own cost: its
queries and its rendering. Counts are measured round by round, alternating, so a busy
neighbour slows them alike; each line gives p50/p95 and the ratio to the smallest count.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "calendarsite.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.template import Template  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import _TestState, setup_test_environment  # noqa: E402

from calendars import rules, services  # noqa: E402
from calendars.models import Calendar, CalendarException, Package, Tenant  # noqa: E402


def calendar_with(package: Package, count: int) -> Calendar:
    calendar = Calendar.objects.create(
        package=package,
        name=f"{count} exceptions",
        week_starts=2,
        week_ends=6,
        day_starts_hour=9,
        day_starts_min=0,
        day_ends_hour=17,
        day_ends_min=30,
        time_zone_id="America/New_York",
    )
    CalendarException.objects.bulk_create(
        CalendarException(
            calendar=calendar,
            name=f"Closed {n}",
            type="HOLIDAY",
            placement="ANNUAL",
            annual_month=n % 12 + 1,
            annual_day=n % 28 + 1,
        )
        for n in range(count)
    )
    return calendar


def grs_client(tenant: Tenant) -> Client:
    """A client of the GRS API with every permission, a member of ``tenant``."""
    user = get_user_model().objects.create_user("grs-bench", password="bench-password-1")
    tenant.members.add(user)
    user.user_permissions.add(*services.grs_permissions(rules.PERMISSIONS))
    _, token = services.grs_session_create(user=user)
    secret = base64.b64encode(f"grs-bench:{token}".encode()).decode()
    return Client(HTTP_AUTHORIZATION=f"Basic {secret}")


def posted_page(client: Client, path: str) -> dict[str, str]:
    """The change form as a browser would post it back, unchanged."""
    response = client.get(path)
    data = {}
    for form in [response.context["adminform"].form] + [
        f for fs in response.context["inline_admin_formsets"] for f in fs.formset.forms
    ]:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None or value is False:
                continue
            data[key] = (
                value.strftime("%H:%M")
                if hasattr(value, "strftime") and (name.startswith(("day_", "time_change")))
                else str(value)
            )
    for fs in response.context["inline_admin_formsets"]:
        management = fs.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = str(management[name].value())
    data["_continue"] = "1"
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--counts", default="5,500")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        tenant = Tenant.objects.create(name="Bench")
        package = Package.objects.create(tenant=tenant, name="Bench")
        calendars = {count: calendar_with(package, count) for count in counts}
        staff = get_user_model().objects.create_superuser("bench", "bench@example.com", "pw")
        client = Client()
        client.force_login(staff)
        paths = {c: f"/admin/calendars/calendar/{cal.pk}/change/" for c, cal in calendars.items()}
        bodies = {c: posted_page(client, path) for c, path in paths.items()}
        # From here templates render as in production, without the test environment's
        # instrumentation (it keeps every context for response.context).
        Template._render = _TestState.saved_data.template_render
        views: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for count, path in paths.items():
                for kind in ("GET", "POST"):
                    start = time.perf_counter()
                    if kind == "GET":
                        response = client.get(path)
                        assert response.status_code == 200, response.status_code
                    else:
                        response = client.post(path, bodies[count])
                        if response.status_code != 302:  # e.g. 400: too many fields posted
                            kind = f"POST (answered {response.status_code})"
                    views.setdefault(f"{kind} change page, {count} exceptions", []).append(
                        (time.perf_counter() - start) * 1000
                    )
        for count, calendar in calendars.items():
            assert calendar.exceptions.count() == count, "a save lost exceptions"
        # The pages and reads that show a calendar's exceptions other than its change page.
        api = grs_client(tenant)
        grs = f"/grs/v1/tenant/{tenant.pk}/package/{package.pk}"
        scope = f"{grs}/businesscalendarbody"
        for calendar in calendars.values():
            locked = api.get(f"{grs}/lockcalendar/{calendar.external_id}")
            assert locked.status_code in (200, 204), (locked.status_code, locked.content)
        for _ in range(args.rounds):
            start = time.perf_counter()
            assert client.get("/admin/calendars/calendar/").status_code == 200
            views.setdefault("GET calendars changelist", []).append(
                (time.perf_counter() - start) * 1000
            )
            for count, calendar in calendars.items():
                path = f"{scope}/{calendar.external_id}"
                start = time.perf_counter()
                response = api.get(path)
                assert response.status_code == 200, response.content
                views.setdefault(f"GRS body GET, {count} exceptions", []).append(
                    (time.perf_counter() - start) * 1000
                )
                start = time.perf_counter()
                put = api.put(path, response.content, content_type="application/json")
                assert put.status_code in (200, 201), put.content
                views.setdefault(f"GRS body PUT, {count} exceptions", []).append(
                    (time.perf_counter() - start) * 1000
                )
        print(f"{connection.vendor}, {args.rounds} rounds, milliseconds:")
        base: dict[str, float] = {}
        for name, times in views.items():
            kind = name.split(",")[0].split(" change")[0]
            p50 = statistics.median(times)
            p95 = sorted(times)[max(0, round(len(times) * 0.95) - 1)]
            ratio = p50 / base.setdefault(kind, p50)
            print(f"  {name:<40} p50 {p50:8.1f}  p95 {p95:8.1f}  x{ratio:.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
