"""Row locks are taken in one order whatever the database's collation (PostgreSQL).

The upsert writes rows in code point order (sorted in Python); the batch delete once
locked them in the database's collation order. On a database whose collation is not C
(ICU en-US: a000 A000 b000 B000, where C says A000 B000 a000 b000) the two orders
differ, and upserters and deleters on mixed-case ids deadlocked past the retries (500).
"""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]


def admin_connection() -> psycopg.Connection:
    params = connection.get_connection_params()
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


def test_upserters_and_deleters_on_an_icu_database_never_fail(db):
    settings = connection.settings_dict
    # Named after the suite's database, so that parallel runs never share one.
    base = settings["NAME"].removeprefix("test_")
    name = f"{base}_icu_{uuid.uuid4().hex[:8]}"
    with admin_connection() as admin:
        admin.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
        )
    try:
        user = settings["USER"] or ""
        host = settings["HOST"] or "localhost"
        port = settings["PORT"] or 5432
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{user}{password}@{host}:{port}/{name}",
            "CONN_MAX_AGE": "0",
            "ALLOWED_HOSTS": "testserver",
        }
        done = subprocess.run(
            [sys.executable, "-m", "tests.collation_race", "6", "4"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        statuses = json.loads(done.stdout.strip().splitlines()[-1])["statuses"]
        assert sum(statuses.values()) == 48
        assert statuses.get("200", 0) == 48, (statuses, done.stderr[-3000:])
    finally:
        with admin_connection() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
