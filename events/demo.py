"""Demo data for a first local run: a staff user, students, an integration user and key,
a student's feed."""

import base64
import hashlib
import hmac
import json
import secrets
import shlex
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from calendarsite.credentials import hash_secret
from events.models import ApiKey, FeedToken, IssuedSecret
from events.services import secret_issue, secret_revoke

STUDENTS = ["ada", "grace", "alan"]


DEMO = "demo"


def _derived(staff: Any, purpose: str) -> str:
    """A secret only this database and SECRET_KEY give, the same on every run."""
    message = f"seed_demo:{purpose}:{staff.pk}:{staff.date_joined.isoformat()}"
    digest = hmac.new(settings.SECRET_KEY.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _staff_password(staff: Any, reset: bool) -> str | None:
    """The staff password to print, or None when --reset set one that is kept."""
    password = secrets.token_urlsafe(12) if reset else _derived(staff, "staff")[:16]
    if reset or not staff.password or not staff.has_usable_password():
        staff.set_password(password)
        staff.save()
        return password
    return password if staff.check_password(password) else None


def _stable_secret(model: type[IssuedSecret], user: Any, derived: str, reset: bool) -> str | None:
    """The demo's API key or feed secret (``model``) for ``user``: the derived one, made
    once and then found again; with --reset a random one, the earlier ones revoked. None
    once the derived one is revoked: what --reset printed stays, and is not stored."""
    live = model.objects.filter(user=user, name=DEMO, revoked_at__isnull=True)
    if reset:
        for old in live:
            secret_revoke(secret=old)
        return secret_issue(secret=model(user=user, name=DEMO))
    secret = model.SECRET_PREFIX + derived
    stored = {model.HASH_FIELD: hash_secret(secret)}
    if live.filter(**stored).exists():
        return secret
    if model.objects.filter(**stored).exists():
        # Revoked (by --reset, or in the admin): the one --reset printed is still valid.
        return None
    model.objects.create(user=user, name=DEMO, prefix=secret[:12], **stored)
    return secret


def demo_seed(*, base_url: str, reset: bool = False) -> list[str]:
    """Idempotent: a second run prints the same staff password, API key and feed URL, and
    what a run printed stays valid. These secrets are derived from SECRET_KEY and the
    staff user's creation time, so they are not stored in clear. ``reset`` issues new
    random ones instead and revokes the demo's earlier key and feed URL; later runs then
    leave them be (and say so), since only a hash of them is kept."""
    User = get_user_model()
    staff, _ = User.objects.get_or_create(
        username="staff", defaults={"is_staff": True, "is_superuser": True}
    )
    staff_password = _staff_password(staff, reset)

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
    key = _stable_secret(ApiKey, integration, _derived(staff, "api-key"), reset)
    feed_secret = _stable_secret(FeedToken, students[0], _derived(staff, "feed"), reset)
    kept = "unchanged (issued before, stored hashed; `seed_demo --reset` issues a new one)"
    key_text = key or kept
    feed_text = (
        f"{base_url}{reverse('calendar-events-feed', args=[feed_secret])}" if feed_secret else kept
    )
    password_text = staff_password or "unchanged (set before; `seed_demo --reset` sets a new one)"

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
    token_url = f"{base_url}/api/client/generateAuthenticationToken?key={key or 'KEY'}"
    return [
        "12Twenty calendar events",
        f"  admin: {base_url}/admin/  user 'staff', password {password_text}",
        f"  students: {', '.join(f'{s.username} (UserId {s.pk})' for s in students)}",
        f"  API key of 'school-integration': {key_text}",
        "  Get a bearer token, then upsert a batch:",
        f"    EVENTS_TOKEN=$(curl -s {shlex.quote(token_url)} | tr -d '\"')",
        f"    curl -s -X PUT {base_url}/api/v2/calendar-events/batch"
        ' -H "Authorization: Bearer $EVENTS_TOKEN" -H "Content-Type: application/json"'
        f" -d {shlex.quote(body)}",
        "  Read them back, a page at a time:",
        f"    curl -s '{base_url}/api/v2/calendar-events?UserId={students[0].pk}&PageSize=10'"
        ' -H "Authorization: Bearer $EVENTS_TOKEN"',
        f"  {students[0].username}'s iCalendar feed (subscribe from a calendar app):",
        f"    {feed_text}",
    ]
