"""Public holidays from the holidays library as calendar exceptions: the command, the
admin action, the rules they keep (lock, duplicates, size) and what API clients see."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from calendars import public_holidays, rules
from calendars.engine.timezones import java_zone
from calendars.models import CalendarException
from tests.factories import CalendarFactory, UserFactory

from .conftest import api_client, scope, url

NY = java_zone("America/New_York")


def local_date(ms: int, tz) -> date:
    from calendars.engine.business_time import local_date_of_epoch_ms

    return local_date_of_epoch_ms(ms, tz)


def exceptions_by_name(**kwargs) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for item in public_holidays.holiday_exceptions(tz=NY, **kwargs):
        found.setdefault(item["name"], []).append(item)
    return found


def test_each_holiday_takes_the_placement_its_rule_allows():
    found = exceptions_by_name(country="US", subdivision="NY", years=range(2026, 2031))
    holiday = {"type": "HOLIDAY"}
    assert found["New Year's Day"] == [
        {"name": "New Year's Day", **holiday, "placement": "ANNUAL", "annualMonth": 1,
         "annualDay": 1}
    ]  # fmt: skip
    assert found["Martin Luther King Jr. Day"][0] | {"name": ""} == {
        "name": "", **holiday, "placement": "RELATIVE", "relativeType": "THIRD",
        "relativeDayOfWeek": 2, "relativeMonth": 1,
    }  # fmt: skip
    assert found["Memorial Day"][0]["relativeType"] == "LAST"
    assert found["Thanksgiving Day"][0]["relativeType"] == "FOURTH"  # not always the last
    assert found["Thanksgiving Day"][0]["relativeDayOfWeek"] == 5  # Thursday
    # The Tuesday after the first Monday of November: no GRS rule says that.
    election = found["Election Day"]
    assert [item["placement"] for item in election] == ["FIXED"] * 5
    days = [local_date(item["fixedDate"], NY) for item in election]
    assert days == [date(2026, 11, 3), date(2027, 11, 2), date(2028, 11, 7),
                    date(2029, 11, 6), date(2030, 11, 5)]  # fmt: skip
    # Observed days come and go: FIXED, on their dates only.
    observed = found["Independence Day (observed)"]
    assert [local_date(i["fixedDate"], NY) for i in observed] == [
        date(2026, 7, 3),
        date(2027, 7, 5),
    ]


def test_one_year_is_judged_on_eight():
    # In 2026 Memorial Day (25 May) is also the fourth Monday; over eight years it is the last.
    found = exceptions_by_name(country="US", subdivision=None, years=range(2026, 2027))
    assert found["Memorial Day"][0]["relativeType"] == "LAST"
    assert found["Christmas Day"][0]["placement"] == "ANNUAL"


def test_fixed_dates_are_local_midnight_in_the_calendars_zone():
    tokyo = exceptions_by_name(country="JP", subdivision=None, years=range(2026, 2027))
    # Vernal Equinox Day moves with the sun: FIXED.
    (equinox,) = tokyo["Vernal Equinox Day"]
    assert equinox["placement"] == "FIXED"
    assert equinox["fixedDate"] == public_holidays.local_midnight_ms(date(2026, 3, 20), NY)


@pytest.mark.parametrize(
    ("value", "years"),
    [("2026", range(2026, 2027)), ("2026-2030", range(2026, 2031)), (" 1 - 100 ", range(1, 101))],
)
def test_years(value, years):
    assert public_holidays.parse_years(value) == years


@pytest.mark.parametrize("value", ["", "2030-2026", "2026-2126", "0", "10000", "2026..2030", "x"])
def test_bad_years(value):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as info:
        public_holidays.parse_years(value)
    assert info.value.messages == [rules.HOLIDAY_YEARS_INVALID]


def run(*args) -> str:
    out = StringIO()
    call_command("add_public_holidays", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def new_york(package):
    return CalendarFactory(package=package, office=True, time_zone_id="America/New_York")


def test_command_adds_the_holidays_once_and_api_clients_see_them(new_york, client):
    before = client.get(url(new_york.package, "businesscalendarbody", new_york)).json()
    assert before["exceptions"] == []
    at = "2026-07-03T14:00:00Z"  # Friday 10:00 EDT, Independence Day observed
    working = f"{scope(new_york.package)}/calendar/{new_york.external_id}/working?at={at}"
    assert client.get(working).json()["working"] is True
    updated = new_york.updated_at

    out = run(
        new_york.external_id, "--country", "US", "--subdivision", "NY", "--years", "2026-2030"
    )

    lines = out.splitlines()
    assert (
        lines[-1] == f"Added 26 holiday exception(s) to {new_york.external_id} (0 already there)."
    )
    assert "  every 01-01  New Year's Day" in lines
    assert "  every fourth Thursday of November  Thanksgiving Day" in lines
    assert "  on 2026-07-03  Independence Day (observed)" in lines
    body = client.get(url(new_york.package, "businesscalendarbody", new_york)).json()
    names = [item["name"] for item in body["exceptions"]]
    assert len(names) == 26 and names[0] == "New Year's Day"
    assert client.get(working).json()["working"] is False
    new_york.refresh_from_db()
    assert new_york.updated_at > updated

    again = run(str(new_york.uuid), "--country", "US", "--subdivision", "NY", "--years", "2026")
    assert again.splitlines() == [
        f"Added 0 holiday exception(s) to {new_york.external_id} (15 already there)."
    ]
    assert CalendarException.objects.count() == 26
    # A later span adds that span's dates only.
    later = run(new_york.external_id, "--country", "US", "--subdivision", "NY", "--years", "2031")
    assert later.splitlines()[-1].startswith("Added 1 holiday exception(s)")  # Election Day


def test_a_holiday_the_calendar_has_under_another_name_is_not_added(new_york):
    CalendarException.objects.create(
        calendar=new_york, name="Xmas", type="HOLIDAY", placement="ANNUAL",
        annual_month=12, annual_day=25,
    )  # fmt: skip
    CalendarException.objects.create(
        calendar=new_york, name="Vote", type="HOLIDAY", placement="FIXED",
        fixed_date=public_holidays.local_midnight_ms(date(2026, 11, 3), NY) + 3600_000,
    )  # fmt: skip
    out = run(new_york.external_id, "--country", "US", "--subdivision", "NY", "--years", "2026")
    assert out.splitlines()[-1].endswith("(2 already there).")
    names = list(CalendarException.objects.values_list("name", flat=True))
    assert "Christmas Day" not in names and "Election Day" not in names


def test_locked_calendar_is_refused_unless_overridden(new_york, user, other):
    locker = api_client(other)
    assert locker.get(url(new_york.package, "lockcalendar", new_york)).status_code == 204
    args = [new_york.external_id, "--country", "US", "--years", "2026"]

    with pytest.raises(CommandError) as info:
        run(*args)
    assert str(info.value) == f"{rules.LOCK_HELD}. Give --override-lock to add the holidays anyway."
    with pytest.raises(CommandError):
        run(*args, "--user", user.username)
    assert not CalendarException.objects.exists()

    # The lock holder's own lock is no obstacle to them; an override passes any lock.
    assert run(*args, "--user", other.username).splitlines()[-1].startswith("Added 1")
    CalendarException.objects.all().delete()
    assert run(*args, "--override-lock").splitlines()[-1].startswith("Added 1")
    new_york.refresh_from_db()
    assert new_york.lock_user == other  # the lock stays where it was
    assert new_york.lock_is_live()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "XX", "--years", "2026"], rules.country_unknown("XX")),
        (["--country", "US", "--subdivision", "ZZ", "--years", "2026"],
         "Unknown subdivision 'ZZ' of US; its subdivisions are: AK, AL,"),
        (["--country", "US", "--years", "2026-1990"], rules.HOLIDAY_YEARS_INVALID),
    ],
)  # fmt: skip
def test_command_errors_use_the_rules_messages(new_york, args, message):
    with pytest.raises(CommandError) as info:
        run(new_york.external_id, *args)
    assert str(info.value).startswith(message)
    assert not CalendarException.objects.exists()


def test_unknown_calendar_and_user(new_york):
    with pytest.raises(CommandError, match=rules.CALENDAR_NOT_FOUND):
        run("Calendar_999999", "--country", "US", "--years", "2026")
    with pytest.raises(CommandError, match=r"No user named 'nobody'\."):
        run(new_york.external_id, "--country", "US", "--years", "2026", "--user", "nobody")


def test_more_than_the_exception_limit_is_refused_whole(new_york):
    CalendarException.objects.bulk_create(
        CalendarException(calendar=new_york, name=f"Day {n}", type="HOLIDAY", placement="FIXED",
                          fixed_date=n * 86_400_000)
        for n in range(rules.MAX_EXCEPTIONS - 5)
    )  # fmt: skip
    with pytest.raises(CommandError) as info:
        run(new_york.external_id, "--country", "US", "--years", "2026-2030")
    assert "exceptions must be a list of at most 1000 exceptions." in str(info.value)
    assert CalendarException.objects.count() == rules.MAX_EXCEPTIONS - 5


# --- the admin action -------------------------------------------------------------------

CHANGELIST = "/admin/calendars/calendar/"


@pytest.fixture
def staff(db):
    browser = Client()
    browser.force_login(UserFactory(username="staff", is_staff=True, is_superuser=True))
    return browser


def act(staff, calendars, **choices):
    data = {"action": "add_public_holidays", "_selected_action": [c.pk for c in calendars]}
    if choices:
        data = {**data, "apply": "Add holidays", **choices}
    return staff.post(CHANGELIST, data, follow=bool(choices))


def test_admin_action_asks_then_adds(staff, new_york, package):
    paris = CalendarFactory(package=package, time_zone_id="Europe/Paris")
    page = act(staff, [new_york, paris])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="country"' in html and '<option value="US">United States (US)</option>' in html
    assert 'value="add_public_holidays"' in html

    done = act(staff, [new_york, paris], country="US", subdivision="NY", years="2026")
    text = done.content.decode()
    assert f"{new_york}: added 15 holiday exception(s) (0 already there)." in text
    assert f"{paris}: added 15 holiday exception(s) (0 already there)." in text
    assert new_york.exceptions.count() == paris.exceptions.count() == 15
    again = act(staff, [new_york], country="US", subdivision="NY", years="2026")
    assert f"{new_york}: added 0 holiday exception(s) (15 already there)." in again.content.decode()


def test_admin_action_form_errors(staff, new_york):
    page = act(staff, [new_york], country="US", subdivision="ZZ", years="2026-3000")
    html = page.content.decode()
    assert rules.HOLIDAY_YEARS_INVALID in html
    assert "Unknown subdivision &#x27;ZZ&#x27; of US" in html
    assert not CalendarException.objects.exists()


def test_admin_action_respects_the_lock(staff, new_york, other, tenant):
    assert api_client(other).get(url(new_york.package, "lockcalendar", new_york)).status_code == 204
    refused = act(staff, [new_york], country="US", years="2026")
    assert f"{new_york}: {rules.LOCK_HELD_OVERRIDE}" in refused.content.decode()
    assert not CalendarException.objects.exists()

    # Overriding needs OVERRIDE_LOCKS: a staff user without it is told so.
    from django.contrib.auth.models import Permission

    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_calendar", "change_calendar"])
    )
    clerk_client = Client()
    clerk_client.force_login(clerk)
    denied = act(clerk_client, [new_york], country="US", years="2026", override_lock="on")
    assert rules.permission_missing("OVERRIDE_LOCKS") in denied.content.decode()
    assert not CalendarException.objects.exists()

    done = act(staff, [new_york], country="US", years="2026", override_lock="on")
    assert f"{new_york}: added 12 holiday exception(s)" in done.content.decode()


def test_admin_action_keeps_a_request_short(staff, package, monkeypatch):
    monkeypatch.setattr(rules, "HOLIDAY_ACTION_MAX", 2)
    calendars = CalendarFactory.create_batch(3, package=package)
    page = act(staff, calendars, country="US", years="2026")
    assert page.status_code == 200
    assert "3 calendars are selected; add holidays to at most 2 at a time here" in (
        page.content.decode()
    )
    assert not CalendarException.objects.exists()
