"""What `visit_for_user(need=...)` checks after "may see it" (visits.access.NEEDS): one table of
needs, each named once, to which safeguarding adds its own pages' needs without visits knowing."""

from __future__ import annotations

import pytest

from safeguarding.who import may_see_risk
from visits import access, moves, who
from visits.enums import Status


def test_every_need_a_view_asks_for_is_registered():
    # The needs the views of both apps pass (grep "need=" in */views): safeguarding's are there
    # because safeguarding registered them, not because visits lists them.
    asked = {
        "log_call",
        "conduct",
        "handle_alarms",
        "edit_request",
        "request_at_school",
        "print_letter",
        "raise_urgent",
        "download_form",
        "download_home_copy",
        "download_record",
        "download_risk_assessment",
        "download_letter",
        "see_risk",
        "review_risk",
        "raise_concern",
        "report_incident",
        "record_cpoms",
    }

    # Assert
    assert asked <= set(access.NEEDS)


def test_a_need_cannot_be_registered_twice_or_take_a_lifecycle_actions_name():
    # Act / Assert
    with pytest.raises(ValueError, match="already registered"):
        access.register_need("log_call", who.may_conduct)
    with pytest.raises(ValueError, match="already registered"):
        access.register_need(moves.Action.START, who.may_conduct)


def test_registering_the_same_need_again_is_harmless():
    # Act: safeguarding's ready() may run twice (tests, management commands).
    access.register_need("see_risk", access.NEEDS["see_risk"])

    # Assert
    assert access.NEEDS["see_risk"] is may_see_risk


def test_a_lifecycle_action_is_a_need_read_from_the_table(cast):
    # Arrange: an authorised visit; the visitor may set off, the office may not.
    visit = cast.make_visit(Status.AUTHORISED)

    # Assert
    assert access.may(cast.visitor, visit, moves.Action.START)
    assert not access.may(cast.office, visit, moves.Action.START)
    assert access.may(cast.office, visit, "log_call")
