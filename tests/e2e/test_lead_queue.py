"""The safeguarding lead authorises a request from the queue on a tablet held upright (768x1024):
queue, request page, decision with a condition, back to the queue (hc01). Screenshots of the queue
and the request page go to test-artifacts/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from safeguarding import risk
from safeguarding.models import RiskLevel
from visits.enums import EventKind, Status
from visits.models import User, Visit, VisitEvent

from .test_roles_login import sign_in

pytestmark = pytest.mark.browser


def _decidable_request(lead: User) -> Visit:
    """A Holy Cross request the lead may decide whose risk review is current and not High."""
    for visit in Visit.objects.filter(school__slug="holy-cross", status=Status.REQUESTED).order_by("scheduled_start"):
        review, _, current = risk.review_state(visit)
        if (
            current
            and review.assessment.level != RiskLevel.HIGH
            and lead.pk not in visit.visitor_ids | {visit.requested_by_id}
        ):
            return visit
    raise AssertionError("the demo has no request the lead can authorise")


def test_hc01_lead_authorises_from_the_queue_on_a_768_tablet(page: Page, demo: str, screenshots):
    # Arrange
    page.set_viewport_size({"width": 768, "height": 1024})
    lead = User.objects.get(username="lead.holycross")
    visit = _decidable_request(lead)
    sign_in(page, demo, "lead.holycross", DEMO_PASSWORD)

    # Act: the queue, then the request's card.
    page.goto(f"{demo}/queue/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.screenshot(path=screenshots / "lead-queue-768.png", full_page=True)
    card = page.get_by_test_id("queue-card").filter(has_text=visit.household.name).first
    card.get_by_role("link", name="Open to decide").click()
    expect(page).to_have_url(re.compile(str(visit.code)))
    page.screenshot(path=screenshots / "lead-request-768.png", full_page=True)

    page.locator("textarea[name=conditions]").fill("Ring the office from the car before going in.")
    for box in ("approve_lone_working", "confirm_evening"):
        if page.locator(f"input[name={box}]").count():
            page.locator(f"input[name={box}]").check()
    page.get_by_role("button", name="Authorise", exact=True).click()

    # Assert: back on the queue, told so; the visit is authorised with the lead's condition.
    expect(page).to_have_url(re.compile(r"/queue/"))
    expect(page.locator(".alert-success")).to_contain_text("authorised")
    visit.refresh_from_db()
    assert visit.status == Status.AUTHORISED
    assert visit.authorised_by == lead
    assert visit.authorisation_conditions == "Ring the office from the car before going in."
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.AUTHORISED).count() == 1
