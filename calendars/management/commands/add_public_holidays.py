import calendar
from datetime import tzinfo

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from calendars import public_holidays, rules, selectors, services
from calendars.engine import business_time
from calendars.engine.timezones import java_zone
from calendars.management import command_error
from calendars.models import CalendarException


class Command(BaseCommand):
    help = (
        "Add a country's public holidays (the holidays library) to a GRS calendar as "
        "exceptions named after them: ANNUAL or RELATIVE when a holiday keeps to such a rule, "
        "FIXED dates otherwise. Running it again adds nothing twice. A calendar another user "
        "has locked is refused unless --override-lock is given."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("calendar_id", help="the calendar's UUID or Calendar_N")
        parser.add_argument("--country", required=True, help="ISO 3166 code, e.g. US")
        parser.add_argument("--subdivision", help="e.g. NY (a state, province, region...)")
        parser.add_argument("--years", required=True, help="a year or FIRST-LAST, e.g. 2026-2030")
        parser.add_argument(
            "--user", help="act as this user: a lock held by their own API session is no obstacle"
        )
        parser.add_argument(
            "--override-lock",
            action="store_true",
            help="add the holidays even if another user holds the calendar's lock",
        )

    def handle(self, *args, calendar_id: str, country: str, subdivision: str | None, years: str,
               user: str | None, override_lock: bool, **options) -> None:  # fmt: skip
        found = selectors.calendar_get_any(calendar_id=calendar_id)
        if found is None:
            raise CommandError(rules.CALENDAR_NOT_FOUND)
        actor = None
        if user is not None:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}.")
        try:
            span = public_holidays.parse_years(years)
            created, present = services.calendar_public_holidays_add(
                calendar=found,
                country=country.upper(),
                subdivision=subdivision or None,
                years=span,
                user=actor,
                override=override_lock,
            )
        except ValidationError as error:
            raise command_error(error) from None
        except services.LockHeld:
            raise CommandError(
                f"{rules.LOCK_HELD}. Give --override-lock to add the holidays anyway."
            ) from None
        tz = java_zone(found.time_zone_id)
        for exception in created:
            self.stdout.write(f"  {_when(exception, tz)}  {exception.name}")
        self.stdout.write(
            f"Added {len(created)} holiday exception(s) to {found.external_id} "
            f"({present} already there)."
        )


def _when(exception: CalendarException, tz: tzinfo) -> str:
    if exception.placement == "ANNUAL":
        return f"every {exception.annual_month:02d}-{exception.annual_day:02d}"
    if exception.placement == "RELATIVE":
        day = rules.WEEK_DAY_NAMES[exception.relative_day_of_week - 1]
        month = calendar.month_name[exception.relative_month]
        return f"every {exception.relative_type.lower()} {day} of {month}"
    return f"on {business_time.local_date_of_epoch_ms(exception.fixed_date, tz)}"
