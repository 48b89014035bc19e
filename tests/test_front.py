"""What the front (nginx, deploy/nginx.conf) and gunicorn answer by themselves, before
any Django code runs: under /api/ and /grs/ always the family's JSON, never HTML; and
what nginx writes in its access log: never a credential.

nginx runs here on the project's config in front of a port where nothing listens (every
proxied request is its own 502); gunicorn runs with the project's gunicorn.conf.py. No
database is asked, so these run on SQLite too."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy import serve
from deploy.instance import free_port, gunicorn, listening, started
from tests.served import request

MAX_BODY = 1000  # MAX_REQUEST_BYTES for this front


def raw(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(data)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def front() -> Iterator[tuple[int, Path]]:
    run = Path(tempfile.mkdtemp(prefix="front-"))
    run.chmod(0o755)
    port = free_port()
    saved = os.environ.get("MAX_REQUEST_BYTES")
    os.environ["MAX_REQUEST_BYTES"] = str(MAX_BODY)
    try:
        conf = serve.render_nginx_conf(
            run=run, host="127.0.0.1", port=port, backends=[free_port()],
            access_log=str(run / "access.log"),
        )  # fmt: skip
    finally:
        if saved is None:
            del os.environ["MAX_REQUEST_BYTES"]
        else:
            os.environ["MAX_REQUEST_BYTES"] = saved
    (run / "nginx.conf").write_text(conf)
    try:
        ready = lambda: listening(port)  # noqa: E731
        with started(serve.nginx_command(run), env=None, log=run / "nginx.out", ready=ready,
                     what="nginx"):  # fmt: skip
            yield port, run
    finally:
        shutil.rmtree(run, ignore_errors=True)


MESSAGE_KEYS = [("/api/v2/calendar-events", "Message"), ("/grs/v1/tenants", "message")]
# 12Twenty's answers carry the vendor's charset, Pragma and Expires (docs/events.md).
JSON_TYPE = {"Message": "application/json; charset=utf-8", "message": "application/json"}


def assert_family_headers(headers, key: str) -> None:
    assert headers["Content-Type"] == JSON_TYPE[key]
    assert headers["Cache-Control"] == "no-cache"
    if key == "Message":
        assert (headers["Pragma"], headers["Expires"]) == ("no-cache", "-1")


def assert_refused(port: int, cases: list[tuple[bytes, int, str]], key: str) -> None:
    """Each raw request is answered its status, with ``{key: message}`` in the family's
    JSON and headers."""
    for data, status, message in cases:
        got_status, headers, body = raw(port, data)
        assert got_status == status, data[:60]
        assert_family_headers(headers, key)
        assert json.loads(body) == {key: message}


@pytest.mark.parametrize(("path", "key"), MESSAGE_KEYS)
def test_no_instance_answering_is_a_family_json_502(front, path, key):
    port, _ = front
    for method in ("GET", "PUT", "DELETE"):
        answer = request(port, method, path, body=[] if method != "GET" else None)
        assert answer.status == 502
        assert_family_headers(answer.headers, key)
        assert answer.json() == {key: "Service unavailable, try again shortly."}


def test_other_paths_get_plain_text_not_an_nginx_page(front):
    answer = request(front[0], "GET", "/admin/")
    assert answer.status == 502
    assert answer.headers["Content-Type"] == "text/plain"
    assert answer.body == b"Service unavailable, try again shortly.\n"


@pytest.mark.parametrize(("path", "key"), MESSAGE_KEYS)
def test_requests_nginx_refuses_are_answered_in_the_family_json(front, path, key):
    port, _ = front
    p = path.encode()
    long_line = b"GET " + path.encode() + b"/" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    cases = [
        (b"GET " + path.encode() + b" junk HTTP/1.1\r\nHost: x\r\n\r\n", 400, "Bad request."),
        (b"GET " + path.encode() + b" HTTP/1.1\r\n\r\n", 400, "Bad request."),  # no Host
        (long_line, 414, "Request line is too long."),
        (
            b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n",
            400,  # nginx's 494, sent as 400
            "Request headers are too large.",
        ),
        (
            b"PUT " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nContent-Length: "
            + str(MAX_BODY + 1).encode() + b"\r\n\r\n" + b"[" * (MAX_BODY + 1),
            413,
            "Request body is too large.",
        ),
        (b"TRACE " + p + b" HTTP/1.1\r\nHost: x\r\n\r\n", 405, "Method not allowed."),
        (
            b"GET " + p + b" HTTP/2.0\r\nHost: x\r\n\r\n",
            505,
            "HTTP version not supported: use HTTP/1.0 or HTTP/1.1.",
        ),
        (
            b"PUT " + p + b" HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
            "Transfer-Encoding not supported: send the body plain or chunked.",
        ),
    ]  # fmt: skip
    assert_refused(port, cases, key)


def test_the_access_log_carries_no_credential(front):
    port, run = front
    before = (run / "access.log").read_text().count("\n")
    secrets_ = ["key_SECRET1", "feed_SECRET2", "SECRET3", "SECRET4", "SECRET5"]
    request(port, "GET", "/api/client/generateAuthenticationToken?key=key_SECRET1")
    request(port, "GET", "/api/v2/calendar-events/feeds/feed_SECRET2.ics")
    request(port, "GET", "/api/v2/calendar-events/feed%73/feed_SECRET2.ics")
    request(port, "GET", "/grs/v1/tenants", auth="Basic SECRET3")
    request(port, "GET", "/admin/", headers={"Cookie": "sessionid=SECRET4"})
    request(port, "GET", "/admin/", headers={"Referer": "https://x/?key=SECRET5"})
    raw(port, b"GET /api/v2/calendar-events/feeds/feed_SECRET2.ics junk HTTP/1.1\r\n\r\n")

    deadline = time.monotonic() + 30  # a loaded machine writes late
    while (log := (run / "access.log").read_text()).count("\n") < before + 7:
        assert time.monotonic() < deadline, log
        time.sleep(0.05)
    assert not [s for s in secrets_ if s in log], log
    assert not [s for s in secrets_ if s in (run / "nginx.out").read_text()]
    # Lines appear in the order requests end, which earlier tests' may interleave.
    token_line = '127.0.0.1 [.*] "GET /api/client/generateAuthenticationToken HTTP/1.1" 502 '
    assert re.search(token_line.replace("[.*]", r"\[.*\]"), log)
    assert '"GET /api/v2/calendar-events/feeds/*** HTTP/1.1" 502' in log
    assert '"GET /api/v2/calendar-events/feed*** HTTP/1.1" 502' in log


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory) -> Iterator[int]:
    """gunicorn alone, as each instance behind the front runs: gunicorn.conf.py."""
    logs = tmp_path_factory.mktemp("gunicorn")
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{logs / 'unused.sqlite3'}",  # nothing asks it
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
    }
    with gunicorn([], env, logs / "gunicorn.log", lambda: listening(port)):
        yield port


@pytest.mark.parametrize(("path", "key"), MESSAGE_KEYS)
def test_requests_gunicorn_refuses_are_answered_in_the_family_json(gunicorn_port, path, key):
    p = path.encode()
    cases = [
        (b"GET " + p + b" junk HTTP/1.1\r\nHost: x\r\n\r\n", 400, "Bad request."),
        (b"GET " + p + b"?a=1 HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n", 400, "Bad request."),
        (b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nX: \x01\r\n\r\n", 400, "Bad request."),
        (
            b"GET " + p + b"/" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n",
            414,
            "Request line is too long.",
        ),
        (
            b"GET " + p + b" HTTP/1.1\r\nHost: x\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
            431,
            "Request headers are too large.",
        ),
    ]
    assert_refused(gunicorn_port, cases, key)


def test_gunicorn_keeps_its_page_for_other_paths(gunicorn_port):
    status, headers, _ = raw(gunicorn_port, b"GET /admin/ junk HTTP/1.1\r\nHost: x\r\n\r\n")
    assert (status, headers["Content-Type"]) == (400, "text/html")
