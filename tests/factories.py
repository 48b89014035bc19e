"""The suite's factories, for both API families: one way to make each kind of row."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from calendars.models import Calendar, CalendarException, Package, Tenant
from events.models import CalendarEvent

PASSWORD = "secret-password-1"


class UserFactory(factory.django.DjangoModelFactory):
    """A user, found again by username if it exists (``UserFactory(username="ada")`` twice
    is one user). ``staff=True`` makes a superuser who can use the admin."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    class Params:
        staff = factory.Trait(is_staff=True, is_superuser=True)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(PASSWORD)


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")


class PackageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Package

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Package {n}")


class CalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Calendar

    class Params:
        # Monday to Friday, 09:00-17:00: the calendar most tests and benchmarks ask.
        office = factory.Trait(day_ends_min=0)

    package = factory.SubFactory(PackageFactory)
    name = factory.Sequence(lambda n: f"Calendar {n}")
    week_starts = 2
    week_ends = 6
    day_starts_hour = 9
    day_starts_min = 0
    day_ends_hour = 17
    day_ends_min = 30
    time_zone_id = "Europe/Paris"


class HolidayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarException

    calendar = factory.SubFactory(CalendarFactory)
    name = "New Year's Day"
    type = "HOLIDAY"
    placement = "ANNUAL"
    annual_month = 1
    annual_day = 1


class EventFactory(factory.django.DjangoModelFactory):
    """A 12Twenty event written straight to the database: an hour from now unless told."""

    class Meta:
        model = CalendarEvent

    external_id = factory.Sequence(lambda n: f"event-{n}")
    user = factory.SubFactory(UserFactory)
    type_id = 1
    title = factory.LazyAttribute(lambda event: f"Event {event.external_id}")
    start_time = factory.LazyFunction(timezone.now)
    end_time = factory.LazyAttribute(lambda event: event.start_time + timedelta(hours=1))
