"""Public holidays as GRS calendar exceptions, from the ``holidays`` library.

Each holiday becomes a HOLIDAY exception named after it: ANNUAL when it falls on the
same month and day every year, RELATIVE when it is the same nth (or last) week day of
the same month every year, FIXED (one per date) otherwise: movable feasts, observed
days, lunar calendars, rules GRS cannot say ("the Tuesday after the first Monday").
Whether a holiday keeps to a rule is judged on its dates in the years asked for, and at
least eight years from the first (so that a date is not taken for a week-day rule, or
the reverse, by chance); an ANNUAL or RELATIVE exception then applies to every year.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache, lru_cache

import holidays
from django.core.exceptions import ValidationError

from calendars import rules

WEEK_DAY = {n: (n + 1) % 7 + 1 for n in range(7)}  # date.weekday() (Monday 0) -> GRS (Sunday 1)
NTH = {1: "FIRST", 2: "SECOND", 3: "THIRD", 4: "FOURTH"}
JUDGED_YEARS = 8


@cache
def countries() -> dict[str, str]:
    """ISO code -> English name of every country the library knows."""
    from holidays.registry import COUNTRIES

    names = {
        code: re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name) for name, code, *_ in COUNTRIES.values()
    }
    return dict(sorted(names.items(), key=lambda item: item[1]))


def subdivisions(country: str) -> tuple[str, ...]:
    return tuple(holidays.list_supported_countries(include_aliases=False).get(country, ()))


def parse_years(value: str) -> range:
    """``2026`` or ``2026-2030`` (inclusive); ValidationError with the rule's message."""
    match = re.fullmatch(r"\s*(\d{1,4})\s*(?:-\s*(\d{1,4})\s*)?", value or "")
    if match:
        first, last = int(match[1]), int(match[2] or match[1])
        if 1 <= first <= last <= 9999 and last - first < rules.HOLIDAY_YEARS_MAX:
            return range(first, last + 1)
    raise ValidationError({"years": rules.HOLIDAY_YEARS_INVALID})


def check_place(country: str, subdivision: str | None) -> None:
    if country not in countries():
        raise ValidationError({"country": rules.country_unknown(country)})
    known = subdivisions(country)
    if subdivision and subdivision not in known:
        raise ValidationError(
            {"subdivision": rules.subdivision_unknown(subdivision, country, known)}
        )


@lru_cache(maxsize=64)
def holiday_dates(country: str, subdivision: str | None, years: range) -> dict[str, list[date]]:
    """Each holiday's name -> its dates in ``years``, in English where the library has it.
    Cached: the admin action asks the same for every selected calendar. Read-only."""
    check_place(country, subdivision)
    cls = type(holidays.country_holidays(country))
    language = "en_US" if "en_US" in (cls.supported_languages or ()) else None
    calendar = holidays.country_holidays(
        country, subdiv=subdivision or None, years=years, language=language
    )
    dates: dict[str, list[date]] = defaultdict(list)
    for day in sorted(calendar):
        for name in calendar.get_list(day):
            dates[name].append(day)
    return dates


def _rule_of(days: list[date], years: range) -> dict | None:
    """The ANNUAL or RELATIVE placement that gives exactly ``days`` in ``years``, or None."""
    if len(days) != len(years) or {d.year for d in days} != set(years):
        return None
    first = days[0]
    if all((d.month, d.day) == (first.month, first.day) for d in days):
        return {"placement": "ANNUAL", "annualMonth": first.month, "annualDay": first.day}
    if any((d.month, d.weekday()) != (first.month, first.weekday()) for d in days):
        return None
    relative = {"placement": "RELATIVE", "relativeDayOfWeek": WEEK_DAY[first.weekday()]}
    relative["relativeMonth"] = first.month
    nths = {(d.day - 1) // 7 + 1 for d in days}
    if len(nths) == 1 and (nth := nths.pop()) in NTH:
        return {**relative, "relativeType": NTH[nth]}
    if all((d + timedelta(days=7)).month != d.month for d in days):
        return {**relative, "relativeType": "LAST"}
    return None


def local_midnight_ms(day: date, tz: tzinfo) -> int:
    """Epoch milliseconds of ``day``'s first instant in ``tz`` (a GRS fixedDate)."""
    offset = tz.utcoffset(datetime.combine(day, time()))
    return (day - date(1970, 1, 1)).days * 86_400_000 - offset // timedelta(milliseconds=1)


def holiday_exceptions(
    *, country: str, subdivision: str | None, years: range, tz: tzinfo
) -> list[dict]:
    """The holidays of ``years`` as exceptions in the API's JSON shape, by first date."""
    judged = range(years.start, max(years.stop, years.start + JUDGED_YEARS))
    items = []
    for name, days in holiday_dates(country, subdivision, judged).items():
        wanted = [d for d in days if d.year in years]
        if not wanted:
            continue
        base = {"name": name, "type": "HOLIDAY"}
        if rule := _rule_of(days, judged):
            items.append((wanted[0], {**base, **rule}))
        else:
            fixed = {"placement": "FIXED"}
            items += [(d, {**base, **fixed, "fixedDate": local_midnight_ms(d, tz)}) for d in wanted]
    return [item for _, item in sorted(items, key=lambda pair: pair[0])]
