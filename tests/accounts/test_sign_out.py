"""Signing out clears the tablet's drafts of that person (issue 14, item 4): the sign-out notes who
it was, and the signed-out page hands that to its script (static/js/signed_out.js), once. The
browser's side is tests/e2e/test_sign_out_drafts.py."""

from __future__ import annotations

import re

from django.urls import reverse

from visits.enums import AuditAction
from visits.models import AuditEntry

SIGNED_OUT = reverse("accounts:signed_out")


def script_person(html: str) -> str | None:
    found = re.search(r'<script src="[^"]*js/signed_out\.js" data-drafts-of="(\d+)" data-next="([^"]+)"', html)
    return found.group(1) if found else None


def test_signing_out_opens_the_signed_out_page_with_the_persons_drafts_to_clear(cast, login):
    # Arrange
    client = login(cast.visitor)

    # Act
    response = client.post(reverse("logout"), follow=True)

    # Assert: the page's script clears this person's drafts, then opens the sign-in page.
    html = response.content.decode()
    assert response.redirect_chain == [(SIGNED_OUT, 302)]
    assert script_person(html) == str(cast.visitor.pk)
    assert f'data-next="{reverse("login")}"' in html
    assert "You are signed out" in html


def test_the_signed_out_page_names_the_person_once(cast, login):
    # Arrange
    client = login(cast.visitor)
    client.post(reverse("logout"))
    client.get(SIGNED_OUT)

    # Act: the page again (the back button, or the next person).
    again = client.get(SIGNED_OUT).content.decode()

    # Assert
    assert script_person(again) is None
    assert "signed_out.js" not in again


def test_the_signed_out_page_without_a_sign_out_clears_nothing(client, db):
    # Act
    response = client.get(SIGNED_OUT)

    # Assert
    assert response.status_code == 200
    assert "signed_out.js" not in response.content.decode()


def test_a_signed_in_person_is_sent_home_from_the_signed_out_page(cast, login):
    # Act
    response = login(cast.office).get(SIGNED_OUT)

    # Assert
    assert (response.status_code, response["Location"]) == (302, reverse("home"))


def test_signing_out_by_get_is_still_refused(cast, login):
    # Act
    response = login(cast.office).get(reverse("logout"))

    # Assert
    assert response.status_code == 405


def test_signing_out_is_in_the_audit_trail(cast, login):
    # Act
    login(cast.office).post(reverse("logout"))

    # Assert
    entry = AuditEntry.objects.get(object_type="session")
    assert (entry.user_id, entry.action, entry.detail) == (cast.office.pk, AuditAction.EVENT, "signed out")
