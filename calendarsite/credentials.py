"""The one way a secret the site issues is hashed: GRS session tokens, 12Twenty API keys,
bearer tokens and feed secrets. Passwords are not among them (Django's hasher, salted
and slow, keeps those)."""

import hashlib
import secrets


def hash_secret(secret: str) -> str:
    """Each secret is 256 random bits, so one round of unsalted SHA-256 is enough to make a
    stolen table useless, and being unsalted it lets the lookup use a unique index.

    Looking a secret up by ``WHERE hash = %s`` needs no constant-time comparison after
    it: how long the index probe takes can tell an attacker about the hash of what they
    sent, never about a stored secret (that would take a SHA-256 preimage)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_new(prefix: str = "") -> tuple[str, str]:
    """A new secret (``prefix`` and 256 random bits) and its hash."""
    secret = prefix + secrets.token_urlsafe(32)
    return secret, hash_secret(secret)
