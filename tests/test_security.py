import os
import subprocess
import sys

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from calendarsite.settings import BASE_DIR


@pytest.fixture
def rate(settings):
    settings.CREDENTIALS_RATE = "3/minute"
    cache.clear()
    yield
    cache.clear()


def test_token_endpoint_is_rate_limited_per_address(db, rate):
    client = APIClient()
    url = "/api/client/generateAuthenticationToken?key=guess"
    statuses = [client.get(url, REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    response = client.get(url, REMOTE_ADDR="10.0.0.1")
    assert list(response.json()) == ["Message"]
    assert int(response["Retry-After"]) > 0
    # Another address is not held back by the first one's guesses.
    assert client.get(url, REMOTE_ADDR="10.0.0.2").status_code == 401


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
        "HTTPS": "true",
        "ALLOWED_HOSTS": "calendar.example.com",
        "DEBUG": "false",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_defaults():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "HTTPS", "DEBUG")}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr + result.stdout
