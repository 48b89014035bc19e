"""The site root, the favicon, the admin's branding and the OpenAPI document in a browser."""

import pytest
import yaml

from tests import browser as browsing
from tests.browser import SCREENSHOTS, follow

browser = browsing.browser  # headless chromium, a module-scoped fixture

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_front_page_says_what_the_service_is_and_links_everything(client, db):
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Business calendars" in page and "12Twenty" in page
    for href in ('href="/admin/"', 'href="/api/docs/"', 'href="/api/schema/"'):
        assert href in page
    for href in ('href="/healthz"', 'href="/readyz"', 'href="/favicon.ico"'):
        assert href in page


def test_favicon_is_served(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\0\0\1\0"  # an ICO header


def test_admin_is_branded(admin_client):
    page = admin_client.get("/admin/").content.decode()
    assert "Calendar service administration" in page
    assert "Django administration" not in page
    assert "Django site admin" not in page
    assert 'href="/favicon.ico"' in page


def test_schema_in_a_browser_is_text_it_can_show(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"].startswith("inline")
    assert "Accept" in response["Vary"]
    assert yaml.safe_load(response.content)["openapi"] == "3.0.3"


def test_schema_for_html_alone_is_text_and_other_refusals_are_json(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    refused = client.get("/api/schema/", HTTP_ACCEPT="image/png")
    assert refused.status_code == 406
    assert refused["Content-Type"].startswith("application/json")
    assert "Message" in refused.json()


@pytest.mark.parametrize(
    ("accept", "query", "content_type"),
    [
        (None, "", "application/vnd.oai.openapi"),
        ("*/*", "", "application/vnd.oai.openapi"),
        ("application/vnd.oai.openapi", "", "application/vnd.oai.openapi"),
        ("application/yaml", "", "application/yaml"),
        ("application/json", "", "application/json"),
        ("application/vnd.oai.openapi+json", "", "application/vnd.oai.openapi+json"),
        ("*/*", "?format=json", "application/vnd.oai.openapi+json"),
        (BROWSER_ACCEPT, "?format=json", "application/json"),  # which browsers show
        # A client that ranks YAML above HTML keeps YAML's own type.
        ("application/yaml, text/html;q=0.5", "", "application/yaml"),
    ],
)
def test_api_clients_keep_content_negotiation(client, db, accept, query, content_type):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = client.get(f"/api/schema/{query}", **headers)
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_front_page_and_schema_in_chromium(browser, live_server):
    browser.get(f"{live_server.url}/")
    assert browser.find_element("tag name", "h1").text == "Calendar service"
    SCREENSHOTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOTS / "front_page.png"))
    follow(browser, browser.find_element("link text", "OpenAPI document"))
    assert "openapi: 3.0.3" in browser.find_element("tag name", "body").text
    assert browser.save_screenshot(str(SCREENSHOTS / "schema_in_browser.png"))


def test_front_page_answers_get_and_head_only(client, db):
    assert client.head("/").status_code == 200
    assert client.post("/").status_code == 405
    assert client.generic("FOO", "/").status_code == 405


def test_an_unknown_schema_format_is_a_404_that_says_which_exist(client, db):
    response = client.get("/api/schema/?format=xml")
    assert response.status_code == 404
    assert response.json() == {"Message": "Unknown format; use yaml or json."}
