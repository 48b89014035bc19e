"""Serving for real: DEBUG off, static files collected, compressed and served by whitenoise."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parent.parent


def test_debug_is_off_unless_asked_for():
    env = {k: v for k, v in os.environ.items() if k != "DEBUG"}
    code = "from calendarsite import settings; print(settings.DEBUG)"
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_gunicorn_refuses_to_serve_with_debug_on():
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    with override_settings(DEBUG=False):
        config["on_starting"](server=None)
    with override_settings(DEBUG=True), pytest.raises(SystemExit, match="DEBUG"):
        config["on_starting"](server=None)


def test_collected_admin_static_is_served_compressed(db, tmp_path):
    with override_settings(STATIC_ROOT=tmp_path, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", "--noinput", verbosity=0)
        assert (tmp_path / "admin/css/base.css.gz").is_file()

        response = Client().get("/static/admin/css/base.css", HTTP_ACCEPT_ENCODING="gzip")

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert response["Content-Type"].startswith("text/css")


def test_access_log_lines_carry_no_credentials():
    from types import SimpleNamespace

    from gunicorn.config import Config

    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    logger = config["RedactingLogger"](Config())
    secrets_ = ["key_SECRETKEY", "feed_SECRETFEED"]
    for path, query in [
        ("/api/client/generateAuthenticationToken", "key=key_SECRETKEY"),
        ("/api/v2/calendar-events/feeds/feed_SECRETFEED.ics", ""),
    ]:
        environ = {
            "REQUEST_METHOD": "GET",
            "RAW_URI": f"{path}?{query}",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_REFERER": f"https://example.com{path}?{query}",
        }
        headers = [("AUTHORIZATION", "Basic SECRETKEY"), ("REFERER", environ["HTTP_REFERER"])]
        req = SimpleNamespace(headers=headers, method="GET", path=path, query=query)
        resp = SimpleNamespace(status="200 OK", headers=[], response_length=2, sent=2)
        atoms = logger.atoms(resp, req, environ, __import__("datetime").timedelta(seconds=0.01))
        text = " ".join(str(value) for value in atoms.values())
        assert not any(secret in text for secret in secrets_), text
    assert atoms["U"] == "/api/v2/calendar-events/feeds/***.ics"


def test_migrating_a_new_database_makes_the_cache_table(tmp_path):
    """`make serve` only migrates: the rate limit's cache table must come with it."""
    import sqlite3

    database = tmp_path / "new.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    tables = {row[0] for row in sqlite3.connect(database).execute("SELECT name FROM sqlite_master")}
    assert "django_cache" in tables
