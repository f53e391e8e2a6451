"""What the lifecycle offers apps built on it (safeguarding), tested through the lifecycle: the
registry of authorisation checks, returning an authorised visit to the queue, events that do not
change the status, and the record_written signal (hc01, hc09, hc10, hc21)."""

from __future__ import annotations

import pytest
from django.db import transaction

from safeguarding.models import Concern
from tests.factories import review_risk
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.exceptions import PreconditionFailed
from visits.models import Visit, VisitEvent

HIGH = {"severity": 3, "likelihood": 3}


def test_hc09_registered_check_refuses_authorisation_and_writes_nothing(cast):
    # Arrange: a request sent without a review of the household's risk assessment.
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)
    events = VisitEvent.objects.filter(visit=visit).count()

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        lifecycle.transition(visit, cast.lead, lifecycle.Action.AUTHORISE)

    # Assert
    assert "risk assessment" in str(refused.value)
    assert "before it is authorised" in str(refused.value)
    visit.refresh_from_db()
    assert visit.status == Status.REQUESTED
    assert VisitEvent.objects.filter(visit=visit).count() == events


def test_hc10_override_is_kept_only_for_a_high_risk_visit(cast):
    # Arrange
    override = {"high_risk_reason": "Child at risk today.", "high_risk_controls": "Police present."}
    low = cast.make_visit(Status.REQUESTED)

    # Act: authorised before the household's assessment is raised to High for the next visit.
    lifecycle.transition(low, cast.lead, lifecycle.Action.AUTHORISE, **override)
    high = cast.make_visit(Status.REQUESTED, risk_review=False)
    review_risk(high, cast.office, **HIGH)
    lifecycle.transition(high, cast.lead, lifecycle.Action.AUTHORISE, **override)

    # Assert
    low.refresh_from_db()
    high.refresh_from_db()
    assert (low.high_risk_reason, low.high_risk_controls) == ("", "")
    assert (high.high_risk_reason, high.high_risk_controls) == ("Child at risk today.", "Police present.")


def test_hc01_material_edit_clears_the_high_risk_override_with_the_authorisation(cast):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)
    review_risk(visit, cast.office, **HIGH)
    lifecycle.transition(
        visit, cast.lead, "authorise", high_risk_reason="Needed today.", high_risk_controls="Police present."
    )

    # Act
    lifecycle.update_request(visit, cast.office, {"postcode": "M1 1AE"})

    # Assert
    visit.refresh_from_db()
    assert visit.status == Status.REQUESTED
    assert (visit.authorised_at, visit.high_risk_reason, visit.high_risk_controls) == (None, "", "")


def test_lifecycle_log_event_refuses_events_that_belong_to_a_move(cast):
    visit = cast.make_visit(Status.AUTHORISED)

    for kind in (EventKind.AUTHORISED, EventKind.SET_OFF, EventKind.ARRIVED, EventKind.LEFT):
        with pytest.raises(ValueError):
            lifecycle.log_event(visit, cast.lead, kind)

    assert not VisitEvent.objects.filter(visit=visit, kind=EventKind.SET_OFF).exists()


@pytest.mark.django_db(transaction=True)
def test_lifecycle_lock_for_change_needs_a_transaction(_flush_despite_append_only_triggers):
    from tests.factories import make_cast

    cast = make_cast()
    visit = cast.make_visit(Status.REQUESTED)

    with pytest.raises(RuntimeError):
        lifecycle.lock_for_change(visit)


def test_hc01_authorisation_changed_returns_only_an_authorised_visit(cast):
    # Arrange
    authorised = cast.make_visit(Status.AUTHORISED)
    requested = cast.make_visit(Status.REQUESTED)

    # Act
    with transaction.atomic():
        returned = lifecycle.authorisation_changed(lifecycle.lock_for_change(authorised), cast.office, "the test")
        untouched = lifecycle.authorisation_changed(lifecycle.lock_for_change(requested), cast.office, "the test")

    # Assert
    assert (returned, untouched) == (True, False)
    assert Visit.objects.get(pk=authorised.pk).status == Status.REQUESTED
    assert Visit.objects.get(pk=requested.pk).status == Status.REQUESTED
    note = VisitEvent.objects.get(visit=authorised, kind=EventKind.RETURNED_TO_QUEUE).note
    assert note == "The authorisation no longer covers the visit: the test"


def test_hc21_record_written_signal_commits_or_rolls_back_with_the_record(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    fields = {
        "people_seen": "Mother",
        "child_seen": True,
        "outcome": "Seen.",
        "child_protection_concern": True,
        "concern_details": "Bruise on the arm.",
    }

    # Act: the record is written, then the transaction fails.
    with pytest.raises(RuntimeError), transaction.atomic():
        lifecycle.write_record(visit, cast.visitor, fields)
        raise RuntimeError("after the record")

    # Assert: neither the record nor its concern survived.
    assert not Concern.objects.filter(visit=visit).exists()
    lifecycle.write_record(visit, cast.visitor, fields)
    assert Concern.objects.filter(visit=visit).count() == 1


def test_hc21_record_with_concern_needs_its_details(cast):
    from django.core.exceptions import ValidationError

    visit = cast.make_visit(Status.IN_PROGRESS)

    with pytest.raises(ValidationError) as refused:
        lifecycle.write_record(
            visit,
            cast.visitor,
            {"people_seen": "Mother", "child_seen": True, "outcome": "Seen.", "child_protection_concern": True},
        )

    assert "concern_details" in refused.value.message_dict
    assert not Concern.objects.filter(visit=visit).exists()
