"""The database goes away: GRS answers 503 in its own shape, then recovers."""

import json
import urllib.error
import urllib.request

import pytest
from django.db import connection

from calendars import services
from tests.test_outage import server_backends, side_connection

from .conftest import ALL, basic, member, url
from .factories import PackageFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def get(address: str, authorization: str) -> tuple[int, dict]:
    request = urllib.request.Request(address, headers={"Authorization": authorization})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_database_unreachable_answers_503_then_recovers(live_server):
    package = PackageFactory()
    user = member(package.tenant, *ALL)
    _, token = services.grs_session_create(user=user)
    address = live_server.url + url(package, "calendars")
    authorization = basic(user.username, token)
    db = connection.settings_dict  # shared with the server thread's connection
    real_port = db["PORT"]
    side = side_connection()
    try:
        db["PORT"] = "1"  # nothing listens there
        for pid in server_backends(side):
            side.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert get(address, authorization) == (
            503,
            {"message": "Service unavailable, try again shortly."},
        )
    finally:
        db["PORT"] = real_port
        side.close()
    assert get(address, authorization) == (200, {"calendars": []})
