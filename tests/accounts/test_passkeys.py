"""Passkeys as a second factor (issue 14, item 1): adding one (a step-up), using one at the code
page, removing one; each person's own only; passwordless sign-in off.

The browser's side is played by `SoftAuthenticator`: a P-256 key that answers the library's
options as a platform authenticator would (attestation "none", ES256 signatures), so that the
library's own checks of challenge, origin, RP ID, signature and owner run for real. The browser
test (tests/e2e/test_passkeys.py) drives Chromium's virtual authenticator through the same pages.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from base64 import urlsafe_b64decode, urlsafe_b64encode
from hashlib import sha256

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings as django_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import passkeys, second_factor
from tests.second_factor import code_for, code_for_secret, give_app
from tests.test_deploy_check import BASE_DIR, PRODUCTION
from tests.test_headers import html_faults
from visits.models import AuditEntry

HOME = reverse("home")
VERIFY = reverse("accounts:second_factor")
SET_UP = reverse("accounts:second_factor_setup")
RECOVERY = reverse("accounts:second_factor_recovery")
REGISTER_BEGIN = reverse("otp_webauthn:credential-registration-begin")
REGISTER_COMPLETE = reverse("otp_webauthn:credential-registration-complete")
AUTH_BEGIN = reverse("otp_webauthn:credential-authentication-begin")
AUTH_COMPLETE = reverse("otp_webauthn:credential-authentication-complete")

RP_ID = "testserver"
ORIGIN = "https://testserver"
ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36"


def b64(data: bytes) -> str:
    return urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """A platform authenticator in software: one key pair, one credential."""

    def __init__(self, origin: str = ORIGIN) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.origin = origin
        self.count = 0

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()

    def _cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})

    def create(self, options: dict) -> dict:
        """The browser's answer to `navigator.credentials.create` with these options."""
        client_data = self._client_data("webauthn.create", options["challenge"])
        attested = bytes(16) + len(self.credential_id).to_bytes(2, "big") + self.credential_id + self._cose_key()
        # Flags: user present (0x01), user verified (0x04), attested credential data (0x40).
        auth_data = sha256(options["rp"]["id"].encode()).digest() + bytes([0x45]) + (0).to_bytes(4, "big") + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "attestationObject": b64(attestation),
                "transports": ["internal"],
            },
            "clientExtensionResults": {"credProps": {"rk": True}},
            "authenticatorAttachment": "platform",
        }

    def get(self, options: dict) -> dict:
        """The browser's answer to `navigator.credentials.get` with these options."""
        client_data = self._client_data("webauthn.get", options["challenge"])
        self.count += 1
        auth_data = sha256(options["rpId"].encode()).digest() + bytes([0x05]) + self.count.to_bytes(4, "big")
        signature = self.key.sign(auth_data + sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return {
            "id": b64(self.credential_id),
            "rawId": b64(self.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data),
                "authenticatorData": b64(auth_data),
                "signature": b64(signature),
                "userHandle": None,
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }


@pytest.fixture(autouse=True)
def relying_party(settings):
    """The test client's host is the relying party (the browser test uses localhost)."""
    settings.OTP_WEBAUTHN_RP_ID = RP_ID
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [ORIGIN]


def post_json(client, url: str, data: dict | None = None, **headers):
    return client.post(url, json.dumps(data or {}), content_type="application/json", **headers)


def add_passkey(client, authenticator: SoftAuthenticator | None = None) -> SoftAuthenticator:
    """The "Add a passkey" button on a signed-in client whose factor is fresh."""
    authenticator = authenticator or SoftAuthenticator()
    begin = post_json(client, REGISTER_BEGIN)
    assert begin.status_code == 200, begin.content
    done = post_json(client, REGISTER_COMPLETE, authenticator.create(begin.json()), HTTP_USER_AGENT=ANDROID_CHROME)
    assert done.status_code == 200, done.content
    return authenticator


def use_passkey(client, authenticator: SoftAuthenticator, next_url: str = HOME):
    """The "Use a passkey" button on the code page."""
    begin = post_json(client, AUTH_BEGIN)
    assert begin.status_code == 200, begin.content
    return post_json(client, f"{AUTH_COMPLETE}?next={next_url}", authenticator.get(begin.json()))


def sign_in(client, user, password):
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(HOME)


def stale(client, minutes: int = 16) -> None:
    session = client.session
    session[second_factor.VERIFIED_AT] = time.time() - minutes * 60
    session.save()


def details(user) -> list[str]:
    return list(AuditEntry.objects.filter(user_id=user.pk).order_by("pk").values_list("detail", flat=True))


# --- adding one ------------------------------------------------------------------------------------


def test_a_lead_with_the_factor_given_adds_a_passkey_named_after_the_device(cast, login):
    # Arrange
    client = login(cast.lead)

    # Act
    begin = post_json(client, REGISTER_BEGIN)
    options = begin.json()
    done = post_json(client, REGISTER_COMPLETE, SoftAuthenticator().create(options), HTTP_USER_AGENT=ANDROID_CHROME)

    # Assert
    assert (options["rp"], options["user"]["name"]) == ({"id": RP_ID, "name": "Home Visits"}, cast.lead.username)
    assert done.status_code == 200
    passkey = WebAuthnCredential.objects.get(user=cast.lead)
    assert (passkey.name, passkey.confirmed) == ("Passkey (Chrome on Android)", True)
    assert "Passkey added: Passkey (Chrome on Android)" in details(cast.lead)
    page = client.get(RECOVERY).content.decode()
    assert "Passkey (Chrome on Android)" in page
    assert reverse("passkey_remove", args=[passkey.pk]) in page


def test_adding_a_passkey_asks_for_the_factor_again_after_15_minutes(cast, login):
    # Arrange
    client = login(cast.lead)
    stale(client)

    # Act
    begin = post_json(client, REGISTER_BEGIN)
    complete = post_json(client, REGISTER_COMPLETE, SoftAuthenticator().create({"challenge": "x", "rp": {"id": RP_ID}}))
    page = client.get(RECOVERY).content.decode()

    # Assert: refused, and the page offers the code page instead of the button
    assert (begin.status_code, begin.json()["code"]) == (403, "user_not_verified")
    assert complete.status_code == 403
    assert not WebAuthnCredential.objects.filter(user=cast.lead).exists()
    assert 'id="passkey-register-button"' not in page
    assert "Confirm it is you to add or remove a passkey" in page


def test_a_password_alone_cannot_add_a_passkey(cast, client, password):
    # Arrange: the lead's password, typed by someone without the lead's phone
    give_app(cast.lead)
    sign_in(client, cast.lead, password)

    # Act
    response = post_json(client, REGISTER_BEGIN)

    # Assert: sent to the code page, nothing begun
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert "otp_webauthn_register_state" not in client.session


def test_a_lead_sets_up_the_app_before_any_passkey(cast, client, password):
    # Arrange: a lead with nothing set up yet
    cast.school.second_factor_for_all = False
    cast.school.save()
    sign_in(client, cast.lead, password)

    # Act
    response = post_json(client, REGISTER_BEGIN)

    # Assert
    assert response.status_code == 302 and response["Location"].startswith(SET_UP)


def test_the_same_authenticator_is_not_added_twice(cast, login):
    # Arrange
    client = login(cast.lead)
    authenticator = add_passkey(client)

    # Act: the library lists it for the browser to refuse again
    options = post_json(client, REGISTER_BEGIN).json()

    # Assert
    assert [item["id"] for item in options["excludeCredentials"]] == [b64(authenticator.credential_id)]


def test_someone_with_no_second_factor_and_none_required_adds_a_passkey_as_their_factor(cast, client, password):
    # Arrange: an office member at a school that does not ask it of everyone
    cast.school.second_factor_for_all = False
    cast.school.save()
    sign_in(client, cast.office, password)

    # Act
    add_passkey(client)

    # Assert: given by the passkey just made; at the next sign-in it is asked for
    assert client.session[DEVICE_ID_SESSION_KEY].startswith("django_otp_webauthn")
    client.logout()
    response = sign_in(client, cast.office, password)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)


def test_a_registration_answer_from_another_origin_is_refused(cast, login):
    # Arrange
    client = login(cast.lead)
    options = post_json(client, REGISTER_BEGIN).json()

    # Act
    response = post_json(client, REGISTER_COMPLETE, SoftAuthenticator(origin="https://evil.example").create(options))

    # Assert
    assert response.status_code == 422
    assert not WebAuthnCredential.objects.filter(user=cast.lead).exists()


# --- using one at the code page ---------------------------------------------------------------------


def test_after_the_password_use_a_passkey_gives_the_factor_now(cast, login, client, password):
    # Arrange: the lead has the app and a passkey; signs in again with the password
    authenticator = add_passkey(login(cast.lead))
    client.logout()
    sign_in(client, cast.lead, password)
    page = client.get(f"{VERIFY}?next=/visits/").content.decode()

    # Act
    response = use_passkey(client, authenticator, next_url="/visits/")

    # Assert: the page offers the passkey with the library's configuration (data, not code)
    assert 'id="passkey-verification-placeholder"' in page and "Use a passkey" in page
    assert '<script id="otp_webauthn_config" type="application/json">' in page
    assert response.status_code == 200
    assert response.json()["redirect_url"] == "/visits/"
    passkey = WebAuthnCredential.objects.get(user=cast.lead)
    assert client.session[DEVICE_ID_SESSION_KEY] == passkey.persistent_id
    assert abs(time.time() - client.session[second_factor.VERIFIED_AT]) < 5
    assert client.get(HOME).status_code in (200, 302)
    assert not client.get(HOME).get("Location", "").startswith(VERIFY)
    assert details(cast.lead)[-1] == "Second factor given (passkey)"
    passkey.refresh_from_db()
    assert passkey.last_used_at is not None and passkey.sign_count == 1


def test_a_passkey_counts_for_step_up(cast, login):
    # Arrange
    client = login(cast.lead)
    authenticator = add_passkey(client)
    stale(client, minutes=20)
    assert not second_factor.is_fresh(_request(client))

    # Act
    use_passkey(client, authenticator)

    # Assert
    assert second_factor.is_fresh(_request(client))


def _request(client):
    class Request:
        session = client.session

    return Request()


def test_someone_elses_passkey_does_not_give_my_factor(cast, login, client, password):
    # Arrange: the deputy's passkey, and the lead signed in with the password only
    deputys = add_passkey(login(cast.deputy))
    add_passkey(login(cast.lead))
    client.logout()
    sign_in(client, cast.lead, password)

    # Act
    response = use_passkey(client, deputys)

    # Assert
    assert (response.status_code, response.json()["code"]) == (403, "credential_user_mismatch")
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert client.get(HOME)["Location"].startswith(VERIFY)
    assert details(cast.lead)[-1] == "Second factor: passkey refused (credential_user_mismatch)"


def test_a_replayed_or_unasked_answer_is_refused(cast, login, client, password):
    # Arrange
    authenticator = add_passkey(login(cast.lead))
    client.logout()
    sign_in(client, cast.lead, password)
    options = post_json(client, AUTH_BEGIN).json()
    answer = authenticator.get(options)
    assert post_json(client, AUTH_COMPLETE, answer).status_code == 200
    client.logout()
    sign_in(client, cast.lead, password)

    # Act: the same answer again, with no challenge asked in this session
    response = post_json(client, AUTH_COMPLETE, answer)

    # Assert
    assert (response.status_code, response.json()["code"]) == (400, "invalid_state")
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_passwordless_sign_in_is_off(client):
    # Act
    response = post_json(client, AUTH_BEGIN)

    # Assert: nobody signed in gets no challenge, only the sign-in page
    assert django_settings.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is False
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_person_with_only_a_passkey_is_asked_for_it_not_sent_to_set_up_an_app(cast, client, password):
    # Arrange: office staff at a school that asks everyone, with a passkey and no app
    WebAuthnCredential.objects.create(
        user=cast.office, name="Passkey", credential_id=b"office", public_key=b"key", confirmed=True
    )

    # Act
    response = sign_in(client, cast.office, password)
    page = client.get(VERIFY).content.decode()

    # Assert
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert "Use a passkey" in page
    assert second_factor.has_device(cast.office)


def test_someone_with_only_a_passkey_whom_the_school_now_asks_sets_the_app_up_after_it(cast, client, password):
    # Arrange: a passkey added while the school asked nothing of the office; now it asks everyone
    cast.school.second_factor_for_all = False
    cast.school.save()
    sign_in(client, cast.office, password)
    authenticator = add_passkey(client)
    client.logout()
    cast.school.second_factor_for_all = True
    cast.school.save()
    sign_in(client, cast.office, password)

    # Act
    response = use_passkey(client, authenticator)

    # Assert: the passkey is taken, then the app is set up before any page (it works on any phone)
    assert response.status_code == 200
    assert response.json()["redirect_url"] == f"{SET_UP}?next=%2F"
    assert client.get(reverse("visits:households"))["Location"].startswith(SET_UP)
    page = client.get(response.json()["redirect_url"]).content.decode()
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    assert client.post(SET_UP, {"code": code_for_secret(secret), "next": HOME})["Location"] == RECOVERY
    assert client.get(reverse("visits:households")).status_code == 200


def test_the_code_page_shows_no_passkey_button_to_someone_without_one(cast, client, password):
    # Arrange
    give_app(cast.lead)
    sign_in(client, cast.lead, password)

    # Act
    page = client.get(VERIFY).content.decode()

    # Assert
    assert "Use a passkey" not in page and "otp_webauthn_config" not in page


def test_the_app_code_still_works_beside_a_passkey(cast, login, client, password):
    # Arrange
    add_passkey(login(cast.lead))
    client.logout()
    sign_in(client, cast.lead, password)

    # Act
    response = client.post(VERIFY, {"code": code_for(TOTPDevice.objects.get(user=cast.lead)), "next": HOME})

    # Assert
    assert response.status_code == 302 and response["Location"] == HOME
    assert details(cast.lead)[-1] == "Second factor given (app)"


# --- removing one -----------------------------------------------------------------------------------


def test_a_person_removes_their_own_passkey(cast, login):
    # Arrange
    client = login(cast.lead)
    add_passkey(client)
    passkey = WebAuthnCredential.objects.get(user=cast.lead)

    # Act
    response = client.post(reverse("passkey_remove", args=[passkey.pk]))

    # Assert
    assert response.status_code == 302 and response["Location"] == RECOVERY
    assert not WebAuthnCredential.objects.filter(pk=passkey.pk).exists()
    assert details(cast.lead)[-1] == "Passkey removed: Passkey (Chrome on Android)"
    assert "You have no passkeys." in client.get(RECOVERY).content.decode()


def test_nobody_removes_someone_elses_passkey(cast, login):
    # Arrange: the lead's passkey; the head of the same school tries
    add_passkey(login(cast.lead))
    passkey = WebAuthnCredential.objects.get(user=cast.lead)

    # Act
    response = login(cast.head).post(reverse("passkey_remove", args=[passkey.pk]))

    # Assert
    assert response.status_code == 404
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


def test_removing_a_passkey_asks_for_the_factor_again_after_15_minutes(cast, login):
    # Arrange
    client = login(cast.lead)
    add_passkey(client)
    passkey = WebAuthnCredential.objects.get(user=cast.lead)
    stale(client)

    # Act
    response = client.post(reverse("passkey_remove", args=[passkey.pk]))

    # Assert
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert WebAuthnCredential.objects.filter(pk=passkey.pk).exists()


def test_removing_a_lost_phone_takes_the_passkeys_too(cast, login):
    # Arrange
    add_passkey(login(cast.lead))

    # Act
    second_factor.remove_all(cast.lead, by=cast.head)

    # Assert
    assert not WebAuthnCredential.objects.filter(user=cast.lead).exists()
    assert not second_factor.has_device(cast.lead)


# --- the pages and the settings ----------------------------------------------------------------------


def test_the_passkey_pages_carry_no_inline_script(cast, login, client, password):
    # Arrange
    authenticator = add_passkey(login(cast.lead))
    recovery = client.get(RECOVERY)
    client.logout()
    sign_in(client, cast.lead, password)
    verify = client.get(VERIFY)

    # Act
    faults = html_faults(recovery) + html_faults(verify)

    # Assert
    assert authenticator.count == 0
    assert 'id="passkey-register-button"' in recovery.content.decode()
    assert faults == []


@pytest.mark.parametrize(
    ("agent", "name"),
    [
        (ANDROID_CHROME, "Passkey (Chrome on Android)"),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Safari/604.1",
            "Passkey (Safari on iPad)",
        ),
        (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36 Edg/131.0",
            "Passkey (Edge on Windows)",
        ),
        ("", "Passkey"),
    ],
)
def test_a_passkey_is_named_after_the_browser_and_device(agent, name):
    assert passkeys.name_for(agent) == name


def test_production_binds_passkeys_to_the_site_name_over_https():
    # Arrange: a school's server, as the README's "Production serving" sets it up
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TZ") if name in os.environ}
    script = "from django.conf import settings as s; print(s.OTP_WEBAUTHN_RP_ID, s.OTP_WEBAUTHN_ALLOWED_ORIGINS)"

    # Act
    result = subprocess.run(  # noqa: S603 - our own manage.py, a fixed script
        [sys.executable, "manage.py", "shell", "-c", script],
        cwd=BASE_DIR,
        env=keep | PRODUCTION,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Assert
    assert result.stdout.strip().splitlines()[-1] == "visits.school.example ['https://visits.school.example']", (
        result.stderr
    )


def test_the_second_factor_page_lists_only_ones_own_passkeys(cast, login):
    # Arrange: a lead of another school and the lead here, each with a passkey
    add_passkey(login(cast.other_lead))
    theirs = WebAuthnCredential.objects.get(user=cast.other_lead)
    client = login(cast.lead)
    add_passkey(client)
    mine = WebAuthnCredential.objects.get(user=cast.lead)

    # Act
    page = client.get(RECOVERY).content.decode()

    # Assert
    assert reverse("passkey_remove", args=[mine.pk]) in page
    assert reverse("passkey_remove", args=[theirs.pk]) not in page
