"""The lead decides on one screen (issue 16, item 4), on a school tablet held either way: from the
queue's "Open to decide", the request's purpose, reason, visitors, family told, the risk with its
High rows, earlier visits and open concerns, and the three decisions are all in the first
viewport, with no scrolling; authorising a request that needs no confirmation takes one tap
(hc01). Screenshots go to test-artifacts/screenshots/decide-*.png."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from safeguarding import risk
from safeguarding.models import Concern, ConcernKind, RiskLevel
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.models import School, User, Visit, VisitEvent

from .conftest import LANDSCAPE, PORTRAIT, open_tablet
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser

LEAD = "lead.holycross"
# What the screen must show without scrolling, by test id, and the three decisions.
PARTS = (
    "decide-purpose",
    "decide-reason",
    "decide-visitors",
    "decide-family",
    "decide-risk",
    "decide-high-rows",
    "decide-earlier",
    "decide-concerns",
)
DECISIONS = ("Authorise", "Send back", "Decline")


def _high_risk_request() -> Visit:
    """The demo's High-risk request of Holy Cross, given a household history to weigh: three
    earlier visits with their outcomes and two open concerns about its pupils."""
    visit = next(
        v
        for v in Visit.objects.filter(school__slug="holy-cross", status=Status.REQUESTED).order_by("scheduled_start")
        if risk.is_high_risk(v)
    )
    earlier = list(
        Visit.objects.filter(school=visit.school, status=Status.COMPLETED).exclude(household=visit.household)[:3]
    )
    assert len(earlier) == 3, "the demo has three completed visits at Holy Cross"
    Visit.objects.filter(pk__in=[v.pk for v in earlier]).update(household=visit.household)
    lead = User.objects.get(username=LEAD)
    for kind in (ConcernKind.CHILD_PROTECTION, ConcernKind.CHILD_ALONE):
        concern = Concern.objects.create(
            school=visit.school, visit=earlier[0], kind=kind, details="Seen at the visit.", raised_by=lead
        )
        concern.pupils.set(visit.pupils.all())
    return visit


def _in_first_viewport(page: Page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= page.viewport_size["height"]


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["768x1024", "1024x768"])
def test_hc01_everything_to_decide_is_on_the_first_screen(browser, demo: str, screenshots, viewport):
    # Arrange
    visit = _high_risk_request()
    tablet = open_tablet(browser, viewport)
    sign_in(tablet, demo, LEAD, DEMO_PASSWORD)

    # Act: the queue's card, then its decision screen.
    tablet.goto(f"{demo}/queue/")
    card = tablet.get_by_test_id("queue-card").filter(has_text=visit.household.name).first
    card.get_by_role("link", name="Open to decide").tap()
    expect(tablet).to_have_url(re.compile(rf"/visits/{visit.code}/decide/"))
    size = f"{viewport['width']}x{viewport['height']}"
    tablet.screenshot(path=screenshots / f"decide-{size}.png")

    # Assert: each part and each decision is within the first viewport, not scrolled to.
    assert tablet.evaluate("window.scrollY") == 0
    outside = [part for part in PARTS if not _in_first_viewport(tablet, tablet.get_by_test_id(part))]
    outside += [
        name
        for name in DECISIONS
        if not _in_first_viewport(tablet, tablet.get_by_role("button", name=name, exact=True))
    ]
    assert outside == []
    # What the lead weighs is there, and nothing to tap by mistake.
    expect(tablet.get_by_test_id("decide-earlier")).to_contain_text(Status.COMPLETED.label)
    expect(tablet.get_by_test_id("decide-concerns")).to_contain_text("raised")
    expect(tablet.get_by_test_id("decide-high-rows")).to_contain_text("High")
    expect(tablet.get_by_test_id("high-risk-fields")).to_be_visible()
    assert tablet.locator("a[href*='/edit/'], form[action*='/cancel/'], a[href*='/concern/']").count() == 0
    tablet.context.close()


def _request_needing_nothing() -> Visit:
    """A Holy Cross request the lead may decide with a current, not High, review, the school's
    settings made so it needs no confirmation (not an evening, pairs not required)."""
    School.objects.filter(slug="holy-cross").update(pairs_required=False, evening_cutoff=dt.time(23, 59))
    lead = User.objects.get(username=LEAD)
    for visit in Visit.objects.filter(school__slug="holy-cross", status=Status.REQUESTED).order_by("scheduled_start"):
        review, _, current = risk.review_state(visit)
        if current and review.assessment.level != RiskLevel.HIGH and lead.pk not in visit.visitor_ids:
            if visit.requested_by_id != lead.pk and not lifecycle.authorisation_blockers(visit):
                return visit
    raise AssertionError("the demo has no request the lead can authorise with nothing to confirm")


@pytest.mark.parametrize("viewport", [PORTRAIT, LANDSCAPE], ids=["768x1024", "1024x768"])
def test_hc01_authorising_from_the_screen_takes_one_tap(browser, demo: str, viewport):
    # Arrange
    visit = _request_needing_nothing()
    lead = User.objects.get(username=LEAD)
    tablet = open_tablet(browser, viewport)
    sign_in(tablet, demo, LEAD, DEMO_PASSWORD)
    tablet.goto(f"{demo}/visits/{visit.code}/decide/")

    # Act: one tap.
    tablet.get_by_role("button", name="Authorise", exact=True).tap()

    # Assert: back on the queue, told so; authorised once, by the lead.
    expect(tablet).to_have_url(re.compile(r"/queue/"))
    expect(tablet.locator(".alert-success")).to_contain_text("authorised")
    visit.refresh_from_db()
    assert visit.status == Status.AUTHORISED
    assert visit.authorised_by == lead
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.AUTHORISED).count() == 1
    tablet.context.close()
