"""GRS reads. Each is one query, whatever the number of rows."""

from __future__ import annotations

import re
import uuid

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from calendars.models import Calendar, Package, Tenant

_TENANT_ID = re.compile(r"[0-9]{1,18}")  # fits a 64-bit integer
_EXTERNAL_ID = re.compile(r"Calendar_([1-9][0-9]{0,17})")  # no leading zeros: one name each


def tenant_list(*, user: AbstractBaseUser) -> QuerySet[Tenant]:
    return Tenant.objects.filter(members=user).order_by("id")


def tenant_is_member(*, user: AbstractBaseUser, tenant_id: str) -> bool:
    """False for an unknown or malformed tenant id too: existence must not leak."""
    if not _TENANT_ID.fullmatch(tenant_id):
        return False
    return Tenant.objects.filter(pk=int(tenant_id), members=user).exists()


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def package_get(*, tenant_id: str, package_id: str) -> Package | None:
    """The package if it belongs to the tenant (another tenant's package is not found)."""
    pk = _uuid(package_id)
    if pk is None or not _TENANT_ID.fullmatch(tenant_id):
        return None
    return Package.objects.filter(pk=pk, tenant_id=int(tenant_id)).first()


def calendar_list(*, package: Package) -> QuerySet[Calendar]:
    return Calendar.objects.filter(package=package).select_related("lock_session__user")


def calendar_get(
    *, package: Package, calendar_id: str, with_exceptions: bool = False
) -> Calendar | None:
    """A calendar of the package by UUID or by external id ``Calendar_N``."""
    if match := _EXTERNAL_ID.fullmatch(calendar_id):
        lookup = {"pk": int(match[1])}
    elif (pk := _uuid(calendar_id)) is not None:
        lookup = {"uuid": pk}
    else:
        return None
    calendars = calendar_list(package=package).filter(**lookup)
    if with_exceptions:
        calendars = calendars.prefetch_related("exceptions")
    return calendars.first()
