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


def office_body(name: str, time_zone_id: str = "America/New_York") -> dict:
    """A calendar's API body: Monday to Friday, 09:00-17:00 (1 = Sunday, so 2 = Monday
    and 6 = Friday). The calendar most benchmarks and many tests ask."""
    return {
        "name": name,
        "weekStarts": 2,
        "weekEnds": 6,
        "dayStartsHour": 9,
        "dayStartsMin": 0,
        "dayEndsHour": 17,
        "dayEndsMin": 0,
        "timeZoneId": time_zone_id,
    }


# Eight US holidays a year, as a business calendar body (the benchmarks' office calendar).
US_HOLIDAYS = {
    "exceptions": [
        {"name": "New Year's Day", "type": "HOLIDAY", "placement": "ANNUAL",
         "annualMonth": 1, "annualDay": 1},
        {"name": "MLK Day", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "THIRD", "relativeDayOfWeek": 2, "relativeMonth": 1},
        {"name": "Presidents' Day", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "THIRD", "relativeDayOfWeek": 2, "relativeMonth": 2},
        {"name": "Memorial Day", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "LAST", "relativeDayOfWeek": 2, "relativeMonth": 5},
        {"name": "Independence Day", "type": "HOLIDAY", "placement": "ANNUAL",
         "annualMonth": 7, "annualDay": 4},
        {"name": "Labor Day", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "FIRST", "relativeDayOfWeek": 2, "relativeMonth": 9},
        {"name": "Thanksgiving", "type": "HOLIDAY", "placement": "RELATIVE",
         "relativeType": "FOURTH", "relativeDayOfWeek": 5, "relativeMonth": 11},
        {"name": "Christmas Day", "type": "HOLIDAY", "placement": "ANNUAL",
         "annualMonth": 12, "annualDay": 25},
    ]
}  # fmt: skip


@transaction.atomic
def grs_seed(
    *,
    tenant_name: str,
    package_name: str,
    username: str,
    password: str,
    permissions: list[str],
    calendar_body: dict,
    exceptions_body: dict | None = None,
) -> tuple[Tenant, Package, Calendar]:
    """A tenant, a package, an API user (a member, granted ``permissions``, its password
    reset to ``password``) and a calendar, each made once (found again by name), through
    the rules and services the API uses. A new calendar is given ``exceptions_body``."""
    tenant = Tenant.objects.filter(name=tenant_name).first()
    tenant = tenant or services.tenant_create(name=tenant_name)
    package = Package.objects.filter(tenant=tenant, name=package_name).first()
    package = package or services.package_create(tenant=tenant, name=package_name)

    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = services.api_user_create(username=username, password=password)
    user.set_password(password)
    user.is_active = True
    user.save()
    user.user_permissions.add(*services.grs_permissions(permissions))
    user.grs_tenants.add(tenant)

    calendar = Calendar.objects.filter(package=package, name=calendar_body["name"]).first()
    if calendar is None:
        values, problems = rules.calendar_parse(calendar_body)
        assert not problems, problems
        calendar = services.calendar_create(package=package, **values)
        if exceptions_body:
            exceptions, problems = rules.exceptions_parse(exceptions_body)
            assert not problems, problems
            session, _ = services.grs_session_create(user=user)
            services.calendar_lock(calendar=calendar, session=session)
            services.calendar_exceptions_replace(
                calendar=calendar, session=session, exceptions=exceptions
            )
            services.calendar_unlock(calendar=calendar, session=session, override=False)
            session.delete()
    return tenant, package, calendar


def demo_seed(*, base_url: str) -> list[str]:
    """Idempotent: a second run finds what the first created (and resets the password)."""
    tenant, package, calendar = grs_seed(
        tenant_name=TENANT,
        package_name=PACKAGE,
        username=USERNAME,
        password=PASSWORD,
        permissions=[*rules.PERMISSIONS, *rules.PACKAGE_PERMISSIONS],
        calendar_body=CALENDAR,
    )

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
