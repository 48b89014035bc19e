"""GRS answers, key for key and in the order of the vendor's examples."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from calendars.models import Calendar, CalendarException, Package
from calendars.rules import CALENDAR_RULES, EXCEPTION_KEYS, EXCEPTION_RULES, UNUSED_NULL

# A calendar's fields but its name, which comes before the lock (the vendor's order).
_AFTER_LOCK = tuple((rule.key, rule.attr) for rule in CALENDAR_RULES if rule.key != "name")


def _fields(calendar: Calendar, now: datetime) -> dict[str, Any]:
    owner = calendar.lock_owner(now)
    return {
        "name": calendar.name,
        "locked": owner is not None,
        "lockOwner": owner,
        **{key: getattr(calendar, attr) for key, attr in _AFTER_LOCK},
    }


def calendar_json(calendar: Calendar) -> dict[str, Any]:
    """Create and modify answers: ``calendarId`` is the external id ``Calendar_N``."""
    return {"calendarId": calendar.external_id, **_fields(calendar, timezone.now())}


def calendar_list_entry(calendar: Calendar, now: datetime | None = None) -> dict[str, Any]:
    """A calendar in a package's list: ``calendarId`` is the UUID, ``extCalendarId``
    Calendar_N."""
    return {
        "calendarId": str(calendar.uuid),
        "extCalendarId": calendar.external_id,
        **_fields(calendar, now or timezone.now()),
    }


def exception_json(exception: CalendarException) -> dict[str, Any]:
    """All 13 keys in the vendor's order; unused numbers 0, unused fixedDate and
    relativeType null, as in the vendor's Christmas example."""
    answer = {}
    for key in EXCEPTION_KEYS:
        value = getattr(exception, EXCEPTION_RULES[key].attr)
        answer[key] = 0 if value is None and key not in UNUSED_NULL else value
    return answer


def calendar_body_json(
    calendar: Calendar, exceptions: Iterable[CalendarException] | None = None
) -> dict[str, Any]:
    """GET businesscalendarbody: ``calendarId`` is the UUID, ``externalId`` Calendar_N.
    ``exceptions`` in list order (default: the calendar's own)."""
    if exceptions is None:
        exceptions = calendar.exceptions.all()
    return {
        "calendarId": str(calendar.uuid),
        "externalId": calendar.external_id,
        **_fields(calendar, timezone.now()),
        "exceptions": [exception_json(e) for e in exceptions],
    }


def calendar_written_body_json(
    calendar: Calendar, exceptions: Iterable[CalendarException]
) -> dict[str, Any]:
    """PUT businesscalendarbody answers like the vendor's: the create answer plus the
    exceptions."""
    return {**calendar_json(calendar), "exceptions": [exception_json(e) for e in exceptions]}


def instant_json(value: datetime) -> str:
    """An instant as business-time answers write it: UTC, ``Z``, seconds always,
    microseconds only when not zero (2026-03-09T14:30:00Z, 2026-03-09T14:30:00.250000Z)."""
    if value.tzinfo is not UTC:  # the engine's answers are UTC already: a bulk writes 1,000
        value = value.astimezone(UTC)
    return value.isoformat()[:-6] + "Z"  # "+00:00" off


def package_json(package: Package) -> dict[str, Any]:
    """A package as the vendor's Query Packages answers it; empty texts are null."""
    return {
        "packageId": str(package.pk),
        "name": package.name,
        "type": package.type or None,
        "businessName": package.business_name or None,
        "description": package.description or None,
        "templates": [
            {
                "name": t.name,
                "version": t.version,
                "type": t.type,
                "global": t.is_global,
                "changeComment": t.change_comment,
            }
            for t in package.templates.all()
        ],
    }
