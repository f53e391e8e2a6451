"""The second factor (issue 14, item 1): who must give one, setting an app up, recovery codes,
step-up after 15 minutes, and the demo's shown code.

Sign-in here goes through the real form (not the `login` fixture, which gives the factor)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from tests.factories import make_user
from tests.second_factor import code_for, code_for_secret, give_app
from visits.enums import Role
from visits.models import AuditEntry

HOME = reverse("home")
VERIFY = reverse("accounts:second_factor")
SET_UP = reverse("accounts:second_factor_setup")
RECOVERY = reverse("accounts:second_factor_recovery")


def _sign_in(client, user, password):
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(HOME)


def _set_up(client):
    page = client.get(SET_UP).content.decode()
    secret = page.split('data-testid="totp-secret">')[1].split("<")[0]
    response = client.post(SET_UP, {"code": code_for_secret(secret), "next": HOME})
    assert response.status_code == 302 and response["Location"] == RECOVERY
    return client.get(RECOVERY).content.decode()


# --- who must give it ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["lead", "deputy", "head", "trust_admin"])
def test_leads_heads_and_trust_admins_must_set_up_an_app_at_their_next_sign_in(cast, client, password, role):
    # Arrange: their school asks nothing of everyone else
    cast.school.second_factor_for_all = False
    cast.school.save()
    user = getattr(cast, role)

    # Act
    response = _sign_in(client, user, password)

    # Assert
    assert response.status_code == 302
    assert response["Location"].startswith(SET_UP)
    assert client.get(reverse("visits:households")).status_code == 302


@pytest.mark.parametrize("role", ["office", "visitor"])
def test_everyone_else_sets_one_up_where_the_school_asks_it_of_all(cast, client, password, role):
    # Act
    response = _sign_in(client, getattr(cast, role), password)

    # Assert
    assert response["Location"].startswith(SET_UP)


@pytest.mark.parametrize("role", ["office", "visitor"])
def test_a_school_that_turns_it_off_for_all_lets_office_and_visitors_in_with_the_password(cast, client, password, role):
    # Arrange
    cast.school.second_factor_for_all = False
    cast.school.save()

    # Act
    response = _sign_in(client, getattr(cast, role), password)

    # Assert: straight to their own page
    assert response.status_code == 302
    assert not response["Location"].startswith("/accounts/")
    assert client.get(response["Location"]).status_code == 200


def test_the_setting_at_any_of_a_persons_schools_asks_it(cast, client, password):
    # Arrange: office at a school without it, visitor at one with it
    cast.school.second_factor_for_all = False
    cast.school.save()
    user = make_user("both.hc", cast.school, Role.OFFICE)
    user.memberships.create(school=cast.other_school, role=Role.VISITOR)

    # Act
    response = _sign_in(client, user, password)

    # Assert
    assert response["Location"].startswith(SET_UP)


def test_a_django_admin_account_must_give_it_even_without_a_role(cast, client, password):
    # Arrange
    it = make_user("it.trust", None, is_staff=True, is_superuser=True)

    # Act
    response = _sign_in(client, it, password)
    admin = client.get("/admin/")

    # Assert
    assert response["Location"].startswith(SET_UP)
    assert admin.status_code == 302 and admin["Location"].startswith(SET_UP)


def test_anyone_with_an_app_gives_its_code_whatever_the_setting(cast, client, password):
    # Arrange
    cast.school.second_factor_for_all = False
    cast.school.save()
    give_app(cast.office)

    # Act
    response = _sign_in(client, cast.office, password)

    # Assert
    assert response["Location"].startswith(VERIFY)


def test_a_page_asked_for_before_the_code_comes_back_after_it(cast, client, password):
    # Arrange
    device = give_app(cast.lead)
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})
    queue = reverse("safeguarding:queue")

    # Act
    asked = client.get(queue)
    given = client.post(VERIFY, {"code": code_for(device), "next": queue})

    # Assert
    assert asked["Location"] == f"{VERIFY}?next=%2Fqueue%2F"
    assert given.status_code == 302 and given["Location"] == queue
    assert client.get(queue).status_code == 200


def test_the_code_page_shows_no_menu_counts_or_alarms_before_the_code(cast, client, password):
    # Arrange
    give_app(cast.lead)
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})

    # Act
    page = client.get(VERIFY).content.decode()

    # Assert
    assert "Your authenticator code" in page
    assert 'href="/queue/"' not in page
    assert "Concerns" not in page
    assert "Sign out" in page


def test_an_offsite_next_is_not_followed(cast, client, password):
    # Arrange
    device = give_app(cast.lead)
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})

    # Act
    response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})

    # Assert
    assert response["Location"] == HOME


# --- setting the app up, codes ---------------------------------------------------------------------


def test_setting_up_an_app_shows_ten_recovery_codes_once_and_lets_the_person_in(cast, client, password):
    # Arrange
    _sign_in(client, cast.lead, password)

    # Act
    first = _set_up(client)
    again = client.get(RECOVERY).content.decode()

    # Assert
    assert first.count("<li>") >= second_factor.RECOVERY_CODES
    assert 'data-testid="recovery-codes"' in first
    assert 'data-testid="recovery-codes"' not in again
    assert "10 recovery codes left" in again
    assert client.get(reverse("safeguarding:queue")).status_code == 200
    assert TOTPDevice.objects.filter(user=cast.lead, confirmed=True).count() == 1
    assert AuditEntry.objects.filter(user_id=cast.lead.pk, detail="Authenticator app set up").exists()


def test_a_wrong_set_up_code_is_told_on_the_form_and_sets_nothing_up(cast, client, password):
    # Arrange
    _sign_in(client, cast.lead, password)
    client.get(SET_UP)

    # Act
    response = client.post(SET_UP, {"code": "000000"})
    letters = client.post(SET_UP, {"code": "12ab56"})

    # Assert
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert "Type the six digits" in letters.content.decode()
    assert not TOTPDevice.objects.filter(user=cast.lead, confirmed=True).exists()


def test_a_password_alone_cannot_put_another_app_in_place_of_the_persons_own(cast, client, password):
    # Arrange: the lead has an app; someone has only the password
    give_app(cast.lead)
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})

    # Act
    response = client.get(SET_UP)

    # Assert
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=cast.lead).count() == 1


def test_a_recovery_code_signs_in_once(cast, client, password):
    # Arrange
    _sign_in(client, cast.lead, password)
    page = _set_up(client)
    code = page.split('data-testid="recovery-codes">')[1].split("<li>")[1].split("</li>")[0]
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})

    # Act
    used = client.post(VERIFY, {"code": code, "next": HOME})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})
    again = client.post(VERIFY, {"code": code, "next": HOME})

    # Assert
    assert used.status_code == 302 and used["Location"] == HOME
    assert again.status_code == 200 and "That code is not right" in again.content.decode()
    assert second_factor.recovery_codes_left(cast.lead) == second_factor.RECOVERY_CODES - 1


def test_a_code_works_once(cast, client, password):
    # Arrange
    device = give_app(cast.lead)
    code = code_for(device)
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})
    client.post(VERIFY, {"code": code})
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})

    # Act
    response = client.post(VERIFY, {"code": code})

    # Assert
    assert response.status_code == 200
    assert AuditEntry.objects.filter(user_id=cast.lead.pk, detail="Second factor: wrong code").count() == 1


def test_wrong_codes_slow_the_guesser_down(cast, client, password):
    # Arrange
    device = give_app(cast.lead)
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})
    for _ in range(3):
        client.post(VERIFY, {"code": "000000"})

    # Act: even the right code waits for the throttle
    response = client.post(VERIFY, {"code": code_for(device)})

    # Assert
    assert "Too many wrong codes" in response.content.decode()
    assert client.get(HOME)["Location"].startswith(VERIFY)


def test_signing_in_again_asks_the_code_again(cast, client, password):
    # Arrange
    device = give_app(cast.lead)
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})
    client.post(VERIFY, {"code": code_for(device)})

    # Act
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})

    # Assert
    assert client.get(HOME)["Location"].startswith(VERIFY)


def test_renewing_recovery_codes_replaces_the_old_ones(cast, login):
    # Arrange
    client = login(cast.lead)
    old = set(second_factor.new_recovery_codes(cast.lead))

    # Act
    response = client.post(reverse("accounts:second_factor_renew"))
    page = client.get(RECOVERY).content.decode()

    # Assert
    assert response["Location"] == RECOVERY
    assert not any(code in page for code in old)
    assert second_factor.recovery_codes_left(cast.lead) == second_factor.RECOVERY_CODES
    assert AuditEntry.objects.filter(user_id=cast.lead.pk, detail="Recovery codes renewed").exists()


# --- step-up ---------------------------------------------------------------------------------------

STEP_UP_PAGES = ["safeguarding:audit"]


def test_the_audit_trail_asks_the_code_again_after_15_minutes(cast, login, pinned_clock):
    # Arrange
    client = login(cast.lead)
    audit = reverse("safeguarding:audit")
    assert client.get(audit).status_code == 200

    # Act
    pinned_clock.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16))
    stale = client.get(audit)
    given = client.post(VERIFY, {"code": code_for(second_factor.app_device(cast.lead)), "next": audit})

    # Assert
    assert stale.status_code == 302 and stale["Location"].startswith(VERIFY)
    assert "Confirm it is you" in client.get(stale["Location"]).content.decode()
    assert given["Location"] == audit
    assert client.get(audit).status_code == 200


def test_within_15_minutes_no_code_is_asked_again(cast, login, pinned_clock):
    # Arrange
    client = login(cast.lead)

    # Act
    pinned_clock.move_to(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=14))

    # Assert
    assert client.get(reverse("safeguarding:audit")).status_code == 200


@pytest.mark.parametrize("name", ["concern_detail", "incident_detail", "visit_cpoms", "audit_log", "renew_recovery"])
def test_step_up_guards_the_concern_incident_cpoms_audit_and_recovery_views(name):
    from accounts.views import second_factor as views
    from safeguarding.views import concerns, cpoms, queue

    view = {
        "concern_detail": concerns.concern_detail,
        "incident_detail": concerns.incident_detail,
        "visit_cpoms": cpoms.visit_cpoms,
        "audit_log": queue.audit_log,
        "renew_recovery": views.renew_recovery,
    }[name]

    # Assert: the decorator is on the view (the audit page's behaviour is proved above)
    while view is not None and not getattr(view, "step_up", False):
        view = getattr(view, "__wrapped__", None)
    assert view is not None


# --- the demo --------------------------------------------------------------------------------------


def test_the_demo_shows_the_current_code_only_with_debug_on_and_for_its_own_devices(cast, client, password):
    # Arrange
    device = TOTPDevice.objects.create(user=cast.lead, name=second_factor.DEMO_DEVICE_NAME, confirmed=True)
    client.post(reverse("login"), {"username": cast.lead.username, "password": password})

    # Act
    with override_settings(DEBUG=True):
        shown = client.get(VERIFY).content.decode()
    hidden = client.get(VERIFY).content.decode()
    device.name = second_factor.APP_DEVICE_NAME
    device.save()
    with override_settings(DEBUG=True):
        own_app = client.get(VERIFY).content.decode()

    # Assert
    assert 'data-testid="demo-code"' in shown and code_for(device) in shown
    assert "demo-code" not in hidden
    assert "demo-code" not in own_app


def test_the_page_warns_when_few_recovery_codes_are_left(cast, login):
    # Arrange
    client = login(cast.lead)

    # Act
    none_left = client.get(RECOVERY).content.decode()
    second_factor.new_recovery_codes(cast.lead)
    plenty = client.get(RECOVERY).content.decode()

    # Assert
    assert 'data-testid="recovery-low"' in none_left and "You have none" in none_left
    assert 'data-testid="recovery-low"' not in plenty
