import factory
from django.contrib.auth import get_user_model

from calendars.models import Calendar, CalendarException, Package, Tenant

PASSWORD = "secret-password-1"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"grs-user{n}")
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
