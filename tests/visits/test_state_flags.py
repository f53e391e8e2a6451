"""The state flags templates read instead of comparing status strings (visits.models.Visit,
safeguarding.models.Concern): each true in exactly the states written out here by hand."""

from __future__ import annotations

import pytest

from safeguarding.models import Concern, ConcernStatus
from visits.enums import Status
from visits.models import Visit

VISIT_FLAGS = {
    "is_requested": {Status.REQUESTED},
    "is_sent_back": {Status.SENT_BACK},
    "is_declined": {Status.DECLINED},
    "is_authorised": {Status.AUTHORISED},
    "is_in_progress": {Status.IN_PROGRESS},
    "is_completed": {Status.COMPLETED},
    "has_started": {Status.IN_PROGRESS, Status.COMPLETED},
}
CONCERN_FLAGS = {
    "is_open": {ConcernStatus.OPEN},
    "is_acknowledged": {ConcernStatus.ACKNOWLEDGED},
    "is_closed": {ConcernStatus.CLOSED},
}


@pytest.mark.parametrize("flag", sorted(VISIT_FLAGS))
def test_a_visit_flag_is_true_in_its_states_only(flag):
    # Act
    true_in = {state for state in Status.values if getattr(Visit(status=state), flag)}

    # Assert
    assert true_in == VISIT_FLAGS[flag]


@pytest.mark.parametrize("flag", sorted(CONCERN_FLAGS))
def test_a_concern_flag_is_true_in_its_state_only(flag):
    # Act
    true_in = {state for state in ConcernStatus.values if getattr(Concern(status=state), flag)}

    # Assert
    assert true_in == CONCERN_FLAGS[flag]
