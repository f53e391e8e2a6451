"""Issue 13 in a real browser, on a school tablet (768x1024, touch) and the office's board
(1024x768): the "running late?" reminder and one-tap extend (hc19), silent duress from the tablet
reaching the board's alarm within 30 seconds (hc18), and immediate danger in one tap (hc17)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_cast
from visits.enums import EventKind, Status
from visits.models import Visit, VisitEvent

from .conftest import LANDSCAPE, open_tablet
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser


def _visit_ending_in(cast, minutes: int) -> Visit:
    end = timezone.now().replace(second=0, microsecond=0) + dt.timedelta(minutes=minutes)
    return cast.make_visit(Status.IN_PROGRESS, start=end - dt.timedelta(hours=1), expected_end=end)


def _board(browser, server: str, cast) -> Page:
    board = open_tablet(browser, LANDSCAPE)
    sign_in(board, server, cast.office.username, PASSWORD)
    board.goto(f"{server}/visits/board/")
    return board


def test_hc19_the_reminder_appears_ten_minutes_before_the_end_and_extends_in_one_tap(
    tablet: Page, server: str, screenshots
):
    # Arrange: due to leave in 12 minutes.
    cast = make_cast()
    visit = _visit_ending_in(cast, 12)
    sign_in(tablet, server, cast.visitor.username, PASSWORD)
    tablet.goto(f"{server}/visits/{visit.code}/")
    reminder = tablet.get_by_test_id("extend")
    expect(reminder).to_be_hidden()

    # Act: three minutes later on the tablet's clock, the reminder is there; one tap extends.
    tablet.clock.fast_forward("03:00")
    expect(reminder).to_be_visible()
    tablet.screenshot(path=str(screenshots / "trip-reminder.png"))
    reminder.get_by_role("button", name="Extend by 15 minutes").tap()

    # Assert
    expect(tablet.get_by_role("status").first).to_contain_text("Extended: the office now expects you to leave by")
    kept = Visit.objects.get(pk=visit.pk)
    assert kept.expected_end == visit.expected_end + dt.timedelta(minutes=15)
    assert VisitEvent.objects.get(visit=visit, kind=EventKind.EXTENDED).note.endswith("Still with the family")


def test_hc18_the_code_word_typed_on_the_tablet_reaches_the_boards_alarm_within_30_seconds(
    browser, tablet: Page, server: str, screenshots
):
    # Arrange: the office's board open; the visitor due to leave in 5 minutes.
    cast = make_cast()
    visit = _visit_ending_in(cast, 5)
    board = _board(browser, server, cast)
    row = board.locator(f"#row-{visit.code}")
    expect(row).not_to_contain_text("CODE WORD USED")
    sign_in(tablet, server, cast.visitor.username, PASSWORD)
    tablet.goto(f"{server}/visits/{visit.code}/")

    try:
        # Act: the code word typed where the reason is asked; the tablet says what it always says.
        tablet.get_by_label("Or say why").fill(f"Tell {visit.code_word} we are late")
        tablet.get_by_role("button", name="Extend by 15 minutes").tap()
        expect(tablet.get_by_role("status").first).to_contain_text("Extended: the office now expects you to leave by")
        expect(tablet.locator("body")).not_to_contain_text("Code word used")
        tablet.screenshot(path=str(screenshots / "trip-duress-tablet.png"))
        # The board refreshes itself every 20 seconds: within 30 its alarm is up.
        board.clock.fast_forward("00:21")

        # Assert
        expect(row).to_contain_text("CODE WORD USED", timeout=9_000)
        expect(row).to_have_class(re.compile(r"\bboard-alarm\b"))
        board.screenshot(path=str(screenshots / "trip-duress-board.png"), full_page=True)
    finally:
        board.context.close()


def test_hc17_immediate_danger_is_one_tap_999_and_the_address_and_on_the_board(
    browser, tablet: Page, server: str, screenshots
):
    # Arrange
    cast = make_cast()
    visit = _visit_ending_in(cast, 40)
    board = _board(browser, server, cast)
    sign_in(tablet, server, cast.visitor.username, PASSWORD)
    tablet.goto(f"{server}/visits/{visit.code}/")

    try:
        # Act: one tap.
        tablet.get_by_role("button", name="Immediate danger: 999").tap()

        # Assert: 999 and the address at once; the board's alarm at its next refresh.
        expect(tablet.get_by_role("link", name="Call 999", exact=True)).to_have_attribute("href", "tel:999")
        expect(tablet.get_by_test_id("postcode-to-read")).to_have_text(visit.postcode)
        tablet.screenshot(path=str(screenshots / "trip-danger-999.png"))
        board.clock.fast_forward("00:21")
        expect(board.locator(f"#row-{visit.code}")).to_contain_text("IMMEDIATE DANGER: 999", timeout=9_000)
        assert VisitEvent.objects.filter(visit=visit, kind=EventKind.DANGER).count() == 1
    finally:
        board.context.close()
