"""No feed secret in any log line of the served site (issue 10): gunicorn run with the
project's gunicorn.conf.py, its access and error lines and Django's lines all read back.

The database is an empty SQLite file, so a feed URL fails inside Django (500, logged with
its path, as "Not Found" and the other warnings are): every kind of line that names the
path is written. The in-process lines (Django's "Not Found", 405, 400, runserver's) are
tested in tests/events/test_feed_bounds.py.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET = "feed_" + "Zq9" * 14


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def send(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(raw)
        chunks = []
        while chunk := conn.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def gunicorn(tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "DEBUG": "false",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WORKERS": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
            cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True,
        )  # fmt: skip
    try:
        pause = threading.Event()
        for _ in range(300):
            try:
                send(port, b"GET /grs/v1/nothing HTTP/1.0\r\n\r\n")
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                pause.wait(0.1)
        yield port, log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def test_gunicorn_and_django_log_no_feed_secret(gunicorn):
    port, log = gunicorn
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
