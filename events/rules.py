"""Every rule a calendar event obeys, each with its one message.

The batch API, the import command and the admin all check events here, so a rule and
its wording cannot drift apart. The two messages the vendor documents are reproduced
to the letter (no full stop on the first); the others are short sentences that name
the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from events.models import CalendarEvent

MAX_ITEMS = 1000
MAX_EXTERNAL_ID = 255
MAX_TITLE = 500
MAX_ID = 2**63 - 1  # UserId is a 64-bit integer

# Documented by the vendor, to the letter.
START_BEFORE_END = "StartTime must be before EndTime"


def join_messages(messages: list[str]) -> str:
    """An item's problems as one ErrorMessage: sentences joined by a space.

    A message alone is given exactly as written, so the vendor's own two read to the
    letter; beside others, each ends with a full stop (the vendor's "StartTime must be
    before EndTime" has none), so the text reads as sentences, not as one run-on line.
    """
    if len(messages) == 1:
        return messages[0]
    return " ".join(m if m.endswith((".", "!", "?")) else m + "." for m in messages)


def owned_by_another(external_id: str, owner_id: int) -> str:
    return f"Event '{external_id}' is owned by another student ({owner_id})."


def user_missing(user_id: int) -> str:
    return f"User {user_id} does not exist."


def duplicated(external_id: str, within: str = "batch") -> str:
    return f"ExternalId '{external_id}' appears more than once in the {within}."


def event_missing(external_id: str) -> str:
    return f"Event '{external_id}' does not exist."


def event_id_missing(event_id: int) -> str:
    return f"Event {event_id} does not exist."


def instant_invalid(field: str) -> str:
    return f"{field} must be an ISO 8601 date/time."


def purge_inside_retention(days: int, retention: int) -> str:
    return (
        f"Tombstones are kept {retention} days (EVENTS_TOMBSTONE_RETENTION_DAYS), so that"
        f" syncing clients see every deletion within them; {days} days is less."
    )


NOT_AN_OBJECT = "Each calendar event must be a JSON object."


def key_repeated(field: str) -> str:
    return f"{field} is given more than once (keys match whatever their case)."


TYPE_INVALID = "TypeId must be 1 (Class), 2 (Interview) or 3 (Other)."
USER_ID_INVALID = "UserId must be a positive 64-bit integer."

# Whole-request problems (answered 400 {"Message": ...}).
NOT_AN_ARRAY = "The request body must be a JSON array of calendar events."
TOO_MANY = f"A batch may hold at most {MAX_ITEMS} calendar events."
NOT_AN_ID_ARRAY = "The request body must be a JSON array of ExternalIds."


def required(field: str) -> str:
    return f"{field} is required."


# The fields of an event as the vendor spells them; keys match whatever their case.
FIELDS = frozenset({"ExternalId", "UserId", "TypeId", "StartTime", "EndTime", "Title"})
_FIELD_BY_LOWER = {field.lower(): field for field in FIELDS}


@dataclass(slots=True)
class EventInput:
    external_id: str
    user_id: int
    type_id: int
    start_time: datetime
    end_time: datetime
    title: str


def _text_error(field: str, value: Any, max_length: int) -> str | None:
    if value is None:
        return required(field)
    if not isinstance(value, str):
        return f"{field} must be a string."
    if not value.strip():
        return required(field)
    if len(value) > max_length:
        return f"{field} must be at most {max_length} characters."
    if "\x00" in value:
        return f"{field} must not contain NUL characters."
    if not value.isascii() and not is_utf8(value):
        return f"{field} must be valid Unicode text."
    return None


def is_utf8(value: str) -> bool:
    # JSON's \ud800-style escapes can smuggle in lone surrogates, which no database
    # can store.
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def external_id_error(value: Any) -> str | None:
    """What is wrong with an ExternalId given on its own (batch delete), or None."""
    return _text_error("ExternalId", value, MAX_EXTERNAL_ID)


def parse_instant(value: Any) -> datetime | None:
    """An ISO 8601 date/time; an offset is converted to UTC, no offset means UTC."""
    if not isinstance(value, str) or "\x00" in value:
        return None  # fromisoformat() would overlook a trailing NUL
    try:
        parsed = datetime.fromisoformat(value.strip())
        if parsed.tzinfo is UTC:  # "Z" or +00:00, the usual case: nothing to convert
            return parsed
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _instant(field: str, value: Any, problems: list[str]) -> datetime | None:
    if value is None:
        problems.append(required(field))
        return None
    parsed = parse_instant(value)
    if parsed is None:
        problems.append(instant_invalid(field))
    return parsed


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def fields_of(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The item's fields under their documented names, and the fields given under more
    than one spelling (left out of the first).

    Keys match case-insensitively, as the vendor's .NET binder does; unknown keys are
    ignored. A field spelled twice ("ExternalId" and "externalid") is an error rather than
    a silent pick: every reader of the item (the duplicate check, the write, the result)
    then sees the one value this function returns, or none at all.
    """
    if raw.keys() <= FIELDS:  # spelled as documented, the usual case: read as it is
        return raw, []
    item: dict[str, Any] = {}
    repeated: list[str] = []
    for key, value in raw.items():
        field = _FIELD_BY_LOWER.get(key.lower())
        if field is None:
            continue
        if field in item:
            if field not in repeated:
                repeated.append(field)
            continue
        item[field] = value
    for field in repeated:
        del item[field]  # neither spelling is used: the item is refused
    return item, repeated


def parse_event(raw: Any) -> tuple[EventInput | None, list[str]]:
    """One batch item, JSON as decoded, to an EventInput and its problems (all of them).

    An item that is a JSON object always gives an EventInput, with None for each field
    that is invalid, so that the database checks (unknown user, another owner) can still
    be reported beside its other problems. It may be written only if problems is empty.
    """
    if not isinstance(raw, dict):
        return None, [NOT_AN_OBJECT]
    item, repeated = fields_of(raw)
    problems = [key_repeated(field) for field in repeated]

    external_id = item.get("ExternalId")
    if error := _text_error("ExternalId", external_id, MAX_EXTERNAL_ID):
        problems.append(error)
        external_id = None

    user_id = item.get("UserId")
    if user_id is None:
        problems.append(required("UserId"))
    elif not _is_int(user_id) or not 0 < user_id <= MAX_ID:
        problems.append(USER_ID_INVALID)
        user_id = None

    type_id = item.get("TypeId")
    if type_id is None:
        problems.append(required("TypeId"))
    elif not _is_int(type_id) or type_id not in (1, 2, 3):
        problems.append(TYPE_INVALID)

    start = _instant("StartTime", item.get("StartTime"), problems)
    end = _instant("EndTime", item.get("EndTime"), problems)
    if start and end and end <= start:
        problems.append(START_BEFORE_END)

    title = item.get("Title")
    if error := _text_error("Title", title, MAX_TITLE):
        problems.append(error)

    if repeated:  # a field given twice is reported as such, not also as missing
        missing = {required(field) for field in repeated}
        problems = [problem for problem in problems if problem not in missing]
    return EventInput(external_id, user_id, type_id, start, end, title), problems


def event_model_errors(event: CalendarEvent) -> None:
    """The same rules for an event edited in the admin, as a ValidationError."""
    errors: dict[str, str] = {}
    if error := _text_error("ExternalId", event.external_id, MAX_EXTERNAL_ID):
        errors["external_id"] = error
    if error := _text_error("Title", event.title, MAX_TITLE):
        errors["title"] = error
    if event.start_time and event.end_time and event.end_time <= event.start_time:
        errors["end_time"] = START_BEFORE_END
    if errors:
        raise ValidationError(errors)


# iCalendar feeds: which events a feed holds (docs/events.md, "iCalendar feeds"). A feed
# is read by calendar apps every hour, so its cost is bounded by a window of StartTimes
# and a number of events, whatever the student's total.
FEED_DAYS_BACK = 90
FEED_DAYS_AHEAD = 365
FEED_MAX_SPAN = timedelta(days=3 * 366)
FEED_MAX_EVENTS = 2000
FEED_WINDOW_TOO_WIDE = "From and To may be at most 1098 days apart."


@dataclass(frozen=True, slots=True)
class FeedWindow:
    """Events that start in [start, end). When a default bound is used, the window
    moves at each midnight UTC: ``moved_at`` is the last such midnight, else None."""

    start: datetime
    end: datetime
    moved_at: datetime | None


def feed_window(*, params: dict[str, str], now: datetime) -> FeedWindow:
    """The window asked for by ``From``/``To`` (ISO 8601 dates or instants), each
    defaulting to the documented bound; ValueError with every problem in one message."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    problems = []
    bounds = {}
    for name, default in (("From", -FEED_DAYS_BACK), ("To", FEED_DAYS_AHEAD)):
        value = params.get(name, "").strip()
        parsed = parse_instant(value) if value else today + timedelta(days=default)
        if parsed is None:
            problems.append(instant_invalid(name))
        bounds[name] = parsed
    start, end = bounds["From"], bounds["To"]
    if not problems:
        if start >= end:
            problems.append("From must be before To.")
        elif end - start > FEED_MAX_SPAN:
            problems.append(FEED_WINDOW_TOO_WIDE)
    if problems:
        raise ValueError(" ".join(problems))
    fixed = params.get("From", "").strip() and params.get("To", "").strip()
    return FeedWindow(start, end, None if fixed else today)
