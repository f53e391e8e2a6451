"""No step lost without signal (issue 16, item 8), on a touch tablet at 768x1024.

The visitor walks one visit; before each step the signal drops. Each step is taken without
signal, shows as waiting to send, and is sent by itself when the signal is back. The school's
clock has moved on meanwhile (two minutes per step), and each step is in the database once, at
the time it was taken on the tablet; the time it reached the school is kept beside it. Set off,
arrived and "Immediate danger" (hc14, hc17: "Call 999" and the school's number at once), who is
present (hc15), the record (hc20), the parent's signature (hc23), left and back (hc14). Then
signing out with a step still waiting warns first, and the signed-out page clears the outbox.
Screenshots go to test-artifacts/screenshots/offline-*.png.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_cast
from visits.enums import EventKind, Status
from visits.models import ParentSignature, TabletStep, Visit, VisitEvent

from .conftest import LANDSCAPE, PORTRAIT
from .test_roles_login import sign_in
from .test_signature_pad import mouse_stroke

pytestmark = pytest.mark.browser

SERVER_MOVES_ON = dt.timedelta(minutes=2)
SIZES = {"portrait": PORTRAIT, "landscape": LANDSCAPE, "phone": {"width": 390, "height": 844}}
SHOWN_AT_EVERY_SIZE = {"arrived", "danger"}
CLOSE = dt.timedelta(seconds=3)


def tablet_now(page: Page) -> dt.datetime:
    return dt.datetime.fromisoformat(page.evaluate("new Date().toISOString()").replace("Z", "+00:00"))


class Walk:
    def __init__(self, page: Page, server: str, visit: Visit, clock, screenshots):
        self.page, self.server, self.visit, self.clock, self.shots = page, server, visit, clock, screenshots
        self.taken: dict[str, dt.datetime] = {}

    def open(self, path: str = "") -> None:
        self.page.goto(f"{self.server}/visits/{self.visit.code}/{path}")

    def offline(self, step: str, act, *, waiting: str | None = None) -> None:
        """Cut the signal, take the step, see it waiting; the school's clock moves on; signal back."""
        page = self.page
        page.context.set_offline(True)
        self.taken[step] = tablet_now(page)
        act()
        if waiting is not None:
            expect(page.get_by_test_id("outbox-waiting")).to_contain_text(waiting)
            expect(page.get_by_test_id("outbox-waiting")).to_contain_text("No signal")
        page.screenshot(path=self.shots / f"offline-{step}-waiting.png")
        if step in SHOWN_AT_EVERY_SIZE:
            for size, viewport in SIZES.items():
                page.set_viewport_size(viewport)
                page.screenshot(path=self.shots / f"offline-{step}-waiting-{size}.png")
            page.set_viewport_size(SIZES["portrait"])
        assert not TabletStep.objects.filter(visit=self.visit, step=step).exists()
        self.clock.shift(SERVER_MOVES_ON)
        page.context.set_offline(False)
        expect(page.get_by_test_id("outbox-waiting")).to_have_count(0)

    def kept(self, step: str) -> TabletStep:
        """The step is at school once, at the tablet's time; it reached school later."""
        rows = list(TabletStep.objects.filter(visit=self.visit, step=step))
        assert len(rows) == 1, (step, rows)
        row = rows[0]
        assert abs(row.happened_at - self.taken[step]) < CLOSE, (step, row.happened_at, self.taken[step])
        assert row.received_at - row.happened_at >= SERVER_MOVES_ON - CLOSE
        return row


def step_button(page: Page, name: str, confirm: str):
    page.get_by_test_id(f"step-{name}").locator("summary").tap()
    return page.get_by_role("button", name=confirm)


def test_every_step_taken_without_signal_reaches_school_once_at_its_time(
    tablet: Page, server: str, screenshots, pinned_clock
):
    # Arrange: an authorised visit; its lead visitor signs in on the tablet.
    page = tablet
    cast = make_cast()
    visit = cast.make_visit(Status.AUTHORISED)
    walk = Walk(page, server, visit, pinned_clock, screenshots)
    sign_in(page, server, cast.visitor.username, PASSWORD)
    assert page.evaluate("navigator.storage.persisted ? 1 : 0") == 1

    # Set off.
    walk.open()
    walk.offline("start", lambda: page.get_by_role("button", name="Set off now").tap(), waiting="Set off")
    expect(page.get_by_test_id("step-arrived").locator("summary")).to_be_visible()
    visit.refresh_from_db()
    assert visit.status == Status.IN_PROGRESS and visit.started_at == walk.kept("start").happened_at

    # Arrived.
    walk.offline("arrived", lambda: step_button(page, "arrived", "Yes, we have arrived").tap(), waiting="Arrived")
    expect(page.get_by_test_id("step-arrived")).to_contain_text("Arrived")
    visit.refresh_from_db()
    assert visit.arrived_at == walk.kept("arrived").happened_at

    # Immediate danger: "Call 999" and the school's number at once, without signal.
    def danger() -> None:
        page.get_by_test_id("danger-999").tap()
        panel = page.get_by_test_id("outbox-999")
        expect(panel).to_be_visible()
        expect(panel.get_by_role("link", name="Call 999")).to_have_attribute("href", "tel:999")
        phone = cast.school.phone.replace(" ", "")
        expect(panel.get_by_role("link", name=re.compile("Call the school office"))).to_have_attribute(
            "href", f"tel:{phone}"
        )
        page.screenshot(path=screenshots / "offline-danger-999.png")

    walk.offline("danger", danger, waiting="Immediate danger")
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/urgent/call-999/$"))
    walk.kept("danger")
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.DANGER).count() == 1

    # Who is present.
    walk.open("present/")
    page.get_by_test_id("choice-adult_authority-parental_responsibility").tap()
    page.get_by_label("Their name").fill("Pat Parent")
    page.get_by_label("Their relationship to the child").fill("Mother")
    walk.offline("present", lambda: page.get_by_role("button", name="Continue").tap(), waiting="Who is present")
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/record/$"))
    walk.kept("present")

    # The record.
    page.get_by_label("Who was seen").fill("Mother and Sam")
    page.get_by_test_id("choice-child_seen-yes").tap()
    page.get_by_label("Outcome of the visit").fill("Talked about getting up on time.")
    page.get_by_test_id("choice-child_protection_concern-no").tap()
    page.get_by_test_id("choice-follow_up_wanted-no").tap()

    def send_record() -> None:
        page.get_by_test_id("send-record").tap()
        expect(page.get_by_test_id("record-status")).to_have_text("No signal: kept on this tablet, will send when back")

    walk.offline("record", send_record)
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/$"))
    record_event = VisitEvent.objects.get(visit=visit, kind=EventKind.OUTCOME_RECORDED)
    assert record_event.at == walk.kept("record").happened_at

    # The parent's signature.
    walk.open("signature/")
    box = page.locator("#sig-canvas").bounding_box()
    mouse_stroke(
        page,
        [
            (box["x"] + box["width"] * f, box["y"] + box["height"] * (0.3 + (i % 2) * 0.4))
            for i, f in enumerate((0.1, 0.3, 0.5, 0.7, 0.9))
        ],
    )
    page.get_by_role("button", name="Check the signature").click()
    walk.offline(
        "signature",
        lambda: page.get_by_role("button", name="Confirm: this is my signature").click(),
        waiting="The parent's signature",
    )
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/$"))
    assert ParentSignature.objects.get(visit=visit).captured_at == walk.kept("signature").happened_at

    # Left the property (the record is in: the visit completes), then back at school.
    walk.offline(
        "left",
        lambda: step_button(page, "left", "Yes, we have left the property").tap(),
        waiting="Left the property",
    )
    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED and visit.left_at == walk.kept("left").happened_at
    walk.offline(
        "back", lambda: step_button(page, "back", "Yes, we are back at school").tap(), waiting="Back at school"
    )
    visit.refresh_from_db()
    assert visit.returned_at == walk.kept("back").happened_at
    page.screenshot(path=screenshots / "offline-all-sent.png", full_page=True)

    # Every step once: one event each.
    for kind in (
        EventKind.SET_OFF,
        EventKind.ARRIVED,
        EventKind.DANGER,
        EventKind.OUTCOME_RECORDED,
        EventKind.SIGNED,
        EventKind.LEFT,
        EventKind.BACK_AT_SCHOOL,
    ):
        assert VisitEvent.objects.filter(visit=visit, kind=kind).count() == 1, kind
    assert TabletStep.objects.filter(visit=visit).count() == 8


def test_signing_out_with_a_step_waiting_warns_and_then_clears_the_outbox(tablet: Page, server: str, screenshots):
    # Arrange: a step taken without signal, still waiting.
    page = tablet
    cast = make_cast()
    visit = cast.make_visit(Status.AUTHORISED)
    sign_in(page, server, cast.visitor.username, PASSWORD)
    page.goto(f"{server}/visits/{visit.code}/")
    page.context.set_offline(True)
    page.get_by_role("button", name="Set off now").tap()
    expect(page.get_by_test_id("outbox-waiting")).to_contain_text("Set off")
    store = f"hv-outbox:{cast.visitor.pk}"
    assert page.evaluate("k => JSON.parse(localStorage.getItem(k)).length", store) == 1

    # Act 1: sign out (the menu's form, sent as the menu would).
    page.evaluate("document.querySelector('form[data-outbox-signout]').requestSubmit()")

    # Assert: a warning, not a silent loss; still signed in, the step still kept.
    warning = page.get_by_test_id("outbox-signout-warning")
    expect(warning).to_contain_text("1 step is still waiting to send")
    page.screenshot(path=screenshots / "offline-signout-warning.png")
    assert page.evaluate("k => localStorage.getItem(k) !== null", store)

    # Act 2: with the signal back the step goes; a later sign-out has nothing to warn about.
    page.context.set_offline(False)
    expect(page.get_by_test_id("outbox-waiting")).to_have_count(0)
    visit.refresh_from_db()
    assert visit.status == Status.IN_PROGRESS

    # Act 3: another step waits (its sending fails: no signal for it); "Sign out anyway" signs out
    # and the signed-out page clears the outbox.
    page.route(re.compile(r".*/arrived/$"), lambda route: route.abort())
    page.get_by_test_id("step-arrived").locator("summary").tap()
    page.get_by_role("button", name="Yes, we have arrived").tap()
    expect(page.get_by_test_id("outbox-waiting")).to_contain_text("Arrived")
    page.evaluate("document.querySelector('form[data-outbox-signout]').requestSubmit()")
    page.get_by_test_id("outbox-signout-warning").get_by_role("button", name="Sign out anyway").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    assert page.evaluate("k => localStorage.getItem(k)", store) is None
    visit.refresh_from_db()
    assert visit.arrived_at is None
