"""Signing out clears the tablet's stored drafts of that person (issue 14, item 4): a visitor types
part of a record (kept in the tablet's localStorage as they type), signs out from the user menu,
and nothing of theirs is left in the tablet's storage; a colleague's draft on the same tablet
stays (it may be a record waiting for a signal). Signing out still ends on the sign-in page."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import make_cast
from visits.enums import Status

from .test_roles_login import sign_in

pytestmark = pytest.mark.browser


def stored_keys(page: Page) -> list[str]:
    return page.evaluate("() => Object.keys(window.localStorage)")


def test_a_draft_stored_before_signing_out_is_gone_after_it(tablet: Page, server: str, screenshots):
    # Arrange: a visit under way; its lead visitor signs in on the tablet and starts the record.
    page = tablet
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS)
    mine = f"hv-record:{visit.code}:{cast.visitor.pk}"
    colleagues = f"hv-record:{visit.code}:{cast.second.pk}"
    sign_in(page, server, cast.visitor.username, "test-password-123")
    page.goto(f"{server}/visits/{visit.code}/present/")
    page.get_by_test_id("choice-adult_authority-parental_responsibility").tap()
    page.get_by_label("Their name").fill("Pat Parent")
    page.get_by_label("Their relationship to the child").fill("Mother")
    page.get_by_role("button", name="Continue").tap()
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/record/$"))
    page.get_by_label("Who was seen").fill("Mother and Sam")
    page.wait_for_function("key => window.localStorage.getItem(key) !== null", arg=mine)
    kept = json.loads(page.evaluate("key => window.localStorage.getItem(key)", mine))
    page.evaluate(
        "([key, value]) => window.localStorage.setItem(key, value)",
        [colleagues, json.dumps({"data": {"notes": "The colleague's"}, "pending": True})],
    )

    # Act: sign out from the user menu (behind the menu button at tablet width).
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.tap()
    page.get_by_role("button", name=re.compile(cast.visitor.first_name)).tap()
    page.get_by_role("button", name="Sign out").tap()

    # Assert: on the sign-in page; the visitor's draft is gone, the colleague's stays.
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.screenshot(path=screenshots / "signed-out.png", full_page=True)
    assert kept["data"]["people_seen"] == "Mother and Sam"
    assert mine not in stored_keys(page)
    assert colleagues in stored_keys(page)
