"""Staff edit GRS in the admin, held to the API's rules and messages."""

import pytest

from calendars.models import Calendar, CalendarException, Package

from .conftest import api_client, url
from .factories import CalendarFactory, HolidayFactory, UserFactory

CHANGE = "/admin/calendars/calendar/{}/change/"
ADD = "/admin/calendars/calendar/add/"
INLINE = "exceptions"


@pytest.fixture
def staff(client, db):
    """Django's test client, logged in as a superuser (``client`` here is the API's)."""
    from django.test import Client

    admin = UserFactory(username="staff", is_staff=True, is_superuser=True)
    browser = Client()
    browser.force_login(admin)
    return browser


def form(calendar_values: dict, package, exceptions: list[dict] = (), initial: int = 0) -> dict:
    data = {
        "package": str(package.pk),
        f"{INLINE}-TOTAL_FORMS": str(len(exceptions)),
        f"{INLINE}-INITIAL_FORMS": str(initial),
        f"{INLINE}-MIN_NUM_FORMS": "0",
        f"{INLINE}-MAX_NUM_FORMS": "1000",
        **{k: "" if v is None else str(v) for k, v in calendar_values.items()},
    }
    for i, item in enumerate(exceptions):
        data.update({f"{INLINE}-{i}-{k}": "" if v is None else str(v) for k, v in item.items()})
    return data


GOOD = {
    "name": "Support desk",
    "week_starts": 2,
    "week_ends": 6,
    "day_starts_hour": 8,
    "day_starts_min": 0,
    "day_ends_hour": 18,
    "day_ends_min": 0,
    "time_zone_id": "PST",
}


def field_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, "the form was accepted"
    adminform = response.context["adminform"]
    return {name: list(errs) for name, errs in adminform.form.errors.items()}


def test_admin_pages_load(staff, calendar):
    HolidayFactory(calendar=calendar)
    for path in [
        "/admin/calendars/tenant/",
        "/admin/calendars/package/",
        "/admin/calendars/calendar/",
        CHANGE.format(calendar.pk),
        ADD,
        f"/admin/calendars/tenant/{calendar.package.tenant_id}/change/",
        "/admin/calendars/grssession/",
    ]:
        assert staff.get(path).status_code == 200, path


def test_add_calendar_with_an_exception(staff, package):
    holiday = {"name": "New Year", "type": "HOLIDAY", "placement": "ANNUAL",
               "annual_month": 1, "annual_day": 1}  # fmt: skip
    response = staff.post(ADD, form(GOOD, package, [holiday]))
    assert response.status_code == 302
    calendar = Calendar.objects.get()
    assert calendar.time_zone_id == "PST"
    assert calendar.exceptions.get().annual_day == 1


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "   ", "name must be specified"),
        ("week_starts", "0", "weekStarts is invalid. Must be between 1 and 7."),
        ("week_ends", "", "weekEnds is invalid. Must be between 1 and 7."),
        ("day_starts_hour", "abc", "dayStartsHour is invalid. Must be between 0 and 23."),
        ("day_ends_hour", "-1", "dayEndsHour is invalid. Must be between 0 and 23."),
        ("day_starts_min", "60", "dayStartsMin is invalid. Must be between 0 and 59."),
        ("day_ends_min", "7.5", "dayEndsMin is invalid. Must be between 0 and 59."),
        ("time_zone_id", "america/new_york", "Unrecognized time zone ID."),
        ("time_zone_id", "", "Unrecognized time zone ID."),
    ],
)
def test_calendar_form_uses_the_api_messages(staff, package, field, value, message):
    response = staff.post(ADD, form({**GOOD, field: value}, package))
    assert field_errors(response) == {field: [message]}
    assert not Calendar.objects.exists()


def test_exception_inline_uses_the_api_messages(staff, calendar):
    bad = {"name": "Day", "type": "HOLIDAY", "placement": "ANNUAL", "annual_month": 2,
           "annual_day": 30, "relative_month": 3}  # fmt: skip
    values = {k: getattr(calendar, k) for k in GOOD}
    response = staff.post(CHANGE.format(calendar.pk), form(values, calendar.package, [bad]))
    assert response.status_code == 200
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert inline_errors == [
        {
            "annual_day": ["annualDay is invalid. Must be a day of annualMonth."],
            "relative_month": ["relativeMonth must be null or 0 when placement is ANNUAL."],
        }
    ]
    assert not CalendarException.objects.exists()


def test_admin_refuses_a_zone_that_moves_a_fixed_date_outside_years_1_to_9999(staff, calendar):
    Calendar.objects.filter(pk=calendar.pk).update(time_zone_id="UTC")
    holiday = HolidayFactory(calendar=calendar, placement="FIXED", annual_month=None,
                             annual_day=None, fixed_date=-62_135_596_800_000)  # fmt: skip
    values = {**{k: getattr(calendar, k) for k in GOOD}, "time_zone_id": "America/New_York"}
    item = {"id": holiday.pk, "calendar": calendar.pk, "name": holiday.name, "type": "HOLIDAY",
            "placement": "FIXED", "fixed_date": holiday.fixed_date}  # fmt: skip
    response = staff.post(CHANGE.format(calendar.pk), form(values, calendar.package, [item], 1))
    assert response.status_code == 200
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert inline_errors == [
        {
            "fixed_date": [
                "fixedDate must name a day in the years 1 to 9999 in the calendar's time zone."
            ]
        }
    ]
    calendar.refresh_from_db()
    assert calendar.time_zone_id == "UTC"


def test_exception_inline_type_and_placement_messages(staff, calendar):
    bad = {"name": "", "type": "", "placement": "WEEKLY"}
    values = {k: getattr(calendar, k) for k in GOOD}
    response = staff.post(CHANGE.format(calendar.pk), form(values, calendar.package, [bad]))
    inline_errors = response.context["inline_admin_formsets"][0].formset.errors
    assert inline_errors == [
        {
            "name": ["name must be specified"],
            "type": ["type is invalid. Must be HOLIDAY or TIME_CHANGE."],
            "placement": ["placement is invalid. Must be FIXED, ANNUAL or RELATIVE."],
        }
    ]


def test_unlock_action(staff, user, package):
    locked, free = CalendarFactory(package=package), CalendarFactory(package=package)
    client = api_client(user)
    assert client.get(url(package, "lockcalendar", locked)).status_code == 204
    listing = staff.get("/admin/calendars/calendar/").content.decode()
    assert "locked by alice" in listing
    response = staff.post(
        "/admin/calendars/calendar/",
        {"action": "unlock", "_selected_action": [locked.pk, free.pk]},
        follow=True,
    )
    assert "Unlocked 1 calendar(s)." in response.content.decode()
    locked.refresh_from_db()
    assert locked.lock_user is None


def test_tenant_members_are_edited_in_the_admin(staff, tenant, user):
    other = UserFactory(username="carol")
    response = staff.post(
        f"/admin/calendars/tenant/{tenant.pk}/change/",
        {"name": tenant.name, "members": [user.pk, other.pk]},
    )
    assert response.status_code == 302
    assert set(tenant.members.values_list("username", flat=True)) == {"alice", "carol"}


def test_change_page_shows_the_working_week_and_next_exceptions(staff, package):
    from datetime import UTC, datetime, time, timedelta

    from django.utils import timezone

    from calendars.timezones import java_zone

    # Every day, 08:00-12:00 in UTC: seven blocks this week whatever today is.
    calendar = CalendarFactory(
        package=package,
        week_starts=1,
        week_ends=7,
        day_starts_hour=8,
        day_starts_min=0,
        day_ends_hour=12,
        day_ends_min=0,
        time_zone_id="UTC",
    )
    today = timezone.now().astimezone(java_zone("UTC")).date()
    for n, name in [(3, "Soon"), (40, "Later"), (400, "Next year")]:
        day = today + timedelta(days=n)
        noon = datetime.combine(day, time(12), UTC)
        CalendarException.objects.create(
            calendar=calendar, name=name, type="HOLIDAY", placement="FIXED",
            fixed_date=int(noon.timestamp() * 1000),
        )  # fmt: skip
    html = staff.get(CHANGE.format(calendar.pk)).content.decode()
    assert 'id="week"' in html
    # Seven days minus the holiday if it falls this week.
    this_week = (today + timedelta(days=3)).isocalendar()[:2] == today.isocalendar()[:2]
    assert html.count('class="block working"') == 7 - this_week
    assert html.count(">08:00-12:00</div>") == 7 - this_week
    assert 'id="next-exceptions"' in html
    upcoming = html[html.index('id="next-exceptions"') :]
    assert upcoming.index("Soon") < upcoming.index("Later") < upcoming.index("Next year")
    assert (today + timedelta(days=3)).strftime("%-d %b %Y") in upcoming


def test_add_page_has_no_week(staff, package):
    assert 'id="week"' not in staff.get(ADD).content.decode()


def _tenants(n):
    from .factories import TenantFactory

    for tenant in TenantFactory.create_batch(n):
        tenant.members.add(UserFactory())


def _packages(n):
    from .factories import PackageFactory

    PackageFactory.create_batch(n)


def _calendars(n):
    for calendar in CalendarFactory.create_batch(n):
        HolidayFactory(calendar=calendar)


def _sessions(n):
    from calendars import services

    for _ in range(n):
        services.grs_session_create(user=UserFactory())


@pytest.mark.parametrize(
    ("path", "make"),
    [
        ("/admin/calendars/tenant/", _tenants),
        ("/admin/calendars/package/", _packages),
        ("/admin/calendars/calendar/", _calendars),
        ("/admin/calendars/calendar/?q=Calendar", _calendars),
        ("/admin/calendars/grssession/", _sessions),
    ],
)
def test_changelist_query_count_does_not_grow(staff, django_assert_num_queries, path, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make(1)
    with CaptureQueriesContext(connection) as one:
        assert staff.get(path).status_code == 200
    make(40)
    with django_assert_num_queries(len(one.captured_queries)):
        response = staff.get(path)
    assert response.context["cl"].result_count >= 41


# Business nodes, templates, packages and the must-change-password flag ----------------


def test_business_node_template_and_package_pages(staff, package):
    from calendars.models import BusinessNode, Template

    root = package.tenant.root_node()
    template = Template.objects.create(tenant=package.tenant, name="XYZ", version=1)
    for path in [
        "/admin/calendars/businessnode/",
        "/admin/calendars/businessnode/add/",
        f"/admin/calendars/businessnode/{root.pk}/change/",
        "/admin/calendars/template/",
        f"/admin/calendars/template/{template.pk}/change/",
        "/admin/calendars/package/add/",
        f"/admin/calendars/package/{package.pk}/change/",
    ]:
        assert staff.get(path).status_code == 200, path
    response = staff.post(
        "/admin/calendars/businessnode/add/",
        {"tenant": package.tenant_id, "parent": root.pk, "name": "Finance"},
    )
    assert response.status_code == 302
    finance = BusinessNode.objects.get(name="Finance")
    response = staff.post(
        "/admin/calendars/package/add/",
        {
            "node": finance.pk,
            "name": "dmd",
            "type": "samples",
            "business_name": "XYZ",
            "description": "",
            "templates": [template.pk],
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Package.objects.get(name="dmd")
    assert (created.tenant, created.node, list(created.templates.all())) == (
        package.tenant,
        finance,
        [template],
    )
    # A second root for the tenant is refused with a clear message.
    response = staff.post(
        "/admin/calendars/businessnode/add/", {"tenant": package.tenant_id, "name": "Root 2"}
    )
    assert response.status_code == 200
    assert "root node already" in response.content.decode()


def test_staff_flag_must_change_password_on_the_user_page(staff, db):
    from calendars.models import GrsAccount

    user = UserFactory(username="dora")
    page = staff.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "must_change_password" in page.content.decode()
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data.update(
        {
            "username": "dora",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "grs_account-TOTAL_FORMS": "1",
            "grs_account-INITIAL_FORMS": "0",
            "grs_account-MIN_NUM_FORMS": "0",
            "grs_account-MAX_NUM_FORMS": "1",
            "grs_account-0-must_change_password": "on",
            "is_active": "on",
        }
    )
    data.pop("groups", None)
    data.pop("user_permissions", None)
    data.pop("last_login", None)
    response = staff.post(f"/admin/auth/user/{user.pk}/change/", data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    assert GrsAccount.objects.get(user=user).must_change_password is True
