"""Hypothesis strategies: random calendars around the dates where things happen."""

from datetime import UTC, date, datetime, timedelta
from functools import cache

from hypothesis import strategies as st

from calendars.engine.business_time import CalendarException, CalendarSpec
from calendars.engine.timezones import java_zone

from .reference import grs_week_day

ZONE_NAMES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "America/Sao_Paulo",  # DST until 2019, switching at midnight
    "Asia/Kolkata",  # no DST, +05:30
    "EST",  # Java's fixed -05:00: a datetime.timezone
    "PST",  # Java's alias of America/Los_Angeles
]


def zone(name: str):
    """The zone as GRS applies it: Java's mapping of the ID, on the pinned tzdata."""
    return java_zone(name)


@cache
def offset_changes(name: str, year: int) -> tuple[date, ...]:
    """Local dates in ``year`` on which the zone's offset changes (probed daily)."""
    tz = zone(name)
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        if (day + timedelta(days=1)).astimezone(tz).utcoffset() != day.astimezone(tz).utcoffset():
            found.append(day.astimezone(tz).date())
        day += timedelta(days=1)
    return tuple(found)


minutes_of_hour = st.one_of(st.sampled_from([0, 30]), st.integers(0, 59))
hours_of_day = st.integers(0, 23)


@st.composite
def day_hours(draw):
    """(start hour, start min, end hour, end min): same-day, overnight or equal (24 h)."""
    start = (draw(hours_of_day), draw(minutes_of_hour))
    end = start if draw(st.integers(0, 5)) == 0 else (draw(hours_of_day), draw(minutes_of_hour))
    return (*start, *end)


@st.composite
def exceptions_near(draw, anchor: date):
    """An exception whose date is a few days around ``anchor`` (so it matters)."""
    kind = draw(st.sampled_from(["HOLIDAY", "TIME_CHANGE"]))
    placement = draw(st.sampled_from(["FIXED", "ANNUAL", "RELATIVE"]))
    d = anchor + timedelta(days=draw(st.integers(-4, 16)))
    fields: dict = {}
    if placement == "FIXED":
        fields["fixed_date"] = d
    elif placement == "ANNUAL":
        fields.update(annual_month=d.month, annual_day=d.day)
    else:
        fields.update(
            relative_type=draw(st.sampled_from(["FIRST", "SECOND", "THIRD", "FOURTH", "LAST"])),
            relative_day_of_week=grs_week_day(d),
            relative_month=d.month,
        )
    if kind == "TIME_CHANGE":
        sh, sm, eh, em = draw(day_hours())
        fields.update(
            time_change_start_hour=sh,
            time_change_start_min=sm,
            time_change_stop_hour=eh,
            time_change_stop_min=em,
        )
    return CalendarException(type=kind, placement=placement, **fields)


@st.composite
def scenarios(draw, zone_names=ZONE_NAMES, years=(1995, 2035)):
    """(spec, anchor date): a random calendar and a date near which to ask about it; the
    anchor is often a day the zone's offset changes."""
    name = draw(st.sampled_from(zone_names))
    year = draw(st.integers(*years))
    changes = offset_changes(name, year)
    random_day = st.dates(date(year, 1, 1), date(year, 12, 31))
    anchor = draw(st.sampled_from(changes) | random_day if changes else random_day)
    sh, sm, eh, em = draw(day_hours())
    spec = CalendarSpec(
        week_starts=draw(st.integers(1, 7)),
        week_ends=draw(st.integers(1, 7)),
        day_starts_hour=sh,
        day_starts_min=sm,
        day_ends_hour=eh,
        day_ends_min=em,
        tz=zone(name),
        exceptions=tuple(draw(st.lists(exceptions_near(anchor), max_size=4))),
    )
    return spec, anchor
