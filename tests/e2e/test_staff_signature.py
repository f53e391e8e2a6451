"""The visitor signs the Home Visit Form as the staff member on the tablet (hc23, issue 16): from the
parent's signature card at the door, the parent's pad (static/js/signature.js), check, confirm;
the signature is kept for the person signed in and printed on the form. Axe at 768x1024, 1024x768
and 390x844 on the page; screenshots go to test-artifacts/screenshots/staff-signature-*.png."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import PASSWORD
from tests.visits.test_pdf import pdf_text
from visits import pdf
from visits.models import StaffSignature

from .conftest import open_tablet
from .test_accessibility import run_axe
from .test_roles_login import sign_in
from .test_signature_pad import draw_signature, under_way  # noqa: F401 - a fixture

pytestmark = pytest.mark.browser

SIZES = {"768x1024": (768, 1024), "1024x768": (1024, 768), "390x844": (390, 844)}


def test_hc23_the_visitor_signs_the_form_on_the_tablet_and_it_is_printed(browser, server, under_way, screenshots):  # noqa: F811
    # Arrange
    cast, visit = under_way
    tablet = open_tablet(browser)
    sign_in(tablet, server, cast.visitor.username, PASSWORD)
    tablet.goto(server + reverse("visits:detail", args=[visit.code]))
    violations, heights = [], {}

    # Act: from the card at the door to the pad, drawn, checked, confirmed.
    tablet.get_by_test_id("staff-signature-start").click()
    expect(tablet.get_by_role("heading", level=1)).to_have_text("Your signature as the staff member")
    for size, (width, height) in SIZES.items():
        tablet.set_viewport_size({"width": width, "height": height})
        violations += run_axe(tablet, "staff signature", size)
        heights[size] = tablet.evaluate("document.documentElement.scrollHeight")
        tablet.screenshot(path=str(screenshots / f"staff-signature-{size}.png"), full_page=True)
    tablet.set_viewport_size({"width": 768, "height": 1024})
    draw_signature(tablet)
    tablet.get_by_role("button", name="Check the signature").click()
    tablet.get_by_role("button", name="Confirm: this is my signature").click()
    expect(tablet.get_by_text("Your signature is saved")).to_be_visible()
    tablet.context.close()

    # Assert
    assert violations == []
    assert all(h < 1400 for h in heights.values()), heights
    kept = StaffSignature.objects.get(visit=visit)
    assert kept.signer == cast.visitor
    assert pdf.staff_signatures(visit)[cast.visitor.pk].pk == kept.pk
    assert f"(Staff member) {cast.visitor}, " in pdf_text(pdf.render_document("form", visit)[0])
