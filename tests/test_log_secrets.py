"""No feed secret in any log line of the served site (issue 10): gunicorn run with the
project's gunicorn.conf.py, its access and error lines and Django's lines all read back.

The database is an empty SQLite file, so a feed URL fails inside Django (500, logged with
its path, as "Not Found" and the other warnings are): every kind of line that names the
path is written. The in-process lines (Django's "Not Found", 405, 400, runserver's) are
tested in tests/events/test_feed_bounds.py.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from deploy.instance import free_port, gunicorn

ROOT = Path(__file__).resolve().parent.parent
SECRET = "feed_" + "Zq9" * 14


def send(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def served(tmp_path):
    """gunicorn as each instance runs (gunicorn.conf.py), on an empty SQLite database."""
    port = free_port()
    env = {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
    }
    log = tmp_path / "gunicorn.log"
    ready = lambda: send(port, b"GET /grs/v1/nothing HTTP/1.0\r\n\r\n")  # noqa: E731
    with gunicorn(["-c", "gunicorn.conf.py"], env, log, ready):
        yield port, log


def test_gunicorn_and_django_log_no_feed_secret(served):
    port, log = served
    path = f"/api/v2/calendar-events/feeds/{SECRET}.ics"
    # gunicorn's error line: "Invalid request from ip=...: Invalid HTTP request line: ..."
    assert b" 400 " in send(port, f"GET {path}\x7f HTTP/1.1\r\n\r\n".encode())[:20]
    # Django's lines for a failing request, and gunicorn's access line.
    assert b" 500 " in send(port, f"GET {path}?From=x HTTP/1.0\r\n\r\n".encode())[:20]
    assert b" 405 " in send(port, f"POST {path} HTTP/1.0\r\n\r\n".encode())[:20]
    # The lines reach the file a moment later; the 405's access line is the last of them.
    deadline = time.monotonic() + 30
    while " 405 " not in (text := log.read_text()):
        assert time.monotonic() < deadline, text
        time.sleep(0.05)
    assert "Invalid HTTP request line" in text, text
    assert "/feeds/***.ics" in text, text
    assert SECRET not in text, text
