"""Signing in and out: lockout, idle sign-out of an unattended tablet, no caching, passwords."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse

from homevisits.middleware import SESSION_LAST_SEEN
from visits.models import User

NEW_PASSWORD = "lantern-orchard-quietly-41"


def _signed_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def _sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- signing in ------------------------------------------------------------------------------------


def test_login_page_renders_the_form(client):
    # Act
    response = client.get(reverse("login"))

    # Assert
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()
    assert 'name="password"' in response.content.decode()


def test_login_with_right_password_signs_in(cast, client, password):
    # Act
    response = _sign_in(client, "office.hc", password)

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _signed_in_as(client) == str(cast.office.pk)


def test_login_with_wrong_password_is_refused(cast, client):
    # Act
    response = _sign_in(client, "office.hc", "not-the-password")

    # Assert
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert _signed_in_as(client) is None


# The limits on wrong passwords (per address, per username, behind proxies) are proved in
# tests/accounts/test_sign_in_limits.py.


# --- signing out ------------------------------------------------------------------------------------


def test_logout_by_get_is_refused_with_405(cast, login):
    # Arrange
    client = login(cast.office)

    # Act
    response = client.get(reverse("logout"))

    # Assert
    assert response.status_code == 405
    assert _signed_in_as(client) == str(cast.office.pk)


def test_logout_by_post_signs_out_and_redirects_to_login(cast, login):
    # Arrange
    client = login(cast.office)

    # Act
    response = client.post(reverse("logout"))

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signed_out")  # which goes on to sign in
    assert _signed_in_as(client) is None
    assert client.get(reverse("visits:today")).status_code == 302


# --- idle sign-out ----------------------------------------------------------------------------------


def test_idle_session_is_signed_out_after_timeout(cast, login):
    # Arrange
    url = reverse("visits:today")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        client = login(cast.office)
        first = client.get(url)
        clock.shift(settings.SESSION_IDLE_TIMEOUT + dt.timedelta(seconds=1))

        # Act
        response = client.get(url)
        login_page = client.get(response["Location"])
        after = client.get(url)

    # Assert: signed out, and told why on the sign-in page.
    assert first.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"
    assert _signed_in_as(client) is None
    assert "signed out because the screen was left unused" in login_page.content.decode()
    assert after.status_code == 302


def test_idle_session_timeout_on_htmx_request_redirects_by_header(cast, login):
    # Arrange
    url = reverse("visits:today")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        client = login(cast.office)
        client.get(url)
        clock.shift(settings.SESSION_IDLE_TIMEOUT + dt.timedelta(seconds=1))

        # Act
        response = client.get(url, headers={"HX-Request": "true"})

    # Assert
    assert (response.status_code, response["HX-Redirect"]) == (204, reverse("login"))
    assert _signed_in_as(client) is None


def test_idle_session_within_timeout_stays_signed_in(cast, login):
    # Arrange
    url = reverse("visits:today")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        client = login(cast.office)
        client.get(url)
        clock.shift(settings.SESSION_IDLE_TIMEOUT - dt.timedelta(seconds=5))

        # Act
        response = client.get(url)

    # Assert
    assert response.status_code == 200
    assert _signed_in_as(client) == str(cast.office.pk)


@pytest.mark.parametrize(("background", "expected"), [(True, 302), (False, 200)])
def test_idle_background_request_does_not_extend_the_timer(cast, login, background, expected):
    # Arrange: a person uses the page, then (most of the timeout later) a poll or a click.
    url = reverse("visits:today")
    timeout = settings.SESSION_IDLE_TIMEOUT
    headers = {"X-Homevisits-Background": "1"} if background else {}
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        client = login(cast.office)
        client.get(url)
        clock.shift(timeout * 0.8)
        middle = client.get(url, headers=headers)
        clock.shift(timeout * 0.4)

        # Act: past the timeout since the person's request, within it since the middle one.
        response = client.get(url)

    # Assert
    assert middle.status_code == 200
    assert response.status_code == expected


def test_idle_background_request_leaves_last_seen_unchanged(cast, login):
    # Arrange
    url = reverse("visits:today")
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        client = login(cast.office)
        client.get(url)
        seen = client.session[SESSION_LAST_SEEN]
        clock.shift(dt.timedelta(minutes=1))

        # Act
        client.get(url, headers={"X-Homevisits-Background": "1"})

    # Assert
    assert client.session[SESSION_LAST_SEEN] == seen


# --- no caching of pages with pupil data ---------------------------------------------------------


def test_signed_in_pages_carry_cache_control_no_store(cast, login):
    # Arrange
    visit = cast.make_visit("authorised")
    client = login(cast.office)

    # Act
    headers = {
        url: client.get(url).get("Cache-Control", "")
        for url in (
            reverse("home"),
            reverse("visits:today"),
            reverse("visits:detail", args=[visit.code]),
            reverse("visits:overview"),  # a 404 for the office
        )
    }

    # Assert
    assert {url: "no-store" in value for url, value in headers.items()} == dict.fromkeys(headers, True)


# --- passwords --------------------------------------------------------------------------------------


def test_password_change_sets_the_new_password_and_keeps_the_session(cast, login, password):
    # Arrange
    client = login(cast.office)

    # Act
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    assert User.objects.get(pk=cast.office.pk).check_password(NEW_PASSWORD)
    assert client.get(reverse("visits:today")).status_code == 200


def test_password_change_with_wrong_old_password_changes_nothing(cast, login, password):
    # Arrange
    client = login(cast.office)

    # Act
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # Assert
    assert response.status_code == 200
    assert User.objects.get(pk=cast.office.pk).check_password(password)


def test_password_reset_sends_email_to_known_address(cast, client):
    # Act
    response = client.post(reverse("password_reset"), {"email": "office.hc@example.org"})

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert [m.to for m in mail.outbox] == [["office.hc@example.org"]]
    assert re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body)


def test_password_reset_answers_the_same_for_unknown_address(cast, client):
    # Arrange
    known = client.post(reverse("password_reset"), {"email": "office.hc@example.org"})
    mail.outbox.clear()

    # Act
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    # Assert: the same answer, and no email.
    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert mail.outbox == []


def test_password_reset_link_sets_a_new_password(cast, client):
    # Arrange
    client.post(reverse("password_reset"), {"email": "office.hc@example.org"})
    link = re.search(r"/accounts/password/reset/[^/\s]+/[^/\s]+/", mail.outbox[0].body).group(0)
    form_url = client.get(link)["Location"]  # the token moves into the session

    # Act
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_complete")
    assert User.objects.get(pk=cast.office.pk).check_password(NEW_PASSWORD)
    assert client.get(link).context["validlink"] is False
