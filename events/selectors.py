"""Reads of the events app."""

from __future__ import annotations

import hmac
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from events.models import ApiKey, ApiToken, hash_secret


def api_token_user(*, token: str, perms: tuple[str, ...] = ()) -> Any | None:
    """The active user a live bearer token belongs to, in one query, or None.

    Whether the user holds all of ``perms`` ("app_label.codename") is asked in the same
    query, as ModelBackend answers it (granted directly or through a group), instead of
    in two more: the user comes back with ``token_perms = (perms, all_granted)``.

    Every request runs this, so it is one fixed SQL statement, built once from the
    models' metadata, rather than a queryset compiled anew each time.
    """
    token_hash = hash_secret(token)
    params = [part for perm in perms for part in perm.split(".", 1)]
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    found = get_user_model().objects.raw(_token_sql(len(perms)), [*params, token_hash, now])
    user = next(iter(found), None)
    if user is None or not hmac.compare_digest(user.token_hash, token_hash):
        return None
    if perms:
        user.token_perms = (perms, user.granted == len(set(perms)))
    return user


@cache
def _token_sql(perm_count: int) -> str:
    User = get_user_model()
    user, key, token = User._meta, ApiKey._meta, ApiToken._meta
    own, member, group = (
        User.user_permissions.through._meta,
        User.groups.through._meta,
        Group.permissions.through._meta,
    )

    def column(meta, to: type[Model]) -> str:
        return next(f.column for f in meta.fields if f.related_model is to)

    # Every name comes from the models' metadata; every value is a parameter.
    granted = "0"
    if perm_count:
        # How many of the perms the user holds, directly or through a group.
        pairs = ", ".join(["(%s, %s)"] * perm_count)
        granted = (
            f"(SELECT COUNT(DISTINCT p.id) FROM {Permission._meta.db_table} p"  # noqa: S608
            f" JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id"
            f" WHERE (ct.app_label, p.codename) IN ({pairs})"
            f" AND (p.id IN (SELECT o.{column(own, Permission)} FROM {own.db_table} o"
            f" WHERE o.{column(own, User)} = u.{user.pk.column})"
            f" OR p.id IN (SELECT g.{column(group, Permission)} FROM {group.db_table} g"
            f" JOIN {member.db_table} m ON m.{column(member, Group)} = g.{column(group, Group)}"
            f" WHERE m.{column(member, User)} = u.{user.pk.column})))"
        )
    return (
        f"SELECT u.*, {granted} AS granted, t.token_hash AS token_hash"  # noqa: S608
        f" FROM {token.db_table} t"
        f" JOIN {key.db_table} k ON k.{key.pk.column} = t.{column(token, ApiKey)}"
        f" JOIN {user.db_table} u ON u.{user.pk.column} = k.{column(key, User)}"
        " WHERE t.token_hash = %s AND t.expires_at > %s"
        " AND k.revoked_at IS NULL AND u.is_active"
    )
