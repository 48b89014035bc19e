"""A plain reference for business time, written from the rules and nothing else.

It shares no code with calendars/engine/business_time.py: each local date's interval is built
straight from the definition (datetime.combine with fold=0, then astimezone), and answers
come from one flag per UTC minute (``MinuteGrid``) or from a sorted, merged interval list.
"""

from bisect import bisect_left
from datetime import UTC, date, datetime, time, timedelta

RELATIVE_ORDER = ["FIRST", "SECOND", "THIRD", "FOURTH"]


def grs_week_day(d: date) -> int:
    """1 = Sunday ... 7 = Saturday."""
    return d.isoweekday() % 7 + 1


def week_days(starts: int, ends: int) -> list[int]:
    days = [starts]
    while days[-1] != ends:
        days.append(days[-1] % 7 + 1)
    return days


def falls_on(ex, d: date) -> bool:
    if ex.placement == "FIXED":
        return ex.fixed_date == d
    if ex.placement == "ANNUAL":
        return (d.month, d.day) == (ex.annual_month, ex.annual_day)
    if d.month != ex.relative_month or grs_week_day(d) != ex.relative_day_of_week:
        return False
    if ex.relative_type == "LAST":
        return (d + timedelta(days=7)).month != d.month
    return (d.day - 1) // 7 == RELATIVE_ORDER.index(ex.relative_type)


def hours_of(spec, d: date) -> tuple[time, time] | None:
    on_day = [ex for ex in spec.exceptions if falls_on(ex, d)]
    if any(ex.type == "HOLIDAY" for ex in on_day):
        return None
    for ex in on_day:  # the first time change in list order
        return (
            time(ex.time_change_start_hour, ex.time_change_start_min),
            time(ex.time_change_stop_hour, ex.time_change_stop_min),
        )
    if grs_week_day(d) in week_days(spec.week_starts, spec.week_ends):
        return (
            time(spec.day_starts_hour, spec.day_starts_min),
            time(spec.day_ends_hour, spec.day_ends_min),
        )
    return None


def interval(spec, d: date) -> tuple[datetime, datetime] | None:
    """The working interval that starts on local date d, in UTC."""
    hours = hours_of(spec, d)
    if hours is None:
        return None
    start, end = hours
    end_day = d if end > start else d + timedelta(days=1)
    s = datetime.combine(d, start, tzinfo=spec.tz).astimezone(UTC)
    e = datetime.combine(end_day, end, tzinfo=spec.tz).astimezone(UTC)
    return (s, e) if e > s else None


def merged_intervals(spec, first: date, last: date) -> list[tuple[datetime, datetime]]:
    """The intervals of local dates first..last, sorted and merged."""
    found = []
    d = first
    while d <= last:
        if (iv := interval(spec, d)) is not None:
            found.append(iv)
        d += timedelta(days=1)
    found.sort()
    merged: list[list[datetime]] = []
    for s, e in found:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return [(s, e) for s, e in merged]


def interval_duration(spec, start: datetime, end: datetime) -> timedelta:
    """Working time in [start, end), summed over merged intervals."""
    total = timedelta(0)
    first = start.astimezone(UTC).date() - timedelta(days=3)
    last = end.astimezone(UTC).date() + timedelta(days=1)
    for s, e in merged_intervals(spec, first, last):
        s, e = max(s, start), min(e, end)
        if e > s:
            total += e - s
    return total


class MinuteGrid:
    """One working flag per UTC minute of [origin, origin + days)."""

    def __init__(self, spec, origin: datetime, days: int) -> None:
        assert origin.second == origin.microsecond == 0
        self.origin = origin.astimezone(UTC)
        self.flags = bytearray(days * 1440)
        d = self.origin.date() - timedelta(days=3)
        while d <= self.origin.date() + timedelta(days=days + 1):
            if (iv := interval(spec, d)) is not None:
                i, j = (max(0, min(len(self.flags), self.index(t))) for t in iv)
                self.flags[i:j] = b"\x01" * (j - i)
            d += timedelta(days=1)
        self.working = [i for i, flag in enumerate(self.flags) if flag]

    def __len__(self) -> int:
        return len(self.flags)

    def index(self, t: datetime) -> int:
        minutes, rest = divmod(t - self.origin, timedelta(minutes=1))
        assert not rest, "intervals of the tested zones fall on whole minutes"
        return minutes

    def at(self, i: int) -> datetime:
        return self.origin + timedelta(minutes=i)

    def is_working(self, i: int) -> bool:
        return bool(self.flags[i])

    def next_working(self, i: int) -> int | None:
        j = self.flags.find(1, i)
        return None if j < 0 else j

    def duration(self, i: int, j: int) -> int:
        return self.flags.count(1, i, j)

    def add(self, i: int, minutes: int) -> int | None:
        if minutes == 0:
            return i
        k = bisect_left(self.working, i) + minutes - 1
        return self.working[k] + 1 if k < len(self.working) else None

    def working_after(self, i: int) -> int:
        return len(self.working) - bisect_left(self.working, i)


def end_of_minutes(intervals, start, minutes):
    """The end of the ``minutes``-th working minute after start, walking the intervals."""
    left, at = timedelta(minutes=minutes), start
    for s, e in intervals:
        s = max(s, start)
        if e > s and left:
            at = s + min(left, e - s)
            left -= min(left, e - s)
    assert not left
    return at
