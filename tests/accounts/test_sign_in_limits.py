"""Sign-in limits (issue 14, item 3): per address across usernames, per username across
addresses without locking the genuine person out, the real client behind the proxies, and the
same answer for known and unknown usernames."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from accounts import signin
from tests.second_factor import code_for, give_app

HOME = reverse("home")
LOGIN = reverse("login")


def _try(client, username: str, password: str, *, address: str = "203.0.113.9", code: str | None = None, **headers):
    data = {"username": username, "password": password} | ({"code": code} if code is not None else {})
    return client.post(LOGIN, data, REMOTE_ADDR=address, **headers)


def _spray(client, username: str, times: int, *, first: int = 1):
    """`times` wrong passwords for `username`, each from its own address."""
    for n in range(first, first + times):
        _try(client, username, f"wrong-{n}", address=f"198.51.100.{n}")


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- per username, across addresses ----------------------------------------------------------------


def test_after_the_username_limit_the_right_password_alone_no_longer_signs_in(cast, client, password):
    # Arrange: the case, 30 wrong passwords for the lead from 30 addresses
    give_app(cast.lead)
    _spray(client, cast.lead.username, 30)

    # Act
    response = _try(client, cast.lead.username, password, address="192.0.2.50")

    # Assert: the form asks for the code; nothing says whether the password was right
    assert response.status_code == 200
    page = response.content.decode()
    assert "type the code from your authenticator app" in page
    assert 'name="code"' in page
    assert not _signed_in(client)


def test_the_genuine_person_signs_in_with_password_and_code_while_their_username_is_attacked(cast, client, password):
    # Arrange
    device = give_app(cast.lead)
    _spray(client, cast.lead.username, 30)

    # Act
    response = _try(client, cast.lead.username, password, address="192.0.2.50", code=code_for(device))

    # Assert: in, with the factor given (no second code page)
    assert response.status_code == 302
    assert _signed_in(client)
    assert client.get(reverse("safeguarding:queue")).status_code == 200


def test_a_wrong_code_with_the_right_password_is_answered_as_a_wrong_password(cast, client, password):
    # Arrange
    give_app(cast.lead)
    _spray(client, cast.lead.username, signin.USERNAME_LIMIT)
    before = signin.failures_for(cast.lead.username)

    # Act
    right_password = _try(client, cast.lead.username, password, code="000000").content.decode()
    wrong_password = _try(client, cast.lead.username, "wrong-again", code="000000").content.decode()

    # Assert
    message = "That username, password and code do not match"
    assert message in right_password and message in wrong_password
    assert signin.failures_for(cast.lead.username) == before + 2
    assert not _signed_in(client)


def test_below_the_username_limit_no_code_is_asked(cast, client, password):
    # Arrange
    _spray(client, cast.office.username, signin.USERNAME_LIMIT - 1)

    # Act
    response = _try(client, cast.office.username, password)

    # Assert
    assert response.status_code == 302


def test_known_and_unknown_usernames_get_the_same_answers(cast, client):
    # Arrange
    _spray(client, cast.lead.username, signin.USERNAME_LIMIT)
    _spray(client, "nobody.hc", signin.USERNAME_LIMIT)

    # Act
    def answer(username):
        page = _try(client, username, "guess", address="192.0.2.77").content.decode()
        main = page.replace(username, "USERNAME").split('<main id="main"')[1].split("</main>")[0]
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", main)

    # Assert
    assert answer(cast.lead.username) == answer("nobody.hc")
    assert "type the code from your authenticator app" in answer("nobody.hc")


# --- per address, across usernames -----------------------------------------------------------------


def test_one_address_guessing_over_many_usernames_is_stopped(cast, client, password):
    # Arrange: the case, 48 wrong passwords over 12 usernames from one address
    usernames = [f"staff{n}.hc" for n in range(12)]

    # Act
    outcomes = [_try(client, usernames[n % 12], f"wrong-{n}").status_code for n in range(48)]
    elsewhere = _try(client, cast.office.username, password, address="192.0.2.1")

    # Assert: refused from the address limit on; a person elsewhere signs in
    assert outcomes.index(429) == settings.AXES_FAILURE_LIMIT - 1
    assert set(outcomes[settings.AXES_FAILURE_LIMIT - 1 :]) == {429}
    assert elsewhere.status_code == 302


def test_a_stopped_address_is_refused_even_with_the_right_password(cast, client, password):
    # Arrange
    for n in range(settings.AXES_FAILURE_LIMIT):
        _try(client, f"staff{n}.hc", "wrong")

    # Act
    response = _try(client, cast.office.username, password)

    # Assert
    assert response.status_code == 429
    assert "signing in from here is paused" in response.content.decode()
    assert not _signed_in(client)


# --- behind the proxies --------------------------------------------------------------------------


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_one_client_cannot_lock_the_lead_out(cast, client, password):
    # Arrange: every request comes from the proxy (10.0.0.2); the client is in X-Forwarded-For
    device = give_app(cast.lead)
    for n in range(settings.AXES_FAILURE_LIMIT):
        guessed = cast.lead.username if n < signin.USERNAME_LIMIT else f"staff{n}.hc"
        _try(client, guessed, f"wrong-{n}", address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66")

    # Act
    attacker = _try(client, cast.office.username, password, address="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66")
    lead = _try(
        client,
        cast.lead.username,
        password,
        address="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.8",
        code=code_for(device),
    )

    # Assert: the guessing client is stopped, the lead (another client) signs in
    assert attacker.status_code == 429
    assert lead.status_code == 302
    assert _signed_in(client)


@pytest.mark.parametrize(
    ("forwarded", "expected"), [("198.51.100.66", "198.51.100.66"), ("1.2.3.4, 198.51.100.66", "198.51.100.66")]
)
@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_client_address_is_the_one_the_trusted_proxy_saw(rf, forwarded, expected):
    # Arrange: a client may put anything in front of the header; the proxy appends what it saw
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)

    # Act / Assert
    assert signin.client_address(request) == expected
