"""Reads of the events app."""

from __future__ import annotations

import hmac
from typing import Any

from django.utils import timezone

from events.models import ApiToken, hash_secret


def api_token_user(*, token: str) -> Any | None:
    """The active user a live bearer token belongs to, in one query, or None."""
    token_hash = hash_secret(token)
    found = (
        ApiToken.objects.select_related("api_key__user")
        .filter(
            token_hash=token_hash,
            expires_at__gt=timezone.now(),
            api_key__revoked_at__isnull=True,
            api_key__user__is_active=True,
        )
        .first()
    )
    if found is None or not hmac.compare_digest(found.token_hash, token_hash):
        return None
    return found.api_key.user
