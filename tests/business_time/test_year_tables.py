"""The year tables (whole years jumped, weeks looked up) against the plain reference, on the
shapes that once cost seconds: every date an exception, one working minute a day or a week,
overnight days, DST zones, years near 2 and 9998 and past the zones' last explicit rules."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars.engine import business_time as bt

from .reference import end_of_minutes, interval_duration, merged_intervals
from .strategies import ZONE_NAMES, day_hours, zone

ZONES = [*ZONE_NAMES, "UTC", "Pacific/Kiritimati", "Africa/Casablanca"]
DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
ALL_DATES = [(m, d) for m in range(1, 13) for d in range(1, DAYS_IN_MONTH[m - 1] + 1)]
# Modern years, early ones (local mean time), and years far past every zone's explicit rules.
YEARS = st.one_of(st.integers(1995, 2040), st.integers(3, 1900), st.integers(2090, 9990))


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def time_change(hours, **placement):
    sh, sm, eh, em = hours
    return bt.CalendarException(
        type="TIME_CHANGE",
        time_change_start_hour=sh,
        time_change_start_min=sm,
        time_change_stop_hour=eh,
        time_change_stop_min=em,
        **placement,
    )


@st.composite
def calendars(draw, dense: bool):
    """A calendar: one to seven working week days with random hours (one minute, overnight,
    24 hours), and either up to all 366 annual time changes and holidays (dense) or a few
    exceptions of every placement."""
    hours = draw(st.one_of(day_hours(), st.just((2, 30, 2, 31)), st.just((9, 0, 9, 1))))
    week_starts = draw(st.integers(1, 7))
    exceptions = []
    if dense:
        picked = draw(st.sampled_from(["all", "some"]))
        dates = ALL_DATES if picked == "all" else draw(st.lists(st.sampled_from(ALL_DATES)))
        change = draw(st.one_of(day_hours(), st.just((9, 0, 9, 1))))
        for month, day in dates:
            if draw(st.integers(0, 9)) == 0:
                exceptions.append(
                    bt.CalendarException(
                        type="HOLIDAY", placement="ANNUAL", annual_month=month, annual_day=day
                    )
                )
            else:
                exceptions.append(
                    time_change(change, placement="ANNUAL", annual_month=month, annual_day=day)
                )
    for _ in range(draw(st.integers(0, 3))):
        placement = draw(st.sampled_from(["ANNUAL", "RELATIVE"]))
        fields = (
            {"annual_month": draw(st.integers(1, 12)), "annual_day": draw(st.integers(1, 28))}
            if placement == "ANNUAL"
            else {
                "relative_type": draw(st.sampled_from(["FIRST", "SECOND", "LAST"])),
                "relative_day_of_week": draw(st.integers(1, 7)),
                "relative_month": draw(st.integers(1, 12)),
            }
        )
        if draw(st.booleans()):
            exceptions.append(time_change(draw(day_hours()), placement=placement, **fields))
        else:
            exceptions.append(bt.CalendarException(type="HOLIDAY", placement=placement, **fields))
    return hours, week_starts, exceptions


def spec_of(name, hours, week_starts, week_ends, exceptions, fixed=()):
    return bt.CalendarSpec(
        week_starts=week_starts,
        week_ends=week_ends,
        day_starts_hour=hours[0],
        day_starts_min=hours[1],
        day_ends_hour=hours[2],
        day_ends_min=hours[3],
        tz=zone(name),
        exceptions=(*exceptions, *fixed),
    )


@st.composite
def scenarios(draw, dense: bool, max_days: int):
    """(spec, start, end): a span of up to max_days days across 1 January, most often
    across whole years, the engine's tables against every date's interval."""
    hours, week_starts, exceptions = draw(calendars(dense))
    week_ends = draw(st.integers(1, 7)) if not dense else week_starts
    name = draw(st.sampled_from(ZONES))
    year = draw(YEARS)
    start = datetime(year, 1, 1, tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(-20 * 1440, 20 * 1440))
    )
    end = start + timedelta(minutes=draw(st.integers(0, max_days * 1440)))
    if end.year > 9998:
        end = datetime(9998, 12, 31, tzinfo=UTC)
    fixed = []
    if draw(st.booleans()):  # a FIXED exception inside the span: its year is its own
        day = (start + (end - start) * draw(st.floats(0, 1))).date()
        fixed.append(time_change(draw(day_hours()), placement="FIXED", fixed_date=day))
    return spec_of(name, hours, week_starts, week_ends, exceptions, fixed), start, end


def check_span(spec, start, end, data):
    intervals = merged_intervals(
        spec, start.date() - timedelta(days=3), end.date() + timedelta(days=1)
    )
    work = interval_duration(spec, start, end)
    assert bt.duration(spec, start, end) == work / timedelta(minutes=1)
    minutes = data.draw(st.integers(0, work // timedelta(minutes=1)), label="minutes")
    clipped = [(s, min(e, end)) for s, e in intervals if s < end]
    assert bt.add(spec, start, minutes) == end_of_minutes(clipped, start, minutes)
    following = [max(s, start) for s, e in intervals if e > start]
    if following and following[0] < end:
        assert bt.next_working(spec, start) == following[0]


@examples(60)
@given(scenario=scenarios(dense=False, max_days=12 * 366), data=st.data())
def test_spans_of_years_match_the_reference(scenario, data):
    check_span(*scenario, data)


@examples(25)
@given(scenario=scenarios(dense=True, max_days=400), data=st.data())
def test_dense_calendars_across_years_match_the_reference(scenario, data):
    check_span(*scenario, data)


@examples(40)
@given(
    name=st.sampled_from(ZONES),
    week_day=st.integers(1, 7),
    minute=st.sampled_from([(2, 30), (1, 30), (0, 0), (23, 59)]),
    # Ten years of such minutes from a start after 9988 end past the engine's last year
    # (OutOfRange, tested on its own): starts stay clear of that.
    year=st.one_of(st.integers(1995, 2040), st.integers(3, 1900), st.integers(2090, 9980)),
    shift=st.integers(0, 14 * 1440),
)
def test_one_working_minute_a_week(name, week_day, minute, year, shift):
    """A minute a week, often inside a DST gap or overlap: next-working is the reference's
    first interval, and add of many minutes lands on the same minute of some week."""
    end = (minute[0] * 60 + minute[1] + 1) % 1440
    spec = spec_of(name, (*minute, end // 60, end % 60), week_day, week_day, [])
    start = datetime(year, 3, 1, tzinfo=UTC) + timedelta(minutes=shift)
    intervals = merged_intervals(
        spec, start.date() - timedelta(days=3), start.date() + timedelta(days=15)
    )
    following = [max(s, start) for s, e in intervals if e > start]
    assert bt.next_working(spec, start) == following[0]
    far = bt.add(spec, start, 520)  # some ten years of minutes
    assert bt.duration(spec, start, far) == 520
    assert bt.is_working(spec, far - timedelta(minutes=1))


# --- years with FIXED exceptions: their work without their tables ------------------------

EVERY_SUNDAY_A_HOLIDAY = [
    bt.CalendarException(
        type="HOLIDAY",
        placement="RELATIVE",
        relative_type=kind,
        relative_day_of_week=1,
        relative_month=month,
    )
    for month in range(1, 13)
    for kind in ("FIRST", "SECOND", "THIRD", "FOURTH", "LAST")
]


@st.composite
def fixed_exceptions(draw, years: tuple[int, int], recurring: list):
    """FIXED exceptions over the years: alone or in clusters of dates a few days apart (whose
    intervals meet), often on a DST change, on 1 January or 31 December (intervals into the
    next UTC year), or on a date an ANNUAL or RELATIVE exception of the calendar holds too."""
    found = []
    for _ in range(draw(st.integers(1, 12))):
        year = draw(st.integers(*years))
        day = draw(
            st.one_of(
                st.dates(datetime(year, 1, 1).date(), datetime(year, 12, 31).date()),
                st.sampled_from([datetime(year, 1, 1).date(), datetime(year, 12, 31).date()]),
                st.sampled_from(
                    [
                        datetime(year, month, day).date()
                        for month, day in ((3, 8), (3, 14), (3, 29), (10, 25), (11, 1), (4, 5))
                    ]
                ),
                st.sampled_from(
                    [
                        d
                        for d in (
                            datetime(year, 1, 1).date() + timedelta(days=n) for n in range(366)
                        )
                        if d.year == year and any(ex.falls_on(d) for ex in recurring)
                    ]
                    or [datetime(year, 6, 15).date()]
                ),
            )
        )
        for gap in draw(st.lists(st.integers(0, 10), max_size=3)):
            day += timedelta(days=gap)
            if draw(st.booleans()):
                found.append(time_change(draw(day_hours()), placement="FIXED", fixed_date=day))
            else:
                found.append(
                    bt.CalendarException(type="HOLIDAY", placement="FIXED", fixed_date=day)
                )
    return found


@st.composite
def with_fixed(draw, max_years: int):
    """(spec, first year, last year): a calendar of ``calendars`` with FIXED exceptions over
    a few years, listed before or after the others (which wins a date's time changes)."""
    hours, week_starts, exceptions = draw(calendars(dense=False))
    if draw(st.integers(0, 3)) == 0:  # the shape of issue 10: no work but from FIXED ones
        week_starts, exceptions = 1, [*exceptions, *EVERY_SUNDAY_A_HOLIDAY]
        week_ends = 1
    else:
        week_ends = draw(st.integers(1, 7))
    first = draw(YEARS)
    last = min(first + draw(st.integers(0, max_years)), 9997)
    fixed = draw(fixed_exceptions((first, last), exceptions))
    if draw(st.booleans()):
        exceptions, fixed = fixed, exceptions
    # (Far west and east offsets: a date's interval reaches furthest from its midnight.)
    name = draw(st.sampled_from([*ZONES, "Pacific/Honolulu", "Pacific/Pago_Pago"]))
    spec = spec_of(name, hours, week_starts, week_ends, exceptions, fixed)
    return spec, first, last


@examples(150)
@given(case=with_fixed(max_years=3))
def test_a_years_work_without_its_table_is_its_tables(case):
    """A year with FIXED exceptions near: its work as its kind's plus what they change is the
    work of its own table, built from every date (the year before and after too)."""
    spec, first, last = case
    plan = spec._plan
    for year in range(max(2, first - 1), min(last + 2, 9999)):
        assert plan.year_total(year) == plan._build_year(year).total, year


@examples(40)
@given(case=with_fixed(max_years=6), data=st.data())
def test_spans_across_years_with_fixed_exceptions_match_the_reference(case, data):
    """add, duration and next-working across years each with FIXED exceptions (only the
    years at the ends tabulated), against every date's interval."""
    spec, first, last = case
    start = datetime(first, 1, 1, tzinfo=UTC) + timedelta(
        minutes=data.draw(st.integers(-20 * 1440, 200 * 1440), label="start shift")
    )
    end = datetime(last, 12, 31, tzinfo=UTC) + timedelta(
        minutes=data.draw(st.integers(-200 * 1440, 20 * 1440), label="end shift")
    )
    if end < start:
        start, end = end, start
    end = min(end, datetime(9998, 12, 31, tzinfo=UTC))
    check_span(spec, start, end, data)


@examples(30)
@given(
    name=st.sampled_from(["America/New_York", "Australia/Lord_Howe", "UTC", "Europe/London"]),
    step=st.integers(1, 4),
    holidays=st.booleans(),
    year=st.one_of(st.integers(3, 40), st.integers(1995, 2030), st.integers(2090, 9960)),
)
def test_no_work_but_from_fixed_exceptions_years_apart(name, step, holidays, year):
    """Issue 10's shape: every Sunday a RELATIVE holiday and FIXED exceptions years apart.
    With holidays only there is no working time; with time changes, next-working and add
    find them and duration counts them, as the reference does."""
    days = [datetime(year + step * n, 6, 15).date() for n in range(4)]
    if holidays:
        fixed = [
            bt.CalendarException(type="HOLIDAY", placement="FIXED", fixed_date=d) for d in days
        ]
    else:  # (a 15 June that is a Sunday keeps its holiday: a RELATIVE holiday wins)
        fixed = [time_change((22, 0, 6, 0), placement="FIXED", fixed_date=d) for d in days]
    spec = spec_of(name, (9, 0, 17, 0), 1, 1, EVERY_SUNDAY_A_HOLIDAY, fixed)
    start = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(days[-1].year + 1, 1, 1, tzinfo=UTC)
    work = interval_duration(spec, start, end) // timedelta(minutes=1)
    assert bt.duration(spec, start, end) == work
    # None for 400 years after the last FIXED date: none at all, unless the year 9999 comes
    # first.
    none = bt.NoWorkingTime if days[-1].year <= 9598 else bt.OutOfRange
    if not work:
        with pytest.raises(none):
            bt.next_working(spec, start)
        with pytest.raises(none):
            bt.add(spec, start, 1)
        return
    intervals = merged_intervals(spec, start.date() - timedelta(days=3), end.date())
    assert bt.next_working(spec, start) == intervals[0][0]
    assert bt.add(spec, start, work) == end_of_minutes(intervals, start, work)
    with pytest.raises(none):
        bt.add(spec, start, work + 1)


@pytest.mark.parametrize("name", ["Pacific/Pago_Pago", "Pacific/Kiritimati", "America/New_York"])
@pytest.mark.parametrize("hours", [(23, 30, 23, 0), (0, 0, 0, 0), (23, 59, 23, 58), (9, 0, 17, 0)])
def test_a_years_work_with_long_days_at_the_far_offsets(name, hours):
    """Days of almost 48 hours' reach (overnight to late the next day) at -11 and +14 hours:
    the intervals of dates three days before a FIXED exception still reach its window."""
    fixed = [
        bt.CalendarException(type="HOLIDAY", placement="FIXED", fixed_date=d)
        for d in (date(2030, 1, 2), date(2030, 3, 10), date(2030, 6, 20), date(2030, 12, 31))
    ] + [
        time_change((22, 0, 21, 0), placement="FIXED", fixed_date=d)
        for d in (date(2030, 1, 1), date(2030, 3, 13), date(2030, 6, 22), date(2030, 12, 29))
    ]
    spec = spec_of(name, hours, 1, 7, [], fixed)
    for year in (2029, 2030, 2031):
        assert spec._plan.year_total(year) == spec._plan._build_year(year).total, year
