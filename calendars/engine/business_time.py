"""Business time on a calendar: which instants are working time, and arithmetic on them.

Pure Python, no Django: the API builds a ``CalendarSpec`` from a calendar and its exceptions
and calls ``is_working``, ``next_working``, ``add`` or ``duration``. docs/business-time.md
says the same for API users.

Semantics
---------
* Week days are numbered as GRS does: 1 = Sunday ... 7 = Saturday. ``week_starts..week_ends``
  is a range that wraps past Saturday: 6..2 is Friday, Saturday, Sunday, Monday; equal ends
  are one day. A range is never empty.
* A day's hours run from its start to its end time. An end at or before the start runs past
  midnight into the next day; an end equal to the start makes a 24-hour day.
* Working time is a union of intervals, one per local date D of the calendar's zone:
  [D at start, D (or D + 1 when overnight) at end), each end converted to UTC on its own.
  Which hours D has, if any:
    - a HOLIDAY on D: none (it removes only the interval that *starts* on D; the previous
      day's overnight interval still runs into D);
    - else a TIME_CHANGE on D: its start..stop, by the same rules as the day's hours
      (overnight when stop <= start, 24 hours when equal), even on a week day outside
      the range: "that day's hours are X..Y";
    - else the calendar's hours if D's week day is in the range.
  A holiday wins over a time change on the same date; of two time changes on one date the
  first in the exception list wins.
* Placements: FIXED is one local date; ANNUAL is month/day every year (Feb 29 only in leap
  years, never moved to another day); RELATIVE is the FIRST..FOURTH or LAST given week day
  of a month, every year (LAST may be the fourth or the fifth).
* Local times are turned into instants as Python does with fold=0: a time that does not
  exist (a spring-forward gap) moves forward by the gap (02:30 -> 03:30); an ambiguous
  one (fall-back) takes its first occurrence. An interval that becomes empty that way is
  no working time; intervals that overlap (around DST, or a time change running into the
  next day's hours) are merged.
* Intervals are half-open: the start instant is working, the end instant is not.

The four questions (every datetime must be aware; answers are in UTC):

* ``is_working(spec, at)``: is ``at`` inside working time.
* ``next_working(spec, after)``: the first working instant at or after ``after``
  (``after`` itself when working). Raises ``NoWorkingTime`` if there is none.
* ``add(spec, start, minutes)``: the earliest instant T >= start with exactly ``minutes``
  working minutes in [start, T). So ``add(spec, start, 0)`` is ``start`` itself, and for
  minutes > 0 the answer is the end of the last minute, always inside or at the end of a
  working interval. Raises ``NoWorkingTime`` if the calendar runs out of working time.
* ``duration(spec, start, end)``: working minutes in [start, end), start <= end. Exact:
  an ``int`` when whole, else a ``float`` (instants carry microseconds; nothing is rounded).
  ``duration(spec, s, add(spec, s, n)) == n``.

A calendar with no working time at all, or none after some instant (every working day a
holiday), raises ``NoWorkingTime``. It is taken to have none when no working time is found
within 400 years (one Gregorian cycle, after which annual and relative exceptions repeat)
after both the instant asked about and the last FIXED exception. Instants asked about and
answers lie in the years 2 to 9998 (UTC); beyond, ``OutOfRange`` is raised. Both are
``ValueError``s, as is every bad argument.

Cost
----
Nothing is walked minute by minute, and no question walks at all once its years are known:

* A UTC year's working time is tabulated once per spec (``_Plan.year``): its intervals in
  order, clipped to the year, with the work done by the end of each (``_Year``). One pass
  over the year's dates builds it (``_Plan._build_year``): each date's hours come from the
  weekly pattern, patched on exception dates; where the zone's offset is constant local
  times convert by integer arithmetic, on the few dates near a DST transition by the zone.
  A year's table is shared by every year of the same kind (``_Plan._year_kind``: leap
  years and week day of 1 January around it, the zone's offsets through it, no FIXED
  exception near), so a calendar has some 28 tables however far a question reaches.
* ``add``, ``duration`` and ``next_working`` look their ends up in the years' tables
  (binary search) and jump the years between by running sums of the years' work
  (``_Plan.years_reaching``, ``_Plan.years_work``). Where every year is of a shared kind
  (past the zone's last explicit transition and the last FIXED exception) years repeat
  every 400 (a Gregorian cycle), which ``add`` and ``duration`` jump whole.
* The years between the ends need only their work (``_Plan.year_total``). A year with
  FIXED exceptions near has its kind's work (its table without them, shared) plus what
  each cluster of them changes (``_Plan._fixed_change``: the work within the cluster's
  reach, from the dates around it, less the same stretch of the kind's table), computed
  once per shape of cluster; past 16 clusters it is tabulated. So its cost is that of its
  FIXED dates, not of a table. Where no date has hours but from FIXED time changes
  (``_Plan.only_fixed_hours``), the idle years between them are skipped together.
* ``is_working`` and ``working_intervals`` walk their short span (``_Plan.walk``) stretch
  by stretch: dates near an exception or a transition one by one, the others by the plain
  weekly pattern.
* A zone's transitions come from its TZif data's explicit list (``timezones.
  transition_seconds``); past it, from the zone's final rule, probed once per kind of year
  and moved (``_transitions``). Both are cached for the process.

So the first question on a spec costs its kinds' tables and the ends' (well under a
millisecond each) and its FIXED clusters' changes (some 25 us each), and every question
after a few binary searches. ``bench/business_time.py`` measures both.
"""

from __future__ import annotations

import calendar
import heapq
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

from calendars.engine.timezones import JavaZone, transition_seconds

__all__ = [
    "BusinessTimeError",
    "CalendarException",
    "CalendarSpec",
    "ExceptionType",
    "NoWorkingTime",
    "OutOfRange",
    "Placement",
    "RelativeType",
    "add",
    "duration",
    "exception_from_grs",
    "is_working",
    "local_date_of_epoch_ms",
    "next_working",
    "working_intervals",
]

# All arithmetic is on integer microseconds since the Unix epoch, so nothing is rounded.
MINUTE = 60_000_000
HOUR = 60 * MINUTE
DAY = 24 * HOUR
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
MAX_ORDINAL = date.max.toordinal()
# Instants asked about and answers lie in years 2..9998 (UTC), which leaves room for any
# zone's offset and for the days the walks look at around an instant.
MIN_US = (date(2, 1, 1).toordinal() - EPOCH_ORDINAL) * DAY
MAX_US = (date(9999, 1, 1).toordinal() - EPOCH_ORDINAL) * DAY
# No zone's offset reaches 16 hours (tzdata's extreme is Asia/Manila's LMT, -15:56), so a
# local date's instants lie within 16 hours of the same date read as UTC.
MAX_OFFSET = 16 * HOUR
# Where working time may differ from the plain weekly pattern in a zone's current offset:
# - around a DST transition, by the offset's change plus an hour either side (an interval's
#   ends are converted with the offset of their own side, which moves them by at most the
#   change);
# - around an exception date D, where D's own interval lies: within [D - 16 h, D + 2 days
#   + 16 h) of D's midnight read as UTC.
TRANSITION_SLACK = HOUR
MAX_TRANSITION_MARGIN = 2 * DAY
EXCEPTION_BEFORE = MAX_OFFSET
EXCEPTION_AFTER = 2 * DAY + MAX_OFFSET
GREGORIAN_CYCLE_DAYS = 146_097  # 400 years
MAX_YEAR = 9999
IDLE_DAYS_BEFORE_YEAR_SKIP = 400
# FIXED exception dates further apart than this change a year's work independently: the
# intervals of the dates around one (its own within [midnight - 16 h, + 2 days + 16 h)) do
# not reach the other's.
FIXED_CLUSTER_GAP = 8
# A year with more clusters of FIXED exceptions than this is tabulated instead: each costs
# some 25 us, a table some 0.3 ms (measured with bench/business_time.py's shapes).
MAX_FIXED_CHANGES = 16


class BusinessTimeError(ValueError):
    """A business-time question that has no answer."""


class NoWorkingTime(BusinessTimeError):
    """The calendar has no working time at or after the instant asked about."""


class OutOfRange(BusinessTimeError):
    """An instant asked about, or the answer, lies outside the years 2 to 9998 (UTC)."""


class ExceptionType(StrEnum):
    HOLIDAY = "HOLIDAY"
    TIME_CHANGE = "TIME_CHANGE"


class Placement(StrEnum):
    FIXED = "FIXED"
    ANNUAL = "ANNUAL"
    RELATIVE = "RELATIVE"


class RelativeType(StrEnum):
    FIRST = "FIRST"
    SECOND = "SECOND"
    THIRD = "THIRD"
    FOURTH = "FOURTH"
    LAST = "LAST"


# FIRST..FOURTH are the nth week day of the month; LAST is keyed as a fifth.
_NTH = {"FIRST": 1, "SECOND": 2, "THIRD": 3, "FOURTH": 4, "LAST": 5}


def _int_in(name: str, value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}, not {value!r}")
    return value


def _hours(start_h: int, start_m: int, end_h: int, end_m: int) -> tuple[int, int]:
    """(start, end) in minutes after the local midnight; end past 1440 when overnight."""
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    return start, end if end > start else end + 1440


@dataclass(frozen=True)
class CalendarException:
    """One calendar exception, its fields mirroring the GRS body's (snake_case).

    Only the fields of the exception's type and placement are read; the others are set to
    None. ``fixed_date`` is a local date in the calendar's zone.
    """

    type: ExceptionType
    placement: Placement
    fixed_date: date | None = None
    annual_month: int | None = None
    annual_day: int | None = None
    relative_type: RelativeType | None = None
    relative_day_of_week: int | None = None
    relative_month: int | None = None
    time_change_start_hour: int | None = None
    time_change_start_min: int | None = None
    time_change_stop_hour: int | None = None
    time_change_stop_min: int | None = None
    name: str = ""

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "type", ExceptionType(self.type))
        set_(self, "placement", Placement(self.placement))
        if self.placement is Placement.FIXED:
            if not isinstance(self.fixed_date, date) or isinstance(self.fixed_date, datetime):
                raise ValueError(f"fixed_date must be a date, not {self.fixed_date!r}")
        elif self.placement is Placement.ANNUAL:
            month = _int_in("annual_month", self.annual_month, 1, 12)
            _int_in("annual_day", self.annual_day, 1, calendar.monthrange(2000, month)[1])
        else:
            set_(self, "relative_type", RelativeType(self.relative_type))
            _int_in("relative_day_of_week", self.relative_day_of_week, 1, 7)
            _int_in("relative_month", self.relative_month, 1, 12)
        if self.type is ExceptionType.TIME_CHANGE:
            _int_in("time_change_start_hour", self.time_change_start_hour, 0, 23)
            _int_in("time_change_start_min", self.time_change_start_min, 0, 59)
            _int_in("time_change_stop_hour", self.time_change_stop_hour, 0, 23)
            _int_in("time_change_stop_min", self.time_change_stop_min, 0, 59)
        # Unused fields (GRS clients send null or 0) become None, so equal exceptions compare
        # equal.
        used = _USED_FIELDS[self.placement] | _USED_FIELDS[self.type]
        for name in _OPTIONAL_FIELDS - used:
            set_(self, name, None)

    def falls_on(self, day: date) -> bool:
        """Whether this exception's placement names the local date ``day``."""
        if self.placement is Placement.FIXED:
            return self.fixed_date == day
        if self.placement is Placement.ANNUAL:
            return (day.month, day.day) == (self.annual_month, self.annual_day)
        if day.month != self.relative_month or day.toordinal() % 7 + 1 != (
            self.relative_day_of_week
        ):
            return False
        nth = _NTH[self.relative_type]
        if nth == 5:
            return (day + timedelta(days=7)).month != day.month
        return (day.day - 1) // 7 + 1 == nth

    @property
    def hours(self) -> tuple[int, int] | None:
        """The day's hours under this exception (see ``_hours``); None for a holiday."""
        if self.type is ExceptionType.HOLIDAY:
            return None
        return _hours(
            self.time_change_start_hour,
            self.time_change_start_min,
            self.time_change_stop_hour,
            self.time_change_stop_min,
        )


def local_date_of_epoch_ms(ms: int, tz: tzinfo) -> date:
    """The date, in the calendar's zone, of the instant a GRS ``fixedDate`` gives in epoch
    milliseconds (the vendor's 30949200000 is 1970-12-25 00:00 EST: 25 December)."""
    try:
        return (EPOCH + timedelta(milliseconds=ms)).astimezone(tz).date()
    except (OverflowError, ValueError):
        raise ValueError(f"fixedDate is out of range: {ms}") from None


_USED_FIELDS = {
    Placement.FIXED: {"fixed_date"},
    Placement.ANNUAL: {"annual_month", "annual_day"},
    Placement.RELATIVE: {"relative_type", "relative_day_of_week", "relative_month"},
    ExceptionType.HOLIDAY: set(),
    ExceptionType.TIME_CHANGE: {
        "time_change_start_hour",
        "time_change_start_min",
        "time_change_stop_hour",
        "time_change_stop_min",
    },
}
_OPTIONAL_FIELDS = set().union(*_USED_FIELDS.values())


def exception_from_grs(body: Mapping[str, Any], tz: tzinfo) -> CalendarException:
    """A ``CalendarException`` from one exception of a GRS body (camelCase keys), for a
    calendar in zone ``tz``. ``fixedDate`` is epoch milliseconds (or already a ``date``)."""
    fixed = body.get("fixedDate")
    if type(fixed) is int:
        fixed = local_date_of_epoch_ms(fixed, tz)
    return CalendarException(
        type=body.get("type"),
        placement=body.get("placement"),
        fixed_date=fixed,
        annual_month=body.get("annualMonth"),
        annual_day=body.get("annualDay"),
        relative_type=body.get("relativeType"),
        relative_day_of_week=body.get("relativeDayOfWeek"),
        relative_month=body.get("relativeMonth"),
        time_change_start_hour=body.get("timeChangeStartHour"),
        time_change_start_min=body.get("timeChangeStartMin"),
        time_change_stop_hour=body.get("timeChangeStopHour"),
        time_change_stop_min=body.get("timeChangeStopMin"),
        name=body.get("name") or "",
    )


@dataclass(frozen=True)
class CalendarSpec:
    """A calendar as the engine sees it: the GRS calendar's fields (snake_case), its zone as
    a tzinfo (``ZoneInfo`` or a fixed ``timezone``) and its exceptions in list order."""

    week_starts: int
    week_ends: int
    day_starts_hour: int
    day_starts_min: int
    day_ends_hour: int
    day_ends_min: int
    tz: tzinfo
    exceptions: tuple[CalendarException, ...] = ()
    _plan: _Plan = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _int_in("week_starts", self.week_starts, 1, 7)
        _int_in("week_ends", self.week_ends, 1, 7)
        _int_in("day_starts_hour", self.day_starts_hour, 0, 23)
        _int_in("day_starts_min", self.day_starts_min, 0, 59)
        _int_in("day_ends_hour", self.day_ends_hour, 0, 23)
        _int_in("day_ends_min", self.day_ends_min, 0, 59)
        if (
            not isinstance(self.tz, tzinfo)
            or datetime(2000, 1, 1, tzinfo=self.tz).utcoffset() is None
        ):
            raise ValueError(f"tz must be a tzinfo with a UTC offset, not {self.tz!r}")
        exceptions = tuple(self.exceptions)
        if not all(isinstance(ex, CalendarException) for ex in exceptions):
            raise ValueError("exceptions must be CalendarException instances")
        object.__setattr__(self, "exceptions", exceptions)
        object.__setattr__(self, "_plan", _Plan(self))


# --- the four questions ------------------------------------------------------------------


def is_working(spec: CalendarSpec, at: datetime) -> bool:
    """Whether ``at`` is working time."""
    t = _to_us(at, "at")
    return any(True for _ in spec._plan.walk(t, t + 1))


def next_working(spec: CalendarSpec, after: datetime) -> datetime:
    """The first working instant at or after ``after``, in UTC."""
    t = _to_us(after, "after")
    plan = spec._plan
    year = _utc_year(t)
    base, found = _year_us(year), plan.year(year)
    i = bisect_right(found.ends, t - base)  # the first interval ending after t
    if i < len(found.ends):
        return _from_us(base + max(found.starts[i], t - base))
    year, _work = _Idle(plan, t).next_year_with_work(year + 1)
    return _from_us(_year_us(year) + plan.year(year).starts[0])


def add(spec: CalendarSpec, start: datetime, minutes: int) -> datetime:
    """The earliest instant with ``minutes`` working minutes between ``start`` and it, in UTC."""
    t = _to_us(start, "start")
    if type(minutes) is not int or minutes < 0:
        raise ValueError(f"minutes must be an integer >= 0, not {minutes!r}")
    if not minutes:
        return _from_us(t)
    plan = spec._plan
    year, done = plan.work_before(t)
    found = plan.year(year)
    remaining = done + minutes * MINUTE  # work to find from 1 January of ``year``
    if remaining > found.total:
        remaining -= found.total
        idle = _Idle(plan, t)
        year += 1
        while True:
            # The years between the ends by their work alone: only the answer's year needs
            # its table.
            year, work = idle.next_year_with_work(year, remaining)
            if work >= remaining:
                break
            remaining -= work
            year += 1
            if remaining > 4 * work and idle.years <= 28:
                # Many years ahead: their running sums, up to the year of the answer (past
                # a few decades without it, whole Gregorian cycles are jumped instead).
                ahead = min(400, 2 * remaining // work + 2, MAX_YEAR - year)
                reached = plan.years_reaching(year, ahead, remaining)
                if reached is not None:
                    year, remaining = reached
                    break
        found = plan.year(year)
    # The interval in which the work done reaches ``remaining``, and the instant in it.
    i = bisect_left(found.done, remaining)
    return _from_us(_year_us(year) + found.ends[i] - (found.done[i] - remaining))


def duration(spec: CalendarSpec, start: datetime, end: datetime) -> int | float:
    """Working minutes in [start, end): an int when whole, else a float."""
    t, stop = _to_us(start, "start"), _to_us(end, "end")
    if stop < t:
        raise ValueError("end must not be before start")
    plan = spec._plan
    year, before_start = plan.work_before(t)
    last_year, before_stop = plan.work_before(stop)
    total = before_stop - before_start
    if last_year > year:
        total += plan.years_work(year, last_year)
    return total // MINUTE if total % MINUTE == 0 else total / MINUTE


def working_intervals(
    spec: CalendarSpec, start: datetime, end: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Working time within [start, end) as merged intervals in order, clipped to it, in
    UTC: what the staff pages draw. Walks every date of the span (for display: a week)."""
    t, stop = _to_us(start, "start"), _to_us(end, "end")
    run = None
    # The walk cuts intervals at its stretches' ends: join the pieces that touch.
    for s, e in spec._plan.walk(t, stop):
        if run is not None and s <= run[1]:
            run = (run[0], max(run[1], e))
            continue
        if run is not None:
            yield _from_us(run[0]), _from_us(run[1])
        run = (s, e)
    if run is not None:
        yield _from_us(run[0]), _from_us(run[1])


class _Idle:
    """Walks the year tables from a year on, to the first year with work left.

    Raises ``NoWorkingTime`` once 400 years (a Gregorian cycle, after which annual and
    relative exceptions repeat) without work have passed after both the instant asked about
    and the last FIXED exception, and ``OutOfRange`` at the year 9999.
    """

    def __init__(self, plan: _Plan, t: int) -> None:
        self.plan, self.since, self.years = plan, t, 0
        self.give_up = max(t, _naive_us(plan.last_fixed)) + GREGORIAN_CYCLE_DAYS * DAY

    def next_year_with_work(self, year: int, remaining: int = 1) -> tuple[int, int]:
        """(year, its work) for the first year from ``year`` on with work; whole Gregorian
        cycles are jumped while ``remaining`` (work still to find) exceeds one. Where no
        date has hours but from FIXED time changes, the years without one are skipped
        together, with the answer walking them would give."""
        plan = self.plan
        while True:
            if year >= MAX_YEAR:
                raise OutOfRange("the answer lies after the year 9998")
            if plan.only_fixed_hours():
                ahead = plan.next_fixed_hours_year(year)
                if ahead > year:
                    # Walking the years year .. ahead - 1 (no work) would stop at the first
                    # whose end passes both limits.
                    limit = max(self.give_up, self.since + IDLE_DAYS_BEFORE_YEAR_SKIP * DAY)
                    if _year_us(ahead) > limit:
                        raise NoWorkingTime("the calendar has no working time after this instant")
                    self.years += ahead - year
                    year = ahead
                    continue
            self.years += 1
            if self.years > 28:  # a cycle's work costs every kind of year's
                cycle = plan.cycle_work(year)
                if cycle is not None and year + 400 < MAX_YEAR:
                    if cycle == 0:
                        # No work ever after: what walking on would find, at once.
                        if max(self.give_up, self.since + 400 * DAY) < MAX_US:
                            raise NoWorkingTime(
                                "the calendar has no working time after this instant"
                            )
                        raise OutOfRange("the answer lies after the year 9998")
                    cycles = min((remaining - 1) // cycle, (MAX_YEAR - 1 - year) // 400)
                    if cycles:
                        year += 400 * cycles
                        remaining -= cycles * cycle
                        self.since = _year_us(year)
                        continue
            work = plan.year_total(year)
            if work:
                return year, work
            end = _year_us(year + 1)
            if end - self.since > IDLE_DAYS_BEFORE_YEAR_SKIP * DAY and end > self.give_up:
                raise NoWorkingTime("the calendar has no working time after this instant")
            year += 1


def _year_us(year: int) -> int:
    """1 January of ``year``, 00:00 UTC."""
    return (date(year, 1, 1).toordinal() - EPOCH_ORDINAL) * DAY if year < MAX_YEAR else MAX_US


def _to_us(value: datetime, name: str) -> int:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime, not {value!r}")
    us = (value - EPOCH) // timedelta(microseconds=1)
    if not MIN_US <= us < MAX_US:
        raise OutOfRange(f"{name} must lie in the years 2 to 9998 (UTC)")
    return us


def _from_us(us: int) -> datetime:
    if us >= MAX_US:
        raise OutOfRange("the answer lies after the year 9998")
    return EPOCH + timedelta(microseconds=us)


def _naive_us(ordinal: int) -> int:
    """A date's midnight read as UTC."""
    return (ordinal - EPOCH_ORDINAL) * DAY


def _utc_year(us: int) -> int:
    return date.fromordinal(min(MAX_ORDINAL, max(1, us // DAY + EPOCH_ORDINAL))).year


# --- the plan: a calendar compiled for lookups -------------------------------------------


# An exception as it competes on its date: (rank, hours). A holiday ranks -1 with no hours,
# a time change by its place in the exception list; the lowest rank wins.
_Rank = tuple[int, tuple[int, int] | None]


class _Stretch(NamedTuple):
    """What holds from an instant t on, up to ``end``: working time is found by converting
    local times with ``offset`` (constant there), or by the zone when it is None (near a
    DST transition). ``plain``: no exception matters before ``end``.
    """

    end: int
    offset: int | None
    plain: bool


class _Year(NamedTuple):
    """A UTC year's working time, in microseconds after its 1 January 00:00 UTC: the
    merged intervals in order (``starts``, ``ends``, clipped to the year), the work done
    by the end of each (``done``, running sums) and the year's whole work."""

    starts: array[int]
    ends: array[int]
    done: array[int]
    total: int


class _Plan:
    """Lookup tables for one CalendarSpec, built once when the spec is made."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.tz = spec.tz
        offset = spec.tz.utcoffset(None) if isinstance(spec.tz, timezone) else None
        self.fixed_offset = None if offset is None else offset // timedelta(microseconds=1)
        span = (spec.week_ends - spec.week_starts) % 7
        # The GRS week day of a date is ordinal % 7 + 1 (ordinal 1 is a Monday).
        self.workday = tuple((r + 1 - spec.week_starts) % 7 <= span for r in range(7))
        self.hours = _hours(
            spec.day_starts_hour, spec.day_starts_min, spec.day_ends_hour, spec.day_ends_min
        )

        # Per key, the winning exception as (rank, hours): a holiday ranks before any time
        # change, time changes rank by their place in the list.
        self.fixed: dict[int, _Rank] = {}
        self.annual: dict[tuple[int, int], _Rank] = {}
        self.relative: dict[tuple[int, int, int], _Rank] = {}
        for index, ex in enumerate(spec.exceptions):
            rank = (-1, None) if ex.type is ExceptionType.HOLIDAY else (index, ex.hours)
            if ex.placement is Placement.FIXED:
                table, key = self.fixed, ex.fixed_date.toordinal()
            elif ex.placement is Placement.ANNUAL:
                table, key = self.annual, (ex.annual_month, ex.annual_day)
            else:
                table = self.relative
                key = (ex.relative_month, ex.relative_day_of_week, _NTH[ex.relative_type])
            if key not in table or rank[0] < table[key][0]:
                table[key] = rank
        self.fixed_ordinals = sorted(self.fixed)
        self.last_fixed = self.fixed_ordinals[-1] if self.fixed_ordinals else 0
        self._recurring_by_year: dict[int, tuple[dict[int, _Rank], list[int]]] = {}
        self._tz_intervals: dict[int, tuple[int, int]] = {}
        self._years: dict[int, _Year] = {}
        self._years_by_kind: dict[tuple, _Year] = {}
        self._rule_kinds: dict[tuple, tuple] = {}
        self._cycle: int | None = None
        self._totals: dict[int, int] = {}
        self._changes: dict[tuple, int] = {}
        self._zones_by_year: dict[int, tuple[int, list[tuple[int, int, int]]]] = {}
        self._only_fixed_hours: bool | None = None
        self._fixed_hours_years: list[int] | None = None
        self._lock = threading.Lock()
        self._sums: list[int] = [0]
        self._sums_base: int | None = None
        self._this_year: tuple[int, int, dict[int, _Rank]] = (0, 0, {})
        # From this year on the zone follows its final rule: transitions repeat with the
        # kind of year (see _transitions).
        self.footer_year = 0 if self.fixed_offset is not None else _footer_year(self.tz)

    # -- one date ---------------------------------------------------------------------------

    def day_hours(self, ordinal: int) -> tuple[int, int] | None:
        """The hours of a local date (minutes after its midnight), or None."""
        best = self.fixed.get(ordinal)
        if self.annual or self.relative:
            low, high, winners = self._this_year
            if not low <= ordinal < high:
                year = date.fromordinal(ordinal).year
                low, high = _jan1(year), _jan1(year + 1) if year < MAX_YEAR else MAX_ORDINAL + 1
                winners = self._recurring(year)[0]
                self._this_year = low, high, winners
            recurring = winners.get(ordinal)
            if recurring is not None and (best is None or recurring[0] < best[0]):
                best = recurring
        if best is not None:
            return best[1]
        return self.hours if self.workday[ordinal % 7] else None

    def offset_at(self, t: int) -> int:
        """The zone's UTC offset at an instant, in microseconds."""
        if self.fixed_offset is not None:
            return self.fixed_offset
        return _offset_us(self.tz, t)

    def tz_interval(self, ordinal: int, hours: tuple[int, int]) -> tuple[int, int]:
        """A date's interval converted by the zone (fold=0), cached: walks restart often."""
        found = self._tz_intervals.get(ordinal)
        if found is None:
            if len(self._tz_intervals) > 4096:
                self._tz_intervals.clear()
            found = self._tz_intervals[ordinal] = (
                self._tz_to_us(ordinal, hours[0]),
                self._tz_to_us(ordinal, hours[1]),
            )
        return found

    def _tz_to_us(self, ordinal: int, minutes: int) -> int:
        """A local date and time (fold=0) as UTC microseconds; minutes may pass 1440."""
        ordinal += minutes // 1440
        minutes %= 1440
        d = date.fromordinal(ordinal)
        local = datetime(d.year, d.month, d.day, minutes // 60, minutes % 60, tzinfo=self.tz)
        offset = local.utcoffset() // timedelta(microseconds=1)
        return _naive_us(ordinal) + minutes * MINUTE - offset

    # -- walking ----------------------------------------------------------------------------

    def walk(self, t: int, until: int) -> Iterator[tuple[int, int]]:
        """Working time within [t, until) as intervals in order, stretch by stretch."""
        while t < until:
            stretch = self.stretch(t, until)
            yield from self.intervals(t, stretch)
            t = stretch.end

    def intervals(self, t: int, stretch: _Stretch) -> Iterator[tuple[int, int]]:
        """Working time within [t, stretch.end) as merged intervals in order, clipped to it."""
        until, offset, plain = stretch.end, stretch.offset, stretch.plain
        workday, plain_hours = self.workday, self.hours
        if offset is None:
            offset = self.fixed_offset
        if offset is not None:
            yield from self._constant_intervals(t, until, offset, plain)
            return
        if offset is None:
            # A date's interval ends before its date + 2 days + 16 h (+ a DST gap): dates
            # four days before t cannot reach it. Later dates start 16 h before their date.
            ordinal, lead = t // DAY + EPOCH_ORDINAL - 4, MAX_OFFSET
        else:
            ordinal, lead = (t + offset) // DAY + EPOCH_ORDINAL - 1, offset
        pending: list[tuple[int, int]] = []  # a heap: around DST, starts come out of order
        run_start = run_end = None
        while True:
            # Intervals of later dates start at or after this bound.
            bound = _naive_us(ordinal + 1) - lead
            if plain:
                hours = plain_hours if workday[ordinal % 7] else None
            else:
                hours = self.day_hours(ordinal)
            if hours is not None:
                if offset is None:
                    s, e = self.tz_interval(ordinal, hours)
                else:
                    s = _naive_us(ordinal) + hours[0] * MINUTE - offset
                    e = _naive_us(ordinal) + hours[1] * MINUTE - offset
                # A start pushed forward by a DST gap can pass the end: no time left.
                if e > s and e > t and s < until:
                    heapq.heappush(pending, (s, e))
            while pending and pending[0][0] < bound:
                s, e = heapq.heappop(pending)
                if run_end is not None and s <= run_end:
                    run_end = max(run_end, e)
                    continue
                if run_end is not None:
                    yield max(run_start, t), min(run_end, until)
                run_start, run_end = s, e
            if run_end is not None and run_end < bound:
                yield max(run_start, t), min(run_end, until)
                run_start = run_end = None
            if bound >= until:
                if run_end is not None:
                    yield max(run_start, t), min(run_end, until)
                return
            ordinal += 1

    def _constant_intervals(
        self, t: int, until: int, offset: int, plain: bool
    ) -> Iterator[tuple[int, int]]:
        """``intervals`` where the offset is constant: dates' intervals start in date order,
        so they merge as they come."""
        workday, plain_hours, day_hours = self.workday, self.hours, self.day_hours
        # The day before t's local date may run past midnight into it; none before that.
        ordinal = (t + offset) // DAY + EPOCH_ORDINAL - 1
        base = _naive_us(ordinal) - offset
        run_start = run_end = None
        while base < until:  # later dates start after until
            if not plain:
                hours = day_hours(ordinal)
            elif workday[ordinal % 7]:
                hours = plain_hours
            else:
                hours = None
            if hours is not None:
                s, e = base + hours[0] * MINUTE, base + hours[1] * MINUTE
                if e > t and s < until:
                    if run_end is not None and s <= run_end:
                        run_end = max(run_end, e)
                    else:
                        if run_end is not None:
                            yield max(run_start, t), min(run_end, until)
                        run_start, run_end = s, e
            ordinal += 1
            base += DAY
        if run_end is not None:
            yield max(run_start, t), min(run_end, until)

    # -- years ------------------------------------------------------------------------------

    def year(self, year: int) -> _Year:
        """A UTC year's working time (``_Year``). Built once per kind of year
        (``_year_kind``), else once per year."""
        found = self._years.get(year)
        if found is None:
            kind = self._year_kind(year)
            if kind is None:
                found = self._build_year(year)
            else:
                found = self._years_by_kind.get(kind)
                if found is None:
                    found = self._years_by_kind[kind] = self._build_year(year)
            self._years[year] = found
        return found

    def year_total(self, year: int) -> int:
        """A UTC year's whole work, without its table when a FIXED exception falls near:
        its kind's work without FIXED exceptions, plus what each cluster of them changes
        (``_fixed_change``). What the years between a span's ends need, at a cost of the
        FIXED dates near, not of the year's dates."""
        found = self._years.get(year)
        if found is not None:
            return found.total
        total = self._totals.get(year)
        if total is None:
            near = self._fixed_near(year)
            if not near:
                return self.year(year).total
            clusters = [[near[0], near[0]]]
            for ordinal in near[1:]:
                if ordinal - clusters[-1][1] > FIXED_CLUSTER_GAP:
                    clusters.append([ordinal, ordinal])
                else:
                    clusters[-1][1] = ordinal
            if len(clusters) > MAX_FIXED_CHANGES:
                return self.year(year).total  # one pass over the year costs less
            base = self._base_year(year)
            total = base.total
            if total or any(self.fixed[ordinal][1] is not None for ordinal in near):
                # (A holiday only removes work: none to remove, none after.)
                for a, b in clusters:
                    total += self._fixed_change(year, base, a, b)
            self._totals[year] = total
        return total

    def _fixed_near(self, year: int) -> list[int]:
        """The FIXED exception dates whose intervals may reach the UTC year (give or take a
        few days): those that make its table its own."""
        ordinals = self.fixed_ordinals
        first, last = _jan1(year) - 8, _jan1(year + 1) + 8
        return ordinals[bisect_left(ordinals, first) : bisect_right(ordinals, last)]

    def _base_year(self, year: int) -> _Year:
        """The year's table without its FIXED exceptions: that of its kind."""
        kind = self._base_kind(year)
        found = self._years_by_kind.get(kind)
        if found is None:
            found = self._years_by_kind[kind] = self._build_year(year, fixed=False)
        return found

    def _fixed_change(self, year: int, base: _Year, a: int, b: int) -> int:
        """What the FIXED exceptions on the dates a .. b (no other within a few days) change
        in the UTC year's work, ``base`` its table without them. Only their own intervals
        differ, and those lie within [a - 16 h, b + 2 days + 16 h) (midnights read as UTC):
        the work there with them, from every date whose interval may reach it (a - 3 ..
        b + 3) converted as a table's, less the work there in ``base``."""
        start = _year_us(year)
        lo = max(start, _naive_us(a) - MAX_OFFSET)
        hi = min(_year_us(year + 1), _naive_us(b) + 2 * DAY + MAX_OFFSET)
        if lo >= hi:
            return 0
        first, last = max(1, a - 3), min(b + 3, MAX_ORDINAL - 1)
        recurring = self._exception_days(first, last, False)
        without = self._date_hours(first, last, False, recurring)
        # The FIXED exceptions where they win (see ``_exception_days``).
        with_fixed = list(without)
        ordinals = self.fixed_ordinals
        for ordinal in ordinals[bisect_left(ordinals, first) : bisect_right(ordinals, last)]:
            rank, other = self.fixed[ordinal], recurring.get(ordinal)
            if other is None or not other[0] < rank[0]:
                with_fixed[ordinal - first] = rank[1]
        if with_fixed == without:  # (a holiday on a day off, a time change to the same hours)
            return 0
        zone = self._zone_around(year, first, last)
        # The same hours, offsets and transitions placed alike from the first date change
        # the work alike: computed once (a FIXED date every year meets a few such shapes).
        origin = _naive_us(first)
        offset, moments = zone
        key = (
            lo - origin,
            hi - origin,
            offset,
            tuple((moment - origin, margin, after) for moment, margin, after in moments),
            tuple(with_fixed),
            tuple(without),
        )
        change = self._changes.get(key)
        if change is None:
            change = _union_work(
                self._date_intervals(first, with_fixed, lo, hi, True, zone), lo, hi
            ) - (_work_to(base, hi - start) - _work_to(base, lo - start))
            self._changes[key] = change
        return change

    def only_fixed_hours(self) -> bool:
        """Whether no date has hours but from a FIXED time change: the weekly pattern and the
        ANNUAL and RELATIVE exceptions give none, in any year."""
        if self._only_fixed_hours is None:
            none = True
            # Each (leap year, week day of 1 January) once: the ANNUAL and RELATIVE dates of
            # a year, and its week days, depend on nothing else.
            for year in range(2001, 2029):
                winners, dates = self._recurring(year)
                if any(rank[1] is not None for rank in winners.values()):
                    none = False
                    break
                first = _jan1(year)
                length = _jan1(year + 1) - first
                workdays = (length // 7) * sum(self.workday) + sum(
                    self.workday[(first + r) % 7] for r in range(length % 7)
                )
                if workdays > sum(1 for ordinal in dates if self.workday[ordinal % 7]):
                    none = False
                    break
            self._only_fixed_hours = none
        return self._only_fixed_hours

    def next_fixed_hours_year(self, year: int) -> int:
        """The first UTC year from ``year`` on that a FIXED time change's interval may reach
        (whether its date keeps those hours or not), or MAX_YEAR."""
        if self._fixed_hours_years is None:
            years = set()
            for ordinal in self.fixed_ordinals:
                if self.fixed[ordinal][1] is not None:
                    low = _utc_year(_naive_us(ordinal) - MAX_OFFSET)
                    high = _utc_year(_naive_us(ordinal) + 2 * DAY + MAX_OFFSET)
                    years.update(range(low, high + 1))
            self._fixed_hours_years = sorted(years)
        years = self._fixed_hours_years
        i = bisect_left(years, year)
        return years[i] if i < len(years) else MAX_YEAR

    def work_before(self, t: int) -> tuple[int, int]:
        """(t's UTC year, the working microseconds from its 1 January 00:00 UTC to t)."""
        year = _utc_year(t)
        return year, _work_to(self.year(year), t - _year_us(year))

    def years_reaching(self, year: int, ahead: int, remaining: int) -> tuple[int, int] | None:
        """(the year in which ``remaining`` working microseconds from 1 January of ``year``
        run out, the work left at its start), if within ``ahead`` years; by the running
        sums of the years' work (kept per spec, extended as asked)."""
        with self._lock:  # a cached spec may serve threads: sums and base change together
            self._cover(year + ahead)
            self._cover(year)
            sums, base = self._sums, self._sums_base
            target = sums[year - base] + remaining
            if sums[year + ahead - base] < target:
                return None
            i = bisect_left(sums, target, lo=year - base)
            return base + i - 1, target - sums[i - 1]

    def _cover(self, year: int) -> None:
        """Extends the running sums to ``year``."""
        sums, base = self._sums, self._sums_base
        if base is None:
            base = self._sums_base = year
        if year < base:
            before = [0]
            for y in range(year, base):
                before.append(before[-1] + self.year_total(y))
            sums = self._sums = before[:-1] + [before[-1] + work for work in sums]
            base = self._sums_base = year
        while base + len(sums) - 1 < year:
            sums.append(sums[-1] + self.year_total(base + len(sums) - 1))

    def years_work(self, first: int, last: int) -> int:
        """Working microseconds in the years first .. last - 1, whole."""
        if last - first <= 800:
            with self._lock:
                self._cover(last)
                self._cover(first)
                return self._sums[last - self._sums_base] - self._sums[first - self._sums_base]
        total, year = 0, first
        while year < last:
            cycle = self.cycle_work(year) if year + 400 <= last else None
            if cycle is not None:
                cycles = (last - year) // 400
                total, year = total + cycles * cycle, year + 400 * cycles
                continue
            total, year = total + self.year_total(year), year + 1
        return total

    def cycle_work(self, year: int) -> int | None:
        """The work of the 400 years from ``year`` when every one of them, and any 400 after,
        is of a kind (see ``_year_kind``) that repeats every Gregorian cycle: no FIXED
        exception near, the zone on its final rule. Else None."""
        if (
            year < self.footer_year
            or _jan1(year) - 8 <= self.last_fixed
            or year + 400 >= MAX_YEAR  # (its years would pass the last one: 9998)
        ):
            return None
        if self._cycle is None:
            self._cycle = sum(self.year(y).total for y in range(year, year + 400))
        return self._cycle

    def _year_kind(self, year: int) -> tuple | None:
        """What a year's table depends on, when years of one kind share a table: the leap
        years and week days around it and the zone's offsets through it (each transition
        relative to 1 January UTC). None when a FIXED exception falls near: such a year's
        table is its own.

        A year's work comes from the local dates 4 days before 1 January to 2 days into
        the next year, placed by the zone's offsets over that span (give or take a day)."""
        if self._fixed_near(year):
            return None
        return self._base_kind(year)

    def _base_kind(self, year: int) -> tuple:
        """``_year_kind`` leaving FIXED exceptions out: what the year's table without them
        depends on."""
        first = _jan1(year)
        if self.fixed_offset is not None:
            return calendar.isleap(year - 1), calendar.isleap(year), first % 7
        if year - 1 >= self.footer_year:
            # On the final rule the transitions of this year and the two around it are
            # those of model years moved (see _transitions), chosen by the leap years and
            # the week day of 1 January: years of one shape are of one kind, found once.
            shape = (*(calendar.isleap(y) for y in range(year - 2, year + 3)), first % 7)
            kind = self._rule_kinds.get(shape)
            if kind is None:
                kind = self._rule_kinds[shape] = self._offsets_kind(year)
            return kind
        return self._offsets_kind(year)

    def _offsets_kind(self, year: int) -> tuple:
        """``_year_kind`` in a zone with transitions, read from them."""
        first, last = _jan1(year), _jan1(year + 1)
        start, end = _year_us(year) - 6 * DAY, _year_us(year) + (last - first + 6) * DAY
        offsets = [self.offset_at(start)]
        for y in (year - 1, year, year + 1):
            for moment, _margin, after in _transition_offsets(self.tz, y):
                if start < moment <= end:
                    offsets.append((moment - start, after))
        return calendar.isleap(year - 1), calendar.isleap(year), first % 7, tuple(offsets)

    def _build_year(self, year: int, fixed: bool = True) -> _Year:
        """One pass over the local dates whose intervals may reach the year: their hours
        from the weekly pattern, patched on exception dates (FIXED ones left out when not
        ``fixed``); each interval converted with the offset of its stretch, or by the zone
        on the few dates near a transition; then sorted, merged and clipped to the year."""
        base, end = _year_us(year), _year_us(year + 1)
        # A date's interval lies within [its midnight - 16 h, + 2 days + 16 h (+ a gap)).
        first, last = _jan1(year) - 4, min(_jan1(year + 1) + 1, MAX_ORDINAL - 1)
        found = self._date_intervals(first, self._date_hours(first, last, fixed), base, end, fixed)

        starts: list[int] = []
        ends: list[int] = []
        done: list[int] = []
        total = 0
        for s, e in found:
            s = 0 if s < base else s - base
            e = end - base if e > end else e - base
            if ends and s <= ends[-1]:  # overlapping or touching: one interval
                if e > ends[-1]:
                    total += e - ends[-1]
                    ends[-1], done[-1] = e, total
            else:
                total += e - s
                starts.append(s)
                ends.append(e)
                done.append(total)
        # Packed, a fifth of the memory of lists of ints: a spec keeps some 30 years' tables.
        return _Year(array("q", starts), array("q", ends), array("q", done), total)

    def _date_hours(
        self, first: int, last: int, fixed: bool, exceptions: dict[int, _Rank] | None = None
    ) -> list[tuple[int, int] | None]:
        """The hours of the local dates first .. last: the weekly pattern patched on
        exception dates (FIXED ones left out when not ``fixed``; ``exceptions``: what
        ``_exception_days`` gives for that, if known)."""
        count = last + 1 - first
        week = [self.hours if self.workday[(first + r) % 7] else None for r in range(7)]
        hours = (week * (count // 7 + 1))[:count]
        if exceptions is None:
            exceptions = self._exception_days(first, last, fixed)
        for ordinal, rank in exceptions.items():
            hours[ordinal - first] = rank[1]
        return hours

    def _zone_around(
        self, year: int, first: int, last: int
    ) -> tuple[int, list[tuple[int, int, int]]]:
        """``_zone_near`` for dates within 12 days of the UTC year, from the transitions of
        the years around it, found once per year."""
        around = self._zones_by_year.get(year)
        if around is None:
            start = _year_us(max(1, year - 1))
            moments = []
            if self.fixed_offset is None:
                for y in range(max(1, year - 2), year + 2):
                    for moment, margin, after in _transition_offsets(self.tz, y):
                        if moment > start:
                            moments.append((moment, margin, after))
            around = self._zones_by_year[year] = (self.offset_at(start), moments)
        offset, moments = around
        since, until = _naive_us(first) - 2 * DAY, _naive_us(last) + 3 * DAY
        i = bisect_right(moments, (since, MAX_US))  # the first transition after since
        if i:
            offset = moments[i - 1][2]
        j = bisect_right(moments, (until, MAX_US), lo=i)
        return offset, moments[i:j]

    def _zone_near(self, first: int, last: int) -> tuple[int, list[tuple[int, int, int]]]:
        """What converting the local dates first .. last takes: the zone's offset two days
        before the first, and each transition until three days after the last as (instant,
        margin (see ``_transitions``), offset after)."""
        since = _naive_us(first) - 2 * DAY
        found = []
        if self.fixed_offset is None:
            until = _naive_us(last) + 3 * DAY
            for y in range(max(1, _utc_year(since) - 1), _utc_year(until) + 1):
                for moment, margin, after in _transition_offsets(self.tz, y):
                    if since < moment <= until:
                        found.append((moment, margin, after))
        return self.offset_at(since), found

    def _date_intervals(
        self,
        first: int,
        hours: list[tuple[int, int] | None],
        lo: int,
        hi: int,
        real: bool,
        zone: tuple[int, list[tuple[int, int, int]]] | None = None,
    ) -> list[tuple[int, int]]:
        """The intervals of the local dates from ``first`` on with these hours that reach
        [lo, hi), in order of their starts: converted with the zone's offset by stretch, or
        by the zone on the dates near a transition (through ``tz_interval``'s cache only
        when the hours are the dates' ``real`` ones). ``zone``: ``_zone_near``'s, if known."""
        offset, found_moments = zone or self._zone_near(first, first + len(hours) - 1)
        if not found_moments:  # one offset throughout: intervals in date order
            found: list[tuple[int, int]] = []
            midnight = _naive_us(first) - offset
            for day in hours:
                if day is not None:
                    s, e = midnight + day[0] * MINUTE, midnight + day[1] * MINUTE
                    if e > s and e > lo and s < hi:
                        found.append((s, e))
                midnight += DAY
            return found
        # The zone's offset by stretch, and the dates near a transition: those whose local
        # times might convert across it.
        near: set[int] = set()
        moments: list[int] = []
        offsets: list[int] = []
        for moment, margin, after in found_moments:
            moments.append(moment)
            offsets.append(after)
            low = (moment - margin - 3 * DAY) // DAY + EPOCH_ORDINAL
            high = (moment + margin + DAY) // DAY + EPOCH_ORDINAL
            near.update(range(low, high + 1))
        moments.append(MAX_US + 4 * DAY)  # none after

        found: list[tuple[int, int]] = []
        k, midnight = 0, _naive_us(first)
        for ordinal, day in enumerate(hours, first):
            while moments[k] <= midnight:
                offset, k = offsets[k], k + 1
            if day is not None:
                if ordinal not in near:
                    s = midnight + day[0] * MINUTE - offset
                    e = midnight + day[1] * MINUTE - offset
                elif real:
                    s, e = self.tz_interval(ordinal, day)
                else:
                    s, e = self._tz_to_us(ordinal, day[0]), self._tz_to_us(ordinal, day[1])
                # A start pushed forward by a DST gap can pass the end: no time left.
                if e > s and e > lo and s < hi:
                    found.append((s, e))
            midnight += DAY
        if near:
            found.sort()  # around a transition, starts may come out of order
        return found

    def _exception_days(self, first: int, last: int, fixed: bool = True) -> dict[int, _Rank]:
        """The winning exception on each date in [first, last] that has one, by ordinal:
        what ``day_hours`` decides, for many dates at once (FIXED exceptions left out when
        not ``fixed``)."""
        ordinals = self.fixed_ordinals if fixed else []
        found = {
            ordinal: self.fixed[ordinal]
            for ordinal in ordinals[bisect_left(ordinals, first) : bisect_right(ordinals, last)]
        }
        if self.annual or self.relative:
            for y in range(date.fromordinal(first).year, date.fromordinal(last).year + 1):
                winners, dates = self._recurring(y)
                for ordinal in dates[bisect_left(dates, first) : bisect_right(dates, last)]:
                    rank = winners[ordinal]
                    if ordinal not in found or rank[0] < found[ordinal][0]:
                        found[ordinal] = rank
        return found

    # -- where the weekly pattern breaks ------------------------------------------------------

    def stretch(self, t: int, cap: int) -> _Stretch:
        """How to find the working time after t, up to a stretch end <= cap."""
        zone_start, zone_end = self._transition_zone(t, cap)
        if zone_start <= t:
            return _Stretch(min(zone_end, cap), None, False)
        offset = self.offset_at(t)
        if self.fixed or self.annual or self.relative:
            # The first exception date whose stretch ends after t and starts before the
            # transition's.
            low = (t - EXCEPTION_AFTER) // DAY + EPOCH_ORDINAL + 1
            high = min(MAX_ORDINAL, (zone_start + EXCEPTION_BEFORE) // DAY + EPOCH_ORDINAL + 1)
            ordinal = self._next_exception_date(low, high)
            if ordinal is not None:
                start = _naive_us(ordinal) - EXCEPTION_BEFORE
                if start < zone_start:
                    # Jump to the exception's stretch, then walk through it.
                    end = min(zone_start, _naive_us(ordinal) + EXCEPTION_AFTER)
                    return _Stretch(end, offset, False)
        return _Stretch(zone_start, offset, True)

    def _transition_zone(self, t: int, cap: int) -> tuple[int, int]:
        """The first stretch [start, end) around a DST transition with end > t, or
        (cap, cap) if none starts before cap."""
        if self.fixed_offset is None:
            year = _utc_year(t - MAX_TRANSITION_MARGIN)
            last_year = _utc_year(cap + MAX_TRANSITION_MARGIN)
            while year <= last_year:
                for moment, margin in _transitions(self.tz, year):
                    if moment + margin > t:
                        return (
                            (moment - margin, moment + margin)
                            if moment - margin < cap
                            else (cap, cap)
                        )
                year += 1
        return cap, cap

    def _next_exception_date(self, low: int, high: int) -> int | None:
        """The first ordinal in [low, high] on which some exception falls."""
        i = bisect_left(self.fixed_ordinals, low)
        if i < len(self.fixed_ordinals) and self.fixed_ordinals[i] <= high:
            high = self.fixed_ordinals[i]
            best = high
        else:
            best = None
        if self.annual or self.relative:
            low = max(low, 1)
            for year in range(date.fromordinal(low).year, date.fromordinal(high).year + 1):
                dates = self._recurring(year)[1]
                j = bisect_left(dates, low)
                if j < len(dates):
                    return dates[j] if dates[j] <= high else best
        return best

    def _recurring(self, year: int) -> tuple[dict[int, _Rank], list[int]]:
        """The year's ANNUAL and RELATIVE exceptions: the winner on each date, by ordinal,
        and those ordinals sorted."""
        found = self._recurring_by_year.get(year)
        if found is None:
            winners: dict[int, _Rank] = {}
            on_dates = []
            # Each month's first ordinal and length, once for the year's exceptions.
            lengths = [calendar.monthrange(year, month)[1] for month in range(1, 13)]
            firsts = [_jan1(year)]
            for length in lengths[:-1]:
                firsts.append(firsts[-1] + length)
            for (month, day), rank in self.annual.items():
                if day <= lengths[month - 1]:
                    on_dates.append((firsts[month - 1] + day - 1, rank))
            for (month, week_day, nth), rank in self.relative.items():
                days_in_month = lengths[month - 1]
                first = firsts[month - 1]
                day = 1 + (week_day - (first % 7 + 1)) % 7 + 7 * (nth - 1)
                if nth == 5:
                    last = first + days_in_month - 1
                    day = days_in_month - ((last % 7 + 1) - week_day) % 7
                on_dates.append((first + day - 1, rank))
            for ordinal, rank in on_dates:
                if ordinal not in winners or rank[0] < winners[ordinal][0]:
                    winners[ordinal] = rank
            found = self._recurring_by_year[year] = (winners, sorted(winners))
        return found


def _work_to(found: _Year, at: int) -> int:
    """The work in a year's table before ``at`` (microseconds after its start)."""
    i = bisect_right(found.starts, at) - 1  # the last interval starting at or before at
    if i < 0:
        return 0
    return found.done[i] - max(0, found.ends[i] - at)


def _union_work(found: list[tuple[int, int]], lo: int, hi: int) -> int:
    """The length of the union of intervals (in order of their starts) within [lo, hi)."""
    total, reached = 0, lo
    for s, e in found:
        s, e = max(s, reached), min(e, hi)
        if e > s:
            total, reached = total + e - s, e
    return total


@lru_cache(maxsize=4096)
def _transitions(tz: tzinfo, year: int) -> tuple[tuple[int, int], ...]:
    """(instant, margin) in UTC microseconds for each change of ``tz``'s offset in (Jan 1
    of ``year``, Jan 1 of the next] UTC; the margin is the change plus TRANSITION_SLACK.

    Before the zone's final rule, from its TZif data's explicit transitions (or probes of
    the offset once a day, bisected to the second, for a zone read from elsewhere). On the
    final rule (a POSIX TZ string: "the second Sunday of March at 02:00"), a year's changes
    fall where those of any year of the same kind (leap years and the week day of 1 January
    around it) do: they are probed once per kind, a week apart (no such rule keeps DST for
    less than a week), and moved."""
    if isinstance(tz, timezone):
        return ()
    footer = _footer_year(tz)
    if year >= footer:
        model = _model_year(footer, _kind_of_year(year))
        if model != year:
            shift = _year_us(year) - _year_us(model)
            return tuple((moment + shift, margin) for moment, margin in _transitions(tz, model))
        return _probe_transitions(tz, year, 7 * 86_400)
    explicit = _explicit_transitions(tz)
    if not explicit or year >= _utc_year(explicit[-1] * 1_000_000):
        return _probe_transitions(tz, year, 86_400)
    first, last = _year_us(year) // 1_000_000, _year_us(year + 1) // 1_000_000
    found = []
    for second in explicit[bisect_right(explicit, first) : bisect_right(explicit, last)]:
        change = _offset_at_second(tz, second) - _offset_at_second(tz, second - 1)
        if change:
            found.append((second * 1_000_000, abs(change) * 1_000_000 + TRANSITION_SLACK))
    return tuple(found)


@lru_cache(maxsize=4096)
def _transition_offsets(tz: tzinfo, year: int) -> tuple[tuple[int, int, int], ...]:
    """``_transitions`` with the offset each change leads to (UTC microseconds), found
    once per zone and year for the process, as the changes are: a calendar's first
    question reads them for every year it crosses."""
    return tuple(
        (moment, margin, _offset_us(tz, moment)) for moment, margin in _transitions(tz, year)
    )


def _offset_us(tz: tzinfo, t: int) -> int:
    local = (EPOCH + timedelta(microseconds=t)).astimezone(tz)
    return local.utcoffset() // timedelta(microseconds=1)


@lru_cache(maxsize=1024)
def _model_year(footer: int, kind: tuple[bool, bool, bool, int]) -> int:
    return next(y for y in range(footer, footer + 400) if _kind_of_year(y) == kind)


def _kind_of_year(year: int) -> tuple[bool, bool, bool, int]:
    return (
        calendar.isleap(year - 1),
        calendar.isleap(year),
        calendar.isleap(year + 1),
        _jan1(year) % 7,
    )


def _jan1(year: int) -> int:
    return date(year, 1, 1).toordinal()


def _explicit_transitions(tz: tzinfo) -> tuple[int, ...] | None:
    """The zone's explicit transitions (UTC seconds) when its TZif data is known."""
    if type(tz) is not JavaZone:
        return None
    return transition_seconds(tz.key)


@lru_cache(maxsize=1024)
def _footer_year(tz: tzinfo) -> int:
    """The first UTC year whose transitions, and the previous year's, all come from the
    zone's final rule: after its last explicit transition, or from 2100 when unknown."""
    explicit = _explicit_transitions(tz)
    if explicit is None:
        return 2100
    if not explicit:
        return 3
    return max(3, _utc_year(explicit[-1] * 1_000_000) + 2)


def _offset_at_second(tz: tzinfo, second: int) -> int:
    """The zone's UTC offset in seconds at an instant, or 0 at the ends of datetime's range."""
    try:
        offset = (EPOCH + timedelta(seconds=second)).astimezone(tz).utcoffset()
    except (OverflowError, ValueError):
        return 0
    return offset // timedelta(seconds=1)


def _probe_transitions(tz: tzinfo, year: int, step: int) -> tuple[tuple[int, int], ...]:
    """Changes of the offset in the year (as ``_transitions``), found by probing every
    ``step`` seconds and bisecting to the second."""
    first = (date(year, 1, 1).toordinal() - EPOCH_ORDINAL) * 86_400
    last = first + (366 if calendar.isleap(year) else 365) * 86_400
    last = min(last, (MAX_ORDINAL - 1 - EPOCH_ORDINAL) * 86_400)

    def offset(second: int) -> timedelta | None:
        try:
            return (EPOCH + timedelta(seconds=second)).astimezone(tz).utcoffset()
        except (OverflowError, ValueError):
            return None  # at the ends of datetime's range

    found = []
    here, here_offset = first, offset(first)
    while here < last:
        there = min(here + step, last)
        there_offset = offset(there)
        if there_offset != here_offset and None not in (here_offset, there_offset):
            low, high = here, there  # offset(low) == here_offset != offset(high)
            while high - low > 1:
                middle = (low + high) // 2
                if offset(middle) == here_offset:
                    low = middle
                else:
                    high = middle
            change = abs(offset(high) - here_offset) // timedelta(microseconds=1)
            found.append((high * 1_000_000, change + TRANSITION_SLACK))
            # Probe on from the change, so a second change within the step is seen.
            here, here_offset = high, offset(high)
            continue
        here, here_offset = there, there_offset
    return tuple(found)
