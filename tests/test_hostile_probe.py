"""What a careful attacker tries next (issue 10): hostile values in every field and
parameter of both families, and in the ids of their paths. Every answer is a 4xx or 2xx
in the family's JSON: none is a 5xx. Each test sends hundreds of requests and reports
all the 5xx it saw at once."""

import itertools
import json

import pytest
from django.core.cache import cache
from django.test import Client

from calendars.models import Calendar
from tests.calendars.conftest import ALL, VENDOR_REQUEST, api_client, member
from tests.events.conftest import client_for, grant
from tests.factories import CalendarFactory, PackageFactory, UserFactory

# Strings an attacker sends: control bytes, unstorable Unicode, nested JSON, markup,
# formats that parsers half-accept, sizes around the columns' limits.
STRINGS = [
    "", " ", "\x00", "a\x00b", "\x01\x1f\x7f", "\r\n", "\u2028", "\ud800", "a\udfff",
    "\ufeff", "\U0010ffff", '{"ExternalId": "x"}', "[1, 2]", "null", "NaN", "Infinity",
    "1e400", "-0", "0x10", "<script>", "' OR 1=1 --", "%00", "../../etc/passwd", "x" * 256,
    "x" * 10_000, "9" * 5000,
]  # fmt: skip
NUMBERS = [0, -1, 2**31, 2**53 + 1, 2**63, 2**64, -(2**63) - 1, 10**400, 1.5, 1e308, -1e308]
OTHERS = [None, True, False, [], {}, [1], {"a": 1}, [[[[]]]]]
VALUES = STRINGS + NUMBERS + OTHERS

# Instants at the edges of every offset (the local date of year 1 or 9999 in one zone is
# year 0 or 10000 in UTC), and near-misses of ISO 8601.
INSTANTS = [
    f"{date}T{clock}{offset}"
    for date, clock in [("0001-01-01", "00:00:00"), ("9999-12-31", "23:59:59"),
                        ("2026-03-08", "02:30:00"), ("2024-02-29", "12:00:00")]
    for offset in ["Z", "+14:00", "-12:00", "+23:59", "-23:59", "+00:00", ""]
] + [
    "0000-01-01T00:00:00Z", "10000-01-01T00:00:00Z", "2026-02-30T00:00:00Z",
    "2026-01-01T24:00:00Z", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00.9999999Z",
    "2026-01-01", "1", "-1", "2026-W01-1T00:00:00Z", "\uff12\uff10\uff12\uff16-01-01T00:00:00Z",
]  # fmt: skip


def is_json(response) -> bool:
    # GRS answers application/json; 12Twenty names its charset, as the vendor's example does.
    return response.get("Content-Type") in ("application/json", "application/json; charset=utf-8")


def encodable(value: str) -> bool:
    return "\ud800" not in value and "\udfff" not in value


# (A URL carries bytes: a surrogate arrives as %ED%A0%80, decoded to U+FFFD by Django.)
QUERY_VALUES = (
    [value for value in STRINGS if len(value) < 10_000 and encodable(value)]
    + INSTANTS
    + [
        "%ED%A0%80",
        str(2**64),
        "-" + str(2**63),
        "0",
        "1e3",
        "٣",
    ]
)

EVENT = {
    "ExternalId": "probe", "UserId": 1, "TypeId": 1, "Title": "t",
    "StartTime": "2026-06-10T20:00:00Z", "EndTime": "2026-06-10T22:00:00Z",
}  # fmt: skip


class Probe:
    def __init__(self) -> None:
        self.sent = 0
        self.failures: list[str] = []

    def check(self, response, what: str) -> None:
        self.sent += 1
        if response.status_code >= 500:
            self.failures.append(f"{response.status_code} {what}: {response.content[:200]!r}")
        elif response.status_code >= 400 and not is_json(response):
            self.failures.append(f"{response.status_code} not JSON {what}")

    def done(self) -> None:
        print(f"{self.sent} requests, {len(self.failures)} failures")
        assert not self.failures, "\n".join(self.failures[:40])


def raw(value) -> str:
    return json.dumps(value, ensure_ascii=True)  # lone surrogates as \\ud800 escapes


@pytest.fixture(autouse=True)
def no_throttle(db, settings):
    settings.CREDENTIALS_RATE = "100000/minute"
    cache.clear()


def test_events_family_never_answers_5xx(db):
    probe = Probe()
    integration = UserFactory(username="integration")
    grant(integration, "add_calendarevent", "change_calendarevent", "view_calendarevent",
          "delete_calendarevent")  # fmt: skip
    student = UserFactory(username="ada")
    client = client_for(integration)
    batch = "/api/v2/calendar-events/batch"

    def put(body: str, what: str) -> None:
        response = client.generic("PUT", batch, body, content_type="application/json")
        probe.check(response, what)

    for field, value in itertools.product(EVENT, VALUES):
        put(raw([{**EVENT, "UserId": student.pk, field: value}]), f"batch {field}={value!r:.40}")
    for value in VALUES:
        key = value if isinstance(value, str) else str(value)
        put(raw([{**EVENT, "UserId": student.pk, key: 1}]), f"batch key {key!r:.40}")
        probe.check(client.generic("DELETE", batch, raw([value]), content_type="application/json"),
                    f"delete {value!r:.40}")  # fmt: skip
    for field, value in itertools.product(["StartTime", "EndTime"], INSTANTS):
        put(raw([{**EVENT, "UserId": student.pk, field: value}]), f"batch {field}={value}")
    # The same key twice, exactly and in two spellings; in every position.
    for field in EVENT:
        for spelling in (field, field.lower(), field.upper()):
            body = raw([{**EVENT, "UserId": student.pk}])[:-2]
            put(f'{body}, "{spelling}": "y"}}]', f"batch {field} twice as {spelling}")
    for name, value in itertools.product(
        ["UserId", "TypeId", "From", "To", "UpdatedSince", "IncludeDeleted", "Ordering",
         "PageSize", "Cursor", "userid", "PAGESIZE", "unknown"],
        QUERY_VALUES,
    ):  # fmt: skip
        probe.check(
            client.get("/api/v2/calendar-events", {name: value}), f"list {name}={value!r:.40}"
        )
    for event_id in ["0", "-1", str(2**63), str(2**64), "9" * 400, "%00", "1.5", "1e3"]:
        probe.check(client.get(f"/api/v2/calendar-events/{event_id}"), f"detail {event_id}")
    for secret in ["%00", "%ff", "x" * 5000, "..", "%2e%2e", "\u00e9"]:
        probe.check(
            Client().get(f"/api/v2/calendar-events/feeds/{secret}.ics"), f"feed {secret:.20}"
        )
    for key in QUERY_VALUES:
        probe.check(Client().get("/api/client/generateAuthenticationToken", {"key": key}),
                    f"key {key!r:.40}")  # fmt: skip
    probe.done()


def test_grs_family_never_answers_5xx(db):
    probe = Probe()
    package = PackageFactory()
    user = member(package.tenant, *ALL, username="alice")
    client = api_client(user)
    scope = f"/grs/v1/tenant/{package.tenant_id}/package/{package.pk}"
    calendar = CalendarFactory(package=package)
    cid = calendar.external_id
    probe.check(client.get(f"{scope}/lockcalendar/{cid}"), "lock")

    def send(method: str, path: str, body: str, what: str) -> None:
        response = client.generic(method, path, body, content_type="application/json")
        probe.check(response, what)

    # Create and modify share their rules: each pair goes to one of them, in turn.
    for n, (field, value) in enumerate(itertools.product(VENDOR_REQUEST, VALUES)):
        body = raw({**VENDOR_REQUEST, field: value})
        if n % 2:
            send("POST", f"{scope}/calendar", body, f"create {field}={value!r:.40}")
        else:
            send("PUT", f"{scope}/calendar/{cid}", body, f"modify {field}={value!r:.40}")
    for field in VENDOR_REQUEST:
        for spelling in (field, field.lower(), field.upper()):
            body = raw(VENDOR_REQUEST)[:-1] + f', "{spelling}": 1}}'
            send("POST", f"{scope}/calendar", body, f"create {field} twice as {spelling}")
    for key in (value for value in STRINGS if len(value) < 300):  # odd keys, surrogates too
        send(
            "POST", f"{scope}/calendar", raw({**VENDOR_REQUEST, key: 1}), f"create key {key!r:.40}"
        )
        body = raw({"exceptions": [{"name": "x", "type": "HOLIDAY", key: 1}], key: 1})
        send("PUT", f"{scope}/businesscalendarbody/{cid}", body, f"body key {key!r:.40}")
    holiday = {"name": "Xmas", "type": "HOLIDAY", "placement": "ANNUAL", "annualMonth": 12,
               "annualDay": 25}  # fmt: skip
    fields = ["name", "type", "placement", "fixedDate", "annualMonth", "annualDay",
              "relativeType", "relativeDayOfWeek", "relativeMonth", "startHour", "startMin",
              "endHour", "endMin", "unknown"]  # fmt: skip
    edges = [-62135596800000, 253402300799999, -(2**63), 2**63 - 1, 2**63]
    for field, value in itertools.product(fields, VALUES + edges):
        body = raw({"exceptions": [{**holiday, field: value}]})
        send("PUT", f"{scope}/businesscalendarbody/{cid}", body, f"body {field}={value!r:.40}")
    for value in VALUES:
        send("PUT", f"{scope}/businesscalendarbody/{cid}", raw({"exceptions": value}),
             f"body exceptions={value!r:.40}")  # fmt: skip
        send("PUT", f"{scope}/businesscalendarbody/{cid}", raw(value), f"body={value!r:.40}")
    questions = {
        "working": {"at": "2026-03-06T12:00:00Z"},
        "next-working": {"after": "2026-03-06T12:00:00Z"},
        "add": {"start": "2026-03-06T12:00:00Z", "minutes": "90"},
        "duration": {"start": "2026-03-06T12:00:00Z", "end": "2026-03-09T12:00:00Z"},
    }
    for action, params in questions.items():
        for name, value in itertools.product(params, QUERY_VALUES):
            probe.check(client.get(f"{scope}/calendar/{cid}/{action}", {**params, name: value}),
                        f"{action} {name}={value!r:.40}")  # fmt: skip
    for bad in ["%00", "Calendar_" + "9" * 40, "Calendar_-1", "Calendar_0", "x" * 5000, "%ff",
                "00000000-0000-0000-0000-000000000000", "Calendar_1e3"]:  # fmt: skip
        paths = [
            f"{scope}/calendar/{bad}",
            f"{scope}/businesscalendarbody/{bad}",
            f"{scope}/lockcalendar/{bad}",
            f"/grs/v1/tenant/{bad}/package/{bad}/calendars",
            f"/grs/v1/permissions/{bad}",
            f"{scope}/calendar/{bad}/working?at=2026-01-01T00:00:00Z",
        ]
        for path in paths:
            probe.check(client.get(path), f"GET {path:.80}")
    assert Calendar.objects.count() >= 1
    probe.done()
