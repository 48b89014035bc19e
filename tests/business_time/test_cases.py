"""Hand-written cases: DST transitions, leap days, relative holidays, overnight days, errors."""

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from calendars.engine import business_time as bt
from calendars.engine.timezones import java_zone

from .reference import interval_duration

NY, LONDON = "America/New_York", "Europe/London"
MON_FRI = (2, 6)
SUNDAY = (1, 1)


def calendar(week=MON_FRI, hours=(9, 0, 17, 0), zone=NY, exceptions=()):
    return bt.CalendarSpec(
        week_starts=week[0],
        week_ends=week[1],
        day_starts_hour=hours[0],
        day_starts_min=hours[1],
        day_ends_hour=hours[2],
        day_ends_min=hours[3],
        tz=java_zone(zone),
        exceptions=tuple(exceptions),
    )


def local(zone, *args, fold=0):
    return datetime(*args, tzinfo=java_zone(zone), fold=fold)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def holiday(**placement):
    return bt.CalendarException(type="HOLIDAY", **placement)


def time_change(start, stop, **placement):
    return bt.CalendarException(
        type="TIME_CHANGE",
        time_change_start_hour=start[0],
        time_change_start_min=start[1],
        time_change_stop_hour=stop[0],
        time_change_stop_min=stop[1],
        **placement,
    )


def fixed(d):
    return {"placement": "FIXED", "fixed_date": d}


def annual(month, day):
    return {"placement": "ANNUAL", "annual_month": month, "annual_day": day}


def relative(kind, week_day, month):
    return {
        "placement": "RELATIVE",
        "relative_type": kind,
        "relative_day_of_week": week_day,
        "relative_month": month,
    }


# --- DST ---------------------------------------------------------------------------------

# A Sunday workday 00:00-06:00 on each transition of 2026: (zone, day, its start and end in
# UTC, working minutes, the instant 240 working minutes after its start).
TRANSITION_DAYS = [
    # New York springs forward at 02:00 EST: five hours of work.
    (NY, date(2026, 3, 8), utc(2026, 3, 8, 5), utc(2026, 3, 8, 10), 300, utc(2026, 3, 8, 9)),
    # ... and falls back at 02:00 EDT: seven hours.
    (NY, date(2026, 11, 1), utc(2026, 11, 1, 4), utc(2026, 11, 1, 11), 420, utc(2026, 11, 1, 8)),
    # London springs forward at 01:00 GMT and falls back at 02:00 BST.
    (LONDON, date(2026, 3, 29), utc(2026, 3, 29), utc(2026, 3, 29, 5), 300, utc(2026, 3, 29, 4)),
    (
        LONDON,
        date(2026, 10, 25),
        utc(2026, 10, 24, 23),
        utc(2026, 10, 25, 6),
        420,
        utc(2026, 10, 25, 3),
    ),
    # Lord Howe shifts by 30 minutes: +11:00 -> +10:30 in April, back in October.
    (
        "Australia/Lord_Howe",
        date(2026, 4, 5),
        utc(2026, 4, 4, 13),
        utc(2026, 4, 4, 19, 30),
        390,
        utc(2026, 4, 4, 17),
    ),
    (
        "Australia/Lord_Howe",
        date(2026, 10, 4),
        utc(2026, 10, 3, 13, 30),
        utc(2026, 10, 3, 19),
        330,
        utc(2026, 10, 3, 17, 30),
    ),
    # Sao Paulo sprang forward at midnight: 00:00 did not exist and moves to 01:00 -02:00.
    (
        "America/Sao_Paulo",
        date(2018, 11, 4),
        utc(2018, 11, 4, 3),
        utc(2018, 11, 4, 8),
        300,
        utc(2018, 11, 4, 7),
    ),
]


@pytest.mark.parametrize(("zone", "day", "start", "end", "minutes", "after_240"), TRANSITION_DAYS)
def test_a_workday_spanning_a_dst_transition(zone, day, start, end, minutes, after_240):
    spec = calendar(week=SUNDAY, hours=(0, 0, 6, 0), zone=zone)
    day_before = datetime.combine(day, datetime.min.time(), tzinfo=UTC) - timedelta(days=1)
    assert bt.next_working(spec, day_before) == start
    assert bt.is_working(spec, start)
    assert not bt.is_working(spec, start - timedelta(microseconds=1))
    assert bt.is_working(spec, end - timedelta(microseconds=1))
    assert not bt.is_working(spec, end)
    assert bt.duration(spec, day_before, day_before + timedelta(days=3)) == minutes
    assert bt.add(spec, start, 240) == after_240
    assert bt.add(spec, day_before, minutes) == end


def test_a_start_that_does_not_exist_moves_forward_by_the_gap():
    # 02:30 on 8 March 2026 does not exist in New York: the day starts at 03:30 EDT.
    spec = calendar(week=SUNDAY, hours=(2, 30, 10, 0))
    assert bt.next_working(spec, local(NY, 2026, 3, 8)) == utc(2026, 3, 8, 7, 30)
    assert bt.duration(spec, local(NY, 2026, 3, 8), local(NY, 2026, 3, 9)) == 390
    # London skips 01:00-02:00 on 29 March 2026: 01:30 becomes 02:30 BST.
    spec = calendar(week=SUNDAY, hours=(1, 30, 4, 0), zone=LONDON)
    assert bt.next_working(spec, utc(2026, 3, 29)) == utc(2026, 3, 29, 1, 30)
    assert bt.duration(spec, utc(2026, 3, 29), utc(2026, 3, 30)) == 90


def test_an_end_that_does_not_exist_moves_forward_too():
    spec = calendar(week=SUNDAY, hours=(0, 0, 2, 30))  # ends at 03:30 EDT
    assert bt.duration(spec, local(NY, 2026, 3, 8), local(NY, 2026, 3, 9)) == 150
    assert bt.add(spec, local(NY, 2026, 3, 8), 150) == utc(2026, 3, 8, 7, 30)


def test_a_day_whose_start_moves_past_its_end_has_no_work():
    # 02:30-03:15 becomes 03:30-03:15 on the spring-forward Sunday; a week later it is 45 min.
    spec = calendar(week=SUNDAY, hours=(2, 30, 3, 15))
    assert bt.duration(spec, local(NY, 2026, 3, 8), local(NY, 2026, 3, 9)) == 0
    assert bt.next_working(spec, local(NY, 2026, 3, 8)) == local(NY, 2026, 3, 15, 2, 30)
    assert bt.duration(spec, local(NY, 2026, 3, 15), local(NY, 2026, 3, 16)) == 45


def test_an_ambiguous_start_takes_its_first_occurrence():
    # 01:30 happens twice on 1 November 2026 in New York: first at 05:30 UTC (EDT).
    spec = calendar(week=SUNDAY, hours=(1, 30, 3, 0))
    assert bt.next_working(spec, local(NY, 2026, 11, 1)) == utc(2026, 11, 1, 5, 30)
    assert bt.duration(spec, local(NY, 2026, 11, 1), local(NY, 2026, 11, 2)) == 150
    assert bt.is_working(spec, local(NY, 2026, 11, 1, 1, 30, fold=1))
    # And on 25 October 2026 in London, first at 00:30 UTC (BST).
    spec = calendar(week=SUNDAY, hours=(1, 30, 3, 0), zone=LONDON)
    assert bt.next_working(spec, utc(2026, 10, 24, 12)) == utc(2026, 10, 25, 0, 30)
    assert bt.duration(spec, utc(2026, 10, 24, 12), utc(2026, 10, 25, 12)) == 150


def test_a_24_hour_day_across_spring_forward_loses_the_gap():
    spec = calendar(week=(1, 7), hours=(9, 0, 9, 0))
    week = (local(NY, 2026, 3, 2, 9), local(NY, 2026, 3, 9, 9))
    assert bt.duration(spec, *week) == 7 * 1440 - 60
    assert bt.add(spec, week[0], 7 * 1440 - 60) == week[1]


def test_fixed_offset_java_zones_have_no_dst():
    est, pst = calendar(week=SUNDAY, zone="EST"), calendar(week=SUNDAY, zone="PST")
    # EST is -05:00 in July too; PST is Los Angeles, on PDT (-07:00) in July.
    assert bt.next_working(est, utc(2026, 7, 5)) == utc(2026, 7, 5, 14)
    assert bt.next_working(pst, utc(2026, 7, 5)) == utc(2026, 7, 5, 16)
    assert bt.next_working(pst, utc(2026, 1, 4)) == utc(2026, 1, 4, 17)


# --- exceptions --------------------------------------------------------------------------


def test_an_annual_feb_29_holiday_falls_only_in_leap_years():
    spec = calendar(week=(1, 7), exceptions=[holiday(**annual(2, 29))])
    assert not bt.is_working(spec, local(NY, 2028, 2, 29, 12))
    assert bt.is_working(spec, local(NY, 2028, 2, 28, 12))
    assert bt.is_working(spec, local(NY, 2028, 3, 1, 12))
    # 2027 has no 29 February; the holiday is not moved to a neighbour.
    assert bt.is_working(spec, local(NY, 2027, 2, 28, 12))
    assert bt.is_working(spec, local(NY, 2027, 3, 1, 12))
    assert bt.duration(spec, local(NY, 2028, 2, 27), local(NY, 2028, 3, 2)) == 3 * 480
    assert bt.duration(spec, local(NY, 2027, 2, 26), local(NY, 2027, 3, 2)) == 4 * 480


def test_a_holiday_on_the_last_monday_of_may():
    spec = calendar(exceptions=[holiday(**relative("LAST", 2, 5))])
    assert not bt.is_working(spec, local(NY, 2026, 5, 25, 12))  # the fourth Monday is last
    assert bt.is_working(spec, local(NY, 2026, 5, 18, 12))
    assert not bt.is_working(spec, local(NY, 2027, 5, 31, 12))  # the fifth Monday is last
    assert bt.is_working(spec, local(NY, 2027, 5, 24, 12))
    # Friday 17:00 plus an hour skips the weekend and the holiday.
    assert bt.add(spec, local(NY, 2026, 5, 22, 17), 60) == local(NY, 2026, 5, 26, 10)


def test_first_to_fourth_week_day_of_a_month():
    # Thanksgiving: the fourth Thursday (5) of November; in 2026 there are four Thursdays.
    spec = calendar(exceptions=[holiday(**relative("FOURTH", 5, 11))])
    assert not bt.is_working(spec, local(NY, 2026, 11, 26, 12))
    assert bt.is_working(spec, local(NY, 2026, 11, 19, 12))
    spec = calendar(exceptions=[holiday(**relative("FIRST", 2, 9))])  # Labor Day
    assert not bt.is_working(spec, local(NY, 2026, 9, 7, 12))
    assert bt.is_working(spec, local(NY, 2026, 9, 14, 12))


def test_a_holiday_removes_only_the_overnight_interval_that_starts_on_it():
    # Night shifts Monday to Friday, 22:00-06:00; Tuesday 7 July 2026 is a holiday.
    spec = calendar(hours=(22, 0, 6, 0), exceptions=[holiday(**fixed(date(2026, 7, 7)))])
    assert bt.is_working(spec, local(NY, 2026, 7, 7, 3))  # Monday night runs into it
    assert not bt.is_working(spec, local(NY, 2026, 7, 7, 23))
    assert not bt.is_working(spec, local(NY, 2026, 7, 8, 3))
    assert bt.is_working(spec, local(NY, 2026, 7, 8, 23))
    assert bt.duration(spec, local(NY, 2026, 7, 6), local(NY, 2026, 7, 9)) == 600
    assert bt.next_working(spec, local(NY, 2026, 7, 7, 6)) == local(NY, 2026, 7, 8, 22)


def test_a_time_change_sets_the_hours_of_its_date():
    saturday, wednesday, friday = date(2026, 7, 11), date(2026, 7, 8), date(2026, 7, 10)
    spec = calendar(
        exceptions=[
            time_change((10, 0), (12, 0), **fixed(saturday)),  # a week-end day becomes working
            time_change((20, 0), (2, 0), **fixed(friday)),  # overnight, into Saturday
        ]
    )
    assert bt.duration(spec, local(NY, 2026, 7, 11, 3), local(NY, 2026, 7, 12)) == 120
    assert bt.is_working(spec, local(NY, 2026, 7, 11, 1))
    assert not bt.is_working(spec, local(NY, 2026, 7, 10, 12))
    assert bt.duration(spec, local(NY, 2026, 7, 10), local(NY, 2026, 7, 11, 3)) == 360
    # Of two time changes on one date the first listed wins; a holiday beats both.
    first, second = (
        time_change((10, 0), (12, 0), **fixed(wednesday)),
        time_change((13, 0), (15, 0), **fixed(wednesday)),
    )
    spec = calendar(exceptions=[first, second])
    assert bt.is_working(spec, local(NY, 2026, 7, 8, 11))
    assert not bt.is_working(spec, local(NY, 2026, 7, 8, 14))
    for exceptions in ([first, holiday(**fixed(wednesday))], [holiday(**fixed(wednesday)), first]):
        spec = calendar(exceptions=exceptions)
        assert bt.duration(spec, local(NY, 2026, 7, 8), local(NY, 2026, 7, 9)) == 0


def test_annual_and_relative_time_changes():
    spec = calendar(
        exceptions=[
            time_change((9, 0), (12, 0), **annual(12, 24)),
            time_change((10, 0), (11, 0), **relative("THIRD", 6, 7)),  # third Friday of July
        ]
    )
    assert bt.duration(spec, local(NY, 2026, 12, 24), local(NY, 2026, 12, 25)) == 180
    assert bt.duration(spec, local(NY, 2026, 7, 17), local(NY, 2026, 7, 18)) == 60
    assert bt.duration(spec, local(NY, 2026, 7, 10), local(NY, 2026, 7, 11)) == 480


# --- week ranges and days ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("week", "working_days"),
    [
        ((6, 2), {6, 10, 11, 12}),  # Fri, Sat, Sun, Mon: wraps past Saturday
        ((2, 6), {6, 7, 8, 9, 10}),
        ((4, 4), {8}),  # Wednesday only
        ((1, 7), {6, 7, 8, 9, 10, 11, 12}),
        ((2, 1), {6, 7, 8, 9, 10, 11, 12}),  # Monday round to Sunday
    ],
)
def test_week_ranges(week, working_days):
    spec = calendar(week=week)
    for day in range(6, 13):  # Monday 6 to Sunday 12 July 2026
        assert bt.is_working(spec, local(NY, 2026, 7, day, 12)) is (day in working_days)
    assert bt.duration(spec, local(NY, 2026, 7, 6), local(NY, 2026, 7, 13)) == 480 * len(
        working_days
    )


def test_an_overnight_day_runs_into_the_next():
    spec = calendar(week=(6, 6), hours=(22, 0, 6, 0))  # Friday night only
    assert bt.is_working(spec, local(NY, 2026, 7, 11, 5, 59))
    assert not bt.is_working(spec, local(NY, 2026, 7, 11, 6))
    assert bt.add(spec, local(NY, 2026, 7, 10, 23), 60) == local(NY, 2026, 7, 11, 0)
    assert bt.next_working(spec, local(NY, 2026, 7, 11, 6)) == local(NY, 2026, 7, 17, 22)


def test_intervals_are_half_open_and_answers_are_utc():
    spec = calendar()
    opening, closing = local(NY, 2026, 7, 6, 9), local(NY, 2026, 7, 6, 17)
    assert bt.is_working(spec, opening)
    assert not bt.is_working(spec, closing)
    assert bt.next_working(spec, opening) == opening
    assert bt.next_working(spec, closing) == local(NY, 2026, 7, 7, 9)
    assert bt.add(spec, opening, 480) == closing
    for answer in (bt.next_working(spec, closing), bt.add(spec, opening, 60)):
        assert answer.tzinfo is UTC


def test_add_zero_is_the_start_itself():
    spec = calendar()
    saturday = local(NY, 2026, 7, 11, 12)
    assert bt.add(spec, saturday, 0) == saturday
    assert bt.add(spec, saturday, 1) == local(NY, 2026, 7, 13, 9, 1)


def test_partial_minutes_are_exact():
    spec = calendar()
    start = local(NY, 2026, 7, 6, 9, 0, 30)
    assert bt.duration(spec, start, local(NY, 2026, 7, 6, 10)) == 59.5
    assert bt.add(spec, start, 60) == local(NY, 2026, 7, 6, 10, 0, 30)
    whole = bt.duration(spec, local(NY, 2026, 7, 6), local(NY, 2026, 7, 7))
    assert whole == 480
    assert type(whole) is int


# --- long spans --------------------------------------------------------------------------

US_HOLIDAYS = [
    holiday(**annual(1, 1)),
    holiday(**relative("THIRD", 2, 1)),
    holiday(**relative("LAST", 2, 5)),
    holiday(**annual(7, 4)),
    holiday(**relative("FIRST", 2, 9)),
    holiday(**relative("FOURTH", 5, 11)),
    holiday(**annual(12, 25)),
    time_change((9, 0), (13, 0), **annual(12, 24)),
]


@pytest.mark.parametrize(
    ("zone", "exceptions"),
    [(NY, US_HOLIDAYS), (LONDON, US_HOLIDAYS), ("Asia/Kolkata", []), ("EST", US_HOLIDAYS)],
)
def test_ten_years_match_a_sum_over_every_date(zone, exceptions):
    spec = calendar(zone=zone, exceptions=exceptions)
    start, end = local(zone, 2026, 1, 5, 10), local(zone, 2036, 1, 7, 15)  # Mondays
    expected = interval_duration(spec, start, end) // timedelta(minutes=1)
    assert bt.duration(spec, start, end) == expected
    assert bt.add(spec, start, expected) == end
    # The same total from year-sized pieces.
    cuts = [start] + [local(zone, year, 1, 1) for year in range(2027, 2037)] + [end]
    assert sum(bt.duration(spec, a, b) for a, b in pairwise(cuts)) == expected


@pytest.fixture
def work_done(monkeypatch):
    """Counts, without timing anything, the engine's pieces of work: stretches walked (the
    days around a transition or an exception, or those between), local dates whose
    exceptions were looked up, and years' working time tabulated."""
    counts = {"stretches": 0, "dates": 0, "tables": 0}

    def counting(name, key):
        original = getattr(bt._Plan, name)

        def counted(*args, **kwargs):
            counts[key] += 1
            return original(*args, **kwargs)

        monkeypatch.setattr(bt._Plan, name, counted)

    counting("stretch", "stretches")
    counting("day_hours", "dates")
    counting("_build_year", "tables")

    def measure(call):
        counts.update(stretches=0, dates=0, tables=0)
        call()
        return dict(counts)

    return measure


TEN_YEARS_OF_WORKDAYS = 10 * 52 * 5 * 480


def test_ten_years_cost_what_an_hour_does_once_the_year_tables_are_built(work_done):
    spec, start = calendar(zone="Asia/Kolkata"), local("Asia/Kolkata", 2026, 1, 5, 10)
    # The first long question builds a table per kind of year met (leap years, the week
    # day of 1 January), never more than 28.
    first = work_done(lambda: bt.add(spec, start, TEN_YEARS_OF_WORKDAYS))
    assert 1 < first["tables"] <= 28
    # Then a question walks nothing and looks up no date: the tables answer it.
    one_hour = work_done(lambda: bt.add(spec, start, 60))
    ten_years = work_done(lambda: bt.add(spec, start, TEN_YEARS_OF_WORKDAYS))
    assert one_hour == {"stretches": 0, "dates": 0, "tables": 0}
    assert ten_years == one_hour
    end = bt.add(spec, start, TEN_YEARS_OF_WORKDAYS)
    assert work_done(lambda: bt.duration(spec, start, end)) == ten_years


def test_long_spans_walk_nothing_with_transitions_and_exceptions(work_done):
    # New York, 2 DST transitions and 8 exception dates a year.
    spec, start = calendar(exceptions=US_HOLIDAYS), local(NY, 2026, 1, 5, 10)
    for minutes in (TEN_YEARS_OF_WORKDAYS, 10 * TEN_YEARS_OF_WORKDAYS):
        end = bt.add(spec, start, minutes)  # builds the tables
        nothing = {"stretches": 0, "dates": 0, "tables": 0}
        assert work_done(lambda minutes=minutes: bt.add(spec, start, minutes)) == nothing
        assert work_done(lambda end=end: bt.duration(spec, start, end)) == nothing
        assert work_done(lambda: bt.next_working(spec, start)) == nothing


def test_a_year_table_is_built_once_per_kind_of_year_whatever_the_span(work_done):
    # One working minute a day from 366 annual time changes, in a DST zone: every date is
    # special, and add must search to the year 9998 to find the minutes are not there.
    every_day = [
        time_change((9, 0), (9, 1), **annual(month, day))
        for month in range(1, 13)
        for day in range(1, 32)
        if day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
    ]
    spec = calendar(week=(4, 4), exceptions=every_day)
    start = local(NY, 2026, 1, 5, 10)

    def too_far():
        with pytest.raises(bt.OutOfRange):
            bt.add(spec, start, 52_596_000)

    cold = work_done(too_far)
    # 28 kinds of year (leap or not, before and now, seven week days) and the years before
    # the zone's final rule: each table one pass over the year's dates.
    assert cold["tables"] <= 28 + 2
    assert cold["dates"] <= (cold["tables"] + 2) * 375
    assert work_done(too_far)["tables"] == 0


def test_years_between_the_ends_are_not_tabulated(work_done):
    # Issue 10: a FIXED time change every year made every year's table its own, and a long
    # add built one per year it crossed (some 420 here, 0.3 ms each). Now the years between
    # the ends count by their work alone: only the kinds of year (without FIXED exceptions)
    # and the ends are tabulated.
    changes = [
        time_change((20, 0), (4, 0), **fixed(date(year, 3, 15))) for year in range(2000, 3000)
    ]
    start = utc(2000, 1, 1)
    for hours in ((22, 0, 6, 0), (9, 0, 17, 0)):  # a night shift, an office
        spec = calendar(hours=hours, exceptions=changes)
        cold = work_done(lambda spec=spec: bt.add(spec, start, 52_596_000))
        assert cold["tables"] <= 28 + 6
        assert work_done(lambda spec=spec: bt.add(spec, start, 52_596_000))["tables"] == 0
        end = bt.add(spec, start, 52_596_000)
        assert bt.duration(spec, start, end) == 52_596_000


def test_years_without_work_but_fixed_holidays_are_skipped(work_done):
    # Issue 10: no working time (every Sunday a holiday) and 940 FIXED holidays ten years
    # apart from the year 2: next-working built a table for each of their years.
    holidays = [holiday(**fixed(date(2 + 10 * n, 6, 15))) for n in range(940)]
    spec = calendar(week=SUNDAY, exceptions=[*EVERY_SUNDAY_A_HOLIDAY, *holidays])
    start = utc(3, 1, 1)

    def nothing():
        with pytest.raises(bt.NoWorkingTime):
            bt.next_working(spec, start)

    assert work_done(nothing)["tables"] <= 2
    # With a time change among them, its year is found and only the ends are tabulated.
    change = time_change((9, 0), (10, 0), **fixed(date(9000, 6, 14)))  # a Saturday
    spec = calendar(week=SUNDAY, exceptions=[*EVERY_SUNDAY_A_HOLIDAY, *holidays, change])
    assert bt.next_working(spec, start) == local(NY, 9000, 6, 14, 9)
    assert work_done(lambda: bt.add(spec, start, 60))["tables"] <= 4
    assert bt.add(spec, start, 60) == local(NY, 9000, 6, 14, 10)
    assert bt.duration(spec, start, local(NY, 9500, 1, 1)) == 60


# --- no working time, and the ends of time -----------------------------------------------

EVERY_SUNDAY_A_HOLIDAY = [
    holiday(**relative(kind, 1, month))
    for month in range(1, 13)
    for kind in ("FIRST", "SECOND", "THIRD", "FOURTH", "LAST")
]


def test_a_calendar_without_working_time():
    spec = calendar(week=SUNDAY, exceptions=EVERY_SUNDAY_A_HOLIDAY)
    start = local(NY, 2026, 7, 6)
    assert not bt.is_working(spec, start)
    assert bt.duration(spec, start, start + timedelta(days=800)) == 0
    assert bt.add(spec, start, 0) == start
    with pytest.raises(bt.NoWorkingTime):
        bt.next_working(spec, start)
    with pytest.raises(bt.NoWorkingTime):
        bt.add(spec, start, 1)


def test_no_working_time_found_late_in_time():
    # Every Sunday a holiday but the second of March, whose 02:30-03:15 falls in New York's
    # spring-forward gap (no time left) every year of the current rule. From 9700 on, the
    # years without work were once summed by the cycle of 400 from past the year 9998.
    gap = time_change((2, 30), (3, 15), **relative("SECOND", 1, 3))
    spec = calendar(
        week=SUNDAY,
        exceptions=[gap, *(ex for ex in EVERY_SUNDAY_A_HOLIDAY if ex.relative_month != 3)]
        + [holiday(**relative(kind, 1, 3)) for kind in ("FIRST", "THIRD", "FOURTH", "LAST")],
    )
    assert not spec._plan.only_fixed_hours()
    with pytest.raises(bt.OutOfRange):
        bt.next_working(spec, utc(9700, 1, 1))
    with pytest.raises(bt.NoWorkingTime):
        bt.next_working(spec, utc(2030, 1, 1))


def test_working_time_years_away_is_found():
    # Every Sunday is a holiday, but Monday 2 June 2031 has hours: years of nothing first.
    # (A time change on a Sunday would lose to that Sunday's holiday.)
    spec = calendar(
        week=SUNDAY,
        exceptions=[
            *EVERY_SUNDAY_A_HOLIDAY,
            time_change((9, 0), (10, 0), **fixed(date(2031, 6, 2))),
        ],
    )
    assert bt.next_working(spec, local(NY, 2026, 7, 6)) == local(NY, 2031, 6, 2, 9)
    assert bt.add(spec, local(NY, 2026, 7, 6), 60) == local(NY, 2031, 6, 2, 10)
    assert bt.duration(spec, local(NY, 2026, 7, 6), local(NY, 2040, 1, 1)) == 60
    with pytest.raises(bt.NoWorkingTime):
        bt.next_working(spec, local(NY, 2031, 6, 2, 10))


def test_instants_and_answers_outside_the_years_2_to_9998_are_out_of_range():
    spec = calendar()
    with pytest.raises(bt.OutOfRange):
        bt.add(spec, utc(9998, 12, 1), 100_000)
    with pytest.raises(bt.OutOfRange):
        bt.next_working(spec, utc(9998, 12, 31, 23))
    for instant in (datetime.min.replace(tzinfo=UTC), local("EST", 9999, 12, 31)):
        with pytest.raises(bt.OutOfRange):
            bt.is_working(spec, instant)
        with pytest.raises(bt.OutOfRange):
            bt.duration(spec, instant, instant)
    far = bt.add(spec, utc(2026, 7, 6), 2 * 10**7)  # some 160 years of working minutes
    assert far.year == 2186
    assert bt.duration(spec, utc(2026, 7, 6), far) == 2 * 10**7


# --- bad input ---------------------------------------------------------------------------


def test_naive_datetimes_and_bad_arguments_are_value_errors():
    spec = calendar()
    naive, aware = datetime(2026, 7, 6, 12), local(NY, 2026, 7, 6, 12)
    for call in (
        lambda: bt.is_working(spec, naive),
        lambda: bt.next_working(spec, naive),
        lambda: bt.add(spec, naive, 1),
        lambda: bt.duration(spec, naive, aware),
        lambda: bt.duration(spec, aware, naive),
        lambda: bt.duration(spec, aware, aware - timedelta(minutes=1)),
        lambda: bt.add(spec, aware, -1),
        lambda: bt.add(spec, aware, 1.5),
        lambda: bt.add(spec, aware, True),
    ):
        with pytest.raises(ValueError):
            call()


@pytest.mark.parametrize(
    "change",
    [
        {"week_starts": 0},
        {"week_ends": 8},
        {"day_starts_hour": 24},
        {"day_ends_min": 60},
        {"day_starts_min": "30"},
        {"tz": "America/New_York"},
    ],
)
def test_bad_calendar_fields_are_value_errors(change):
    fields = {
        "week_starts": 2,
        "week_ends": 6,
        "day_starts_hour": 9,
        "day_starts_min": 0,
        "day_ends_hour": 17,
        "day_ends_min": 0,
        "tz": java_zone(NY),
    }
    with pytest.raises(ValueError):
        bt.CalendarSpec(**(fields | change))


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "VACATION", **fixed(date(2026, 1, 1))},
        {"type": "HOLIDAY", "placement": "WEEKLY"},
        {"type": "HOLIDAY", **fixed(datetime(2026, 1, 1, tzinfo=UTC))},
        {"type": "HOLIDAY", **annual(4, 31)},
        {"type": "HOLIDAY", **annual(2, 30)},
        {"type": "HOLIDAY", **annual(13, 1)},
        {"type": "HOLIDAY", **relative("FIFTH", 2, 5)},
        {"type": "HOLIDAY", **relative("LAST", 8, 5)},
        {"type": "HOLIDAY", **relative("LAST", 2, 0)},
        {"type": "TIME_CHANGE", **fixed(date(2026, 1, 1))},  # no hours
        {
            "type": "TIME_CHANGE",
            "time_change_start_hour": 9,
            "time_change_start_min": 0,
            "time_change_stop_hour": 24,
            "time_change_stop_min": 0,
            **fixed(date(2026, 1, 1)),
        },
    ],
)
def test_bad_exceptions_are_value_errors(fields):
    with pytest.raises(ValueError):
        bt.CalendarException(**fields)


def test_exception_from_a_grs_body():
    # The vendor's example fixedDate, 30949200000, is 1970-12-25 00:00 EST: in New York it
    # is 25 December, in UTC (05:00) too, in Honolulu still the 24th.
    body = {
        "name": "Christmas",
        "type": "HOLIDAY",
        "placement": "FIXED",
        "fixedDate": 30949200000,
        "annualMonth": None,
        "annualDay": 0,  # the vendor's examples send 0 for unused numbers
        "relativeType": None,
        "relativeDayOfWeek": None,
        "relativeMonth": None,
        "timeChangeStartHour": None,
        "timeChangeStartMin": None,
        "timeChangeStopHour": None,
        "timeChangeStopMin": None,
    }
    christmas = bt.CalendarException(type="HOLIDAY", name="Christmas", **fixed(date(1970, 12, 25)))
    assert bt.exception_from_grs(body, java_zone(NY)) == christmas
    assert bt.exception_from_grs(body, java_zone("Pacific/Honolulu")).fixed_date == date(
        1970, 12, 24
    )
    change = {
        "type": "TIME_CHANGE",
        "placement": "RELATIVE",
        "relativeType": "LAST",
        "relativeDayOfWeek": 6,
        "relativeMonth": 12,
        "timeChangeStartHour": 9,
        "timeChangeStartMin": 0,
        "timeChangeStopHour": 12,
        "timeChangeStopMin": 30,
    }
    assert bt.exception_from_grs(change, java_zone(NY)) == time_change(
        (9, 0), (12, 30), **relative("LAST", 6, 12)
    )
    with pytest.raises(ValueError):
        bt.exception_from_grs({**body, "fixedDate": 10**18}, java_zone(NY))
