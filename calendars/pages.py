"""Staff pages: a calendar's working week drawn as a grid, in the calendar's own zone.

The grid (``week_context``) is shared with the admin's calendar change page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.admin.views.decorators import staff_member_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from calendars import selectors
from calendars.engine import business_time
from calendars.engine.timezones import java_zone
from calendars.models import Calendar
from calendarsite.pages import BadDate, bad_date_page, staff_page, week_monday

MINUTES_PER_DAY = 24 * 60


@dataclass
class Block:
    """One local day's part of a working interval, as percentages of the day column."""

    day: int  # 0 = Monday
    start: datetime  # local wall time, naive (the template would convert an aware one)
    end: datetime
    top: float
    height: float
    changed: str = ""  # the time change that set this interval's hours, if any


@dataclass
class ExceptionOn:
    day: date
    name: str
    type: str
    hours: str


@dataclass
class Day:
    """A date of the grid and what its exceptions make of it: the holiday wins over a
    time change, the first time change over later ones (as the engine decides)."""

    day: date
    holiday: str = ""
    changed: str = ""
    hours: str = ""


def _wall_minutes(moment: datetime, day: date) -> float:
    """Minutes from the local midnight of ``day`` to ``moment``'s wall-clock time."""
    naive = moment.replace(tzinfo=None) - datetime.combine(day, time())
    return naive.total_seconds() / 60


def week_blocks(
    calendar: Calendar, monday: date, spec: business_time.CalendarSpec | None = None
) -> tuple[list[Block], list[ExceptionOn]]:
    """The working intervals of the local week from ``monday``, split at local midnights
    (an overnight interval shows in both its days, marked with the time change of the
    date it started on), and the exceptions on its dates."""
    tz = java_zone(calendar.time_zone_id)
    spec = spec or calendar.business_spec()
    days = [monday + timedelta(days=n) for n in range(8)]
    edges = [datetime.combine(d, time(), tz) for d in days]
    blocks = []
    changed = {
        day: info.changed
        for n in range(-1, 7)
        if (info := _day_exceptions(spec, day := monday + timedelta(days=n))).changed
    }
    for start, end in business_time.working_intervals(spec, edges[0], edges[7]):
        origin = start.astimezone(tz).date()  # the date whose hours this interval is
        for n in range(7):
            s, e = max(start, edges[n]), min(end, edges[n + 1])
            if s < e:
                local_s, local_e = s.astimezone(tz), e.astimezone(tz)
                top = _wall_minutes(local_s, days[n])
                bottom = MINUTES_PER_DAY if e == edges[n + 1] else _wall_minutes(local_e, days[n])
                blocks.append(
                    Block(
                        n,
                        local_s.replace(tzinfo=None),
                        local_e.replace(tzinfo=None),
                        100 * top / MINUTES_PER_DAY,
                        100 * max(bottom - top, 0) / MINUTES_PER_DAY,
                        changed.get(origin, ""),
                    )
                )
    exceptions = [
        ExceptionOn(day, ex.name, ex.type, _hours_text(ex))
        for day in days[:7]
        for ex in spec.exceptions
        if ex.falls_on(day)
    ]
    return blocks, exceptions


def _day_exceptions(spec: business_time.CalendarSpec, day: date) -> Day:
    info = Day(day)
    for ex in spec.exceptions:
        if not ex.falls_on(day):
            continue
        if ex.type is business_time.ExceptionType.HOLIDAY and not info.holiday:
            info.holiday = ex.name
        elif ex.type is business_time.ExceptionType.TIME_CHANGE and not info.changed:
            info.changed, info.hours = ex.name, _hours_text(ex)
    if info.holiday:
        info.changed = info.hours = ""
    return info


def _hours_text(ex: business_time.CalendarException) -> str:
    if ex.type is business_time.ExceptionType.HOLIDAY:
        return "no work"
    return (
        f"{ex.time_change_start_hour:02d}:{ex.time_change_start_min:02d}"
        f"-{ex.time_change_stop_hour:02d}:{ex.time_change_stop_min:02d}"
    )


def next_exceptions(
    calendar: Calendar,
    after: date,
    count: int = 5,
    spec: business_time.CalendarSpec | None = None,
) -> list[ExceptionOn]:
    """The first ``count`` dates from ``after`` on (within two years) on which an exception
    falls, with the exceptions on them."""
    spec = spec or calendar.business_spec()
    found: list[ExceptionOn] = []
    days = set()
    for n in range(366 * 2):
        day = after + timedelta(days=n)
        on_day = [ex for ex in spec.exceptions if ex.falls_on(day)]
        if on_day:
            days.add(day)
            if len(days) > count:
                break
            found += [ExceptionOn(day, ex.name, ex.type, _hours_text(ex)) for ex in on_day]
    return found


def week_context(
    calendar: Calendar, monday: date, spec: business_time.CalendarSpec | None = None
) -> dict:
    spec = spec or calendar.business_spec()
    blocks, exceptions = week_blocks(calendar, monday, spec)
    days = [monday + timedelta(days=n) for n in range(7)]
    return {
        "calendar": calendar,
        "days": days,
        "day_info": [_day_exceptions(spec, day) for day in days],
        "hours": range(24),
        "blocks": blocks,
        "exceptions": exceptions,
        "previous": monday - timedelta(days=7),
        "next": monday + timedelta(days=7),
    }


def local_today(calendar: Calendar) -> date:
    return timezone.now().astimezone(java_zone(calendar.time_zone_id)).date()


@staff_member_required
def calendar_week(request: HttpRequest, calendar_id: str) -> HttpResponse:
    calendar = selectors.calendar_get_any(calendar_id=calendar_id)
    if calendar is None:
        raise Http404("No such calendar.")
    crumbs = [
        (Calendar._meta.app_config.verbose_name, reverse("admin:app_list", args=["calendars"])),
        ("Calendars", reverse("admin:calendars_calendar_changelist")),
        (str(calendar), reverse("admin:calendars_calendar_change", args=[calendar.pk])),
        ("Working week", ""),
    ]
    try:
        monday = week_monday(request.GET.get("date"), local_today(calendar))
    except BadDate as error:
        return bad_date_page(request, error, crumbs)
    return staff_page(
        request,
        "staff/calendar_week.html",
        week_context(calendar, monday),
        title=f"{calendar}, week of {monday:%-d %b %Y}, {calendar.time_zone_id}",
        crumbs=crumbs,
    )
