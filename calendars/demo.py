"""GRS demo data for a first local run: a tenant, a package, an API user, a calendar."""

from __future__ import annotations

import json
import shlex

from django.contrib.auth import get_user_model
from django.db import transaction

from calendars import rules, services
from calendars.models import Calendar, Package, Tenant
from calendars.schema import VENDOR_REQUEST

TENANT = "Demo tenant"
PACKAGE = "Demo package"
USERNAME = "grs-demo"
# Known on purpose: printed for local use, and a demo database is not a production one.
PASSWORD = "grs-demo-password"
# The vendor's example request, as the API documents it.
CALENDAR = VENDOR_REQUEST
# The walkthrough's own calendar: created, used and deleted by the printed curls, so they
# work when pasted again, and the seeded calendar stays as it is.
WALKTHROUGH = {**CALENDAR, "name": "Walkthrough calendar"}
MODIFIED = {**WALKTHROUGH, "dayStartsHour": 9, "dayStartsMin": 0, "dayEndsHour": 17}
EXCEPTIONS = {
    "exceptions": [
        {"name": "New Year's Day", "type": "HOLIDAY", "placement": "ANNUAL", "annualMonth": 1,
         "annualDay": 1},
    ]
}  # fmt: skip


@transaction.atomic
def demo_seed(*, base_url: str) -> list[str]:
    """Idempotent: a second run finds what the first created (and resets the password)."""
    tenant = Tenant.objects.filter(name=TENANT).first() or services.tenant_create(name=TENANT)
    package = Package.objects.filter(tenant=tenant, name=PACKAGE).first()
    package = package or services.package_create(tenant=tenant, name=PACKAGE)

    user = get_user_model().objects.filter(username=USERNAME).first()
    if user is None:
        user = services.api_user_create(username=USERNAME, password=PASSWORD)
    user.set_password(PASSWORD)
    user.is_active = True
    user.save()
    user.user_permissions.add(
        *services.grs_permissions([*rules.PERMISSIONS, *rules.PACKAGE_PERMISSIONS])
    )
    user.grs_tenants.add(tenant)

    calendar = Calendar.objects.filter(package=package, name=CALENDAR["name"]).first()
    if calendar is None:
        values, problems = rules.calendar_parse(CALENDAR)
        assert not problems, problems
        calendar = services.calendar_create(package=package, **values)

    grs = f"{base_url}/grs/v1"
    scope = f"{grs}/tenant/{tenant.pk}/package/{package.pk}"
    auth = '-u "$GRS_USER:$GRS_TOKEN"'
    json_header = '-H "Content-Type: application/json"'

    def field(name: str) -> str:
        return f"python3 -c 'import json,sys; print(json.load(sys.stdin)[\"{name}\"])'"

    cal = "$GRS_CALENDAR"
    return [
        "GRS business calendars",
        f"  API user {USERNAME!r}, password {PASSWORD!r}: tenant {tenant.pk}"
        f" ({TENANT}), package {package.pk} ({PACKAGE}), calendar {calendar.external_id}"
        f" ({calendar.name})",
        "  Log in (the token lives while used, 30 minutes idle by default):",
        f"    GRS_USER={USERNAME}",
        f"    GRS_TOKEN=$(curl -s -u {USERNAME}:{PASSWORD} {grs}/login | {field('apiToken')})",
        f"  Create a calendar of your own ({WALKTHROUGH['name']!r}), list them:",
        f"    GRS_CALENDAR=$(curl -s -X POST {scope}/calendar {auth} {json_header}"
        f" -d {shlex.quote(json.dumps(WALKTHROUGH))} | {field('calendarId')})",
        f"    curl -s {scope}/calendars {auth}",
        "  Lock it, set its holidays, change its hours, read the body, unlock:",
        f"    curl -s -i {scope}/lockcalendar/{cal} {auth}",
        f"    curl -s -X PUT {scope}/businesscalendarbody/{cal} {auth} {json_header}"
        f" -d {shlex.quote(json.dumps(EXCEPTIONS))}",
        f"    curl -s -X PUT {scope}/calendar/{cal} {auth} {json_header}"
        f" -d {shlex.quote(json.dumps(MODIFIED))}",
        f"    curl -s {scope}/businesscalendarbody/{cal} {auth}",
        f"    curl -s -i {scope}/unlockcalendar/{cal} {auth}",
        "  Ask it business-time questions (is Friday 18:00 EST working? 90 working minutes"
        " after Friday 16:00 EST?):",
        f'    curl -s "{scope}/calendar/{cal}/working?at=2026-11-27T23:00:00Z" {auth}',
        f'    curl -s "{scope}/calendar/{cal}/add?start=2026-11-27T21:00:00Z&minutes=90" {auth}',
        "  Delete it (lock first), so that these lines work when pasted again:",
        f"    curl -s -i {scope}/lockcalendar/{cal} {auth}",
        f"    curl -s -i -X DELETE {scope}/calendar/{cal} {auth}",
    ]
