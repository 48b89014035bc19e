"""The throttle of the endpoints that take a password or an API key, and the advisory
lock that makes its count hold under parallel attempts (the admin's login uses both)."""

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection, transaction
from rest_framework import throttling
from rest_framework.permissions import AllowAny


class CredentialsRateThrottle(throttling.SimpleRateThrottle):
    """Limits attempts at the endpoints that take a password or an API key, per client
    address, whether or not the attempt succeeds.

    DRF reads the address's history from the cache, decides, and writes it back: two
    attempts at once would both read the same history and one would be lost, so
    attempts sent in parallel were never counted. Each read-decide-write therefore
    runs alone per address: across processes on PostgreSQL (an advisory lock held to
    the commit that writes the history), across threads on SQLite (local use, one
    process).
    """

    scope = "credentials"

    def get_rate(self) -> str:
        return settings.CREDENTIALS_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        with one_at_a_time(self.get_cache_key(request, view)):
            return super().allow_request(request, view)


_in_process = threading.Lock()


@contextmanager
def one_at_a_time(key: str) -> Iterator[None]:
    """Runs the block alone among all holders of ``key``, in every process that shares
    the default database (the one the cache lives in) when that is PostgreSQL."""
    if connection.vendor != "postgresql":
        with _in_process:
            yield
        return
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])
        yield


class CredentialsEndpoint:
    """Mixed into a view that takes credentials itself (GRS login and password change,
    12Twenty's token): no authentication before the view, anyone may ask, and each
    attempt counts against the client's CredentialsRateThrottle."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [CredentialsRateThrottle]
