"""Staff pages: a student's week of events drawn as a grid (times in UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from calendarsite.pages import BadDate, bad_date_page, staff_page, week_monday
from events.models import CalendarEvent

MINUTES_PER_DAY = 24 * 60


@dataclass
class Block:
    """One day's part of an event, placed as percentages of the day column."""

    event: CalendarEvent
    day: int  # 0 = Monday
    top: float
    height: float


def week_blocks(events, monday: date) -> list[Block]:
    """Splits events at midnight so an overnight event shows in both its days."""
    blocks = []
    for event in events:
        for offset in range(7):
            day_start = datetime.combine(monday + timedelta(days=offset), time(), UTC)
            day_end = day_start + timedelta(days=1)
            start, end = max(event.start_time, day_start), min(event.end_time, day_end)
            if start < end:
                top = (start - day_start).total_seconds() / 60
                length = (end - start).total_seconds() / 60
                blocks.append(
                    Block(
                        event,
                        offset,
                        100 * top / MINUTES_PER_DAY,
                        100 * length / MINUTES_PER_DAY,
                    )
                )
    return blocks


@staff_member_required
def user_week(request: HttpRequest, user_id: int) -> HttpResponse:
    User = get_user_model()
    student = get_object_or_404(User, pk=user_id)
    users = f"admin:{User._meta.app_label}_{User._meta.model_name}"
    crumbs = [
        (
            User._meta.app_config.verbose_name,
            reverse("admin:app_list", args=[User._meta.app_label]),
        ),
        (User._meta.verbose_name_plural.capitalize(), reverse(f"{users}_changelist")),
        (student.get_username(), reverse(f"{users}_change", args=[student.pk])),
        ("Week of events", ""),
    ]
    try:
        monday = week_monday(request.GET.get("date"), datetime.now(UTC).date())
    except BadDate as error:
        return bad_date_page(request, error, crumbs)
    start = datetime.combine(monday, time(), UTC)
    events = (
        CalendarEvent.objects.live()
        .filter(user=student, start_time__lt=start + timedelta(days=7), end_time__gt=start)
        .order_by("start_time")
    )
    days = [monday + timedelta(days=n) for n in range(7)]
    return staff_page(
        request,
        "staff/user_week.html",
        {
            "student": student,
            "days": days,
            "hours": range(24),
            "blocks": week_blocks(events, monday),
            "previous": monday - timedelta(days=7),
            "next": monday + timedelta(days=7),
        },
        title=f"{student.get_username()} (UserId {student.pk}), week of {monday:%-d %b %Y}, UTC",
        crumbs=crumbs,
    )
