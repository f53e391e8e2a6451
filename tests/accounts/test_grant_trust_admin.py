"""The first trust administrator of a new installation, given on the server (issue 14, item 2:
the admin grants no role, so a new trust starts here)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_school, make_trust, make_user
from visits.enums import Role
from visits.models import AuditEntry, Membership


def test_the_command_gives_the_role_at_every_school_of_the_trust_and_audits_it(db):
    # Arrange
    trust = make_trust("New Trust")
    schools = [make_school("First", trust), make_school("Second", trust)]
    it = make_user("it.person", None, is_staff=True)
    out = io.StringIO()

    # Act
    call_command("grant_trust_admin", "it.person", trust.slug, stdout=out)
    call_command("grant_trust_admin", "it.person", trust.slug, stdout=out)

    # Assert
    roles = Membership.objects.filter(user=it, role=Role.TRUST_ADMIN, is_active=True)
    assert {m.school_id for m in roles} == {s.pk for s in schools}
    entries = AuditEntry.objects.filter(detail="trust administrator role given on the server")
    assert entries.count() == 2 and {e.user_id for e in entries} == {None}
    assert "already trust administrator" in out.getvalue()


@pytest.mark.parametrize(
    ("username", "trust", "message"), [("nobody", "t", "No account"), ("it.person", "nope", "No trust")]
)
def test_the_command_says_what_is_missing(db, username, trust, message):
    # Arrange
    make_school("First", make_trust("T"))
    make_user("it.person", None)

    # Act / Assert
    with pytest.raises(CommandError, match=message):
        call_command("grant_trust_admin", username, trust)


def test_a_trust_without_a_school_is_refused(db):
    # Arrange
    trust = make_trust("Empty")
    make_user("it.person", None)

    # Act / Assert
    with pytest.raises(CommandError, match="no school yet"):
        call_command("grant_trust_admin", "it.person", trust.slug)
