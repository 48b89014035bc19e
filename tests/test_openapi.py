"""The OpenAPI document: generated without warnings, valid, complete (every URL of both
families), in each family's error shape, with the vendors' examples; its page loads."""

import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

from calendarsite.schema import openapi_path
from tests import browser as browsing
from tests.calendars.conftest import VENDOR_REQUEST, VENDOR_RESPONSE

META = {"/api/schema/", "/api/docs/"}  # the document and its page, not API operations
METHODS = ("get", "post", "put", "patch", "delete")
browser = browsing.browser  # headless chromium, a module-scoped fixture


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def api_routes(patterns=None, prefix=""):
    """(OpenAPI path, methods) of every URL pattern of both families."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from api_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith(("grs/", "api/")):
            view = getattr(entry.callback, "cls", None)
            methods = {m for m in METHODS if hasattr(view, m)} if view else {"get"}
            yield openapi_path(route), methods


def test_schema_generates_without_warnings_and_validates(tmp_path):
    GENERATOR_STATS.reset()
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    document = yaml.safe_load(out.read_text())
    assert document["openapi"] == "3.0.3"


def test_every_url_of_both_families_is_documented_and_nothing_else(schema):
    routes = {path: methods for path, methods in api_routes() if path not in META}
    assert any(path.startswith("/grs/") for path in routes)
    assert any(path.startswith("/api/") for path in routes)
    documented = {path: set(operations) for path, operations in schema["paths"].items()}
    assert documented == routes


def operations(schema):
    for path, entries in schema["paths"].items():
        for method, operation in entries.items():
            yield path, method, operation


def test_every_operation_is_described_with_its_errors_in_its_familys_shape(schema):
    shapes = {
        # Login's 422 Password Change Required: the vendor's numeric code, no field.
        "/grs/": ("GrsError", "GrsValidationError", "GrsPasswordChangeRequired"),
        "/api/": ("EventsError",),
    }
    for path, method, operation in operations(schema):
        assert operation["operationId"] and operation["summary"], (path, method)
        family = shapes[path[:5]]
        assert "503" in operation["responses"], (path, method)
        for status, response in operation["responses"].items():
            assert response["description"], (path, method, status)
            if int(status) >= 400:
                shape = response["content"]["application/json"]["schema"]
                refs = [s["$ref"] for s in shape.get("anyOf", [shape])]
                assert {ref.rsplit("/", 1)[1] for ref in refs} <= set(family), (path, method)
        if operation.get("security"):
            assert "401" in operation["responses"], (path, method)
        if {"grsApiToken": []} in operation.get("security", []):
            # A flagged user's token is answered 422 Password Change Required anywhere.
            shape = operation["responses"]["422"]["content"]["application/json"]["schema"]
            refs = [s["$ref"] for s in shape.get("anyOf", [shape])]
            assert "#/components/schemas/GrsPasswordChangeRequired" in refs, (path, method)


def test_security_schemes(schema):
    schemes = {
        name: (scheme["type"], scheme["scheme"])
        for name, scheme in schema["components"]["securitySchemes"].items()
    }
    assert schemes == {
        "grsPassword": ("http", "basic"),
        "grsApiToken": ("http", "basic"),
        "bearerToken": ("http", "bearer"),
    }
    security = {(p, m): o.get("security") for p, m, o in operations(schema)}
    assert security["/grs/v1/login", "get"] == [{"grsPassword": []}]
    assert security["/grs/v1/tenants", "get"] == [{"grsApiToken": []}]
    assert security["/api/v2/calendar-events/batch", "put"] == [{"bearerToken": []}]
    # No security requirement: the key is the token endpoint's parameter, the URL the
    # feed's credential.
    assert not security["/api/client/generateAuthenticationToken", "get"]
    assert not security["/api/v2/calendar-events/feeds/{secret}.ics", "get"]


def test_field_names_keep_each_familys_case(schema):
    components = schema["components"]["schemas"]
    assert list(components["GrsCalendar"]["properties"]) == list(VENDOR_RESPONSE)
    assert list(components["GrsCalendarRequest"]["properties"]) == list(VENDOR_REQUEST)
    assert set(components["GrsFieldError"]["properties"]) == {"code", "field", "message", "index"}
    assert components["GrsFieldError"]["required"] == ["code", "field", "message"]
    assert list(components["CalendarEventInput"]["properties"]) == [
        "ExternalId",
        "UserId",
        "TypeId",
        "StartTime",
        "EndTime",
        "Title",
    ]
    assert [s["$ref"].rsplit("/", 1)[1] for s in components["BatchItemResult"]["oneOf"]] == [
        "BatchItemSuccess",
        "BatchItemFailure",
    ]
    assert list(components["EventsError"]["properties"]) == ["Message"]
    assert list(components["GrsError"]["properties"]) == ["message"]


def test_vendor_examples(schema):
    create = schema["paths"]["/grs/v1/tenant/{tenantId}/package/{packageId}/calendar"]["post"]
    request = create["requestBody"]["content"]["application/json"]["examples"]
    assert [e["value"] for e in request.values()] == [VENDOR_REQUEST]
    created = create["responses"]["201"]["content"]["application/json"]["examples"]
    assert [e["value"] for e in created.values()] == [VENDOR_RESPONSE]
    invalid = create["responses"]["422"]["content"]["application/json"]["examples"]
    (example,) = [e["value"] for e in invalid.values()]
    assert example["message"] == "Validation Failed"
    assert [(e["code"], e["field"]) for e in example["errors"]][-1] == ("1007", "timeZoneID")

    batch = schema["paths"]["/api/v2/calendar-events/batch"]["put"]
    (request,) = batch["requestBody"]["content"]["application/json"]["examples"].values()
    assert [item["ExternalId"] for item in request["value"]] == ["xyz-123", "xyz-124"]
    answers = batch["responses"]["200"]["content"]["application/json"]["examples"]
    assert answers["Successful"]["value"] == [
        {"Id": 270067010486464, "ExternalId": "test-1", "ErrorMessage": None, "IsSuccessful": True}
    ]
    assert [item["ErrorMessage"] for item in answers["WithErrors"]["value"]] == [
        "Event 'load-test-10' is owned by another student (20100323).",
        "StartTime must be before EndTime",
    ]


@pytest.fixture
def web(client, settings):
    settings.ALLOWED_HOSTS = ["testserver"]
    return client


def test_schema_is_served_publicly_as_yaml_and_json(web):
    response = web.get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert "/grs/v1/login" in yaml.safe_load(response.content)["paths"]
    response = web.get("/api/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v2/calendar-events/batch" in response.json()["paths"]


def test_docs_page_and_its_assets_load_from_this_site(web):
    response = web.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'url: "/api/schema/"' in html
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert asset.startswith("/static/"), asset  # no CDN: this machine has no internet
        answer = web.get(asset)
        assert answer.status_code == 200, asset
        assert b"".join(answer.streaming_content), asset


def test_answers_are_closed_shapes_and_requests_open(schema):
    components = schema["components"]["schemas"]
    for name in ("GrsCalendar", "GrsError", "GrsFieldError", "CalendarEvent", "EventsError"):
        assert components[name]["additionalProperties"] is False, name
    # Unknown keys in requests are ignored, so request bodies stay open.
    for name in ("GrsCalendarRequest", "GrsExceptionRequest", "CalendarEventInput"):
        assert "additionalProperties" not in components[name], name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_docs_page_shows_every_operation_in_a_browser(browser, live_server, schema):
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{live_server.url}/api/docs/")
    WebDriverWait(browser, 30).until(lambda b: b.find_elements("css selector", ".opblock"))
    shown = {
        block.find_element("css selector", ".opblock-summary-path").get_attribute("data-path")
        for block in browser.find_elements("css selector", ".opblock")
    }
    assert shown == set(schema["paths"])
    assert len(browser.find_elements("css selector", ".opblock")) == len(list(operations(schema)))
    browsing.SCREENSHOTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(browsing.SCREENSHOTS / "api_docs.png"))


def test_grs_shapes_generators_can_bind(schema):
    components = schema["components"]["schemas"]
    # The vendor answers unused numbers of an exception as 0: not nullable in the answer;
    # a request may send null. fixedDate and relativeType are null when unused.
    answer = components["GrsException"]["properties"]
    request = components["GrsExceptionRequest"]["properties"]
    assert {k for k, v in answer.items() if v.get("nullable")} == {"fixedDate", "relativeType"}
    assert request["annualMonth"]["nullable"] and request["timeChangeStopMin"]["nullable"]
    # The hierarchy's nodes below are nodes, not untyped objects.
    children = components["GrsBusinessNode"]["properties"]["children"]
    assert children["items"] == {"$ref": "#/components/schemas/GrsBusinessNode"}
    bulk = schema["paths"][
        "/grs/v1/tenant/{tenantId}/package/{packageId}/calendar/{calendarId}/business-time"
    ]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert bulk["maxItems"] == 1000
