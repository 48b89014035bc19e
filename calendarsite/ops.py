"""What an operator's tools ask of the service: liveness, readiness, metrics, and a
request id on every answer and log line (docs/operations.md)."""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextvars import ContextVar
from functools import cache, wraps

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    multiprocess,
)
from prometheus_client.exposition import choose_encoder

logger = logging.getLogger(__name__)

# --- request id -----------------------------------------------------------------------

request_id: ContextVar[str] = ContextVar("request_id", default="-")
# A caller's id is echoed only if it is short and plain: it goes into log lines and a
# response header, where control characters or megabytes have no place.
_SAFE_ID = re.compile(r"[A-Za-z0-9._:@/+=-]{1,128}")


class RequestIdMiddleware:
    """Takes the request id from X-Request-ID (a front proxy's) or makes one, keeps it
    for the log lines of this request and echoes it in the answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        rid = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id.set(rid)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestIdFilter(logging.Filter):
    """Gives every log record the id of the request it was logged in ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs a 4xx/5xx after the middleware has returned, with the
            # request attached.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or request_id.get()
        return True


# --- metrics --------------------------------------------------------------------------

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
REQUESTS = Counter(
    "calendar_http_requests_total",
    "HTTP requests answered, by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "calendar_http_request_duration_seconds",
    "Time to answer an HTTP request, by route, method and status.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
BATCH_SIZE = Histogram(
    "calendar_events_batch_items",
    "Items per 12Twenty batch request, by method (put: upsert, delete).",
    ["method"],
    buckets=(1, 10, 50, 100, 250, 500, 750, 1000),
)
DATABASE_ERRORS = Counter(
    "calendar_database_errors_total",
    "Database errors that reached a request or a readiness probe, by kind.",
    ["kind"],
)
# Only the methods HTTP defines become label values: anything else would let a client
# create series at will.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def database_error_count(exc: BaseException) -> None:
    """Counts a database error: "outage" (connection lost or refused) or "query"."""
    from calendarsite.api import is_database_outage

    DATABASE_ERRORS.labels("outage" if is_database_outage(exc) else "query").inc()


class MetricsMiddleware:
    """Counts and times every request by its URL pattern (not its path: ids would make
    a series per event), method and status. Costs a few microseconds a request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = request.resolver_match
        route = match.route if match is not None else "<unmatched>"
        method = request.method if request.method in _METHODS else "OTHER"
        labels = (route, method, str(response.status_code))
        REQUESTS.labels(*labels).inc()
        LATENCY.labels(*labels).observe(time.perf_counter() - start)
        return response

    def process_exception(self, request: HttpRequest, exc: Exception) -> None:
        if isinstance(exc, DatabaseError):
            database_error_count(exc)


@cache
def _allowed_networks() -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(a, strict=False) for a in settings.METRICS_ALLOWED_ADDRESSES)


def _address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return False
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return any(ip in network for network in _allowed_networks())


def metrics_client_allowed(request: HttpRequest) -> bool:
    """Every hop must be allowed: the peer, and the hops a proxy in front reports in
    X-Forwarded-For (NUM_PROXIES of them, at least the last one when the header is
    there), so a front proxy on loopback does not open /metrics to the world."""
    hops = [request.META.get("REMOTE_ADDR", "")]
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded is not None:
        hops += forwarded.split(",")[-max(settings.REST_FRAMEWORK["NUM_PROXIES"], 1) :]
    return all(_address_allowed(hop) for hop in hops)


def read_only(view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """GET and HEAD only, as probes and scrapers use: any other method is a JSON 405
    (Django's require_safe answers an empty body)."""

    @wraps(view)
    def guarded(request: HttpRequest) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            answer = JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405)
            answer["Allow"] = "GET, HEAD"
            return answer
        return view(request)

    return guarded


@read_only
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format. With several gunicorn workers each writes its values to
    PROMETHEUS_MULTIPROC_DIR and this adds up every worker's (gunicorn.conf.py)."""
    if not metrics_client_allowed(request):
        return JsonResponse(
            {"detail": "Metrics are served to METRICS_ALLOWED_ADDRESSES only."}, status=403
        )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    encoder, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = HttpResponse(encoder(registry), content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


# --- health ---------------------------------------------------------------------------

READY_TIMEOUT_SECONDS = 1.0
# One probe thread per process: a database that hangs holds at most this one thread,
# and the probes after it answer 503 when their second is up.
_probe = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz")


def _database_answers() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        # No connection is kept in the probe's thread: it would outlive the request
        # cycle that closes old connections, and hold a database that must be dropped.
        connection.close()


@read_only
def healthz(request: HttpRequest) -> HttpResponse:
    """The process is up and answering. Touches no database and needs no credentials."""
    response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response


@read_only
def readyz(request: HttpRequest) -> HttpResponse:
    """Ready when the database answers a query within a second: 200, else 503."""
    future = _probe.submit(_database_answers)
    try:
        future.result(timeout=READY_TIMEOUT_SECONDS)
    except FutureTimeout:
        DATABASE_ERRORS.labels("timeout").inc()
        answer = JsonResponse(
            {"status": "unavailable", "database": "no answer within 1 s"}, status=503
        )
    except DatabaseError as exc:
        database_error_count(exc)
        logger.warning("readiness: database unavailable: %s", type(exc).__name__)
        answer = JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    else:
        answer = JsonResponse({"status": "ok", "database": "ok"})
    answer["Cache-Control"] = "no-store"
    return answer
