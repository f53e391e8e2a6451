"""Each demo login signs in through the real form, in a real browser, and lands on its own page.

Also: a wrong password is told on the form, and "Sign out" in the navbar's user menu returns to
the sign-in page. One full-page screenshot per role is written to
test-artifacts/screenshots/<username>.png (1024x768), for a person to look at.
"""

from __future__ import annotations

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from tests.second_factor import code_for, code_for_secret

pytestmark = pytest.mark.browser

# username -> (path of the page the role starts from, its heading)
HOMES = {
    "office.holycross": ("/visits/today/", "Visits on"),
    "lead.holycross": ("/queue/", "Waiting for your decision"),
    "deputy.holycross": ("/queue/", "Waiting for your decision"),
    "visitor1.holycross": ("/visits/mine/", "My visits"),
    "visitor2.holycross": ("/visits/mine/", "My visits"),
    "head.holycross": ("/visits/overview/", "Home visits overview"),
    "governor.holycross": ("/reports/governors/", "Governors' report"),
    "office.mount": ("/visits/today/", "Visits on"),
    "lead.mount": ("/queue/", "Waiting for your decision"),
    "visitor1.mount": ("/visits/mine/", "My visits"),
    "visitor2.mount": ("/visits/mine/", "My visits"),
    "head.mount": ("/visits/overview/", "Home visits overview"),
    "admin.trust": ("/visits/trust/", "Schools of the trust"),
}
SIGN_IN_HEADING = "Sign in to Home Visits"


def sign_in(page: Page, base_url: str, username: str, password: str) -> None:
    """Sign in through the form, then give the second factor as the person's app would: the code
    of their authenticator, or, the first time, set one up from the key the page shows."""
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if "/accounts/two-factor/set-up/" in page.url:
        page.get_by_label("Code from the app").fill(code_for_secret(page.get_by_test_id("totp-secret").inner_text()))
        page.get_by_role("button", name="Turn on").click()
        page.get_by_role("link", name="I have kept them: continue").click()
    elif "/accounts/two-factor/" in page.url:
        page.get_by_label("Code").fill(code_for(TOTPDevice.objects.get(user__username=username, confirmed=True)))
        page.get_by_role("button", name="Confirm").click()


@pytest.mark.parametrize("username", list(HOMES))
def test_each_demo_role_signs_in_and_lands_on_its_own_page(page: Page, demo: str, screenshots, username: str):
    # Arrange
    path, heading = HOMES[username]

    # Act
    sign_in(page, demo, username, DEMO_PASSWORD)

    # Assert
    expect(page).to_have_url(f"{demo}{path}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_be_attached()
    page.screenshot(path=str(screenshots / f"{username}.png"), full_page=True)


def test_wrong_password_is_told_on_the_form(page: Page, demo: str):
    # Act
    sign_in(page, demo, "office.holycross", "not-the-password")

    # Assert
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    expect(page.locator("form")).to_contain_text("That username and password do not match")
    expect(page.get_by_label("Username")).to_have_value("office.holycross")
    expect(page.get_by_role("button", name="Sign out", include_hidden=True)).to_have_count(0)


def test_sign_out_from_the_user_menu_returns_to_sign_in(page: Page, demo: str):
    # Arrange
    sign_in(page, demo, "visitor1.holycross", DEMO_PASSWORD)
    expect(page).to_have_url(f"{demo}/visits/mine/")
    sign_out = page.get_by_role("button", name="Sign out", include_hidden=True)
    expect(sign_out).to_be_hidden()  # inside the closed dropdown

    # Act
    page.get_by_role("button", name="Siobhan Byrne").click()  # the user menu in the navbar
    expect(sign_out).to_be_visible()
    sign_out.click()

    # Assert
    expect(page).to_have_url(f"{demo}/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    page.goto(f"{demo}/visits/mine/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/visits/mine/"))
