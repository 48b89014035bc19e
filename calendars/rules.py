"""Every rule a GRS calendar and its exceptions obey, each with its one code and message.

The API (422 answers), the admin (model clean, form messages) and the management
commands all check here, so a rule and its wording cannot drift apart. The messages and
codes 1000-1007 are the vendor's, to the letter (1007 names its field "timeZoneID").
Of the exception codes, 1002 and 1003 are the vendor's, the rest ours (docs/grs.md). A
JSON value of the wrong type ("7", 7.5, true, null, missing) fails its field's rule like
an out-of-range value does.
"""

from __future__ import annotations

import calendar as _calendar
import json
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from calendars.engine.business_time import (
    ExceptionType,
    Placement,
    RelativeType,
    local_date_of_epoch_ms,
)
from calendars.engine.timezones import is_java_zone_id, java_zone

if TYPE_CHECKING:
    from calendars.models import Calendar, CalendarException

# The permissions GRS checks, by codename (Calendar's Meta), with their descriptions.
PERMISSIONS = {
    "CALENDAR_VIEW": "GRS: view calendars",
    "CALENDAR_CREATE": "GRS: create calendars",
    "CALENDAR_MODIFY": "GRS: lock and modify calendars",
    "CALENDAR_DELETE": "GRS: delete calendars",
    "OVERRIDE_LOCKS": "GRS: unlock calendars locked by another user",
}

# Package permissions (Package's Meta), for the package endpoints and permissions/.
PACKAGE_PERMISSIONS = {
    "PACKAGE_CREATE": "GRS: create packages",
    "PACKAGE_MODIFY": "GRS: modify packages",
    "PACKAGE_DELETE": "GRS: delete packages",
}

# The vendor's 24 keys in its order, each with the permission that grants it; None: a
# feature this service does not have (rules, snapshots, test scenarios, templates,
# deployment), always false.
PERMISSION_KEYS: dict[str, str | None] = {
    "canCreatePackage": "PACKAGE_CREATE",
    "canModifyPackage": "PACKAGE_MODIFY",
    "canDeletePackage": "PACKAGE_DELETE",
    "canDeployPackage": None,
    "canViewRule": None,
    "canCreateRule": None,
    "canModifyRule": None,
    "canEditRuleOnly": None,
    "canDeleteRule": None,
    "canViewCalendar": "CALENDAR_VIEW",
    "canCreateCalendar": "CALENDAR_CREATE",
    "canModifyCalendar": "CALENDAR_MODIFY",
    "canDeleteCalendar": "CALENDAR_DELETE",
    "canViewPackageSnapshot": None,
    "canCreatePackageSnapshot": None,
    "canDeletePackageSnapshot": None,
    "canViewTestScenario": None,
    "canCreateTestScenario": None,
    "canModifyTestScenario": None,
    "canDeleteTestScenario": None,
    "canExecuteTestScenario": None,
    "canCreateTemplate": None,
    "canModifyTemplate": None,
    "canDeleteTemplate": None,
}

NAME_MAX = 255
MAX_EXCEPTIONS = 1000
# fixedDate must name a day in years 1..9999, which every date library can represent.
FIXED_DATE_MIN = -62_135_596_800_000
FIXED_DATE_MAX = 253_402_300_799_999

# Whole-request and access messages (GRS shape: {"message": ...}).
VALIDATION_FAILED = "Validation Failed"
TOKEN_INVALID = "APIToken not valid"
LOGIN_INVALID = "Userid/Password not valid"
NOT_A_MEMBER = "User does not have permission for the specified tenant."
PACKAGE_NOT_FOUND = "Could not find specified package ID."
CALENDAR_NOT_FOUND = "Could not find specified calendar ID."
LOCK_HELD = "Precondition failed\u2014another user holds the lock for this resource"
NOT_LOCKED = "Calendar was not locked first"
NOT_AN_OBJECT = "The request body must be a JSON object."
# Login of a user whom staff flagged, as the vendor shows it: a numeric code, no field.
PASSWORD_CHANGE_REQUIRED_ERRORS = [{"code": 1000, "message": "Password Change Required"}]
# PUT /grs/v1/changepassword (codes ours, docs/grs.md).
NEW_PASSWORD_MISSING = ("1000", "newPassword", "newPassword must be specified")
NEW_PASSWORD_INVALID_CODE = "1001"
NOT_JSON = "The request body is not valid JSON."


# Business-time questions (docs/business-time.md): each message names its parameter.
MINUTES_INVALID = "minutes must be a whole number, 0 or more."
END_BEFORE_START = "end must not be before start."
# Business-time answers cost about a millisecond per year of span in a DST zone: spans
# are capped so that no request can hold a worker for seconds.
MAX_SPAN_YEARS = 100
MAX_SPAN_MINUTES = MAX_SPAN_YEARS * 525_960  # 365.25 days a year
SPAN_TOO_LONG = f"end must be within {MAX_SPAN_YEARS} years of start."
MINUTES_TOO_MANY = f"minutes must be at most {MAX_SPAN_MINUTES} ({MAX_SPAN_YEARS} years)."
# Business-time questions in bulk (docs/business-time.md).
MAX_QUESTIONS = 1000
QUESTIONS_INVALID = f"The body must be a JSON array of at most {MAX_QUESTIONS} questions."
QUESTION_NOT_AN_OBJECT = "A question must be a JSON object."
QUESTION_OP_INVALID = "op must be working, next-working, add or duration."
ANSWER_TOO_LATE = "minutes takes the answer past the year 9998."
NO_WORKING_TIME_BEFORE_9999 = "after: the calendar has no working time before the year 9999."


def instant_invalid(name: str) -> str:
    return f"{name} must be an ISO 8601 instant with an offset, e.g. 2026-03-09T14:30:00Z."


def instant_out_of_range(name: str) -> str:
    return f"{name} must lie in the years 2 to 9998 (UTC)."


def no_working_time(instant: str) -> str:
    return f"Calendar has no working time after {instant}."


def permission_missing(permission: str) -> str:
    return f"User does not have proper permission to perform this operation ({permission})."


def permission_unknown(permission: str) -> str:
    names = ", ".join([*PERMISSIONS, *PACKAGE_PERMISSIONS])
    return f"Unknown permission {permission!r}; use one of {names}."


def package_name_taken(name: str) -> str:
    return f"The tenant already has a package named {name!r}."


def tenant_name_taken(name: str) -> str:
    return f"A tenant named {name!r} already exists."


def username_taken(username: str) -> str:
    return f"A user named {username!r} already exists."


@dataclass(frozen=True, slots=True)
class Problem:
    """One entry of a 422 answer's ``errors``."""

    code: str
    field: str
    message: str
    index: int | None = None  # position in the exceptions list, for exception fields

    def as_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"code": self.code, "field": self.field, "message": self.message}
        if self.index is not None:
            item["index"] = self.index
        return item


def is_int(value: Any) -> bool:
    """A JSON integer: not a bool (Python's bools are ints), not 7.0, not "7"."""
    return isinstance(value, int) and not isinstance(value, bool)


def name_problem(value: Any, field: str = "name") -> str | None:
    """A name: a string, not blank after trimming, at most NAME_MAX, no control characters."""
    if not isinstance(value, str) or not value.strip():
        return f"{field} must be specified"
    if len(value.strip()) > NAME_MAX:
        return f"{field} must be at most {NAME_MAX} characters."
    if any(unicodedata.category(c) == "Cc" for c in value.strip()):
        return f"{field} must not contain control characters."
    if not value.isascii() and any(unicodedata.category(c) == "Cs" for c in value):
        # JSON's \ud800-style escapes can smuggle in lone surrogates, which no database
        # can store.
        return f"{field} must be valid Unicode text."
    return None


def _between(key: str, low: int, high: int) -> Callable[[Any], str | None]:
    message = f"{key} is invalid. Must be between {low} and {high}."
    return lambda value: None if is_int(value) and low <= value <= high else message


def _one_of(key: str, choices: tuple[str, ...]) -> Callable[[Any], str | None]:
    message = f"{key} is invalid. Must be {', '.join(choices[:-1])} or {choices[-1]}."
    return lambda value: None if isinstance(value, str) and value in choices else message


def _time_zone(value: Any) -> str | None:
    return None if is_java_zone_id(value) else "Unrecognized time zone ID."


@dataclass(frozen=True, slots=True)
class FieldRule:
    """One field of a calendar or an exception, declared once: its JSON key, model
    attribute, code and rule, and what else reads it. The model's check constraints and
    choices (models._field_constraints, models._use_constraint), the OpenAPI fields
    (schema.rule_fields), the answers, the admin's choices and the services' field lists
    are all made from these, so that a field is changed here alone."""

    code: str
    key: str  # the JSON key
    field: str  # the field the error names (the vendor's "timeZoneID" for 1007)
    attr: str  # the model attribute
    problem: Callable[[Any], str | None]
    low: int | None = None  # an integer's bounds, inclusive
    high: int | None = None
    # False: the bounds are checked on write but not by a database constraint (fixedDate's
    # hold in the calendar's zone, 1016, which the database does not know).
    db_bounds: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] = ()  # a string's values
    labels: tuple[str, ...] = ()  # the admin's names of the integers low..high
    # The placement or type that uses the field (an exception's); others leave it unused.
    used_with: str | None = None
    doc: str = ""  # the OpenAPI description


def _rule(
    code: str, key: str, attr: str, problem: Callable[[Any], str | None], **kwargs: Any
) -> FieldRule:
    return FieldRule(code, key, kwargs.pop("field", key), attr, problem, **kwargs)


def _range(code: str, key: str, attr: str, low: int, high: int, **kwargs: Any) -> FieldRule:
    return _rule(code, key, attr, _between(key, low, high), low=low, high=high, **kwargs)


# relativeDayOfWeek, weekStarts and weekEnds number the days from 1 = Sunday (Java's).
WEEK_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTH_NAMES = tuple(_calendar.month_name[1:])  # English: no locale is set
DAY = "1 = Sunday ... 7 = Saturday"


def _week_day(code: str, key: str, attr: str, doc: str) -> FieldRule:
    return _range(code, key, attr, 1, 7, labels=WEEK_DAY_NAMES, doc=doc)


# Calendar fields, in the vendor's order (answers, the OpenAPI document); errors come
# out in code order.
CALENDAR_RULES = (
    _rule("1000", "name", "name", name_problem, max_length=NAME_MAX, doc="Trimmed; not blank."),
    _week_day("1001", "weekStarts", "week_starts", f"{DAY}. The range wraps past Saturday."),
    _week_day("1002", "weekEnds", "week_ends", DAY),
    _range("1003", "dayStartsHour", "day_starts_hour", 0, 23),
    _range("1005", "dayStartsMin", "day_starts_min", 0, 59),
    _range(
        "1004",
        "dayEndsHour",
        "day_ends_hour",
        0,
        23,
        doc="An end at or before the start runs past midnight.",
    ),
    _range("1006", "dayEndsMin", "day_ends_min", 0, 59),
    _rule(
        "1007",
        "timeZoneId",
        "time_zone_id",
        _time_zone,
        field="timeZoneID",
        doc="One of Java 17's TimeZone.getAvailableIDs(), case included (EST, "
        "America/New_York, ...); anything else is 1007.",
    ),
)
CALENDAR_ATTRS = tuple(rule.attr for rule in CALENDAR_RULES)


def calendar_parse(data: Any) -> tuple[dict[str, Any], list[Problem]]:
    """A create/modify body, JSON as decoded, to model field values and ALL its problems.

    The values may be used only if the problems are empty. Unknown keys are ignored.
    """
    data = data if isinstance(data, Mapping) else {}
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    for rule in CALENDAR_RULES:
        value = data.get(rule.key)
        if message := rule.problem(value):
            problems.append(Problem(rule.code, rule.field, message))
        values[rule.attr] = value
    problems.sort(key=lambda p: int(p.code))
    if not problems:
        values["name"] = values["name"].strip()
    return values, problems


def calendar_model_check(calendar: Calendar, *, exclude: Collection[str] = ()) -> None:
    """The same rules for a calendar edited in the admin, as a ValidationError about
    the fields not in ``exclude``."""
    errors = {
        rule.attr: message
        for rule in CALENDAR_RULES
        if rule.attr not in exclude and (message := rule.problem(getattr(calendar, rule.attr)))
    }
    if errors:
        raise ValidationError(errors)
    if "name" not in exclude:
        calendar.name = calendar.name.strip()


# Calendar exceptions (PUT .../businesscalendarbody/{calendarId}). The vendor's page for
# this operation shows 1002 fixedDate "fixedDate must be specified with type of FIXED" and
# 1003 annualMonth; the other codes follow in the order of the exception's keys, then
# ours for what the vendor does not list (docs/grs.md).
EXCEPTIONS_CODE = "1014"
EXCEPTIONS_INVALID = f"exceptions must be a list of at most {MAX_EXCEPTIONS} exceptions."
EXCEPTION_CODE = "1015"
EXCEPTION_NOT_AN_OBJECT = "Each exception must be a JSON object."
UNUSED_CODE = "1013"
ANNUAL_DAY = "annualDay is invalid. Must be a day of annualMonth."
FIXED_DATE_RANGE_CODE = "1016"
FIXED_DATE_RANGE = "fixedDate must name a day in the years 1 to 9999 in the calendar's time zone."
# PUT calendar/{calendarId} (and the admin): a new time zone in which a stored fixedDate
# would name a day outside the years 1 to 9999.
ZONE_MOVES_FIXED_DATE_CODE = "1008"


def zone_moves_fixed_date(index: int) -> str:
    return f"timeZoneId would move the fixedDate of exception {index} outside the years 1 to 9999."


TYPES = tuple(t.value for t in ExceptionType)
PLACEMENTS = tuple(p.value for p in Placement)
RELATIVE_TYPES = tuple(r.value for r in RelativeType)


def _choice(code: str, key: str, attr: str, choices: tuple[str, ...], **kwargs: Any) -> FieldRule:
    return _rule(code, key, attr, _one_of(key, choices), choices=choices, **kwargs)


def _placed(
    code: str, key: str, attr: str, placement: str, high: int = 0, about: str = "", **kwargs: Any
) -> FieldRule:
    """A field that ``placement`` uses, a choice or a number from 1 to ``high`` (0 when
    unused): the vendor's wording when it is missing (absent, null or 0), the field's own
    message for any other wrong value."""
    if "choices" in kwargs:
        rule = _choice(code, key, attr, kwargs.pop("choices"), doc=f"Placement {placement}.")
    else:
        doc = f"Placement {placement}; {about}0 when unused."
        rule = _range(code, key, attr, 1, high, doc=doc, **kwargs)
    missing, check = f"{key} must be specified with type of {placement}", rule.problem

    def problem(value: Any) -> str | None:
        return missing if _is_unused(value) else check(value)

    return replace(rule, problem=problem, used_with=placement)


def _fixed_date(value: Any) -> str | None:
    return None if is_int(value) else "fixedDate must be specified with type of FIXED"


def _time_change(code: str, key: str, attr: str, high: int) -> FieldRule:
    return _range(code, key, attr, 0, high, used_with="TIME_CHANGE", doc="Type TIME_CHANGE.")


# The vendor's keys, in its order (answers, the OpenAPI document).
EXCEPTION_RULES = {
    rule.key: rule
    for rule in (
        _rule("1000", "name", "name", name_problem, max_length=NAME_MAX),
        _choice("1001", "type", "type", TYPES, doc="HOLIDAY: no work; TIME_CHANGE: other hours."),
        _choice("1012", "placement", "placement", PLACEMENTS),
        # 0 is a date (1970-01-01T00:00Z) when fixedDate is used.
        _rule(
            "1002",
            "fixedDate",
            "fixed_date",
            _fixed_date,
            low=FIXED_DATE_MIN,
            high=FIXED_DATE_MAX,
            db_bounds=False,
            used_with="FIXED",
            doc="Epoch milliseconds (placement FIXED).",
        ),
        _placed("1003", "annualMonth", "annual_month", "ANNUAL", 12, labels=MONTH_NAMES),
        _placed("1004", "annualDay", "annual_day", "ANNUAL", 31),
        _placed("1005", "relativeType", "relative_type", "RELATIVE", choices=RELATIVE_TYPES),
        _placed(
            "1006",
            "relativeDayOfWeek",
            "relative_day_of_week",
            "RELATIVE",
            7,
            labels=WEEK_DAY_NAMES,
            about=f"{DAY}; ",
        ),
        _placed("1007", "relativeMonth", "relative_month", "RELATIVE", 12, labels=MONTH_NAMES),
        _time_change("1008", "timeChangeStartHour", "time_change_start_hour", 23),
        _time_change("1009", "timeChangeStartMin", "time_change_start_min", 59),
        _time_change("1010", "timeChangeStopHour", "time_change_stop_hour", 23),
        _time_change("1011", "timeChangeStopMin", "time_change_stop_min", 59),
    )
}
EXCEPTION_KEYS = tuple(EXCEPTION_RULES)
EXCEPTION_ATTRS = tuple(rule.attr for rule in EXCEPTION_RULES.values())
# Unused fields are answered as the vendor does: numbers 0, fixedDate and relativeType null.
UNUSED_NULL = ("fixedDate", "relativeType")
PLACEMENT_KEYS = {
    placement: tuple(key for key, rule in EXCEPTION_RULES.items() if rule.used_with == placement)
    for placement in PLACEMENTS
}
TIME_CHANGE_KEYS = tuple(
    key for key, rule in EXCEPTION_RULES.items() if rule.used_with == "TIME_CHANGE"
)


def unused_must_be_null(key: str, reason: str) -> str:
    return f"{key} must be null or 0 when {reason}."


def _is_unused(value: Any) -> bool:
    # The vendor answers 0 for unused numbers (null for fixedDate and relativeType), and
    # its clients send them back: both mean "not used".
    return value is None or (is_int(value) and value == 0)


def fixed_date_in_zone(value: int, tz: tzinfo | None) -> bool:
    """True if the epoch-ms ``value`` names a day in years 1..9999 in ``tz`` (UTC if None),
    which every date library (and the business-time engine) can represent."""
    if not FIXED_DATE_MIN <= value <= FIXED_DATE_MAX:
        return False
    if tz is None:
        return True
    try:
        local_date_of_epoch_ms(value, tz)
    except ValueError:
        return False
    return True


def exception_parse(
    item: Any, index: int | None = None, tz: tzinfo | None = None
) -> tuple[dict[str, Any], list[Problem]]:
    """One exception, JSON as decoded, to model field values (unused ones None) and its
    problems in code order; ``tz`` is the calendar's zone, in which fixedDate must name a
    day of the years 1..9999. Unknown keys are ignored; a missing key is null."""
    if not isinstance(item, Mapping):
        return {}, [Problem(EXCEPTION_CODE, "exceptions", EXCEPTION_NOT_AN_OBJECT, index)]
    problems: list[Problem] = []
    used = ["name", "type", "placement"]

    def check(key: str) -> None:
        if message := EXCEPTION_RULES[key].problem(item.get(key)):
            problems.append(Problem(EXCEPTION_RULES[key].code, key, message, index))

    def unused(keys: tuple[str, ...], reason: str) -> None:
        for key in keys:
            if not _is_unused(item.get(key)):
                problems.append(Problem(UNUSED_CODE, key, unused_must_be_null(key, reason), index))

    for key in used:
        check(key)
    placement, type_ = item.get("placement"), item.get("type")
    if isinstance(placement, str) and placement in PLACEMENT_KEYS:
        used += PLACEMENT_KEYS[placement]
        for key in PLACEMENT_KEYS[placement]:
            check(key)
        others = tuple(k for p, keys in PLACEMENT_KEYS.items() if p != placement for k in keys)
        unused(others, f"placement is {placement}")
        month, day = item.get("annualMonth"), item.get("annualDay")
        fixed = item.get("fixedDate")
        if (
            placement == "ANNUAL"
            and not any(p.field.startswith("annual") for p in problems)
            and day > _calendar.monthrange(2000, month)[1]  # a leap year: Feb 29 is a day
        ):
            problems.append(
                Problem(EXCEPTION_RULES["annualDay"].code, "annualDay", ANNUAL_DAY, index)
            )
        if placement == "FIXED" and is_int(fixed) and not fixed_date_in_zone(fixed, tz):
            problems.append(Problem(FIXED_DATE_RANGE_CODE, "fixedDate", FIXED_DATE_RANGE, index))
    if type_ == "TIME_CHANGE":
        used += TIME_CHANGE_KEYS
        for key in TIME_CHANGE_KEYS:
            check(key)
    elif type_ == "HOLIDAY":
        unused(TIME_CHANGE_KEYS, "type is HOLIDAY")

    problems.sort(key=lambda p: (int(p.code), EXCEPTION_KEYS.index(p.field)))
    values = {
        rule.attr: item.get(key) if key in used else None for key, rule in EXCEPTION_RULES.items()
    }
    if not problems:
        values["name"] = values["name"].strip()
    return values, problems


def exceptions_parse(
    data: Any, tz: tzinfo | None = None
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """A modify-body request, ``{"exceptions": [...]}``, to model values and its problems,
    by index, then code; ``tz`` is the calendar's zone."""
    items = data.get("exceptions") if isinstance(data, Mapping) else None
    if not isinstance(items, list) or len(items) > MAX_EXCEPTIONS:
        return [], [Problem(EXCEPTIONS_CODE, "exceptions", EXCEPTIONS_INVALID)]
    values, problems = [], []
    for index, item in enumerate(items):
        parsed, found = exception_parse(item, index, tz)
        values.append(parsed)
        problems.extend(found)
    return values, problems


def exception_model_check(exception: CalendarException, *, exclude: Collection[str] = ()) -> None:
    """The same rules for an exception edited in the admin, as a ValidationError about
    the fields not in ``exclude``."""
    item = {key: getattr(exception, rule.attr) for key, rule in EXCEPTION_RULES.items()}
    calendar = exception.calendar if exception.calendar_id or _has_calendar(exception) else None
    values, problems = exception_parse(item, tz=calendar_zone(calendar))
    errors = {EXCEPTION_RULES[p.field].attr: p.message for p in problems}
    if errors:
        if errors.keys() - set(exclude):
            raise ValidationError({a: m for a, m in errors.items() if a not in exclude})
        return  # already reported, by the form
    for attr, value in values.items():
        setattr(exception, attr, value)


# Public holidays added by staff (add_public_holidays, the admin action: docs/business-time.md).
HOLIDAY_YEARS_MAX = 100
HOLIDAY_YEARS_INVALID = (
    f"years must be a year or a range FIRST-LAST (e.g. 2026-2030) within 1 to 9999, at most "
    f"{HOLIDAY_YEARS_MAX} years."
)
LOCK_HELD_OVERRIDE = f"{LOCK_HELD}; override the lock to change the calendar anyway."


def lock_held_delete(calendars: str) -> str:
    """Staff's delete of calendars (or of what hangs on them) under another's live lock."""
    return f"{LOCK_HELD} ({calendars}); deleting it needs OVERRIDE_LOCKS."


# Calendars one run of the admin action may touch (a request must stay short).
HOLIDAY_ACTION_MAX = 100


def holiday_action_too_many(count: int) -> str:
    return (
        f"{count} calendars are selected; add holidays to at most {HOLIDAY_ACTION_MAX} at a "
        "time here, or use manage.py add_public_holidays."
    )


def country_unknown(country: str) -> str:
    return f"Unknown country {country!r}; use a two-letter ISO 3166 code, e.g. US."


def subdivision_unknown(subdivision: str, country: str, known: Collection[str]) -> str:
    listed = ", ".join(known) if known else "none"
    return f"Unknown subdivision {subdivision!r} of {country}; its subdivisions are: {listed}."


def too_many_exceptions(count: int) -> str:
    return f"The calendar would have {count} exceptions; {EXCEPTIONS_INVALID}"


def _has_calendar(exception: CalendarException) -> bool:
    # An admin inline's exception of a calendar being added has the calendar unsaved.
    return exception._meta.get_field("calendar").is_cached(exception)


def calendar_zone(calendar: Calendar | None) -> tzinfo | None:
    """The calendar's zone, None if it has none yet or an invalid one (1007 reports it)."""
    zone_id = getattr(calendar, "time_zone_id", None)
    return java_zone(zone_id) if is_java_zone_id(zone_id) else None


def zone_problems(time_zone_id: str, fixed_dates: Iterable[tuple[int, int]]) -> list[Problem]:
    """For a calendar moving to ``time_zone_id``: each ``(index, fixedDate)`` of its stored
    exceptions that would name a day outside the years 1..9999 there (1008)."""
    if not is_java_zone_id(time_zone_id):
        return []  # 1007 says so
    tz = java_zone(time_zone_id)
    return [
        Problem(ZONE_MOVES_FIXED_DATE_CODE, "timeZoneID", zone_moves_fixed_date(index), index)
        for index, value in fixed_dates
        if not fixed_date_in_zone(value, tz)
    ]


# --- packages (POST/PUT .../businessnode/{nodeId}/package), the vendor's codes ----------

NODE_FORBIDDEN = "User does not have permission for the specified tenant or business node."
NODE_PACKAGE_NOT_FOUND = (
    "could not find specified package ID. Use Query Packages to obtain correct ID."
)
# Java's reserved keywords and literals (JLS 17, 3.9 and 3.10): a package name becomes a
# Java package name, so no segment may be one. Contextual keywords (var, record, yield,
# module, ...) are legal package names and allowed.
JAVA_KEYWORDS = frozenset(
    [
        "abstract",
        "assert",
        "boolean",
        "break",
        "byte",
        "case",
        "catch",
        "char",
        "class",
        "const",
        "continue",
        "default",
        "do",
        "double",
        "else",
        "enum",
        "extends",
        "final",
        "finally",
        "float",
        "for",
        "goto",
        "if",
        "implements",
        "import",
        "instanceof",
        "int",
        "interface",
        "long",
        "native",
        "new",
        "package",
        "private",
        "protected",
        "public",
        "return",
        "short",
        "static",
        "strictfp",
        "super",
        "switch",
        "synchronized",
        "this",
        "throw",
        "throws",
        "transient",
        "try",
        "void",
        "volatile",
        "while",
        "true",
        "false",
        "null",
        "_",
    ]
)
# ASCII Java identifiers (letters, digits, underscore; not starting with a digit), joined
# by dots: what every Java toolchain accepts as a package name.
_PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
PACKAGE_NAME_MISSING = ("1000", "name", "package name must be specified")
PACKAGE_NAME_INVALID = ("1001", "name", "package name contains invalid character(s)")
PACKAGE_NAME_TOO_LONG = ("1001", "name", f"package name must be at most {NAME_MAX} characters")
PACKAGE_NAME_KEYWORD = ("1002", "name", "package name cannot contain java keyword(s)")
PACKAGE_NAME_TAKEN = ("1003", "name", "package name already in use")
PACKAGE_TYPE_MISSING = ("1004", "type", "package type must be specified")
TEMPLATE_CODE = "1005"
BUSINESS_NAME_TAKEN = ("1006", "businessName", "business name already in use")
# Ours, for what the vendor does not list (docs/grs.md).
TEMPLATES_INVALID = ("1007", "templates", "templates must be a list of {name, version} objects")
BUSINESS_NAME_INVALID = (
    "1008",
    "businessName",
    f"businessName must be a string of at most {NAME_MAX} characters",
)
DESCRIPTION_INVALID = ("1009", "description", "description must be a string")

# What one package or tenant may hold. Their lists (GET .../calendars, the packages of a
# node) are answered whole, unpaged as the vendor's, so these bound what one request
# costs; a create past them is refused (docs/grs.md, "Limits").
PACKAGE_CALENDARS_MAX = 1_000
TENANT_PACKAGES_MAX = 1_000


def package_full() -> Problem:
    return Problem(
        "1009",
        "calendars",
        f"the package already holds {PACKAGE_CALENDARS_MAX} calendars, the most it may hold",
    )


def tenant_full() -> Problem:
    return Problem(
        "1010",
        "packages",
        f"the tenant already holds {TENANT_PACKAGES_MAX} packages, the most it may hold",
    )


def template_not_found(name: Any, version: Any) -> str:
    """The vendor's text, a name and a version as sent: a string and an integer as they
    are, anything else as JSON (null, true, 1.0, ["XYZ"]), never as Python writes it."""

    def shown(value: Any, plain: type) -> str:
        if isinstance(value, plain) and not isinstance(value, bool):
            text = str(value)
        else:
            text = json.dumps(value, ensure_ascii=False, default=str)
        # A lone surrogate (from a \ud800 escape) cannot be written back as UTF-8.
        return text.encode("utf-8", "backslashreplace").decode("utf-8")

    return f"specified template: {shown(name, str)} version: {shown(version, int)} not found"


def _text_problem(value: Any, limit: int | None) -> bool:
    """A free-text field: null (empty) or a string without control characters (tabs and
    newlines allowed) or lone surrogates, of at most ``limit`` characters."""
    if value is None:
        return False
    if not isinstance(value, str) or (limit is not None and len(value) > limit):
        return True
    return any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r" for c in value)


@dataclass(frozen=True, slots=True)
class PackageInput:
    """A package body, parsed: what was sent (``None``: key absent, for PUT)."""

    name: str | None = None
    type: str | None = None
    business_name: str | None = None
    description: str | None = None
    templates: list[tuple[Any, Any]] | None = None


def package_parse(data: Mapping[str, Any], *, create: bool) -> tuple[PackageInput, list[Problem]]:
    """A create (``create``) or modify body to values and its problems, except those that
    need the database (1003, 1005 not found, 1006: services.package_problems). A modify
    body's name and type are ignored, as are unknown keys; its absent keys stay as they
    are."""
    problems: list[Problem] = []
    name = type_ = None
    if create:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(Problem(*PACKAGE_NAME_MISSING))
        else:
            name = name.strip()
            if len(name) > NAME_MAX:
                problems.append(Problem(*PACKAGE_NAME_TOO_LONG))
            elif not _PACKAGE_NAME.fullmatch(name):
                problems.append(Problem(*PACKAGE_NAME_INVALID))
            elif any(part in JAVA_KEYWORDS for part in name.split(".")):
                problems.append(Problem(*PACKAGE_NAME_KEYWORD))
        type_ = data.get("type")
        if not isinstance(type_, str) or not type_.strip() or _text_problem(type_, NAME_MAX):
            problems.append(Problem(*PACKAGE_TYPE_MISSING))
        else:
            type_ = type_.strip()
    business_name = description = templates = None
    if create or "businessName" in data:
        business_name = data.get("businessName")
        if _text_problem(business_name, NAME_MAX):
            problems.append(Problem(*BUSINESS_NAME_INVALID))
        else:
            business_name = (business_name or "").strip()
    if create or "description" in data:
        description = data.get("description")
        if _text_problem(description, None):
            problems.append(Problem(*DESCRIPTION_INVALID))
        else:
            description = description or ""
    if create or "templates" in data:
        items = data.get("templates")
        items = [] if items is None else items
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            problems.append(Problem(*TEMPLATES_INVALID))
        else:
            templates = [(i.get("name"), i.get("version")) for i in items]
    problems.sort(key=lambda p: int(p.code))
    values = PackageInput(name, type_, business_name, description, templates)
    return values, problems
