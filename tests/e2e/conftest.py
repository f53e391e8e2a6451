"""Browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live server.

Chromium comes from Debian (`apt-get install -y chromium`), not from Playwright's own download,
which this network cannot reach. Without it these tests skip, and fail in CI
(`HOMEVISITS_REQUIRE_ALL=1`), so a green CI run has really driven a browser.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from tests.conftest import skip_or_fail

# Playwright's sync API runs an event loop in the test's thread; Django would then refuse the
# fixtures' (synchronous) database calls made from that thread as "async unsafe". Set for the
# whole process on purpose: the session-scoped browser keeps that loop until the run ends, so the
# tests collected after these would meet the same refusal.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
# Headless, and no background calls out: this machine's network refuses them, many at a time.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1024, "height": 768}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        skip_or_fail(f"browser tests need Chromium at {CHROMIUM}: install: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("browser tests need Playwright for Python: install: pip install -r requirements-dev.txt")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        playwright.stop()
        raise
    yield browser
    browser.close()
    playwright.stop()


def new_context(browser, **options):
    """A browser context in British English and London time, whose clock agrees with the
    server's: the suite pins the server's (tests/clock.py), and the page's clock starts at the
    same instant and runs on from there. `options` add to or override the context's."""
    context = browser.new_context(
        **{"viewport": VIEWPORT, "locale": "en-GB", "timezone_id": "Europe/London", **options}
    )
    context.set_default_timeout(10_000)
    context.clock.install(time=timezone.now())
    return context


@pytest.fixture
def page(browser):
    context = new_context(browser)
    page = context.new_page()
    yield page
    context.close()


# The school tablet of issue 5, in either orientation.
PORTRAIT = {"width": 768, "height": 1024}
LANDSCAPE = {"width": 1024, "height": 768}


def open_tablet(browser, viewport: dict = PORTRAIT, **options):
    """A page on a school tablet: touch, two device pixels per CSS pixel (not a phone), British
    time. `options` add to or override the browser context's (java_script_enabled=False, say);
    close it with `page.context.close()`."""
    context = new_context(browser, **{"viewport": viewport, "has_touch": True, "device_scale_factor": 2, **options})
    return context.new_page()


@pytest.fixture
def tablet(browser):
    """A school tablet held upright (768x1024)."""
    page = open_tablet(browser)
    yield page
    page.context.close()


@pytest.fixture
def server(live_server, settings, _flush_despite_append_only_triggers):
    """The live server's base URL, over plain HTTP whatever DEBUG the settings were imported with."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    settings.SECURE_HSTS_SECONDS = 0
    return live_server.url


@pytest.fixture
def demo(server):
    """The demo school data (`manage.py seed_demo`), built in the live server's database.

    The live server's database is emptied after every test, so each test seeds its own; the
    command takes well under a second on SQLite and about a second on PostgreSQL."""
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=io.StringIO())
    return server


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
