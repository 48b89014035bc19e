"""The Django admin's login, limited per client address and per username.

Built on what the credential endpoints already use (the database cache, the client
address as DRF's throttles read it, ``one_at_a_time`` across processes) rather than
django-axes: axes enforces through an authentication backend placed first in
AUTHENTICATION_BACKENDS, which would switch off the one-query permission check of both
APIs (calendarsite.perms.only_model_backend) and make every ``authenticate()`` call,
GRS login's included, require a request.

Each attempt is counted before it is tried, so attempts sent in parallel are counted
too; a successful login gives its own attempt back and clears its username's count.
Once a username or an address has used its allowance, every attempt (the right password
included) answers 429 until ADMIN_LOGIN_LOCKOUT_SECONDS have passed without one.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

from calendarsite.throttles import CredentialsRateThrottle, one_at_a_time

LOCKED = "Too many failed login attempts. Try again later."


def _keys(request: HttpRequest) -> list[tuple[str, int]]:
    """The cache key of each counter this attempt is charged to, with its allowance."""
    address = CredentialsRateThrottle().get_ident(request) or ""
    username = request.POST.get("username", "").strip().casefold()
    digest = hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()
    return [
        (f"admin-login:address:{address}", settings.ADMIN_LOGIN_FAILURES_PER_ADDRESS),
        (f"admin-login:username:{digest}", settings.ADMIN_LOGIN_FAILURES_PER_USERNAME),
    ]


def _charge(keys: list[tuple[str, int]]) -> bool:
    """Counts one attempt against every key, unless one of them has no allowance left."""
    timeout = settings.ADMIN_LOGIN_LOCKOUT_SECONDS
    with one_at_a_time("admin-login"):
        counts = cache.get_many([key for key, _ in keys])
        if any(counts.get(key, 0) >= allowed for key, allowed in keys):
            return False
        cache.set_many({key: counts.get(key, 0) + 1 for key, _ in keys}, timeout)
        return True


def _refund(keys: list[tuple[str, int]]) -> None:
    """A successful login: its username starts afresh, its address gets the attempt back."""
    (address_key, _), (username_key, _) = keys
    with one_at_a_time("admin-login"):
        cache.delete(username_key)
        count = cache.get(address_key, 0)
        if count > 0:
            cache.set(address_key, count - 1, settings.ADMIN_LOGIN_LOCKOUT_SECONDS)


def admin_login(request: HttpRequest, **kwargs) -> HttpResponse:
    if request.method != "POST":
        return admin.site.login(request, **kwargs)
    keys = _keys(request)
    if not _charge(keys):
        response = HttpResponse(f"<h1>{escape(LOCKED)}</h1>", status=429)
        response["Retry-After"] = str(settings.ADMIN_LOGIN_LOCKOUT_SECONDS)
        return response
    response = admin.site.login(request, **kwargs)
    if response.status_code == 302 and request.user.is_authenticated:
        _refund(keys)
    return response
