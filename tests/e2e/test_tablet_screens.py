"""The visiting staff's tablet in a real browser (issue 5): 768x1024 portrait with touch, then the
visit page at 1024x768 landscape. A visitor opens My visits, taps an authorised visit, sets off
(hc01), taps "Arrived" and confirms it (hc14), then presses the urgent controls (hc17): "child
alone" tells the leads; "immediate danger" shows "Call 999" with the address. Each step is
screenshotted to test-artifacts/screenshots/tablet-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from safeguarding.models import Concern, ConcernKind
from tests.factories import PASSWORD, make_cast
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.models import Visit, VisitEvent

from .conftest import LANDSCAPE, PORTRAIT, open_tablet
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser


def _today_at(hour: int) -> dt.datetime:
    return timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)


def _shot(page: Page, screenshots, name: str) -> None:
    page.screenshot(path=str(screenshots / f"tablet-{name}.png"), full_page=False)


def test_hc17_visitor_sets_off_arrives_and_raises_the_urgent_controls_on_a_tablet(
    tablet: Page, server: str, screenshots
):
    # Arrange: one visit authorised for today, one waiting for the lead, one whose record is due.
    cast = make_cast()
    visit = cast.make_visit(Status.AUTHORISED, start=_today_at(9))
    cast.make_visit(Status.REQUESTED, start=_today_at(9) + dt.timedelta(days=2))
    due = cast.make_visit(Status.IN_PROGRESS, start=_today_at(8))
    lifecycle.record_step(due, cast.visitor, "left")
    page = tablet

    # Act / Assert: My visits, grouped, with plain statuses.
    sign_in(page, server, cast.visitor.username, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("My visits")
    expect(page.get_by_test_id("group-today")).to_contain_text("Authorised: you may set off")
    expect(page.get_by_test_id("group-record_due")).to_contain_text("Record due")
    expect(page.get_by_test_id("group-upcoming")).to_contain_text("Waiting for authorisation")
    _shot(page, screenshots, "1-my-visits")

    # The visit page: the next action is "Set off", the urgent bar is at the bottom.
    page.get_by_test_id("group-today").get_by_test_id("visit-card").tap()
    expect(page.get_by_test_id("next-action")).to_contain_text("Set off now")
    expect(page.get_by_test_id("checklist")).to_contain_text("not on a lanyard")
    expect(page.get_by_test_id("urgent-bar")).to_be_visible()
    bar = page.get_by_test_id("urgent-bar").bounding_box()
    assert bar["y"] + bar["height"] == pytest.approx(PORTRAIT["height"], abs=1)
    _shot(page, screenshots, "2-visit-authorised")

    # Set off (hc01): only "Arrived" may be pressed next.
    page.get_by_role("button", name="Set off now").tap()
    expect(page.get_by_role("status").first).to_contain_text("Set off logged")
    expect(page.get_by_test_id("step-left")).not_to_contain_text("Yes")
    expect(page.locator("[data-testid=step-left] button")).to_have_count(0)
    _shot(page, screenshots, "3-set-off")

    # Arrived, with its second tap inside the page.
    page.get_by_test_id("step-arrived").locator("summary").tap()
    confirm = page.get_by_role("button", name="Yes, we have arrived")
    expect(confirm).to_be_visible()
    summary_box = page.get_by_test_id("step-arrived").locator("summary").bounding_box()
    confirm_box = confirm.bounding_box()
    # A double tap on "Arrived" must not land on the confirmation: it opens well below.
    assert confirm_box["y"] >= summary_box["y"] + summary_box["height"] + 16
    _shot(page, screenshots, "4-arrived-confirm")
    confirm.tap()
    visit.refresh_from_db()
    arrived = f"{timezone.localtime(visit.arrived_at):%H:%M}"
    expect(page.get_by_test_id("step-arrived")).to_contain_text(f"Arrived {arrived}")
    expect(page.get_by_test_id("step-left").locator("summary")).to_have_text("Left the property")
    _shot(page, screenshots, "5-arrived")

    # Urgent: child alone (hc17, hc15).
    page.get_by_role("link", name="Child alone / unsupervised").tap()
    expect(page.get_by_test_id("urgent-confirm")).to_contain_text("Do not go in")
    _shot(page, screenshots, "6-child-alone-confirm")
    page.get_by_role("button", name="Tell the safeguarding leads now").tap()
    expect(page.get_by_text("The safeguarding leads have been told")).to_be_visible()
    _shot(page, screenshots, "7-child-alone-told")

    # Urgent: immediate danger, one tap, shows "Call 999" with the address (issue 13).
    page.get_by_role("button", name="Immediate danger: 999").tap()
    expect(page.get_by_role("link", name="Call 999", exact=True)).to_have_attribute("href", "tel:999")
    expect(page.get_by_test_id("postcode-to-read")).to_have_text("M14 5AB")
    _shot(page, screenshots, "8-call-999")

    # Landscape: the visit page at 1024x768.
    page.set_viewport_size(LANDSCAPE)
    page.goto(f"{server}/visits/{visit.code}/")
    expect(page.get_by_test_id("urgent-bar")).to_be_visible()
    _shot(page, screenshots, "9-visit-landscape")

    # Assert: what the school now knows.
    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS
    kinds = set(Concern.objects.filter(visit=visit).values_list("kind", flat=True))
    assert kinds == {ConcernKind.CHILD_ALONE, ConcernKind.IMMEDIATE_DANGER}
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.ARRIVED, actor=cast.visitor).count() == 1


def test_hc14_double_tap_on_a_step_logs_nothing_and_the_confirmation_works_without_javascript(
    browser, server: str, screenshots
):
    # Arrange: a tablet with JavaScript off, a visit under way.
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS, start=_today_at(9))
    page = open_tablet(browser, java_script_enabled=False)
    context = page.context
    try:
        sign_in(page, server, cast.visitor.username, PASSWORD)
        page.goto(f"{server}/visits/{visit.code}/")
        summary = page.get_by_test_id("step-arrived").locator("summary")
        confirm = page.get_by_role("button", name="Yes, we have arrived")

        # Act: a double tap on "Arrived" opens and closes the confirmation.
        summary.tap()
        summary.tap()
        expect(confirm).to_be_hidden()
        assert Visit.objects.get(pk=visit.pk).arrived_at is None

        # Act: a deliberate second tap, on the confirmation, logs it.
        summary.tap()
        _shot(page, screenshots, "10-arrived-confirm-without-javascript")
        confirm.tap()

        # Assert
        expect(page.get_by_test_id("step-arrived")).to_contain_text("Arrived")
        assert Visit.objects.get(pk=visit.pk).arrived_at is not None
        # Without JavaScript "Not yet" could not close anything, so it is not shown.
        expect(page.get_by_role("button", name="Not yet")).to_have_count(0)
    finally:
        context.close()
