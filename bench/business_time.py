"""Benchmark of business-time arithmetic: add and duration over a day, a year, ten years.

Run from the repository root: ``.venv/bin/python bench/business_time.py`` (no Django).

Prints the median of repeated runs in microseconds, next to two baselines measured in the
same run so the ratios hold on a noisy machine: one ``is_working`` call, and building one
week of working intervals the plain way (seven local dates, each converted by the zone).
Ten years should cost about what a day does where there is no DST and no exception; with
them, each transition and exception date in the span adds a little.
"""

import statistics
import sys
import timeit
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calendars import business_time as bt
from calendars.timezones import java_zone

REPEAT = 15
WORKDAY_MINUTES = 8 * 60


def holiday(**fields):
    return bt.CalendarException(type="HOLIDAY", **fields)


US_HOLIDAYS = (
    holiday(placement="ANNUAL", annual_month=1, annual_day=1),
    holiday(placement="RELATIVE", relative_type="THIRD", relative_day_of_week=2, relative_month=1),
    holiday(placement="RELATIVE", relative_type="LAST", relative_day_of_week=2, relative_month=5),
    holiday(placement="ANNUAL", annual_month=7, annual_day=4),
    holiday(placement="RELATIVE", relative_type="FIRST", relative_day_of_week=2, relative_month=9),
    holiday(
        placement="RELATIVE", relative_type="FOURTH", relative_day_of_week=5, relative_month=11
    ),
    holiday(placement="ANNUAL", annual_month=12, annual_day=25),
    bt.CalendarException(
        type="TIME_CHANGE",
        placement="ANNUAL",
        annual_month=12,
        annual_day=24,
        time_change_start_hour=9,
        time_change_start_min=0,
        time_change_stop_hour=13,
        time_change_stop_min=0,
    ),
)


def mon_fri(zone: str, exceptions=()) -> bt.CalendarSpec:
    return bt.CalendarSpec(
        week_starts=2,
        week_ends=6,
        day_starts_hour=9,
        day_starts_min=0,
        day_ends_hour=17,
        day_ends_min=0,
        tz=java_zone(zone),
        exceptions=exceptions,
    )


CALENDARS = [
    ("Asia/Kolkata, no DST, no exceptions", mon_fri("Asia/Kolkata")),
    ("EST (fixed -05:00), 8 exceptions/yr", mon_fri("EST", US_HOLIDAYS)),
    ("America/New_York, DST, 8 exceptions/yr", mon_fri("America/New_York", US_HOLIDAYS)),
]
SPANS = [("1 day", 1), ("1 year", 365), ("10 years", 3652)]


def median_us(call) -> float:
    """Median over REPEAT samples of one call's time, each sample long enough to time."""
    timer = timeit.Timer(call)
    number, _ = timer.autorange()
    number = max(1, number // 4)
    return statistics.median(timer.repeat(REPEAT, number)) / number * 1e6


def plain_week(spec: bt.CalendarSpec, monday: datetime) -> list:
    """One week of intervals the straightforward way: every date through the zone."""
    intervals = []
    for i in range(7):
        day = monday.date() + timedelta(days=i)
        start = datetime.combine(day, time(9), tzinfo=spec.tz).astimezone(UTC)
        end = datetime.combine(day, time(17), tzinfo=spec.tz).astimezone(UTC)
        intervals.append((start, end))
    return intervals


def _line(cells, widths) -> str:
    """Text columns left-aligned, number columns right-aligned."""
    return "  ".join(
        cell.ljust(width) if i < 3 else cell.rjust(width)
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True))
    )


def main() -> None:
    rows = []
    for name, spec in CALENDARS:
        start = datetime(2026, 1, 5, 10, tzinfo=spec.tz)  # a Monday, in working time
        is_working = median_us(lambda spec=spec, start=start: bt.is_working(spec, start))
        week = median_us(lambda spec=spec, start=start: plain_week(spec, start))
        for span, days in SPANS:
            end = start + timedelta(days=days)
            minutes = round(bt.duration(spec, start, end))
            for question, call in (
                ("add", lambda s=spec, a=start, m=minutes: bt.add(s, a, m)),
                ("duration", lambda s=spec, a=start, b=end: bt.duration(s, a, b)),
            ):
                us = median_us(call)
                rows.append((name, question, span, us, us / is_working, us / week))
        rows.append((name, "is_working", "-", is_working, 1.0, is_working / week))
        rows.append((name, "plain week", "-", week, week / is_working, 1.0))

    # The one cost that grows with the span: finding a zone's DST transitions, once per
    # (zone, year) for the whole process.
    new_york = CALENDARS[2][1]
    start = datetime(2026, 1, 5, 10, tzinfo=new_york.tz)
    bt._transitions.cache_clear()
    before = timeit.default_timer()
    bt.add(new_york, start, 10 * 52 * 5 * WORKDAY_MINUTES)
    cold = (timeit.default_timer() - before) * 1e6

    widths = (40, 11, 9, 10, 13, 13)
    print(f"Business time, median of {REPEAT} runs (Python {sys.version.split()[0]})")
    print(
        _line(("calendar", "question", "span", "median us", "x is_working", "x plain week"), widths)
    )
    for name, question, span, us, per_check, per_week in rows:
        cells = (name, question, span, f"{us:.1f}", f"{per_check:.1f}", f"{per_week:.2f}")
        print(_line(cells, widths))
    print(f"\nNew York ten-year add with the transition cache cold (first call): {cold:.0f} us")


if __name__ == "__main__":
    main()
