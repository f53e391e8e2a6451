"""Who may make someone a governor (issue 17): those who manage the school's staff (its head and
the trust administrator), as for every other role of the school; nobody else."""

from __future__ import annotations

import pytest

from accounts import staff
from visits.enums import Role

pytestmark = [pytest.mark.postgres]


def test_the_head_and_the_trust_administrator_grant_the_governor_role(cast):
    # Act
    may = {
        name: staff.may_grant(getattr(cast, name), cast.school, Role.GOVERNOR)
        for name in ("head", "trust_admin", "lead", "office", "governor", "other_head")
    }

    # Assert
    assert may == {
        "head": True,
        "trust_admin": True,
        "lead": False,
        "office": False,
        "governor": False,
        "other_head": False,
    }
    assert (Role.GOVERNOR, "Governor") in staff.grantable_roles(cast.head, cast.school)
