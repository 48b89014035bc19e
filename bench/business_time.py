"""Benchmark of business-time arithmetic: add and duration from a day to a hundred years,
and the worst calendars found (issue 10) beside a plain office calendar.

Run from the repository root: ``.venv/bin/python -m bench.business_time`` (``make bench``),
or ``bench/business_time.py``; ``--worst`` runs only the worst calendars (a minute or so
less).
The engine is plain Python (tests/test_architecture.py checks it), so no Django is set up.

Prints the median of repeated runs in microseconds, next to two baselines measured in the
same run so the ratios hold on a noisy machine: one ``is_working`` call, and building one
week of working intervals the plain way (seven local dates, each converted by the zone).
Once a spec's year tables are built, every span should cost about what a day does (a few
binary searches). The worst shapes are timed twice: cold (building a fresh spec
and the tables its first question needs, in CPU time, beside the same for a plain office
calendar; the zone's transitions already cached for the process) and warm.
"""

import statistics
import sys
import timeit
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import process_time

if __package__ in (None, ""):  # run as bench/business_time.py: the repository's packages
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calendars.engine import business_time as bt
from calendars.engine.timezones import java_zone

REPEAT = 7
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


def night_shift(zone: str, exceptions=()) -> bt.CalendarSpec:
    """Monday to Friday nights, 22:00 to 06:00: across every DST night of the year."""
    return bt.CalendarSpec(
        week_starts=2,
        week_ends=6,
        day_starts_hour=22,
        day_starts_min=0,
        day_ends_hour=6,
        day_ends_min=0,
        tz=java_zone(zone),
        exceptions=exceptions,
    )


CALENDARS = [
    ("Asia/Kolkata, no DST, no exceptions", lambda: mon_fri("Asia/Kolkata")),
    ("EST (fixed -05:00), 8 exceptions/yr", lambda: mon_fri("EST", US_HOLIDAYS)),
    ("America/New_York, DST, 8 exceptions/yr", lambda: mon_fri("America/New_York", US_HOLIDAYS)),
    ("New York night shift, US holidays", lambda: night_shift("America/New_York", US_HOLIDAYS)),
]
SPANS = [
    ("1 day", 1),
    ("1 week", 7),
    ("1 month", 30),
    ("1 year", 365),
    ("10 years", 3652),
    ("100 years", 36524),
]

DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def every_date_one_minute(zone: str) -> bt.CalendarSpec:
    """Wednesdays only, and 366 ANNUAL time changes giving every date one minute (09:00)."""
    changes = tuple(
        bt.CalendarException(
            type="TIME_CHANGE",
            placement="ANNUAL",
            annual_month=month,
            annual_day=day,
            time_change_start_hour=9,
            time_change_start_min=0,
            time_change_stop_hour=9,
            time_change_stop_min=1,
        )
        for month in range(1, 13)
        for day in range(1, DAYS_IN_MONTH[month - 1] + 1)
    )
    return bt.CalendarSpec(
        week_starts=4,
        week_ends=4,
        day_starts_hour=9,
        day_starts_min=0,
        day_ends_hour=9,
        day_ends_min=1,
        tz=java_zone(zone),
        exceptions=changes,
    )


def one_minute_a_week(zone: str) -> bt.CalendarSpec:
    """Sundays 02:30-02:31: inside New York's spring-forward gap once a year."""
    return bt.CalendarSpec(
        week_starts=1,
        week_ends=1,
        day_starts_hour=2,
        day_starts_min=30,
        day_ends_hour=2,
        day_ends_min=31,
        tz=java_zone(zone),
    )


def many_fixed(zone: str) -> bt.CalendarSpec:
    """1000 FIXED exceptions (the most a body holds), one every 36 days over a century,
    holidays and overnight time changes in turn, and the US holidays."""
    fixed = tuple(
        bt.CalendarException(type="HOLIDAY", placement="FIXED", fixed_date=day)
        if n % 2
        else bt.CalendarException(
            type="TIME_CHANGE",
            placement="FIXED",
            fixed_date=day,
            time_change_start_hour=20,
            time_change_start_min=0,
            time_change_stop_hour=4,
            time_change_stop_min=0,
        )
        for n in range(992)
        for day in [date(2026, 1, 1) + timedelta(days=36 * n)]
    )
    return mon_fri(zone, US_HOLIDAYS + fixed)


def never_working(zone: str) -> bt.CalendarSpec:
    """Sundays only, and every Sunday a RELATIVE holiday: no working time at all."""
    holidays = tuple(
        holiday(placement="RELATIVE", relative_type=kind, relative_day_of_week=1, relative_month=m)
        for m in range(1, 13)
        for kind in ("FIRST", "SECOND", "THIRD", "FOURTH", "LAST")
    )
    return replace(mon_fri(zone, holidays), week_starts=1, week_ends=1)


def sundays_and_fixed_holidays(zone: str) -> bt.CalendarSpec:
    """No working time (every Sunday a RELATIVE holiday) and 940 FIXED holidays, one every
    ten years from the year 2: each a year of its own, none adding work."""
    fixed = tuple(
        holiday(placement="FIXED", fixed_date=date(2 + 10 * n, 6, 15)) for n in range(940)
    )
    spec = never_working(zone)
    return replace(spec, exceptions=spec.exceptions + fixed)


def time_change_every_year(make) -> bt.CalendarSpec:
    """1000 FIXED overnight time changes, one a year from 2000 to 2999 (15 March, near
    the DST change in some years): every year its own table before."""
    fixed = tuple(
        bt.CalendarException(
            type="TIME_CHANGE",
            placement="FIXED",
            fixed_date=date(year, 3, 15),
            time_change_start_hour=20,
            time_change_start_min=0,
            time_change_stop_hour=4,
            time_change_stop_min=0,
        )
        for year in range(2000, 3000)
    )
    return replace(make("America/New_York"), exceptions=fixed)


CAP = 52_596_000  # the API's cap on add's minutes: 100 years
START = datetime(2026, 1, 5, 10, tzinfo=UTC)
YEAR_3 = datetime(3, 1, 1, tzinfo=UTC)
YEAR_2000 = datetime(2000, 1, 1, tzinfo=UTC)
WORST = [
    ("plain office, New York", lambda: mon_fri("America/New_York"), "add", CAP),
    ("366 annual 1-minute days, UTC", lambda: every_date_one_minute("UTC"), "add", CAP),
    (
        "366 annual 1-minute days, New York",
        lambda: every_date_one_minute("America/New_York"),
        "add",
        CAP,
    ),
    ("1 minute a week, New York", lambda: one_minute_a_week("America/New_York"), "add", CAP),
    ("1 minute a week, New York", lambda: one_minute_a_week("America/New_York"), "next", None),
    ("1000 fixed + US holidays, New York", lambda: many_fixed("America/New_York"), "add", CAP),
    (
        "1000 fixed + US holidays, New York",
        lambda: many_fixed("America/New_York"),
        "duration",
        None,
    ),
    ("night shift, US holidays, New York", lambda: night_shift("America/New_York"), "add", CAP),
    ("no working time, New York", lambda: never_working("America/New_York"), "next", None),
    ("no working time, New York", lambda: never_working("America/New_York"), "add", CAP),
    (
        "no work + 940 fixed hol., NY, from yr 3",
        lambda: sundays_and_fixed_holidays("America/New_York"),
        "next",
        None,
        YEAR_3,
    ),
    (
        "no work + 940 fixed hol., LHI, from yr 3",
        lambda: sundays_and_fixed_holidays("Australia/Lord_Howe"),
        "next",
        None,
        YEAR_3,
    ),
    (
        "1000 yearly fixed, office NY, from 2000",
        lambda: time_change_every_year(mon_fri),
        "add",
        CAP,
        YEAR_2000,
    ),
    (
        "1000 yearly fixed, night NY, from 2000",
        lambda: time_change_every_year(night_shift),
        "add",
        CAP,
        YEAR_2000,
    ),
]


def ask(spec: bt.CalendarSpec, question: str, minutes: int | None, start=START) -> str:
    """One worst-case question; its answer or error, briefly."""
    try:
        if question == "add":
            return bt.add(spec, start, minutes).isoformat()[:10]
        if question == "next":
            return bt.next_working(spec, start).isoformat()[:10]
        return str(bt.duration(spec, start, start + timedelta(days=36524)))
    except bt.BusinessTimeError as error:
        return type(error).__name__


def first_question_ms(make, question: str, minutes: int | None, start=START) -> tuple[float, str]:
    """CPU milliseconds (a busy neighbour does not count) of what the first request after a
    calendar changes costs the engine: building a fresh spec, then answering one question
    (which builds the years' tables it needs); the median of three. The zone's transitions
    are cached for the process by then, as in a serving worker."""
    ask(make(), question, minutes, start)  # the zone's transitions, once per process
    runs = []
    for _ in range(3):
        before = process_time()
        answer = ask(make(), question, minutes, start)
        runs.append((process_time() - before) * 1e3)
    return statistics.median(runs), answer


def worst_cases() -> None:
    base, _ = first_question_ms(lambda: mon_fri("America/New_York", US_HOLIDAYS), "add", 60)
    print(
        "\nWorst calendars (issue 10): the first question on a fresh spec (cold: building the"
        "\nspec and the tables it needs, CPU ms; target < 50 ms), and again once built (warm)."
        f"\nBaseline, the same for a New York office with US holidays adding an hour: {base:.2f} ms"
        "\n(Questions start on 2026-01-05 10:00 UTC unless the calendar's name says otherwise.)"
    )
    print(f"{'calendar':40}  {'question':8}  {'cold ms':>8}  {'x base':>7}  {'warm ms':>8}  answer")
    for name, make, question, minutes, *rest in WORST:
        start = rest[0] if rest else START
        cold, answer = first_question_ms(make, question, minutes, start)
        spec = make()
        ask(spec, question, minutes, start)
        warm = median_us(lambda s=spec, q=question, m=minutes, a=start: ask(s, q, m, a)) / 1e3
        over = "" if cold < 50 else "  (over 50 ms)"
        print(
            f"{name:40}  {question:8}  {cold:8.2f}  {cold / base:7.1f}  {warm:8.3f}  {answer}{over}"
        )


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
    for name, make in CALENDARS:
        spec = make()
        start = datetime(2026, 1, 5, 10, tzinfo=spec.tz)  # a Monday, in working time
        is_working = median_us(lambda spec=spec, start=start: bt.is_working(spec, start))
        week = median_us(lambda spec=spec, start=start: plain_week(spec, start))
        for span, days in SPANS:
            end = start + timedelta(days=days)
            minutes = round(bt.duration(spec, start, end))
            bt.add(spec, start, minutes)  # the year tables: built once per spec
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
    new_york = CALENDARS[2][1]()
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
    side_by_side(rows)
    worst_cases()


def side_by_side(rows) -> None:
    """add and duration per span, one line per calendar (issue 15: each <= 100 us)."""
    print("\nSpans side by side, median us (add / duration)")
    print(f"{'calendar':40}" + "".join(f"{span:>18}" for span, _ in SPANS))
    for name, _make in CALENDARS:
        cells = []
        for span, _days in SPANS:
            got = {q: us for n, q, s, us, _, _ in rows if n == name and s == span}
            cells.append(f"{got['add']:.0f} / {got['duration']:.0f}".rjust(18))
        print(f"{name:40}" + "".join(cells))


if __name__ == "__main__":
    if "--help" in sys.argv[1:]:
        print("usage: python -m bench.business_time [--worst]  (--worst: the worst calendars only)")
    elif "--worst" in sys.argv[1:]:
        worst_cases()
    else:
        main()
