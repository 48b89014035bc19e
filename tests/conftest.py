import pytest
from django.conf import settings
from hypothesis import settings as hypothesis_settings

# Property tests judge answers, not speed: on a shared 2-core machine one example can take
# longer than hypothesis' 200 ms default deadline, which fails a correct test at random.
hypothesis_settings.register_profile("calendarsite", deadline=None)
hypothesis_settings.load_profile("calendarsite")


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` ask what only PostgreSQL can answer (row locks, real
    concurrency). On SQLite they are deselected, not skipped: CI runs them on PostgreSQL."""
    if on_postgres():
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """On PostgreSQL, new users' ids start past 1,000,000. Tests name small ids (99, 124)
    as users that do not exist, and a sequence, unlike the rows, is not rolled back
    after a test: sooner or later a small id would be a real user's, and which test it
    breaks would depend on how many users the tests before it made."""
    if on_postgres():
        from django.db import connection

        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SELECT setval(pg_get_serial_sequence('auth_user', 'id'), 1000000)")


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fast_passwords(request):
    """Every password in the suite is hashed with MD5, set once here: the real hasher is
    slow on purpose. Tests marked ``real_hashers`` keep the project's: a server in another
    process (gunicorn) checks the passwords they store, or they assert the hashing."""
    if request.node.get_closest_marker("real_hashers"):
        yield
        return
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = FAST_HASHERS
    yield


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
