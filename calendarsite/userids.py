"""64-bit user ids (issue 13): 12Twenty's UserId is a 64-bit integer, Django's auth_user
key a 32-bit one.

The least risky way there (docs/events.md, "64-bit user ids"): keep django.contrib.auth's
User, and

- in the database, alter ``auth_user.id`` and every column that refers to it to bigint
  (PostgreSQL; SQLite's integers are 64-bit already), in place, keeping the data. Found
  through the catalog, so a model added later with a foreign key to the user is widened by
  the next ``migrate`` too (``widen_user_columns`` runs after every migrate);
- in Python, give the user model's key the 64-bit range (``widen_user_pk``), which Django
  asks for lookups (``pk=2**31`` would otherwise match nothing) and validation, while it
  still deconstructs as the AutoField auth's migrations declare, so that
  ``makemigrations`` sees no change in an app we do not own.

A custom user model would say the same in the model, but swapping AUTH_USER_MODEL in a
project with data means faking migrations by hand on every existing database.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class UserIdField(models.BigAutoField):
    """The user model's key at run time: 64-bit, declared as auth's migrations say."""

    def deconstruct(self):
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.AutoField", args, kwargs


def widen_user_pk() -> None:
    pk = get_user_model()._meta.pk
    if type(pk) is models.AutoField:
        pk.__class__ = UserIdField


# Every column holding a user's id: the key and each column a foreign key points from.
_NARROW_COLUMNS_SQL = """
SELECT c.relname, a.attname, a.attnum = ANY(k.conkey) AND k.contype = 'p'
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid
JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)
WHERE ((k.contype = 'f' AND k.confrelid = %(table)s::regclass)
       OR (k.contype = 'p' AND k.conrelid = %(table)s::regclass))
  AND a.atttypid <> 'bigint'::regtype
ORDER BY 3, 1, 2
"""


def widen_user_columns(connection: BaseDatabaseWrapper) -> list[str]:
    """Alters the user's key and every column referring to it to bigint on PostgreSQL;
    the ``table.column`` names altered (none when all are 64-bit already)."""
    if connection.vendor != "postgresql":
        return []
    meta = get_user_model()._meta
    table = meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(_NARROW_COLUMNS_SQL, {"table": connection.ops.quote_name(table)})
        narrow = cursor.fetchall()
        quote = connection.ops.quote_name
        for relname, column, _ in narrow:  # referring columns first, then the key
            cursor.execute(f"ALTER TABLE {quote(relname)} ALTER COLUMN {quote(column)} TYPE bigint")
        if any(is_key for _, _, is_key in narrow):
            # The key's identity (or serial) sequence counts in 64 bits as well.
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [quote(table), meta.pk.column])
            (sequence,) = cursor.fetchone()
            if sequence:
                cursor.execute(f"ALTER SEQUENCE {sequence} AS bigint MAXVALUE {2**63 - 1}")
    return [f"{relname}.{column}" for relname, column, _ in narrow]


def widen_after_migrate(sender, using: str, **kwargs) -> None:
    from django.db import connections

    widen_user_columns(connections[using])
