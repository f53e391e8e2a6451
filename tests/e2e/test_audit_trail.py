"""The audit trail page in a real browser (issue 15): a lead filters the trail by family and by
date at 390px wide (a phone) and at 768px (a tablet): nothing is wider than the screen, and a bad
date range is a form error. Screenshots: test-artifacts/screenshots/audit-*.png."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_cast
from visits.enums import Status

from .conftest import PORTRAIT, new_context
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("viewport", [PHONE, PORTRAIT], ids=["phone", "tablet"])
def test_a_lead_filters_the_trail_by_family_on_a_phone_and_a_tablet(browser, server, screenshots, viewport):
    # Arrange
    cast = make_cast()
    cast.household.name = "Okafor family"
    cast.household.save()
    cast.make_visit(Status.AUTHORISED)
    context = new_context(browser, viewport=viewport)
    page: Page = context.new_page()
    sign_in(page, server, cast.lead.username, PASSWORD)

    # Act
    page.goto(server + reverse("safeguarding:audit"))
    page.get_by_label("Family (name or household code)").fill("okafor")
    page.get_by_role("button", name="Filter").click()

    # Assert
    expect(page.get_by_test_id("audit-families")).to_contain_text("Okafor family")
    expect(page.locator("tbody tr").first).to_contain_text("Status changed")
    expect(page.get_by_test_id("audit-export")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    page.screenshot(path=screenshots / f"audit-family-{viewport['width']}.png", full_page=True)

    # A date range that ends before it starts: the form says so.
    page.get_by_label("From").fill("2026-11-10")
    page.get_by_label("To").fill("2026-11-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("The 'to' date is before the 'from' date.")).to_be_visible()
    page.screenshot(path=screenshots / f"audit-bad-dates-{viewport['width']}.png", full_page=True)
    context.close()
