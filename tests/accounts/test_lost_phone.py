"""A lost phone (issue 14, items 1 and 8): the school's head removes a person's second factor;
they are signed out everywhere and set a new one up at their next sign-in."""

from __future__ import annotations

from django.core import mail
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor
from tests.factories import make_user
from tests.second_factor import give_app, pass_second_factor
from visits.enums import Role
from visits.models import AuditEntry


def _remove(client, school, member):
    url = reverse("accounts:staff_second_factor_remove", args=[school.slug, member.username])
    return client.post(url)


def test_the_head_removes_a_lost_phone_and_the_person_is_signed_out_everywhere(
    cast, login, password, django_capture_on_commit_callbacks
):
    # Arrange: the visitor is signed in on a tablet, with an app and recovery codes
    give_app(cast.visitor)
    second_factor.new_recovery_codes(cast.visitor)
    tablet = Client()
    tablet.force_login(cast.visitor, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(tablet, cast.visitor)
    assert tablet.get(reverse("visits:mine")).status_code == 200
    head = login(cast.head)

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = _remove(head, cast.school, cast.visitor)

    # Assert
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=cast.visitor).exists()
    assert not StaticDevice.objects.filter(user=cast.visitor).exists()
    assert tablet.get(reverse("visits:mine"))["Location"].startswith(reverse("login"))
    assert head.get(reverse("home")).status_code == 302  # the head stays signed in
    entry = AuditEntry.objects.get(detail="Second factor removed (lost phone)")
    assert (entry.user_id, entry.school_id, entry.object_code) == (cast.head.pk, cast.school.pk, str(cast.visitor.pk))
    assert any("removed the second factor" in m.body for m in mail.outbox)


def test_at_the_next_sign_in_they_set_a_new_app_up(cast, login, client, password):
    # Arrange
    give_app(cast.visitor)
    _remove(login(cast.head), cast.school, cast.visitor)
    client.logout()

    # Act
    client.post(reverse("login"), {"username": cast.visitor.username, "password": password})
    response = client.get(reverse("home"))

    # Assert
    assert response["Location"].startswith(reverse("accounts:second_factor_setup"))


def test_a_head_cannot_remove_their_own_here(cast, login):
    # Act
    client = login(cast.head)
    _remove(client, cast.school, cast.head)

    # Assert
    assert TOTPDevice.objects.filter(user=cast.head).exists()


def test_a_head_cannot_remove_that_of_someone_who_also_works_at_a_school_they_do_not_manage(cast, login):
    # Arrange
    shared = make_user("shared.hc", cast.school, Role.VISITOR)
    shared.memberships.create(school=cast.other_school, role=Role.LEAD)
    give_app(shared)

    # Act
    head = _remove(login(cast.head), cast.school, shared)
    trust_admin = _remove(login(cast.trust_admin), cast.school, shared)

    # Assert: the trust administrator, who manages both, may
    assert head.status_code == 302
    assert not TOTPDevice.objects.filter(user=shared).exists()
    assert AuditEntry.objects.filter(detail="Second factor removed (lost phone)").get().user_id == cast.trust_admin.pk
    assert trust_admin.status_code == 302


def test_another_schools_head_and_other_staff_get_404_and_nothing_changes(cast, login):
    # Arrange
    give_app(cast.visitor)

    # Act
    outcomes = {
        who: _remove(login(getattr(cast, who)), cast.school, cast.visitor).status_code
        for who in ("other_head", "lead", "office", "second")
    }

    # Assert
    assert outcomes == dict.fromkeys(outcomes, 404)
    assert TOTPDevice.objects.filter(user=cast.visitor).exists()
