"""Query parameters of GET /api/v2/calendar-events: filters, ordering, paging.

Every parameter is parsed by one function that either gives a value or fails with a
message naming the parameter, so that a bad value is a 400 the client can act on; all
parameters are checked in one pass, and every problem is named.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from calendarsite.api import DomainError
from events import rules

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

# Each choice orders by one column and then by Id in the same direction, so that the
# order is total and a cursor can say exactly where a page ended.
ORDERINGS = {
    "StartTime": "start_time",
    "-StartTime": "-start_time",
    "UpdatedAt": "updated_at",
    "-UpdatedAt": "-updated_at",
    "Id": "id",
    "-Id": "-id",
}
DEFAULT_ORDERING = "StartTime"

ORDERING_INVALID = f"Ordering must be one of {', '.join(ORDERINGS)}."
PAGE_SIZE_INVALID = f"PageSize must be an integer from 1 to {MAX_PAGE_SIZE}."
INCLUDE_DELETED_INVALID = "IncludeDeleted must be true or false."
CURSOR_INVALID = "Cursor is not valid; use the Next link of the previous page."
WINDOW_INVALID = "From must be before To."
INCLUDE_TOTAL_COUNT_INVALID = "IncludeTotalCount must be true or false."
# A cursor carries its page's filters (below); with every filter set it is about 400
# characters.
MAX_CURSOR = 1000
# IncludeTotalCount=true counts at most this many matches, so that no request pays for
# counting millions of rows; past it TotalCount is null (docs/events.md, "TotalCount").
MAX_TOTAL_COUNT = 10_000

# The parameters that choose which events match: a cursor is bound to their values.
CURSOR_BOUND = ["UserId", "TypeId", "From", "To", "UpdatedSince", "IncludeDeleted", "Ordering"]


def cursor_mismatch(names: list[str]) -> str:
    return (
        f"Cursor was made for another {' and '.join(names)}; send the parameters of the page"
        " it came from, or start again without Cursor."
    )


def sync_too_old(days: int) -> str:
    return (
        f"UpdatedSince is more than {days} days ago, and deleted events are kept only that"
        " long: read every event again (without UpdatedSince) and sync from then on."
    )


# The names clients may send, in any letter case (the vendor's .NET binder ignores case).
PARAMETERS = [
    "UserId",
    "TypeId",
    "From",
    "To",
    "UpdatedSince",
    "IncludeDeleted",
    "Ordering",
    "PageSize",
    "Cursor",
    "IncludeTotalCount",
]


def canonical_params(query: Any) -> dict[str, str]:
    """Known parameters under their documented names (the last value if repeated)."""
    names = {name.lower(): name for name in PARAMETERS}
    return {names[key.lower()]: query[key] for key in query if key.lower() in names}


def _positive_int(maximum: int) -> Callable[[str], int | None]:
    def parse(value: str) -> int | None:
        # Plain ASCII digits only: int() would also take "+1", "1_0" and non-ASCII digits.
        if not _DIGITS.fullmatch(value):
            return None
        number = int(value)
        return number if 0 < number <= maximum else None

    return parse


_DIGITS = re.compile(r"[0-9]{1,19}")


def _type_id(value: str) -> int | None:
    return int(value) if value in ("1", "2", "3") else None


def _boolean(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value.lower())


# Each parameter's parser (None for a bad value, then the message is the answer) and, for
# a filter, the lookup it makes, in PARAMETERS' order. Plain functions rather than a form:
# a form and a filterset are built anew (deep copies of their fields) for every request.
PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "UserId": (_positive_int(rules.MAX_ID), rules.USER_ID_INVALID),
    "TypeId": (_type_id, rules.TYPE_INVALID),
    "From": (rules.parse_instant, rules.instant_invalid("From")),
    "To": (rules.parse_instant, rules.instant_invalid("To")),
    "UpdatedSince": (rules.parse_instant, rules.instant_invalid("UpdatedSince")),
    "IncludeDeleted": (_boolean, INCLUDE_DELETED_INVALID),
    "Ordering": (lambda v: v if v in ORDERINGS else None, ORDERING_INVALID),
    "PageSize": (_positive_int(MAX_PAGE_SIZE), PAGE_SIZE_INVALID),
    "Cursor": (lambda v: v, CURSOR_INVALID),
    "IncludeTotalCount": (_boolean, INCLUDE_TOTAL_COUNT_INVALID),
}
# The filters' conditions: (field, operator), each "<column> <operator> <value>".
FILTERS = {
    "UserId": ("user", "="),
    "TypeId": ("type_id", "="),
    # Events overlap the window [From, To): they end after From and start before To.
    # Events are half-open too, so one that ends exactly at From is not in the window.
    "From": ("end_time", ">"),
    "To": ("start_time", "<"),
    # Inclusive, so that a client repeating its last UpdatedAt misses nothing.
    "UpdatedSince": ("updated_at", ">="),
}


class BadParameters(DomainError):
    """Query parameters that cannot be used; the message names each of them, in
    PARAMETERS' order. Answered by the 12Twenty exception handler."""

    status = 400


def list_params_clean(params: dict[str, str]) -> dict[str, Any]:
    """Every parameter's value (None when not given or empty; booleans False, PageSize and
    Ordering their defaults; Cursor as the condition for "after it"), or BadParameters."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, (parse, message) in PARSERS.items():
        value = params.get(name)
        if value is None or value == "":
            data[name] = None
        elif (parsed := parse(value.strip())) is None:
            errors[name] = message
        else:
            data[name] = parsed
    start, end = data.get("From"), data.get("To")
    if start and end and start >= end:
        errors["To"] = WINDOW_INVALID
    data["IncludeDeleted"] = bool(data.get("IncludeDeleted"))
    data["IncludeTotalCount"] = bool(data.get("IncludeTotalCount"))
    data["PageSize"] = data.get("PageSize") or DEFAULT_PAGE_SIZE
    data["Ordering"] = data.get("Ordering") or DEFAULT_ORDERING
    since = data.get("UpdatedSince")
    days = settings.EVENTS_TOMBSTONE_RETENTION_DAYS
    # Tombstones older than the retention may be purged (manage.py purge_tombstones):
    # a sync from before then would silently miss those deletions.
    if since and data["IncludeDeleted"] and since < timezone.now() - timedelta(days=days):
        errors["UpdatedSince"] = sync_too_old(days)
    if data.get("Cursor") and not errors:
        try:
            data["Cursor"] = cursor_decode(data["Cursor"], bound=cursor_bound(data))
        except CursorMismatch as exc:
            errors["Cursor"] = cursor_mismatch(exc.names)
        except ValueError:
            errors["Cursor"] = CURSOR_INVALID
    if errors:
        raise BadParameters(" ".join(errors[name] for name in PARAMETERS if name in errors))
    return data


# A cursor is the sort key and Id of the last item of a page, so the next page starts
# strictly after it whatever was inserted, updated or deleted meanwhile, plus the values
# of the parameters that chose the page's events: a cursor sent with other filters would
# otherwise silently answer other events. It is not secret (it only says where to
# resume) and is checked like any input.


class CursorMismatch(ValueError):
    def __init__(self, names: list[str]) -> None:
        super().__init__(names)
        self.names = names


def cursor_bound(data: dict[str, Any]) -> dict[str, Any]:
    """The cleaned values a cursor is bound to, as JSON values; defaults left out."""
    bound = {}
    for name in CURSOR_BOUND:
        value = data.get(name)
        if value is None or value is False:
            continue
        bound[name] = value.isoformat() if isinstance(value, datetime) else value
    return bound


def cursor_encode(row: tuple, *, column_index: int, bound: dict[str, Any]) -> str:
    """The cursor after ``row`` (the page's last), whose sort key is ``row[column_index]``
    and Id ``row[0]``."""
    key = row[column_index]
    position = [key.isoformat() if isinstance(key, datetime) else key, row[0], bound]
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str, *, bound: dict[str, Any]) -> tuple[datetime | None, int]:
    """The sort key (None when ordering by Id) and Id the cursor is after, or ValueError
    (CursorMismatch when it was made with other parameters)."""
    if len(cursor) > MAX_CURSOR:
        raise ValueError(cursor)
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)
    except (binascii.Error, ValueError, RecursionError) as exc:
        raise ValueError(cursor) from exc
    if not (isinstance(position, list) and len(position) == 3 and isinstance(position[2], dict)):
        raise ValueError(cursor)
    key, pk, made_for = position
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk <= rules.MAX_ID:
        raise ValueError(cursor)
    ordering = bound["Ordering"]
    made_for.setdefault("Ordering", DEFAULT_ORDERING)
    differ = [name for name in CURSOR_BOUND if made_for.get(name) != bound.get(name)]
    if differ or set(made_for) - set(CURSOR_BOUND):
        raise CursorMismatch(differ or ["filters"])
    if ORDERINGS[ordering].lstrip("-") == "id":
        return None, pk
    instant = rules.parse_instant(key) if isinstance(key, str) else None
    if instant is None:
        raise ValueError(cursor)
    return instant, pk
