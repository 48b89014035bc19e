"""The migration to business nodes and user-held locks keeps existing data: every
tenant gets its root node, existing packages hang from it, and a lock held by a live
session stays held by its user."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("calendars", "0001_initial")]
AFTER = [("calendars", "0002_business_nodes_packages_user_locks")]


@pytest.mark.django_db(transaction=True)
def test_existing_packages_and_locks_survive_the_migration():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("auth", "User")
    Tenant = old.get_model("calendars", "Tenant")
    Package = old.get_model("calendars", "Package")
    Calendar = old.get_model("calendars", "Calendar")
    GrsSession = old.get_model("calendars", "GrsSession")
    user = User.objects.create(username="alice", password="!")
    tenant = Tenant.objects.create(name="Environment")
    package = Package.objects.create(tenant=tenant, name="Demo package")
    session = GrsSession.objects.create(user=user, token_hash="h" * 64)
    calendar = Calendar.objects.create(
        package=package, name="C", week_starts=2, week_ends=6, day_starts_hour=9,
        day_starts_min=0, day_ends_hour=17, day_ends_min=0, time_zone_id="UTC",
        lock_session=session,
    )  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    BusinessNode = new.get_model("calendars", "BusinessNode")
    root = BusinessNode.objects.get(tenant_id=tenant.pk)
    assert (root.parent_id, root.name) == (None, "Environment")
    assert new.get_model("calendars", "Package").objects.get(pk=package.pk).node_id == root.pk
    migrated = new.get_model("calendars", "Calendar").objects.get(pk=calendar.pk)
    assert migrated.lock_user_id == user.pk
    assert migrated.lock_at <= timezone.now()
    migrated_session = new.get_model("calendars", "GrsSession").objects.get(pk=session.pk)
    assert migrated_session.chain_started_at == migrated_session.created_at <= migrated.lock_at

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
