"""Headless chromium for staff-page tests (Debian's chromium and chromedriver): the
``browser`` fixture (module-scoped; import it into a test module) and helpers."""

import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1100",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    # A click that submits a form can return before the next page is there on a loaded
    # machine: looking an element up waits for it a while instead of failing at once.
    driver.implicitly_wait(10)
    yield driver
    driver.quit()


def log_in(browser, live_server) -> None:
    staff = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw")
    client = Client()
    client.force_login(staff)
    browser.get(f"{live_server.url}/admin/login/")
    browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value})


def wait_for(browser, css: str, timeout: float = 30):
    """The element once the page shows it: after a click that submits a form, the next
    page may not be there yet on a loaded machine."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    shown = expected_conditions.presence_of_element_located(("css selector", css))
    return WebDriverWait(browser, timeout).until(shown)


def day_of(browser, element) -> int:
    """The day column whose horizontal extent holds the element's centre."""
    rect = element.rect
    centre = rect["x"] + rect["width"] / 2
    for column in browser.find_elements("css selector", ".day"):
        box = column.rect
        if box["x"] <= centre < box["x"] + box["width"]:
            return int(column.get_attribute("data-day"))
    raise AssertionError("block outside every day column")
