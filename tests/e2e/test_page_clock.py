"""The page's clock and the server's agree in every browser test: both at the suite's pinned
instant (tests/clock.py), whatever the hour the suite runs at."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page

from tests import clock

pytestmark = pytest.mark.browser


def test_the_page_reads_the_servers_pinned_clock(page: Page, server: str):
    # Act
    page.goto(f"{server}/")
    page_now = dt.datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, tz=dt.UTC)
    local_hour = page.evaluate("new Date().getHours()")

    # Assert: the same instant to within a minute, and London's hour on the page.
    assert abs(page_now - timezone.now()) < dt.timedelta(minutes=1)
    assert clock.SCHOOL_MORNING <= page_now < clock.SCHOOL_MORNING + dt.timedelta(minutes=10)
    assert local_hour == timezone.localtime().hour
