"""The engine against the plain reference, on random calendars near DST and exceptions."""

from datetime import UTC, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars.engine import business_time as bt

from .reference import MinuteGrid, end_of_minutes, interval_duration, merged_intervals
from .reference import falls_on as reference_falls_on
from .strategies import scenarios

GRID_DAYS = 16
QUERIES = 4


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@examples(800)
@given(scenario=scenarios(), data=st.data())
def test_all_four_answers_match_the_minute_grid(scenario, data):
    spec, anchor = scenario
    shift = data.draw(st.integers(-4 * 1440, 2 * 1440), label="origin shift in minutes")
    origin = datetime.combine(anchor, time(0), tzinfo=UTC) + timedelta(minutes=shift)
    grid = MinuteGrid(spec, origin, GRID_DAYS)
    last = len(grid) - 1
    for _ in range(QUERIES):
        i = data.draw(st.integers(0, last), label="i")
        at = grid.at(i)
        assert bt.is_working(spec, at) is grid.is_working(i)

        ref_next = grid.next_working(i)
        if ref_next is not None:
            got = bt.next_working(spec, at)
            assert got == grid.at(ref_next)
            assert got.tzinfo is UTC

        j = data.draw(st.integers(i, last), label="j")
        assert bt.duration(spec, at, grid.at(j)) == grid.duration(i, j)

        minutes = data.draw(st.integers(0, grid.working_after(i)), label="minutes")
        got = bt.add(spec, at, minutes)
        assert got == grid.at(grid.add(i, minutes))
        assert got.tzinfo is UTC


@examples(300)
@given(scenario=scenarios(), data=st.data())
def test_long_spans_match_the_merged_intervals(scenario, data):
    """Spans of up to 400 days, where the engine jumps whole weeks: against the merged
    intervals of every date in the span."""
    spec, anchor = scenario
    start = datetime.combine(anchor, time(0), tzinfo=UTC) + timedelta(
        minutes=data.draw(st.integers(-30 * 1440, 30 * 1440), label="start shift")
    )
    end = start + timedelta(minutes=data.draw(st.integers(0, 400 * 1440), label="span"))
    # Every interval that can reach into [start, end]: later dates start after end.
    intervals = merged_intervals(
        spec, start.date() - timedelta(days=3), end.date() + timedelta(days=1)
    )
    work = interval_duration(spec, start, end) // timedelta(minutes=1)
    assert bt.duration(spec, start, end) == work

    minutes = data.draw(st.integers(0, work), label="minutes")
    clipped = [(s, min(e, end)) for s, e in intervals if s < end]
    assert bt.add(spec, start, minutes) == end_of_minutes(clipped, start, minutes)

    at = start + timedelta(minutes=data.draw(st.integers(0, (end - start) // timedelta(minutes=1))))
    assert bt.is_working(spec, at) is any(s <= at < e for s, e in intervals)
    following = [max(s, at) for s, e in intervals if e > at]
    if following and following[0] < end:
        assert bt.next_working(spec, at) == following[0]


@examples(200)
@given(scenario=scenarios(), data=st.data())
def test_working_intervals_are_the_merged_intervals_clipped(scenario, data):
    spec, anchor = scenario
    start = datetime.combine(anchor, time(0), tzinfo=UTC) + timedelta(
        minutes=data.draw(st.integers(-10 * 1440, 10 * 1440), label="start shift")
    )
    end = start + timedelta(minutes=data.draw(st.integers(0, 21 * 1440), label="span"))
    clipped = [
        (max(s, start), min(e, end))
        for s, e in merged_intervals(
            spec, start.date() - timedelta(days=3), end.date() + timedelta(days=1)
        )
    ]
    expected = [(s, e) for s, e in clipped if s < e]
    assert list(bt.working_intervals(spec, start, end)) == expected


@examples(200)
@given(scenario=scenarios(), data=st.data())
def test_falls_on_agrees_with_the_reference(scenario, data):
    spec, anchor = scenario
    day = anchor + timedelta(days=data.draw(st.integers(-40, 40), label="day"))
    for ex in spec.exceptions:
        assert ex.falls_on(day) is reference_falls_on(ex, day)
