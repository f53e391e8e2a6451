"""Passkeys in a real browser (issue 14, item 1): a lead adds a passkey on the "Second factor"
page, signs out, signs in with the password and gives the second factor with "Use a passkey",
landing on their own page; under the strict Content-Security-Policy, with no violation reported.

The passkey lives in Chromium's virtual authenticator (DevTools protocol `WebAuthn` domain): a
platform authenticator (CTAP2, "internal") with user verification, as a tablet's or phone's
screen lock is. WebAuthn needs a secure context and a relying party ID that is the page's host:
the live server is on http://localhost:<port>, which browsers count as secure.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Page, expect

from demo.data import DEMO_PASSWORD
from visits.models import AuditEntry, User

from .test_roles_login import HOMES, SIGN_IN_HEADING, sign_in

pytestmark = pytest.mark.browser

LEAD = "lead.holycross"
WATCH = """
window.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.effectiveDirective + " " + (event.blockedURI || "inline"));
});
"""


@pytest.fixture
def passkey_site(demo, settings):
    """The demo at the live server, its relying party the live server's own host and origin."""
    host = urlparse(demo).hostname
    assert host == "localhost", f"WebAuthn needs a domain, not {host}"
    settings.OTP_WEBAUTHN_RP_ID = host
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [demo]
    return demo


def virtual_authenticator(page: Page) -> tuple[object, str]:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


PHONE = {"width": 390, "height": 844}


def fits(page: Page) -> bool:
    """Nothing wider than the screen (no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_lead_adds_a_passkey_and_gives_the_second_factor_with_it(page: Page, passkey_site: str, screenshots):
    # Arrange: every console line and uncaught error of every page, and the virtual authenticator
    messages: list[str] = []
    errors: list[str] = []
    page.add_init_script(WATCH)
    page.on("console", lambda message: messages.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    cdp, authenticator = virtual_authenticator(page)
    path, heading = HOMES[LEAD]
    lead = User.objects.get(username=LEAD)
    sign_in(page, passkey_site, LEAD, DEMO_PASSWORD)
    expect(page).to_have_url(f"{passkey_site}{path}")

    # Act 1: add a passkey on the second factor's page
    page.goto(f"{passkey_site}/accounts/two-factor/recovery-codes/")
    expect(page.get_by_test_id("no-passkeys")).to_be_visible()
    page.get_by_role("button", name="Add a passkey (this device)").click()

    # Assert 1: listed after the page reloads, held by the authenticator, in the audit trail
    expect(page.get_by_test_id("passkeys")).to_contain_text("Passkey (Chrome on Linux)")
    expect(page.get_by_role("button", name="Remove Passkey (Chrome on Linux)")).to_be_visible()
    assert len(cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]) == 1
    assert WebAuthnCredential.objects.filter(user=lead).count() == 1
    page.set_viewport_size(PHONE)
    assert fits(page)
    page.screenshot(path=screenshots / "passkeys-second-factor-page-390.png", full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})

    # Act 2: sign out, sign in with the password, "Use a passkey" on the code page
    page.get_by_role("button", name=lead.get_full_name()).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SIGN_IN_HEADING)
    page.goto(f"{passkey_site}/")
    page.get_by_label("Username").fill(LEAD)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/\?"))
    page.set_viewport_size(PHONE)
    expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
    assert fits(page)
    page.screenshot(path=screenshots / "passkeys-code-page-390.png", full_page=True)
    page.get_by_role("button", name="Use a passkey").click()

    # Assert 2: on the lead's own page, the factor given by the passkey
    expect(page).to_have_url(f"{passkey_site}{path}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
    details = list(AuditEntry.objects.filter(user_id=lead.pk).values_list("detail", flat=True))
    assert "Passkey added: Passkey (Chrome on Linux)" in details
    assert "Second factor given (passkey)" in details
    assert [m for m in messages if "Content Security Policy" in m] == []
    assert errors == []
