"""Demo data for a first local run: a staff user, students, an integration user and key,
a student's feed."""

import json
import secrets
import shlex
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from events.services import api_key_create, feed_token_create

STUDENTS = ["ada", "grace", "alan"]


def demo_seed(*, base_url: str) -> list[str]:
    """Idempotent, except that each run issues a fresh API key, feed URL and staff
    password, because none of them is stored in a form that could be printed again."""
    User = get_user_model()
    staff, _ = User.objects.get_or_create(
        username="staff", defaults={"is_staff": True, "is_superuser": True}
    )
    staff_password = secrets.token_urlsafe(12)
    staff.set_password(staff_password)
    staff.save()

    students = [User.objects.get_or_create(username=name)[0] for name in STUDENTS]
    integration, _ = User.objects.get_or_create(username="school-integration")
    integration.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="events",
            codename__in=[
                "add_calendarevent",
                "change_calendarevent",
                "view_calendarevent",
                "delete_calendarevent",
            ],
        )
    )
    _, key = api_key_create(user=integration, name="demo")
    _, feed_secret = feed_token_create(user=students[0], name="demo")

    # Next week, so that the events fall in the feed's default window (docs/events.md).
    day = (timezone.now() + timedelta(days=7)).date()
    next_day = day + timedelta(days=1)
    body = json.dumps(
        [
            {
                "ExternalId": "demo-1",
                "UserId": students[0].pk,
                "TypeId": 1,
                "StartTime": f"{day}T20:00:00Z",
                "EndTime": f"{day}T22:00:00Z",
                "Title": "Course FMAR2: Fin. Meas., Analysis & Rept. 2",
            },
            {
                "ExternalId": "demo-2",
                "UserId": students[1].pk,
                "TypeId": 2,
                "StartTime": f"{next_day}T09:00:00-04:00",
                "EndTime": f"{next_day}T10:00:00-04:00",
                "Title": "Interview with Acme",
            },
        ]
    )
    token_url = f"{base_url}/api/client/generateAuthenticationToken?key={key}"
    return [
        "12Twenty calendar events",
        f"  admin: {base_url}/admin/  user 'staff', password {staff_password}",
        f"  students: {', '.join(f'{s.username} (UserId {s.pk})' for s in students)}",
        f"  API key of 'school-integration': {key}",
        "  Get a bearer token, then upsert a batch:",
        f"    TOKEN=$(curl -s {shlex.quote(token_url)} | tr -d '\"')",
        f"    curl -s -X PUT {base_url}/api/v2/calendar-events/batch"
        ' -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json"'
        f" -d {shlex.quote(body)}",
        "  Read them back, a page at a time:",
        f"    curl -s '{base_url}/api/v2/calendar-events?UserId={students[0].pk}&PageSize=10'"
        ' -H "Authorization: Bearer $TOKEN"',
        f"  {students[0].username}'s iCalendar feed (subscribe from a calendar app):",
        f"    {base_url}{reverse('calendar-events-feed', args=[feed_secret])}",
    ]
