"""No session outlives SESSION_MAX_HOURS from signing in, however often it is used (issue 14, item 4):
the idle sign-out alone let a session used every 25 minutes live on for 25.8 hours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from homevisits.middleware import SESSION_LAST_SEEN, SESSION_SIGNED_IN, TOUCH_EVERY

URL = "visits:today"
EVERY = dt.timedelta(minutes=25)


def _signed_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


def test_a_session_used_every_25_minutes_is_refused_after_12_hours(cast, login, pinned_clock):
    # Arrange: signing in notes the time (`note_sign_in`, on Django's user_logged_in).
    client = login(cast.office)
    used = []

    # Act: a page every 25 minutes, 28 times (11 h 40 min), then one more (12 h 5 min).
    for _ in range(28):
        pinned_clock.shift(EVERY)
        used.append(client.get(reverse(URL)).status_code)
    pinned_clock.shift(EVERY)
    refused = client.get(reverse(URL))
    sign_in_page = client.get(refused["Location"])

    # Assert: every use within the day worked; the one after it signs out and says why.
    assert settings.SESSION_MAX_AGE == dt.timedelta(hours=12)
    assert used == [200] * 28
    assert refused.status_code == 302
    assert refused["Location"] == f"{reverse('login')}?next={reverse(URL)}"
    assert _signed_in_as(client) is None
    assert "You were signed out after 12 hours; sign in again." in sign_in_page.content.decode()


def test_the_limit_holds_on_a_background_request_too(cast, login, pinned_clock):
    # Arrange: the board polls in the background; a person clicks every 25 minutes.
    client = login(cast.office)
    for _ in range(28):
        pinned_clock.shift(EVERY)
        client.get(reverse(URL))
    pinned_clock.shift(EVERY)

    # Act
    response = client.get(reverse(URL), headers={"X-Homevisits-Background": "1", "HX-Request": "true"})

    # Assert
    assert (response.status_code, response["HX-Redirect"]) == (204, reverse("login"))


@pytest.mark.parametrize("hours", [6, 1])
def test_the_limit_follows_the_setting(cast, login, pinned_clock, settings, hours):
    # Arrange
    settings.SESSION_MAX_AGE = dt.timedelta(hours=hours)
    client = login(cast.office)
    pinned_clock.shift(dt.timedelta(hours=hours) - dt.timedelta(minutes=1))
    settings.SESSION_IDLE_TIMEOUT = dt.timedelta(hours=24)
    within = client.get(reverse(URL))
    pinned_clock.shift(dt.timedelta(minutes=2))

    # Act
    response = client.get(reverse(URL))
    page = client.get(response["Location"]).content.decode()

    # Assert
    assert within.status_code == 200
    assert response.status_code == 302
    assert f"You were signed out after {hours} hours; sign in again." in page


def test_a_session_from_before_the_limit_counts_from_its_first_request(cast, login, pinned_clock):
    # Arrange: a session written before the sign-in time was kept in it.
    client = login(cast.office)
    session = client.session
    del session[SESSION_SIGNED_IN]
    session.save()

    # Act: its first request notes the time; 12 hours of use later, it is refused.
    first = client.get(reverse(URL))
    noted = client.session.get(SESSION_SIGNED_IN)
    for _ in range(28):
        pinned_clock.shift(EVERY)
        client.get(reverse(URL))
    pinned_clock.shift(EVERY)
    response = client.get(reverse(URL))

    # Assert
    assert first.status_code == 200 and noted is not None
    assert response.status_code == 302
    assert _signed_in_as(client) is None


def test_the_session_is_written_before_the_view_at_most_once_a_minute(cast, login, pinned_clock):
    # Arrange: a session from before the sign-in time was kept (its first request writes it).
    client = login(cast.office)
    session = client.session
    del session[SESSION_SIGNED_IN]
    session.save()
    client.get(reverse(URL))
    key = client.session.session_key
    written = Session.objects.get(pk=key).expire_date

    # Act: more pages within the minute.
    pinned_clock.shift(dt.timedelta(seconds=TOUCH_EVERY / 3))
    client.get(reverse(URL))
    client.get(reverse(URL))
    unchanged = Session.objects.get(pk=key).expire_date
    pinned_clock.shift(dt.timedelta(seconds=TOUCH_EVERY))
    client.get(reverse(URL))

    # Assert: no write within the minute, one after it; the sign-in time is kept as it was.
    assert unchanged == written
    assert Session.objects.get(pk=key).expire_date > written
    assert client.session[SESSION_LAST_SEEN] > client.session[SESSION_SIGNED_IN]
