"""Booking a visit in a real browser: the office finds the household, fills the Home Visit Form,
is told what to fix (a time in the past, a missing code word), then sends it to the lead; the
appointment letter prints without the code word. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from visits.enums import Status
from visits.models import Visit

from .test_roles_login import sign_in

pytestmark = pytest.mark.browser


def test_hc05_office_books_a_visit_through_the_form_and_prints_the_letter(page: Page, demo: str, screenshots):
    # Arrange
    sign_in(page, demo, "office.holycross", DEMO_PASSWORD)
    before = Visit.objects.count()
    day = (timezone.localdate() + dt.timedelta(days=60)).strftime("%d/%m/%Y")
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).strftime("%d/%m/%Y")

    # Act: find the household and fill the form with a date in the past and no code word (the
    # suggested one taken out).
    page.get_by_role("link", name="Book a visit").click()
    page.get_by_label("Family name, pupil's name or postcode").fill("Adeyemi")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Adeyemi family").click()
    page.locator("select[name=lead_visitor]").select_option(index=1)
    page.locator("select[name=second_visitor]").select_option(index=2)
    page.locator("select[name=contact]").select_option(index=1)
    page.get_by_label("Attendance issues or concerns").check()
    page.locator("textarea[name=purpose]").fill("Agree an attendance plan.")
    page.locator("textarea[name=why_not_in_school]").fill("Parent works shifts.")
    page.locator("input[name=visit_date]").fill(yesterday)
    page.locator("input[name=start_time]").fill("10:00")
    page.locator("input[name=end_time]").fill("11:00")
    page.locator("input[name=code_word]").fill("")  # the suggested one taken out
    page.get_by_role("button", name="Send to the safeguarding lead").click()

    # Assert: told what to fix, nothing saved.
    summary = page.get_by_test_id("form-errors")
    expect(summary).to_contain_text("This date and time has already passed.")
    expect(summary).to_contain_text("Agree a code word with the visitors")
    page.screenshot(path=str(screenshots / "booking-errors.png"), full_page=True)
    assert Visit.objects.count() == before

    # Act: fix both and send.
    page.locator("input[name=visit_date]").fill(day)
    page.locator("input[name=code_word]").fill("kingfisher")
    page.get_by_role("button", name="Send to the safeguarding lead").click()

    # Assert: sent, and walked on to the risk review the lead needs (hc09).
    expect(page.get_by_role("status").first).to_contain_text("Sent to the safeguarding lead")
    expect(page.get_by_text("Next: review the household's risk assessment")).to_be_visible()
    visit = Visit.objects.order_by("-id").first()
    assert Visit.objects.count() == before + 1
    assert visit.status == Status.REQUESTED
    assert visit.household.name == "Adeyemi family"
    page.get_by_role("button", name="Reviewed: no change").click()
    page.goto(f"{demo}/visits/{visit.code}/")

    # Act: the appointment letter.
    page.get_by_role("link", name="Appointment letter", exact=True).click()

    # Assert
    letter = page.get_by_test_id("letter")
    expect(letter).to_contain_text("Adeyemi")
    expect(letter).to_contain_text("01204 496 000")
    expect(letter).not_to_contain_text("kingfisher")
    page.screenshot(path=str(screenshots / "booking-letter.png"), full_page=True)
