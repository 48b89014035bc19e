"""Health, readiness, metrics, request ids and JSON log lines."""

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from django.db import OperationalError

from calendarsite import ops
from calendarsite.logs import JsonFormatter
from tests.events.conftest import event, grant_event_writes
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_without_database_or_credentials(client):
    # No django_db mark: any database access would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db(transaction=True)
def test_readyz_is_200_when_the_database_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_json_when_the_database_fails(client, monkeypatch):
    def refused():
        raise OperationalError("connection refused")

    monkeypatch.setattr(ops, "_database_answers", refused)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}


@pytest.mark.django_db(transaction=True)
def test_readyz_is_503_when_the_database_takes_more_than_a_second(client, monkeypatch):
    # The database answers only once the test has its response: a readyz that waited for
    # it would get its answer after 30 s and say 200. No clock is read, so a loaded
    # machine cannot make this fail.
    released = threading.Event()
    monkeypatch.setattr(ops, "_database_answers", lambda: released.wait(30))
    response = client.get("/readyz")
    released.set()  # the probe thread is free for the next test
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def metric_value(text: str, name: str, **labels: str) -> float:
    """A sample's value in Prometheus' text format (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        sample, value = line.rsplit(" ", 1)
        if all(f'{k}="{v}"' in sample for k, v in labels.items()):
            return float(value)
    return 0.0


@pytest.mark.django_db
def test_metrics_count_requests_by_route_method_and_status_and_batch_sizes(client):
    before = client.get("/metrics").content.decode()
    integration = UserFactory(username="integration")
    grant_event_writes(integration)
    student = UserFactory()
    from events.services import api_key_create, api_token_issue

    token = api_token_issue(key=api_key_create(user=integration)[1])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = json.dumps([event(f"m{i}", student.pk) for i in range(3)])
    for _ in range(2):
        response = client.put(
            "/api/v2/calendar-events/batch", body, content_type="application/json", **auth
        )
        assert response.status_code == 200
    assert client.get("/api/v2/calendar-events/999999", **auth).status_code == 403

    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    after = response.content.decode()
    batch = {"route": "api/v2/calendar-events/batch", "method": "PUT", "status": "200"}
    detail = {"route": "api/v2/calendar-events/<int:event_id>", "method": "GET", "status": "403"}
    for name, labels, added in [
        ("calendar_http_requests_total", batch, 2),
        ("calendar_http_request_duration_seconds_count", batch, 2),
        ("calendar_http_requests_total", detail, 1),
        ("calendar_events_batch_items_count", {"method": "put"}, 2),
        ("calendar_events_batch_items_sum", {"method": "put"}, 6),
    ]:
        assert metric_value(after, name, **labels) - metric_value(before, name, **labels) == added
    # Paths with ids never become labels: the route does.
    assert 'route="api/v2/calendar-events/999999"' not in after


def test_metrics_are_refused_to_other_addresses(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    # Through a proxy on loopback, the client's own address counts.
    proxied = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200


def test_metrics_allowed_addresses_setting_takes_networks(client, settings):
    settings.METRICS_ALLOWED_ADDRESSES = ["10.0.0.0/8"]
    ops._allowed_networks.cache_clear()
    try:
        assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
        assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403
    finally:
        settings.METRICS_ALLOWED_ADDRESSES = ["127.0.0.0/8", "::1"]
        ops._allowed_networks.cache_clear()


def test_request_id_is_taken_from_the_header_or_made_and_echoed(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")["X-Request-ID"] == "abc-123"
    made = client.get("/healthz")["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz")["X-Request-ID"]
    # A header that could break a log line or a response header is replaced, not echoed.
    for bad in ["a b", "x" * 200, "new\nline"]:
        assert client.get("/healthz", HTTP_X_REQUEST_ID=bad)["X-Request-ID"] != bad


@pytest.mark.django_db
def test_json_log_lines_carry_the_request_id_and_no_credentials(client, caplog):
    formatter, records = JsonFormatter(), []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(formatter.format(record))

    handler = Keep()
    handler.addFilter(ops.RequestIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get(
            "/api/client/generateAuthenticationToken?key=s3cret-key",
            HTTP_X_REQUEST_ID="req-42",
            HTTP_AUTHORIZATION="Bearer s3cret-token",
        )
    finally:
        logger.removeHandler(handler)
    assert records, "the 401 is logged as a warning by django.request"
    for line in records:
        entry = json.loads(line)  # one JSON object per line
        assert "\n" not in line
        assert entry["request_id"] == "req-42"
        assert {"time", "level", "logger", "message"} <= entry.keys()
        assert "s3cret" not in line


def test_gunicorn_with_log_format_json_writes_json_lines_with_the_request_id(tmp_path):
    """The real server: gunicorn.conf.py's JSON logging for its own lines and Django's."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "PORT": str(port),
        "WORKERS": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",  # /healthz needs none
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/healthz?key=s3cret",
                    headers={"X-Request-ID": "trace-77"},
                )
                with urllib.request.urlopen(request, timeout=5) as answer:  # noqa: S310
                    assert answer.headers["X-Request-ID"] == "trace-77"
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer")
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    lines = (tmp_path / "server.log").read_text().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    [access] = [e for e in entries if e["logger"] == "gunicorn.access"]
    assert access["request_id"] == "trace-77"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/healthz", 200)
    assert any(e["logger"] == "gunicorn.error" for e in entries)
    assert "s3cret" not in "\n".join(lines)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics"])
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_probes_answer_get_and_head_only_with_a_json_405(client, path, method):
    # No django_db mark: a refused method touches no database.
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method.upper()}" not allowed.'}
    assert response["Allow"] == "GET, HEAD"


@pytest.mark.django_db(transaction=True)
def test_a_database_outage_is_counted_in_the_metrics(client, monkeypatch):
    def refused():
        raise OperationalError("connection refused")

    def outages() -> float:
        text = client.get("/metrics").content.decode()
        lines = [
            line for line in text.splitlines() if line.startswith("calendar_database_errors_total")
        ]
        return sum(float(line.split()[-1]) for line in lines if 'kind="outage"' in line)

    before = outages()
    monkeypatch.setattr(ops, "_database_answers", refused)
    assert client.get("/readyz").status_code == 503
    assert client.get("/readyz").status_code == 503
    assert outages() == before + 2
