"""Reads of the events app."""

from __future__ import annotations

import hmac
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.db.models.expressions import RawSQL
from django.utils import timezone

from events.models import ApiKey, ApiToken, hash_secret


def api_token_user(*, token: str, perms: tuple[str, ...] = ()) -> Any | None:
    """The active user a live bearer token belongs to, in one query, or None.

    Whether the user holds all of ``perms`` ("app_label.codename") is asked in the same
    query, as ModelBackend answers it (granted directly or through a group), instead of
    in two more: the user comes back with ``token_perms = (perms, all_granted)``.
    """
    token_hash = hash_secret(token)
    query = ApiToken.objects.select_related("api_key__user").filter(
        token_hash=token_hash,
        expires_at__gt=timezone.now(),
        api_key__revoked_at__isnull=True,
        api_key__user__is_active=True,
    )
    if perms:
        query = query.annotate(granted=_granted_count(perms))
    found = query.first()
    if found is None or not hmac.compare_digest(found.token_hash, token_hash):
        return None
    user = found.api_key.user
    if perms:
        user.token_perms = (perms, found.granted == len(set(perms)))
    return user


def _granted_count(perms: tuple[str, ...]) -> RawSQL:
    """How many of ``perms`` the token's user holds, directly or through a group."""
    User = get_user_model()
    own, member, group = (
        User.user_permissions.through._meta,
        User.groups.through._meta,
        Group.permissions.through._meta,
    )

    def column(meta, to: type[Model]) -> str:
        return next(f.column for f in meta.fields if f.related_model is to)

    # Every name comes from the models' own metadata; every value is a parameter.
    owner = f"{ApiKey._meta.db_table}.{ApiKey._meta.get_field('user').column}"
    pairs = ", ".join(["(%s, %s)"] * len(perms))
    sql = (
        f"SELECT COUNT(DISTINCT p.id) FROM {Permission._meta.db_table} p"  # noqa: S608
        f" JOIN {ContentType._meta.db_table} ct ON ct.id = p.content_type_id"
        f" WHERE (ct.app_label, p.codename) IN ({pairs})"
        f" AND (p.id IN (SELECT o.{column(own, Permission)} FROM {own.db_table} o"
        f" WHERE o.{column(own, User)} = {owner})"
        f" OR p.id IN (SELECT g.{column(group, Permission)} FROM {group.db_table} g"
        f" JOIN {member.db_table} m ON m.{column(member, Group)} = g.{column(group, Group)}"
        f" WHERE m.{column(member, User)} = {owner}))"
    )
    params = [part for perm in perms for part in perm.split(".", 1)]
    return RawSQL(sql, params)  # noqa: S611 - names from model metadata, values as params
