import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import ApiKey, CalendarEvent
from events.services import api_token_issue
from tests.factories import EventFactory, UserFactory


def test_admin_event_uses_the_batch_messages(student):
    now = timezone.now()
    event = CalendarEvent(
        external_id="a", user=student, type_id=1, start_time=now, end_time=now, title=" "
    )
    with pytest.raises(ValidationError) as info:
        event.full_clean()
    assert info.value.message_dict["end_time"] == ["StartTime must be before EndTime"]
    assert info.value.message_dict["title"] == ["Title is required."]


def test_admin_creates_an_api_key_shown_once(staff_client):
    owner = UserFactory(username="school")
    response = staff_client.post(
        "/admin/events/apikey/add/", {"user": owner.pk, "name": "sis"}, follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    key = text.split("The new API key is ")[1].split(" ")[0]
    assert api_token_issue(key=key)
    assert ApiKey.objects.get().prefix == key[:12]
    # Not shown again on the key's page.
    page = staff_client.get(f"/admin/events/apikey/{ApiKey.objects.get().pk}/change/")
    assert key not in page.content.decode()


def test_admin_revokes_api_keys(staff_client):
    from events.services import api_key_create

    api_key, key = api_key_create(user=UserFactory(username="school"))
    staff_client.post(
        "/admin/events/apikey/",
        {"action": "revoke", "_selected_action": [api_key.pk]},
    )
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert api_token_issue(key=key) is None


def test_admin_event_changelist_filters_and_search(staff_client, student):
    now = timezone.now()
    EventFactory(
        external_id="find-me",
        user=student,
        type_id=2,
        start_time=now,
        title="Interview",
    )
    response = staff_client.get("/admin/events/calendarevent/", {"q": "find", "type_id": 2})
    assert response.status_code == 200
    assert "find-me" in response.content.decode()
    response = staff_client.get("/admin/events/calendarevent/", {"type_id": 1})
    assert "find-me" not in response.content.decode()


def many_events(first: int, count: int) -> None:
    start = timezone.now()
    CalendarEvent.objects.bulk_create(
        CalendarEvent(
            external_id=f"e{i}",
            user=UserFactory(username=f"s{i % 7}"),
            type_id=1 + i % 3,
            start_time=start + timezone.timedelta(days=40 * i),
            end_time=start + timezone.timedelta(days=40 * i, hours=1),
            title=f"Event {i}",
            deleted_at=start if i % 5 == 0 else None,
        )
        for i in range(first, first + count)
    )


def many_api_keys(first: int, count: int) -> None:
    from events.services import api_key_create

    for i in range(first, first + count):
        api_key_create(user=UserFactory(username=f"school{i}"))


def many_feed_tokens(first: int, count: int) -> None:
    from events.services import feed_token_create

    for i in range(first, first + count):
        feed_token_create(user=UserFactory(username=f"s{i}"))


@pytest.mark.parametrize(
    ("url", "make"),
    [
        ("/admin/events/calendarevent/", many_events),
        ("/admin/events/calendarevent/?status=live&type_id=1", many_events),
        ("/admin/events/calendarevent/?q=Event", many_events),
        ("/admin/events/calendarevent/?q=e1", many_events),
        ("/admin/events/calendarevent/?status=deleted", many_events),
        ("/admin/events/apikey/", many_api_keys),
        ("/admin/events/feedtoken/", many_feed_tokens),
    ],
)
def test_changelist_query_count_does_not_grow(staff_client, django_assert_num_queries, url, make):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make(0, 1)
    with CaptureQueriesContext(connection) as one:
        assert staff_client.get(url).status_code == 200
    make(1, 60)

    with django_assert_num_queries(len(one.captured_queries)):
        response = staff_client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count > 10


def test_admin_delete_leaves_a_tombstone_then_purges_it(staff_client, student):
    now = timezone.now()
    event = EventFactory(
        external_id="a",
        user=student,
        start_time=now,
        title="A",
    )
    url = f"/admin/events/calendarevent/{event.pk}/delete/"

    assert staff_client.get(url).status_code == 200  # the confirmation page
    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    tombstone = CalendarEvent.objects.get()
    change_page = staff_client.get(f"/admin/events/calendarevent/{event.pk}/change/")
    assert change_page.status_code == 200
    assert tombstone.deleted_at is not None
    assert tombstone.updated_at == tombstone.deleted_at
    assert "a" in str(
        staff_client.get("/admin/events/calendarevent/", {"status": "deleted"})
        .context["cl"]
        .result_list
    )
    assert (
        not staff_client.get("/admin/events/calendarevent/", {"status": "live"})
        .context["cl"]
        .result_count
    )

    assert staff_client.post(url, {"post": "yes"}).status_code == 302
    assert not CalendarEvent.objects.exists()


def test_admin_delete_action_on_live_and_deleted_events(staff_client, student):
    now = timezone.now()
    for name, deleted_at in [("live", None), ("dead", now)]:
        EventFactory(
            external_id=name,
            user=student,
            start_time=now,
            title=name,
            deleted_at=deleted_at,
        )
    staff_client.post(
        "/admin/events/calendarevent/",
        {
            "action": "delete_selected",
            "_selected_action": list(CalendarEvent.objects.values_list("pk", flat=True)),
            "post": "yes",
        },
    )
    [remaining] = CalendarEvent.objects.all()
    assert remaining.external_id == "live"
    assert remaining.deleted_at is not None


def test_event_changelist_never_counts_the_whole_table(staff_client, student):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    many_events(0, 30)
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/events/calendarevent/", {"type_id": 1})
    assert response.status_code == 200
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # One count, of the filtered matches, read no further than the paginator's cap.
    assert len(counts) == 1 and "LIMIT 10001" in counts[0], counts
    assert "date_hierarchy" not in response.content.decode()


def test_event_changelist_count_stops_at_the_cap(staff_client, student, monkeypatch):
    from events.admin import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    many_events(0, 5)
    response = staff_client.get("/admin/events/calendarevent/")
    assert response.context["cl"].result_count == 3
    assert "3+ calendar events" in response.content.decode()
    response = staff_client.get("/admin/events/calendarevent/", {"type_id": 2})
    assert response.context["cl"].result_count == 2


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("e12", ["e12"]),  # exact
        ("e1", ["e1", "e10", "e11", "e12"]),  # prefix
        ("x-e1", []),  # not in the middle of an ExternalId
        ("event 11", ["e11"]),  # words of the title, any case
        ("EVENT", [f"e{i}" for i in range(13)]),
    ],
)
def test_event_search_by_external_id_or_title_words(staff_client, student, term, found):
    many_events(0, 13)
    response = staff_client.get("/admin/events/calendarevent/", {"q": term})
    shown = sorted(str(event) for event in response.context["cl"].result_list)
    assert shown == sorted(found)


def test_student_filter_is_an_autocomplete(staff_client, student, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    many_events(0, 30)  # seven students
    someone = CalendarEvent.objects.get(external_id="e3").user

    with CaptureQueriesContext(connection) as queries:
        page = staff_client.get("/admin/events/calendarevent/").content.decode()
    unfiltered = len(queries.captured_queries)
    assert "admin-autocomplete" in page and "data-student-filter" in page
    assert "events/student_filter.js" in page
    assert "?user__id__exact=" not in page  # no link per student

    response = staff_client.get("/admin/events/calendarevent/", {"user__id__exact": someone.pk})
    assert {event.user_id for event in response.context["cl"].result_list} == {someone.pk}
    # The chosen student is shown in the widget.
    assert f'<option value="{someone.pk}" selected>{someone}</option>' in (
        response.content.decode()
    )
    with django_assert_num_queries(unfiltered + 1):  # the chosen student, by its key
        staff_client.get("/admin/events/calendarevent/", {"user__id__exact": someone.pk})
    response = staff_client.get("/admin/events/calendarevent/", {"user__id__exact": "x"})
    assert response.status_code == 200 and not response.context["cl"].result_list

    # The widget's suggestions: the users' admin search.
    suggestions = staff_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "events",
            "model_name": "calendarevent",
            "field_name": "user",
            "term": someone.username,
        },
    ).json()
    assert {"id": str(someone.pk), "text": str(someone)} in suggestions["results"]


def _page_query(staff_client, params: dict) -> tuple[list[str], str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/admin/events/calendarevent/", params)
    assert response.status_code == 200
    [page] = [q["sql"] for q in queries if q["sql"].startswith('SELECT "events_calendarevent"')]
    return [str(event) for event in response.context["cl"].result_list], page


@pytest.mark.parametrize("cap", [10_000, 3])
def test_event_changelist_page_keeps_its_order_whether_matches_are_few_or_many(
    staff_client, student, monkeypatch, cap
):
    from events.admin import CalendarEventAdmin, CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", cap)
    monkeypatch.setattr(CalendarEventAdmin, "list_per_page", 2)
    many_events(0, 13)
    later = timezone.now() + timezone.timedelta(days=1000)
    CalendarEvent.objects.filter(external_id__in=["e3", "e4"]).update(
        start_time=later, end_time=later + timezone.timedelta(hours=1)
    )
    shown, page = _page_query(staff_client, {"q": "event"})
    newest_first = CalendarEvent.objects.order_by("-start_time", "-pk")
    assert shown == [str(event) for event in newest_first[:2]]
    assert shown == ["e4", "e3"]  # same start: the larger id first
    # Few matches (13, under the cap) are fetched and sorted, by an order no index
    # serves; past the cap the page is read along the start-time index.
    assert ("ORDER BY COALESCE(" in page) == (cap > 13), page


def test_event_changelist_sorts_only_by_the_columns_an_index_serves(staff_client, student):
    many_events(0, 13)
    page = staff_client.get("/admin/events/calendarevent/").content.decode()
    # Sort links on ExternalId, user and when; none on type, title or deleted.
    assert page.count('class="sortable') == 3
    by_start = [str(e) for e in CalendarEvent.objects.order_by("-start_time", "-pk")]
    by_external_id = [str(e) for e in CalendarEvent.objects.order_by("external_id")]
    columns = ["external_id", "student", "type_id", "when", "title", "deleted"]
    assert _page_query(staff_client, {"o": columns.index("external_id") + 1})[0] == by_external_id
    # A sort by a column left out (by a hand-made URL) is ignored, not run.
    for column in ("type_id", "title", "deleted"):
        shown, page = _page_query(staff_client, {"o": columns.index(column) + 1})
        assert shown == by_start, column
        assert column.replace("deleted", "deleted_at") not in page.split("ORDER BY")[1], page


def test_an_unindexed_order_is_the_same_order(db):
    """events/admin.py:_order_unindexed rewrites a model's own columns only: a relation
    orders by its model's ordering (a package by tenant and name), not by its key."""
    from calendars.models import Calendar
    from events.admin import _order_unindexed
    from tests.factories import CalendarFactory, PackageFactory, TenantFactory

    tenant = TenantFactory()
    zebra, apple = (
        PackageFactory(tenant=tenant, name="zebra"),
        PackageFactory(tenant=tenant, name="apple"),
    )
    for package in (zebra, apple, zebra):
        CalendarFactory(package=package)
    for ordering in (["package", "-pk"], ["-name", "pk"], ["-package", "pk"]):
        ordered = Calendar.objects.order_by(*ordering)
        assert list(_order_unindexed(ordered)) == list(ordered), ordering
    assert "COALESCE" in str(_order_unindexed(Calendar.objects.order_by("-name")).query)
