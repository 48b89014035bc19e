"""Headless chromium for staff-page tests (Debian's chromium and chromedriver): the
``browser`` fixture (module-scoped; import it into a test module) and helpers."""

import shutil
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory

SCREENSHOTS = Path(__file__).parent / "screenshots"


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def browser_without_javascript():
    driver = chromium(javascript=False)
    yield driver
    driver.quit()


def chromium(*, javascript: bool = True):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("needs Debian's chromium and chromium-driver (.ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    if not javascript:
        options.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
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
    return driver


def log_in(browser, live_server) -> None:
    staff = UserFactory(username="boss", password="pw", staff=True)
    client = Client()
    client.force_login(staff)
    browser.get(f"{live_server.url}/admin/login/")
    browser.add_cookie({"name": "sessionid", "value": client.cookies["sessionid"].value})


def follow(browser, element, timeout: float = 30) -> None:
    """Click a link or a submit button and wait for the page it leads to. Reading the
    page right after the click races the navigation. Holding an element of the old page
    to watch it go stale races it too: while the page is being swapped Chromium answers
    such an element with an inspector error ("Node with given id does not belong to the
    document"), not as stale. So the old page is marked with a script variable, which
    no new page has, and the wait polls by script, ignoring what a page in flight says."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    browser.execute_script("window.__leaving = true")
    element.click()
    WebDriverWait(browser, timeout, ignored_exceptions=(WebDriverException,)).until(
        lambda b: b.execute_script(
            "return window.__leaving !== true && document.readyState === 'complete'"
        )
    )


def day_of(browser, element) -> int:
    """The day column whose horizontal extent holds the element's centre."""
    rect = element.rect
    centre = rect["x"] + rect["width"] / 2
    for column in browser.find_elements("css selector", ".day"):
        box = column.rect
        if box["x"] <= centre < box["x"] + box["width"]:
            return int(column.get_attribute("data-day"))
    raise AssertionError("block outside every day column")
