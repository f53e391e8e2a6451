"""A person's own profile (issue 14, item 8): the mobile number and the description the office reads
to the police if the code word is used (hc18, hc19)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import CAST_ROLES
from visits.enums import AuditAction
from visits.models import AuditEntry

PROFILE = reverse("accounts:profile")


@pytest.mark.parametrize("actor", CAST_ROLES)
def test_everyone_signed_in_opens_their_own_profile(cast, login, actor):
    # Arrange
    user = getattr(cast, actor)

    # Act
    response = login(user).get(PROFILE)

    # Assert
    assert response.status_code == 200
    assert response.context["form"].instance.pk == user.pk
    assert AuditEntry.objects.filter(user_id=user.pk, action=AuditAction.VIEW, detail="own profile").exists()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(PROFILE)

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_saving_the_profile_changes_only_ones_own_and_audits_field_names(cast, login):
    # Arrange
    description = "About 5'6\", dark curly hair, green parka; silver Yaris."

    # Act
    response = login(cast.visitor).post(PROFILE, {"mobile": "  07700   900777 ", "description": description})

    # Assert
    assert response.status_code == 302
    cast.visitor.refresh_from_db()
    cast.second.refresh_from_db()
    assert (cast.visitor.mobile, cast.visitor.description) == ("07700 900777", description)
    assert (cast.second.mobile, cast.second.description) == ("07700 900123", "")
    entry = AuditEntry.objects.get(user_id=cast.visitor.pk, action=AuditAction.UPDATE)
    assert (entry.detail, entry.school_id, entry.object_code) == (
        "own profile changed: mobile, description",
        cast.school.pk,
        str(cast.visitor.pk),
    )
    assert "Yaris" not in entry.detail and "900777" not in entry.detail


def test_a_post_cannot_reach_anyone_elses_profile(cast, login):
    # Act: a user id smuggled into the form is ignored.
    login(cast.visitor).post(
        PROFILE, {"mobile": "07700 900777", "description": "x", "user": cast.second.pk, "id": cast.second.pk}
    )

    # Assert
    cast.second.refresh_from_db()
    assert cast.second.mobile == "07700 900123"


def test_saving_without_a_change_writes_no_audit_row(cast, login):
    login(cast.visitor).post(PROFILE, {"mobile": "07700 900123", "description": ""})

    assert not AuditEntry.objects.filter(user_id=cast.visitor.pk, action=AuditAction.UPDATE).exists()


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"mobile": "ring the office"}, "mobile", "Enter a phone number"),
        ({"mobile": "0" * 21}, "mobile", "at most 20"),
        ({"description": "x" * 301}, "description", "300 characters"),
        ({"description": "red coat\x00"}, "description", "hidden control character"),
        ({"mobile": "07700\x1b900123"}, "mobile", "hidden control character"),
    ],
)
def test_bad_profile_input_gives_a_form_error(cast, login, data, field, words):
    # Act
    response = login(cast.visitor).post(PROFILE, {"mobile": "07700 900123", "description": "", **data})

    # Assert
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field]), errors
    cast.visitor.refresh_from_db()
    assert cast.visitor.mobile == "07700 900123"


def test_the_police_script_reads_the_saved_description(cast, login):
    # Arrange: the description a visitor keeps is what the office's alarm page shows (hc18).
    from visits import lifecycle
    from visits.enums import Status

    login(cast.visitor).post(PROFILE, {"mobile": "07700 900777", "description": "Green parka, silver Yaris"})
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.raise_code_word_alarm(visit, cast.office)

    # Act
    page = login(cast.office).get(reverse("visits:alarm", args=[visit.code])).content.decode()

    # Assert
    assert "Green parka, silver Yaris" in page and "07700 900777" in page


def test_the_menu_links_the_profile_and_for_heads_the_staff_pages(cast, login):
    # Act
    office = login(cast.office).get(PROFILE).content.decode()
    head = login(cast.head).get(PROFILE).content.decode()

    # Assert
    assert reverse("accounts:profile") in office and reverse("password_change") in office
    assert reverse("accounts:staff") not in office
    assert reverse("accounts:staff") in head
