"""The office's day board in a real browser (hc12, hc18, hc19): the demo's overdue visit is red at
the top; the office logs "rang mobile: no answer" (confirming the dialog), turns the sound on,
raises the police call script and logs the police reference and the resolution. Screenshots of
the board and the script go to test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from visits.enums import EventKind
from visits.models import VisitEvent

from .test_roles_login import sign_in

pytestmark = pytest.mark.browser


def test_hc19_office_sees_overdue_on_the_board_and_logs_the_escalation(page: Page, demo: str, screenshots):
    # Arrange
    sign_in(page, demo, "office.holycross", DEMO_PASSWORD)
    page.goto(f"{demo}/visits/board/")
    overdue = page.locator("tr.board-alarm").first
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.accept()))

    # Act: the sound switch, then the first rung of the ladder from the board.
    expect(overdue).to_contain_text("OVERDUE")
    expect(page.locator("#board-fresh")).to_contain_text("Updated ")
    page.get_by_role("button", name="Sound: off").click()
    expect(page.get_by_role("button", name="Sound: ON")).to_be_visible()
    sound = page.evaluate("localStorage.getItem('homevisits.board.sound')")
    page.screenshot(path=str(screenshots / "board-office.holycross.png"), full_page=True)
    overdue.get_by_role("button", name="Rang: no answer").click()
    expect(page.locator("tr.board-alarm").first).to_contain_text("No answer")

    # Act: the police call script, the reference, the resolution.
    page.locator("tr.board-alarm").first.get_by_role("link", name="Police script & steps").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Visit overdue")
    page.screenshot(path=str(screenshots / "alarm-office.holycross.png"), full_page=True)
    page.get_by_label("2. Police called: their reference").fill("GMP 0412")
    page.get_by_role("button", name="Police called").click()
    expect(page.get_by_test_id("alarm-steps")).to_contain_text("Police reference: GMP 0412")
    page.get_by_label("3. Resolved: how did it end?").select_option("spoke_to_them")
    page.get_by_role("button", name="Resolved").click()

    # Assert
    expect(page.get_by_test_id("alarm-steps")).to_contain_text("Visitors safe: the office spoke to them")
    assert sound == "on"
    assert len(dialogs) == 3 and "NO ANSWER" in dialogs[0]
    steps = list(
        VisitEvent.objects.filter(kind__in=[EventKind.RANG_MOBILE, EventKind.POLICE_CALLED, EventKind.ALARM_RESOLVED])
        .order_by("id")
        .values_list("kind", "note", "actor__username")
    )
    assert steps == [
        (EventKind.RANG_MOBILE, "No answer", "office.holycross"),
        (EventKind.POLICE_CALLED, "Police reference: GMP 0412", "office.holycross"),
        (EventKind.ALARM_RESOLVED, "Visitors safe: the office spoke to them", "office.holycross"),
    ]


def test_hc18_office_raises_code_word_and_sees_the_police_script(page: Page, demo: str):
    sign_in(page, demo, "office.holycross", DEMO_PASSWORD)
    page.goto(f"{demo}/visits/board/")
    page.on("dialog", lambda d: d.accept())

    page.get_by_role("button", name="Code word used").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("☎ Call 999 now")
    expect(page.get_by_test_id("script-address")).to_be_visible()
    assert VisitEvent.objects.filter(kind=EventKind.CODE_WORD_USED).count() == 1
