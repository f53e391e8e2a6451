"""The concern and incident services (hc17, hc21, hc22): the lifecycle of a concern, who may act,
who is told (and what they are not told), and two leads acknowledging at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from safeguarding import concerns
from safeguarding.models import (
    Concern,
    ConcernAction,
    ConcernActionKind,
    ConcernKind,
    ConcernSource,
    ConcernStatus,
    Incident,
    IncidentKind,
)
from tests.factories import Cast
from tests.race import race
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.exceptions import LifecycleError, NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.models import AuditEntry, VisitEvent

DETAILS = "Saw bruising on the left arm; child said a name we must not email."


def _concern(cast: Cast, kind: str = ConcernKind.CHILD_PROTECTION, **kwargs) -> Concern:
    visit = cast.make_visit(Status.IN_PROGRESS)
    return concerns.raise_concern(visit, cast.visitor, kind, DETAILS, **kwargs)


def _state(concern: Concern) -> tuple:
    row = Concern.objects.filter(pk=concern.pk).values().get()
    return row, ConcernAction.objects.filter(concern=concern).count(), AuditEntry.objects.count()


def _emails_to(outbox) -> list[str]:
    return sorted(to for message in outbox for to in message.to)


# --- the lifecycle (hc21) --------------------------------------------------------------------------


def test_hc21_concern_lifecycle_open_acknowledged_actions_closed(cast):
    # Arrange
    concern = _concern(cast)
    opened = Concern.objects.get(pk=concern.pk).status

    # Act
    concerns.acknowledge(concern, cast.lead)
    concerns.record_action(concern, cast.deputy, ConcernActionKind.REFERRAL_CSC, reference="CSC/2026/0412")
    concerns.record_action(concern, cast.lead, ConcernActionKind.EARLY_HELP, note="Early help assessment booked.")
    concerns.close(concern, cast.lead, "Social care took the case; early help in place.")

    # Assert
    concern.refresh_from_db()
    steps = list(ConcernAction.objects.filter(concern=concern).values_list("kind", "by__username", "reference"))
    assert opened == ConcernStatus.OPEN
    assert concern.status == ConcernStatus.CLOSED
    assert (concern.acknowledged_by, concern.closed_by) == (cast.lead, cast.lead)
    assert concern.close_reason == "Social care took the case; early help in place."
    assert steps == [
        (ConcernActionKind.ACKNOWLEDGED, "lead.hc", ""),
        (ConcernActionKind.REFERRAL_CSC, "deputy.hc", "CSC/2026/0412"),
        (ConcernActionKind.EARLY_HELP, "lead.hc", ""),
        (ConcernActionKind.CLOSED, "lead.hc", ""),
    ]
    assert all(a.at is not None for a in ConcernAction.objects.filter(concern=concern))
    assert list(concern.pupils.all()) == [cast.pupil]
    # The visit's timeline says only that a concern was raised, never what was written.
    notes = list(VisitEvent.objects.filter(visit=concern.visit, kind=EventKind.CONCERN_RAISED).values_list("note"))
    assert notes == [("Child protection concern",)]


def test_hc21_recording_an_action_acknowledges_an_open_concern(cast):
    # Arrange
    concern = _concern(cast)

    # Act
    concerns.record_action(concern, cast.deputy, ConcernActionKind.POLICE, reference="PND 4471")

    # Assert
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ACKNOWLEDGED
    assert concern.acknowledged_by == cast.deputy
    kinds = list(ConcernAction.objects.filter(concern=concern).values_list("kind", flat=True))
    assert kinds == [ConcernActionKind.ACKNOWLEDGED, ConcernActionKind.POLICE]


@pytest.mark.parametrize("reason", ["", "   "])
def test_hc21_close_needs_a_reason(cast, reason):
    # Arrange
    concern = _concern(cast)
    before = _state(concern)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        concerns.close(concern, cast.lead, reason)

    # Assert
    assert refused.value.problems == ["Write the reason for closing."]
    assert _state(concern) == before


@pytest.mark.parametrize("act", ["acknowledge", "record_action", "close"])
def test_hc21_acting_on_closed_concern_refused_and_writes_nothing(cast, act):
    # Arrange
    concern = _concern(cast)
    concerns.close(concern, cast.deputy, "Dealt with by phone.")
    before = _state(concern)
    calls = {
        "acknowledge": lambda: concerns.acknowledge(concern, cast.lead),
        "record_action": lambda: concerns.record_action(concern, cast.lead, ConcernActionKind.POLICE),
        "close": lambda: concerns.close(concern, cast.lead, "Again."),
    }

    # Act
    with pytest.raises(TransitionNotAllowed) as refused:
        calls[act]()

    # Assert
    assert "Deputy" in str(refused.value)
    assert _state(concern) == before


@pytest.mark.parametrize("who", ["other_lead", "head", "office", "visitor"])
@pytest.mark.parametrize("act", ["acknowledge", "record_action", "close"])
def test_hc21_only_leads_of_the_school_may_act(cast, who, act):
    # Arrange
    concern = _concern(cast)
    actor = getattr(cast, who)
    before = _state(concern)
    calls = {
        "acknowledge": lambda: concerns.acknowledge(concern, actor),
        "record_action": lambda: concerns.record_action(concern, actor, ConcernActionKind.EARLY_HELP),
        "close": lambda: concerns.close(concern, actor, "Not mine to close."),
    }

    # Act
    with pytest.raises(NotPermitted):
        calls[act]()

    # Assert
    assert _state(concern) == before


def test_hc21_record_yes_creates_one_concern(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    record = {
        "people_seen": "Mother",
        "child_seen": True,
        "outcome": "Visit held.",
        "child_protection_concern": True,
        "concern_details": DETAILS,
    }

    # Act
    lifecycle.write_record(visit, cast.visitor, record)
    lifecycle.write_record(visit, cast.visitor, record | {"outcome": "Visit held; rewritten."})

    # Assert
    made = list(Concern.objects.filter(visit=visit).values_list("source", "kind", "status", "details"))
    assert made == [(ConcernSource.RECORD, ConcernKind.CHILD_PROTECTION, ConcernStatus.OPEN, DETAILS)]


def test_hc21_record_no_creates_no_concern(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    lifecycle.write_record(visit, cast.visitor, {"people_seen": "Mother", "child_seen": True, "outcome": "Fine."})

    # Assert
    assert Concern.objects.filter(visit=visit).count() == 0


def test_hc21_concern_on_a_draft_refused(cast):
    # Arrange
    visit = cast.make_visit(Status.DRAFT)

    # Act
    with pytest.raises(TransitionNotAllowed):
        concerns.raise_concern(visit, cast.office, ConcernKind.CHILD_PROTECTION, DETAILS)

    # Assert
    assert Concern.objects.count() == 0


# --- who is told (hc17, hc22) ----------------------------------------------------------------------


def test_hc17_urgent_concern_emails_every_lead_at_once(cast, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        concern = concerns.raise_concern(visit, cast.visitor, ConcernKind.CHILD_ALONE, DETAILS)

    # Assert
    assert concern.urgent is True
    assert _emails_to(mail.outbox) == ["deputy.hc@example.org", "lead.hc@example.org"]
    assert all(m.subject.startswith("URGENT: Child alone or unsupervised raised") for m in mail.outbox)


def test_hc17_immediate_danger_also_emails_the_office(cast, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        concerns.raise_concern(visit, cast.visitor, ConcernKind.IMMEDIATE_DANGER, DETAILS)

    # Assert
    assert _emails_to(mail.outbox) == ["deputy.hc@example.org", "lead.hc@example.org", "office.hc@example.org"]


def test_hc21_ordinary_concern_emails_the_leads_not_the_office(cast, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        concerns.raise_concern(visit, cast.visitor, ConcernKind.CHILD_PROTECTION, DETAILS)

    # Assert
    assert _emails_to(mail.outbox) == ["deputy.hc@example.org", "lead.hc@example.org"]
    assert not mail.outbox[0].subject.startswith("URGENT")


def test_hc22_accusation_emails_the_head_at_once(cast, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        concerns.report_incident(visit, cast.visitor, IncidentKind.ACCUSATION, timezone.now(), DETAILS)

    # Assert
    assert _emails_to(mail.outbox) == ["deputy.hc@example.org", "head.hc@example.org", "lead.hc@example.org"]
    assert mail.outbox[0].subject.startswith("URGENT: accusation against a visitor")


def test_hc22_other_incident_emails_the_leads_only(cast, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        concerns.report_incident(visit, cast.visitor, IncidentKind.INJURY, timezone.now(), DETAILS)

    # Assert
    assert _emails_to(mail.outbox) == ["deputy.hc@example.org", "lead.hc@example.org"]


def test_hc22_incident_keeps_its_own_time(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    happened = timezone.now() - dt.timedelta(minutes=40)

    # Act
    incident = concerns.report_incident(visit, cast.second, IncidentKind.THREAT, happened, DETAILS)

    # Assert
    incident.refresh_from_db()
    assert incident.occurred_at == happened
    assert incident.reported_at > happened


def test_hc22_incident_time_in_the_future_refused(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        concerns.report_incident(
            visit, cast.visitor, IncidentKind.THREAT, timezone.now() + dt.timedelta(hours=1), DETAILS
        )

    # Assert
    assert refused.value.problems == ["The time it happened cannot be in the future."]
    assert Incident.objects.count() == 0


def test_hc22_review_needs_a_note_and_happens_once(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    incident = concerns.report_incident(visit, cast.visitor, IncidentKind.INJURY, timezone.now(), DETAILS)

    # Act
    with pytest.raises(PreconditionFailed):
        concerns.review_incident(incident, cast.head, "")
    concerns.review_incident(incident, cast.head, "Spoke to the visitor; first aid given.")
    with pytest.raises(TransitionNotAllowed) as again:
        concerns.review_incident(incident, cast.lead, "Me too.")

    # Assert
    incident.refresh_from_db()
    assert (incident.reviewed_by, incident.review_note) == (cast.head, "Spoke to the visitor; first aid given.")
    assert "Head" in str(again.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda cast, visit: concerns.raise_concern(visit, cast.visitor, ConcernKind.IMMEDIATE_DANGER, DETAILS),
        lambda cast, visit: concerns.raise_concern(visit, cast.visitor, ConcernKind.CHILD_PROTECTION, DETAILS),
        lambda cast, visit: concerns.report_incident(
            visit, cast.visitor, IncidentKind.ACCUSATION, timezone.now(), DETAILS
        ),
    ],
    ids=["immediate_danger", "concern", "accusation"],
)
def test_hc17_hc22_emails_never_contain_details_pupil_name_address_or_code_word(
    cast, django_capture_on_commit_callbacks, make
):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    secrets = [DETAILS, "bruising", cast.pupil.first_name, cast.pupil.last_name, visit.address_line1]
    secrets += [visit.postcode, visit.code_word, visit.person_visited, cast.household.name]
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        make(cast, visit)

    # Assert
    assert mail.outbox
    for message in mail.outbox:
        parts = [message.subject, message.body, message.alternatives[0][0]]
        leaked = [s for s in secrets for part in parts if s.lower() in part.lower()]
        assert leaked == []
        assert "/concerns/" in message.body or "/incidents/" in message.body


# --- two leads at once (hc21) ---------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc21_race_two_leads_acknowledging_one_stands_other_told_who(cast, _flush_despite_append_only_triggers):
    # Arrange
    trials = [_concern(cast).pk for _ in range(6)]

    # Act
    results = []
    for pk in trials:

        def acknowledge(actor, pk=pk):
            def go(ready) -> None:
                concern = Concern.objects.get(pk=pk)
                ready()
                concerns.acknowledge(concern, actor)

            return go

        names = ("lead", "deputy")
        finishes = race(*(acknowledge(getattr(cast, name)) for name in names))
        results.append(
            {
                name: "won"
                if finish.won
                else f"{type(finish.error).__name__}: {finish.error}"
                if isinstance(finish.error, LifecycleError)
                else repr(finish.error)
                for name, finish in zip(names, finishes, strict=True)
            }
        )

    # Assert
    for pk, outcome in zip(trials, results, strict=True):
        concern = Concern.objects.select_related("acknowledged_by").get(pk=pk)
        acks = ConcernAction.objects.filter(concern_id=pk, kind=ConcernActionKind.ACKNOWLEDGED).count()
        winners = [name for name, said in outcome.items() if said == "won"]
        assert len(winners) == 1, outcome
        loser = "deputy" if winners == ["lead"] else "lead"
        assert acks == 1
        assert concern.acknowledged_by == getattr(cast, winners[0])
        assert outcome[loser].startswith("TransitionNotAllowed: This concern was already acknowledged by ")
        assert str(concern.acknowledged_by) in outcome[loser]
