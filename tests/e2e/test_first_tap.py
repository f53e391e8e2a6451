"""Every tap does what it says on the first tap (issue 16 item 2), on a touch tablet upright
(768x1024) and on its side (1024x768), and with a mouse: every button of the visitor's path after
typing, drawing on the pad and scrolling, pressed ONCE, and its effect checked each time (a row in
the database, or the page it opens).

The path: My visits, the visit, "Set off now" (hc01), "Arrived" and its confirmation (hc14), who is
present (hc15), the record typed in full and sent (hc20), "Parent signs" with a drawn signature,
checked and confirmed (hc23), "Left the property" and "Back at school" with their confirmations
(hc14); on a second visit the reminder's "Extend by 15 minutes" (hc19), and the urgent controls,
"Child alone" and "Immediate danger: 999" (hc17).

Before each press the page is disturbed as a real tablet disturbs it: scrolled with the wheel, and
resized for a moment (a full-page screenshot: the viewport grows to the page and back, as a
keyboard coming down resizes it). That is what made the first tap on "Send the record to school"
land on the form: record.js rewrote the sticky status line on the text box's "change" event, which
fires as the box loses focus, i.e. between the finger going down and coming up; Chromium's scroll
anchoring then moved the page (238 px in the issue, 186 px here) and the click went to the form.
record.js now updates on "input" only, and the status line has room for two lines.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from safeguarding.models import Concern, ConcernKind
from tests.factories import PASSWORD, make_cast
from visits import lifecycle
from visits.enums import AdultAuthority, Status
from visits.models import ParentSignature, Visit, VisitRecord

from .conftest import LANDSCAPE, PORTRAIT, new_context, open_tablet
from .test_roles_login import sign_in
from .test_signature_pad import inked_pixels
from .test_visit_walk import Finger

pytestmark = pytest.mark.browser


# Resolves once the page has not scrolled for ten frames.
SETTLED = """
() => new Promise(resolve => {
  let last = -1, still = 0;
  const tick = () => {
    still = window.scrollY === last ? still + 1 : 0;
    last = window.scrollY;
    if (still >= 10) resolve(); else requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})
"""


class Hand:
    """Presses each target once, by a tap (touch) or a click (mouse), after disturbing the page."""

    def __init__(self, page: Page, touch: bool, screenshots):
        self.page, self.touch, self.shots, self.n = page, touch, screenshots, 0

    def disturb(self) -> None:
        self.page.mouse.wheel(0, 400)
        self.page.wait_for_timeout(50)
        self.page.mouse.wheel(0, -150)
        self.n += 1
        self.page.screenshot(path=str(self.shots / "first-tap-disturb.png"), full_page=True)
        # A finger aims at the page as it stands: wait for the wheel's smooth scroll to end (the
        # page still gliding would move the target away from where the tap is aimed).
        self.page.evaluate(SETTLED)

    def press(self, target: Locator) -> None:
        expect(target).to_have_count(1)
        self.disturb()
        target.tap() if self.touch else target.click()

    def draw(self, canvas: Locator) -> None:
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()

        def at(fx: float, fy: float) -> tuple[float, float]:
            return box["x"] + box["width"] * fx, box["y"] + box["height"] * fy

        strokes = [
            [at(0.08 + i * 0.015, 0.55 + (0.12 if i % 4 < 2 else -0.12)) for i in range(24)],
            [at(0.48, 0.68), at(0.52, 0.35), at(0.56, 0.68), at(0.62, 0.42), at(0.7, 0.6)],
            [at(0.1 + i * 0.04, 0.8 - (i % 2) * 0.03) for i in range(20)],
        ]
        if self.touch:
            finger = Finger(self.page)
            for stroke in strokes:
                finger.stroke(stroke)
            finger.lift()
            # Under DevTools' touch emulation the first tap after strokes sent from a second
            # DevTools session often becomes no click: pointerdown and pointerup reach the button,
            # not prevented, with no scroll, resize or layout change between them, and Chromium's
            # gesture detector emits no tap (test_visit_walk.py meets the same). The page does
            # nothing wrong there, so that lost tap is given to the page's heading, not to a
            # button: every button below still gets exactly one tap. Check on a real tablet.
            # On a busy machine more than one tap may be swallowed: tap the heading until a click
            # arrives (at most five), so the button after it still gets one tap of its own.
            heading = self.page.get_by_role("heading", level=1)
            self.page.evaluate(
                "() => { window.__headingClicks = 0; document.querySelector('h1').addEventListener("
                "'click', () => { window.__headingClicks += 1; }); }"
            )
            for _ in range(5):
                self.page.wait_for_timeout(300)
                heading.tap()
                if self.page.evaluate("() => window.__headingClicks") > 0:
                    break
            return
        for stroke in strokes:
            self.page.mouse.move(*stroke[0])
            self.page.mouse.down()
            for point in stroke[1:]:
                self.page.mouse.move(*point, steps=2)
            self.page.mouse.up()


def eventually(page: Page, check, seconds: float = 10) -> None:
    """The effect in the database, waited for: a step may be sent by the tablet's outbox a moment
    after the page already says it (static/js/outbox.js)."""
    for _ in range(int(seconds * 10)):
        if check():
            return
        page.wait_for_timeout(100)
    assert check()


def _now() -> dt.datetime:
    return timezone.localtime().replace(second=0, microsecond=0)


def _confirm_step(hand: Hand, step: str, confirm: str) -> None:
    page = hand.page
    hand.press(page.get_by_test_id(f"step-{step}").locator("summary"))
    yes = page.get_by_role("button", name=confirm)
    expect(yes).to_be_visible()  # one press opened the confirmation
    hand.press(yes)


def _walk(page: Page, server: str, touch: bool, screenshots) -> None:
    # Arrange: today's visit, authorised; another on the road near its end; a third for the urgent bar.
    cast = make_cast()
    start = max(_now() - dt.timedelta(minutes=5), _now().replace(hour=0, minute=0))
    visit = cast.make_visit(Status.AUTHORISED, start=start)
    hand = Hand(page, touch, screenshots)
    sign_in(page, server, cast.visitor.username, PASSWORD)

    # My visits -> the visit.
    hand.press(page.get_by_test_id("group-today").get_by_test_id("visit-card"))
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/$"))

    # Set off.
    hand.press(page.get_by_role("button", name="Set off now"))
    expect(page.get_by_test_id("step-arrived").locator("summary")).to_be_visible()
    eventually(page, lambda: Visit.objects.get(pk=visit.pk).started_at is not None)

    # Arrived: the step, then its confirmation; "Parent signs" is offered only now.
    expect(page.get_by_role("link", name="Parent signs on the tablet")).to_have_count(0)
    _confirm_step(hand, "arrived", "Yes, we have arrived")
    expect(page.get_by_test_id("step-arrived")).to_contain_text("logged")
    eventually(page, lambda: Visit.objects.get(pk=visit.pk).arrived_at is not None)

    # Who is present: a choice, two names typed, Continue.
    hand.press(page.get_by_test_id("next-action").get_by_role("link", name="Who is present?"))
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/present/$"))
    hand.press(page.get_by_test_id("choice-adult_authority-parental_responsibility"))
    expect(page.locator("#id_adult_authority input:checked")).to_have_value(AdultAuthority.PARENTAL_RESPONSIBILITY)
    page.get_by_label("Their name").fill("Pat Parent")
    page.get_by_label("Their relationship to the child").fill("Mother")
    hand.press(page.get_by_role("button", name="Continue"))
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/record/$"))

    # The record: typed, each choice pressed once, the last box still focused, then one "Send".
    page.get_by_label("Who was seen").fill("Pat Parent (mother) and Sam")
    for choice in ("child_seen-yes", "child_protection_concern-no", "incident_kind-none", "follow_up_wanted-no"):
        hand.press(page.get_by_test_id(f"choice-{choice}"))
        expect(page.get_by_test_id(f"choice-{choice}")).to_be_visible()
    page.get_by_label("Outcome of the visit").fill("Talked through Sam's mornings.")
    expect(page.get_by_test_id("record-status")).to_have_text(re.compile(r"^Saved to school \d\d:\d\d$"))
    notes = page.get_by_label("Notes (optional)")
    notes.focus()
    page.keyboard.type("Dog shut in the kitchen.")
    expect(page.get_by_test_id("record-status")).to_have_text(re.compile(r"^Saved to school \d\d:\d\d$"))
    expect(notes).to_be_focused()
    hand.press(page.get_by_test_id("send-record"))
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/$"))
    record = VisitRecord.objects.get(visit=visit)
    assert (record.child_seen, record.notes) == (True, "Dog shut in the kitchen.")

    # The parent's signature: drawn, checked, confirmed.
    hand.press(page.get_by_test_id("next-action").get_by_role("link", name="Parent signs on the tablet"))
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/signature/$"))
    hand.draw(page.locator("#sig-canvas"))
    assert inked_pixels(page) > 500
    hand.press(page.get_by_role("button", name="Check the signature"))
    confirm = page.get_by_role("button", name="Confirm: this is my signature")
    expect(confirm).to_be_visible()
    hand.press(confirm)
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/$"))
    eventually(page, lambda: any(s.signed for s in ParentSignature.objects.filter(visit=visit)))

    # Left the property (the visit completes), then back at school.
    _confirm_step(hand, "left", "Yes, we have left the property")
    expect(page.get_by_test_id("step-left")).to_contain_text("logged")
    eventually(page, lambda: Visit.objects.get(pk=visit.pk).status == Status.COMPLETED)
    _confirm_step(hand, "back", "Yes, we are back at school")
    expect(page.get_by_test_id("step-back")).to_contain_text("logged")
    eventually(page, lambda: Visit.objects.get(pk=visit.pk).returned_at is not None)

    # Running late: the reminder shows ten minutes before the end; one reason, one "Extend".
    late = cast.make_visit(Status.IN_PROGRESS, start=_now() - dt.timedelta(minutes=55))
    lifecycle.record_step(late, cast.visitor, "arrived")
    end_before = late.expected_end
    page.goto(f"{server}/visits/{late.code}/")
    expect(page.get_by_test_id("extend")).to_be_visible()
    hand.press(page.get_by_text("Waiting for a parent to come home"))
    expect(page.get_by_label("Waiting for a parent to come home")).to_be_checked()
    hand.press(page.get_by_role("button", name="Extend by 15 minutes"))
    expect(page.get_by_role("status").filter(has_text="extended")).to_be_visible()
    eventually(page, lambda: Visit.objects.get(pk=late.pk).expected_end == end_before + dt.timedelta(minutes=15))

    # The urgent controls: "Child alone" and its one button; "Immediate danger: 999".
    hand.press(page.get_by_role("link", name="Child alone / unsupervised"))
    expect(page.get_by_test_id("urgent-confirm")).to_be_visible()
    hand.press(page.get_by_role("button", name="Tell the safeguarding leads now"))
    expect(page.get_by_text("The safeguarding leads have been told")).to_be_visible()
    eventually(page, lambda: Concern.objects.filter(visit=late, kind=ConcernKind.CHILD_ALONE).count() == 1)
    hand.press(page.get_by_role("button", name="Immediate danger: 999"))
    expect(page.get_by_role("link", name="Call 999", exact=True)).to_be_visible()
    eventually(page, lambda: Concern.objects.filter(visit=late, kind=ConcernKind.IMMEDIATE_DANGER).count() == 1)


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["768x1024", "1024x768"])
def test_hc14_hc17_hc20_hc23_every_button_of_the_visitors_path_works_on_the_first_tap(
    browser, server: str, screenshots, viewport: dict
):
    page = open_tablet(browser, viewport)
    try:
        _walk(page, server, touch=True, screenshots=screenshots)
    finally:
        page.context.close()


def test_hc14_hc17_hc20_hc23_every_button_of_the_visitors_path_works_on_the_first_click(
    browser, server: str, screenshots
):
    context = new_context(browser, viewport=PORTRAIT)
    try:
        _walk(context.new_page(), server, touch=False, screenshots=screenshots)
    finally:
        context.close()
