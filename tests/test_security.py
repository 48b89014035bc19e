import os
import subprocess
import sys

from calendarsite.settings import BASE_DIR


def check_deploy(env: dict[str, str]) -> subprocess.CompletedProcess:
    """`manage.py check --deploy`, warnings failing it, in a process with ``env``."""
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    env = {
        **os.environ,
        "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-0123456789",
        "HTTPS": "true",
        "ALLOWED_HOSTS": "calendar.example.com",
        "DEBUG": "false",
    }
    result = check_deploy(env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_the_development_defaults():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "HTTPS", "DEBUG")}
    result = check_deploy(env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr + result.stdout
