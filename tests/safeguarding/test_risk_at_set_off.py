"""hc09, hc10 (issue 13, item 1): the risk is current when the visitors set off.

A new version of the household's assessment sends its authorised visits back to the lead, with the
lead and the people on the visit told; "Set off" refuses a visit whose reviewed assessment is no
longer the household's current one, or is High without the lead's recorded go-ahead."""

from __future__ import annotations

import os

import pytest
from django.core import mail
from django.urls import reverse

from safeguarding import risk
from safeguarding.models import RiskLevel
from tests.factories import template_rows
from tests.race import race
from tests.safeguarding.test_risk import row
from tests.safeguarding.test_risk_views import form_rows
from visits import access, lifecycle
from visits.enums import EventKind, Status
from visits.exceptions import PreconditionFailed, TransitionNotAllowed
from visits.models import Visit, VisitEvent

# Races: RACE_TRIALS=n for a quick run.
TRIALS = int(os.environ.get("RACE_TRIALS", "20"))
HIGH = {"severity": 3, "likelihood": 3}


def test_hc10_a_high_version_saved_after_authorisation_makes_set_off_refuse_in_the_lifecycle(cast):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    risk.save_assessment(cast.household, cast.office, [row("Dog now aggressive", **HIGH)])

    # Assert: back with the lead, and set off refused.
    with pytest.raises(TransitionNotAllowed):
        lifecycle.transition(visit, cast.visitor, lifecycle.Action.START)
    kept = Visit.objects.get(pk=visit.pk)
    assert (kept.status, kept.authorised_at, kept.authorised_by) == (Status.REQUESTED, None, None)
    returned = VisitEvent.objects.get(visit=visit, kind=EventKind.RETURNED_TO_QUEUE)
    assert "risk assessment changed (v2, High)" in returned.note


def test_hc10_a_high_version_saved_from_the_household_page_makes_set_off_refuse_through_the_view(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    login(cast.office).post(
        reverse("safeguarding:household_risk_update", args=[cast.household.code]),
        form_rows(row("Dog now aggressive", **HIGH), summary="Neighbour says the dog bit a postman."),
    )

    # Act
    client = login(cast.visitor)
    page = client.get(reverse("visits:detail", args=[visit.code]))
    response = client.post(reverse("visits:start", args=[visit.code]), follow=True)

    # Assert: no button, and the post refused with words for the visitor.
    assert page.context["can"].can_start is False
    assert "Do not set off" in page.content.decode()
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED
    assert any("cannot" in str(m).lower() for m in response.context["messages"])


def test_hc09_the_lead_and_the_people_on_the_visit_are_told_it_came_back(cast, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        risk.save_assessment(cast.household, cast.office, [row("Dog now aggressive", **HIGH)])

    # Assert
    to = {address for message in mail.outbox for address in message.to}
    assert {cast.lead.email, cast.visitor.email, cast.second.email} <= to
    assert any("do not set off" in m.subject.lower() for m in mail.outbox)
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED


def test_hc09_other_households_and_visits_under_way_keep_their_state(cast):
    # Arrange
    authorised = cast.make_visit(Status.AUTHORISED)
    under_way = cast.make_visit(Status.IN_PROGRESS)

    # Act: another version of this household's assessment.
    risk.save_assessment(cast.household, cast.office, [row("Steep steps")])

    # Assert: the authorised one went back; the one under way is not un-started.
    assert Visit.objects.get(pk=authorised.pk).status == Status.REQUESTED
    assert Visit.objects.get(pk=under_way.pk).status == Status.IN_PROGRESS


def test_hc09_set_off_refuses_a_stale_review_that_slipped_past_the_queue(cast):
    # Arrange: a version written beside the service (as an authorisation racing the save could
    # leave it): the visit still authorised on the version before.
    visit = cast.make_visit(Status.AUTHORISED)
    household = cast.household
    risk._write_version(household, cast.office, risk.clean_rows([row("New hazard")]), "")

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        lifecycle.transition(visit, cast.visitor, lifecycle.Action.START)

    # Assert
    assert "risk assessment has changed since this visit was authorised" in str(refused.value)
    assert Visit.objects.get(pk=visit.pk).status == Status.AUTHORISED
    can = access.VisitAccess(cast.visitor, Visit.objects.get(pk=visit.pk))
    assert can.can_start is False and "changed since this visit was authorised" in can.start_refusal


def _authorised_high_with_go_ahead(cast) -> Visit:
    """Reviewed High, authorised with the lead's reason and extra controls (hc10)."""
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)
    risk.review_for_visit(visit, cast.office, template_rows(cast.school, **HIGH))
    lifecycle.transition(
        visit,
        cast.lead,
        lifecycle.Action.AUTHORISE,
        high_risk_reason="Not seen for 10 days.",
        high_risk_controls="Police.",
    )
    return visit


def test_hc10_set_off_refuses_high_without_the_leads_recorded_go_ahead(cast):
    # Arrange: High, authorised with the go-ahead, then the go-ahead lost (a raw write).
    visit = _authorised_high_with_go_ahead(cast)
    Visit.objects.filter(pk=visit.pk).update(high_risk_controls="")

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        lifecycle.transition(Visit.objects.get(pk=visit.pk), cast.visitor, lifecycle.Action.START)

    # Assert
    assert "lead has not recorded why the visit goes ahead" in str(refused.value)


def test_hc10_high_with_the_go_ahead_sets_off(cast):
    # Arrange
    visit = _authorised_high_with_go_ahead(cast)

    # Act
    lifecycle.transition(visit, cast.visitor, lifecycle.Action.START)

    # Assert
    assert risk.review_of(visit).assessment.level == RiskLevel.HIGH
    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc09_a_new_version_racing_an_authorisation_never_lets_a_stale_visit_set_off(
    cast, _flush_despite_append_only_triggers
):
    # Arrange: each trial a request reviewed on the household's newest version.
    outcomes = []
    for _ in range(TRIALS):
        visit = cast.make_visit(Status.REQUESTED)

        def save(ready):
            ready()
            risk.save_assessment(cast.household, cast.office, [row("Dog now aggressive", **HIGH)])

        def authorise(ready, visit=visit):
            copy = Visit.objects.get(pk=visit.pk)
            ready()
            lifecycle.transition(copy, cast.lead, lifecycle.Action.AUTHORISE)

        # Act
        race(save, authorise)
        kept = Visit.objects.get(pk=visit.pk)
        try:
            lifecycle.transition(kept, cast.visitor, lifecycle.Action.START)
        except (PreconditionFailed, TransitionNotAllowed):
            outcomes.append(("refused", kept.status))
        else:
            outcomes.append(("set off", kept.status))

    # Assert: whatever the order, no set-off on a version the lead did not authorise on.
    assert ("set off", Status.AUTHORISED) not in outcomes, outcomes
    assert {o for o, _ in outcomes} == {"refused"}
