"""Booking that asks only what applies, in a real browser on a tablet held upright (768x1024;
issue 16, item 7): fields appear as the answers make them needed, the job role and the code word
are filled in, and the first risk assessment is one table to fill in, its severity never cut off.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from safeguarding import risk
from safeguarding.models import RiskAssessment
from visits.models import Contact, Household, Pupil, School

from .test_roles_login import sign_in

pytestmark = pytest.mark.browser

HEIGHT = "document.documentElement.scrollHeight"
# The widest text of a severity or likelihood box against the room its box leaves for text.
SQUEEZED = """() => [...document.querySelectorAll('[data-risk-row] select')].filter(select => {
  const style = getComputedStyle(select);
  const probe = document.createElement('span');
  probe.style.font = style.font;
  probe.style.position = 'absolute';
  probe.style.whiteSpace = 'nowrap';
  document.body.appendChild(probe);
  const widest = Math.max(...[...select.options].map(o => { probe.textContent = o.text; return probe.offsetWidth; }));
  probe.remove();
  const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return select.offsetParent !== null && widest > room;
}).map(select => select.name)"""


def box(page: Page, name: str):
    """The box a field sits in (the one the page shows or hides)."""
    return page.locator(f"[data-shown-when]:has([name={name}])")


def test_the_booking_form_shows_each_field_when_an_answer_needs_it(tablet: Page, demo: str, screenshots):
    # Arrange
    page = tablet
    sign_in(page, demo, "office.holycross", DEMO_PASSWORD)
    # A family the school has not assessed yet (the demo's history leaves none): a new one, as the
    # office adds it.
    household = Household.objects.create(
        school=School.objects.get(slug="holy-cross"),
        name="Fenwick family",
        address_line1="12 Mill Lane",
        town="Bolton",
        postcode="BL1 4QT",
    )
    Contact.objects.create(
        household=household,
        first_name="Dawn",
        last_name="Fenwick",
        relationship="Mother",
        parental_responsibility=True,
        mobile="07700 900555",
    )
    Pupil.objects.create(
        school=household.school,
        household=household,
        first_name="Lily",
        last_name="Fenwick",
        date_of_birth=dt.date(2019, 5, 14),
        year_group="Year 2",
    )
    Household.objects.filter(pk=household.pk).update(known_risks="Steep steps to the door.")
    page.goto(f"{demo}/visits/new/?household={household.code}")

    # Assert: a request in pairs, the family told, a day-time slot: nothing else asked.
    for name in ("second_visitor", "why_not_in_school", "appointment_method"):
        expect(box(page, name)).to_be_visible()
    for name in ("agency_worker_name", "lone_visit_reason", "not_informed_exception", "evening_confirmed"):
        expect(box(page, name)).to_be_hidden()
    expect(box(page, "appointment_made_at")).to_be_hidden()  # no appointment made yet
    expect(page.locator("input[name=code_word]")).to_have_value(re.compile(r"^[a-z]+-[a-z]+$"))

    # Act: the answers change, one tap each.
    page.get_by_label("An outside-agency worker").tap()
    # Assert
    expect(box(page, "agency_worker_name")).to_be_visible()
    expect(box(page, "second_visitor")).to_be_hidden()
    expect(page.locator("select[name=second_visitor]")).to_be_disabled()  # what was left in it is not sent

    page.get_by_label("No one: a lone visit").tap()
    expect(box(page, "lone_visit_reason")).to_be_visible()
    expect(box(page, "agency_worker_name")).to_be_hidden()

    page.locator("input[name=informed][value=no]").tap()
    expect(box(page, "not_informed_exception")).to_be_visible()
    expect(box(page, "appointment_method")).to_be_hidden()

    page.locator("input[name=informed][value=yes]").tap()
    page.locator("select[name=appointment_method]").select_option("phone")
    expect(box(page, "appointment_made_at")).to_be_visible()

    page.locator("input[name=start_time]").fill("16:30")
    page.locator("input[name=end_time]").fill("17:30")
    expect(box(page, "evening_confirmed")).to_be_visible()
    page.locator("input[name=end_time]").fill("16:55")
    expect(box(page, "evening_confirmed")).to_be_hidden()

    page.get_by_role("radio", name="Emergency").tap()
    expect(box(page, "why_not_in_school")).to_be_hidden()
    page.get_by_role("radio", name="Planned (procedural)").tap()

    # Act: a typical request, in pairs: the job roles come from the profiles.
    page.get_by_label("A second member of staff").tap()
    lead = page.locator("select[name=lead_visitor]")
    lead.select_option(index=1)
    title = lead.locator("option:checked").get_attribute("data-job-title") or ""
    expect(page.locator("input[name=lead_visitor_role]")).to_have_value(title)
    page.locator("select[name=second_visitor]").select_option(index=2)
    page.locator("select[name=contact]").select_option(index=1)
    page.get_by_label("Attendance issues or concerns").check()
    page.locator("textarea[name=purpose]").fill("Agree an attendance plan.")
    page.locator("textarea[name=why_not_in_school]").fill("Parent works shifts.")
    day = (timezone.localdate() + dt.timedelta(days=61)).strftime("%d/%m/%Y")
    page.locator("input[name=visit_date]").fill(day)
    page.locator("input[name=start_time]").fill("10:00")
    page.locator("input[name=end_time]").fill("11:00")
    asked = page.evaluate(HEIGHT)
    everything = page.evaluate(
        "() => { const shown = [...document.querySelectorAll('[data-shown-when][hidden]')];"
        " shown.forEach(b => b.hidden = false); const h = " + HEIGHT + ";"
        " shown.forEach(b => b.hidden = true); return h; }"
    )
    page.screenshot(path=str(screenshots / "booking-asks-what-applies-768x1024.png"), full_page=True)
    print(f"\nbooking form at 768x1024, a typical request: {asked} px (every field shown: {everything} px)")

    # Assert
    assert asked < everything - 250

    # Act: send it; the first risk assessment follows.
    page.get_by_role("button", name="Send to the safeguarding lead").click()

    # Assert: one table to fill in, the known risk first and unrated, nothing cut off.
    expect(page.get_by_role("heading", name="Fill in the first assessment")).to_be_visible()
    rows = page.locator("[data-risk-row]:visible")
    expect(rows).to_have_count(1 + len(risk.template_for(household.school)))
    expect(page.locator(".risk-table")).to_have_count(0)
    expect(rows.first.locator("textarea").first).to_have_value("Known risk at this address: Steep steps to the door.")
    expect(rows.first.locator("select").first).to_have_value("")
    assert page.evaluate(SQUEEZED) == []
    page.screenshot(path=str(screenshots / "first-risk-assessment-768x1024.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate(SQUEEZED) == []
    page.screenshot(path=str(screenshots / "first-risk-assessment-390x844.png"), full_page=True)
    assert not RiskAssessment.objects.filter(household=household).exists()
