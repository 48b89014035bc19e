"""The fixtures of the HTTP benchmarks (bench/batch.py, bench/reads.py, bench/latency.py).

Made once and found again by name, so a second run reuses them: the students, an
integration allowed to write and read events with a fresh API key, and a GRS tenant,
package, API user (CALENDAR_VIEW, a member) and office calendar with eight US holidays.
The GRS user's password is new each run (printed, for this run only). Prints one JSON
line that the benchmark reads.
"""

from __future__ import annotations

import json
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from calendars.demo import US_HOLIDAYS, grs_seed, office_body
from events.services import api_key_create

STUDENT_PREFIX = "bench-student-"
INTEGRATION = "bench-integration"
GRS_USER = "bench-grs"


class Command(BaseCommand):
    help = "Make (or find) the HTTP benchmarks' users, API key and GRS calendar; print JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--students", type=int, default=10)

    @transaction.atomic
    def handle(self, *args, students: int, **options) -> None:
        if students < 1:
            raise CommandError("--students must be 1 or more.")
        User = get_user_model()
        student_ids = [
            User.objects.get_or_create(username=f"{STUDENT_PREFIX}{i}")[0].pk
            for i in range(students)
        ]
        integration, _ = User.objects.get_or_create(username=INTEGRATION)
        integration.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="events",
                codename__in=["add_calendarevent", "change_calendarevent", "view_calendarevent"],
            )
        )
        _, key = api_key_create(user=integration, name="bench")
        password = secrets.token_urlsafe(24)
        tenant, package, calendar = grs_seed(
            tenant_name="Bench tenant",
            package_name="Bench package",
            username=GRS_USER,
            password=password,
            permissions=["CALENDAR_VIEW"],
            calendar_body=office_body("Bench calendar"),
            exceptions_body=US_HOLIDAYS,
        )
        fixtures = {
            "students": student_ids,
            "key": key,
            "grs": {
                "user": GRS_USER,
                "password": password,
                "tenant": tenant.pk,
                "package": str(package.pk),
                "calendar": calendar.pk,
            },
        }
        self.stdout.write(json.dumps(fixtures))
