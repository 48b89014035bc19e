"""The rules on arbitrary JSON: never an exception, always in order, and what they accept
the database accepts."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calendars import rules
from calendars.models import Calendar, CalendarException

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=5,
)
# Values near the edges of every rule, to reach the accepted side often.
plausible = st.one_of(
    st.integers(-2, 60),
    st.sampled_from(["HOLIDAY", "TIME_CHANGE", "FIXED", "ANNUAL", "RELATIVE", "FIRST", "LAST",
                     "EST", "PST", "Europe/Paris", "Factory", " x ", ""]),
    json_values,
)  # fmt: skip


def objects(keys):
    return st.dictionaries(st.sampled_from(keys), plausible)


VALID = {
    "fixedDate": st.integers(rules.FIXED_DATE_MIN, rules.FIXED_DATE_MAX),
    "annualMonth": st.integers(1, 12),
    "annualDay": st.integers(1, 31),
    "relativeType": st.sampled_from(rules.RELATIVE_TYPES),
    "relativeDayOfWeek": st.integers(1, 7),
    "relativeMonth": st.integers(1, 12),
    "timeChangeStartHour": st.integers(0, 23),
    "timeChangeStartMin": st.integers(0, 59),
    "timeChangeStopHour": st.integers(0, 23),
    "timeChangeStopMin": st.integers(0, 59),
}


@st.composite
def exceptions(draw):
    """Mostly well-formed exceptions, each field sometimes replaced by anything: so that
    both sides of every rule are reached."""
    placement = draw(st.sampled_from(rules.PLACEMENTS))
    type_ = draw(st.sampled_from(rules.TYPES))
    used = {*rules.PLACEMENT_KEYS[placement], *(rules.TIME_CHANGE_KEYS * (type_ == "TIME_CHANGE"))}
    item = {"name": draw(st.sampled_from(["Day", " Day ", "x" * 255])), "type": type_,
            "placement": placement}  # fmt: skip
    for key, valid in VALID.items():
        item[key] = draw(valid if key in used else st.sampled_from([None, 0]))
    for key in draw(st.lists(st.sampled_from(list(item)), max_size=2)):
        item[key] = draw(plausible)
    return item


@st.composite
def calendars(draw):
    """Mostly well-formed calendars, a field or two sometimes replaced by anything."""
    body = {
        "name": draw(st.sampled_from(["Desk", " Desk ", "x" * 255])),
        "weekStarts": draw(st.integers(1, 7)),
        "weekEnds": draw(st.integers(1, 7)),
        "dayStartsHour": draw(st.integers(0, 23)),
        "dayStartsMin": draw(st.integers(0, 59)),
        "dayEndsHour": draw(st.integers(0, 23)),
        "dayEndsMin": draw(st.integers(0, 59)),
        "timeZoneId": draw(st.sampled_from(["EST", "PST", "SystemV/EST5", "Europe/Paris"])),
    }
    for key in draw(st.lists(st.sampled_from(list(body)), max_size=2)):
        body[key] = draw(plausible)
    return body


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=calendars() | objects([r.key for r in rules.CALENDAR_RULES]) | json_values)
@pytest.mark.django_db
def test_calendar_parse_on_anything(package, body):
    values, problems = rules.calendar_parse(body)
    codes = [p.code for p in problems]
    assert codes == sorted(set(codes))
    if not problems:
        Calendar(package=package, **values).full_clean()


@settings(max_examples=500, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(item=exceptions() | objects(list(rules.EXCEPTION_RULES)) | json_values)
@pytest.mark.django_db
def test_exception_parse_on_anything(calendar, item):
    values, problems = rules.exception_parse(item, 3, rules.calendar_zone(calendar))
    assert all(p.index == 3 for p in problems)
    codes = [p.code for p in problems]
    assert codes == sorted(codes)
    assert len({p.field for p in problems}) == len(problems)  # one problem per field
    if not problems:
        exception = CalendarException(calendar=calendar, **values)
        exception.full_clean()  # also checks the database constraints, in Python
