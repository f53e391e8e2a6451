"""The visit lifecycle (visits/lifecycle/), tested on its own: who may make each move, from which
states, with what preconditions, and that a refusal writes nothing (hc01, hc06, hc11, hc13, hc14,
hc20, mp01).

The expectations are written out by hand below (`MAY`, `SOURCES`, `RESULT`, `DIAGRAM`), from the
policy and the state diagram, never read back from `visits.access` or `lifecycle.MOVES`: a test
that asked the production predicates what to expect could not fail.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import CAST_ROLES, Cast
from visits import access, lifecycle, who
from visits.enums import AuditAction, EventKind, Reason, Role, Status
from visits.exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.models import (
    AuditEntry,
    Membership,
    School,
    User,
    Visit,
    VisitEvent,
    VisitRecord,
    VisitUserObjectPermission,
)

S = Status
ROLES = CAST_ROLES
ACTIONS = (
    "submit",
    "authorise",
    "decline",
    "send_back",
    "cancel",
    "start",
    "complete",
    "arrived",
    "left",
    "back",
    "not_returning",
    "write_record",
    "update_request",
)

# Who may do each action to a visit of `cast.school` requested by the office, with `visitor` as
# lead visitor and `second` as second visitor. Everyone else is refused with NotPermitted.
MAY: dict[str, set[str]] = {
    "submit": {"office", "lead", "deputy"},  # the requester (the office here), the office, the leads
    "authorise": {"lead", "deputy"},  # hc01: a safeguarding lead or deputy of the school
    "decline": {"lead", "deputy"},
    "send_back": {"lead", "deputy"},
    "cancel": {"office", "lead", "deputy"},
    "start": {"visitor", "second"},  # only the people going
    "complete": {"visitor", "second"},
    "arrived": {"office", "visitor", "second"},  # hc14: the visitors, or the office taking their call
    "left": {"office", "visitor", "second"},
    "back": {"office", "visitor", "second"},
    "not_returning": {"office", "visitor", "second"},  # HC 9: the call saying they go straight home
    "write_record": {"visitor", "second"},  # hc20: the record is the visitors' to write
    "update_request": {"office", "lead", "deputy"},
}

# The states from which each action is accepted; from every other state it raises
# TransitionNotAllowed.
SOURCES: dict[str, set[str]] = {
    "submit": {S.DRAFT, S.SENT_BACK},
    "authorise": {S.REQUESTED},
    "decline": {S.REQUESTED, S.AUTHORISED},  # a lead may withdraw an authorisation before set off
    "send_back": {S.REQUESTED},
    "cancel": {S.DRAFT, S.REQUESTED, S.SENT_BACK, S.AUTHORISED},
    "start": {S.AUTHORISED},  # hc01
    "complete": {S.IN_PROGRESS},
    "arrived": {S.IN_PROGRESS},
    "left": {S.IN_PROGRESS},
    "back": {S.IN_PROGRESS, S.COMPLETED},  # "back at school" may come after completing on the tablet
    "not_returning": {S.IN_PROGRESS, S.COMPLETED},
    "write_record": {S.IN_PROGRESS},
    "update_request": {S.DRAFT, S.REQUESTED, S.SENT_BACK, S.AUTHORISED},
}

# What an accepted action leaves: the status afterwards (None: unchanged), the one timeline event
# it appends (the office's phone-call variant in OFFICE_EVENT), and the one audit entry.
RESULT: dict[str, tuple[str | None, str, str]] = {
    "submit": (S.REQUESTED, EventKind.REQUESTED, AuditAction.TRANSITION),
    "authorise": (S.AUTHORISED, EventKind.AUTHORISED, AuditAction.TRANSITION),
    "decline": (S.DECLINED, EventKind.DECLINED, AuditAction.TRANSITION),
    "send_back": (S.SENT_BACK, EventKind.SENT_BACK, AuditAction.TRANSITION),
    "cancel": (S.CANCELLED, EventKind.CANCELLED, AuditAction.TRANSITION),
    "start": (S.IN_PROGRESS, EventKind.SET_OFF, AuditAction.TRANSITION),
    "complete": (S.COMPLETED, EventKind.COMPLETED, AuditAction.TRANSITION),
    "arrived": (None, EventKind.ARRIVED, AuditAction.EVENT),
    "left": (None, EventKind.LEFT, AuditAction.EVENT),
    "back": (None, EventKind.BACK_AT_SCHOOL, AuditAction.EVENT),
    "not_returning": (None, EventKind.NOT_RETURNING, AuditAction.EVENT),
    "write_record": (None, EventKind.OUTCOME_RECORDED, AuditAction.UPDATE),
    "update_request": (None, EventKind.EDITED, AuditAction.UPDATE),
}
OFFICE_EVENT = {
    "arrived": EventKind.ARRIVAL_CALL,
    "left": EventKind.LEAVING_CALL,
    "not_returning": EventKind.NOT_RETURNING_CALL,
}

# The state diagram (hc01 among others): state -> the states it may move to.
DIAGRAM: dict[str, set[str]] = {
    S.DRAFT: {S.REQUESTED, S.CANCELLED},
    S.REQUESTED: {S.AUTHORISED, S.DECLINED, S.SENT_BACK, S.CANCELLED},
    S.SENT_BACK: {S.REQUESTED, S.CANCELLED},
    S.AUTHORISED: {S.IN_PROGRESS, S.REQUESTED, S.DECLINED, S.CANCELLED},  # -> requested: edited (hc01)
    S.IN_PROGRESS: {S.COMPLETED},
    S.DECLINED: set(),
    S.CANCELLED: set(),
    S.COMPLETED: set(),
}

# Where each action is tried in the role table, and who tries it in the state table.
HOME_STATE = {
    "submit": S.DRAFT,
    "authorise": S.REQUESTED,
    "decline": S.REQUESTED,
    "send_back": S.REQUESTED,
    "cancel": S.REQUESTED,
    "start": S.AUTHORISED,
    "complete": S.IN_PROGRESS,
    "arrived": S.IN_PROGRESS,
    "left": S.IN_PROGRESS,
    "back": S.IN_PROGRESS,
    "not_returning": S.IN_PROGRESS,
    "write_record": S.IN_PROGRESS,
    "update_request": S.REQUESTED,
}
ACTOR = {
    "submit": "office",
    "authorise": "lead",
    "decline": "lead",
    "send_back": "lead",
    "cancel": "office",
    "start": "visitor",
    "complete": "visitor",
    "arrived": "visitor",
    "left": "visitor",
    "back": "visitor",
    "not_returning": "visitor",
    "write_record": "visitor",
    "update_request": "office",
}
RECORD = {"people_seen": "Mother and Sam", "child_seen": True, "outcome": "Plan agreed.", "action_required": "Review."}


# --- helpers ------------------------------------------------------------------------------------


def snapshot(visit: Visit) -> dict:
    """Everything a lifecycle call could write about `visit`, to compare before and after."""
    return {
        "row": Visit.objects.filter(pk=visit.pk).values().get(),
        "events": list(VisitEvent.objects.filter(visit_id=visit.pk).order_by("id").values_list("id", "kind")),
        "audit": AuditEntry.objects.count(),
        "record": list(VisitRecord.objects.filter(visit_id=visit.pk).values()),
        "pupils": sorted(visit.pupils.values_list("pk", flat=True)),
        "reasons": sorted(visit.reasons.values_list("reason", flat=True)),
        "perms": sorted(
            VisitUserObjectPermission.objects.filter(content_object_id=visit.pk).values_list(
                "user_id", "permission__codename"
            )
        ),
    }


def ready(cast: Cast, action: str, state: str) -> Visit:
    """A visit in `state` with what `action` needs there (left the property, a record)."""
    visit = cast.make_visit(state)
    if state in (S.IN_PROGRESS, S.COMPLETED) and action in {"complete", "back", "not_returning"} and not visit.left_at:
        lifecycle.record_step(visit, cast.visitor, "left")
    if state == S.IN_PROGRESS and action == "complete":
        lifecycle.write_record(visit, cast.visitor, RECORD)
    visit.refresh_from_db()
    return visit


def act(visit: Visit, user: User, action: str, **kwargs):
    """Try `action` with everything its preconditions ask for, unless overridden."""
    if action in lifecycle.MOVES:
        options = {"note": "A reason for the record.", "approve_lone_working": True, "confirm_evening": True}
        return lifecycle.transition(visit, user, action, **{**options, **kwargs})
    if action in lifecycle.STEPS:
        return lifecycle.record_step(visit, user, action)
    if action == "write_record":
        return lifecycle.write_record(visit, user, RECORD)
    if action == "update_request":
        return lifecycle.update_request(visit, user, {"comments": "Ring the bell twice."})
    raise AssertionError(action)


def new_events(visit: Visit, before: dict) -> list[str]:
    seen = {pk for pk, _ in before["events"]}
    return [kind for pk, kind in snapshot(visit)["events"] if pk not in seen]


def fresh(user: User) -> User:
    """The user as the next request would load them: no cached roles or object permissions."""
    return User.objects.get(pk=user.pk)


def kinds(visit: Visit) -> list[str]:
    return list(VisitEvent.objects.filter(visit=visit).order_by("id").values_list("kind", flat=True))


# --- the tables themselves ----------------------------------------------------------------------


def test_lifecycle_tables_cover_every_action():
    # Arrange
    actions = set(lifecycle.MOVES) | set(lifecycle.STEPS) | {"write_record", "update_request"}

    # Act / Assert: a new move cannot ship without an expectation here.
    assert actions == set(ACTIONS) == set(MAY) == set(SOURCES) == set(RESULT)


def test_hc01_allowed_moves_equal_the_state_diagram():
    # Act
    allowed = {state: set(targets) for state, targets in lifecycle.ALLOWED_MOVES.items()}

    # Assert
    assert allowed == DIAGRAM


def test_hc01_only_start_leads_into_a_started_state():
    # Act
    into_started = {name for name, move in lifecycle.MOVES.items() if move.target == S.IN_PROGRESS}

    # Assert
    assert into_started == {"start"}
    assert lifecycle.MOVES["start"].sources == {S.AUTHORISED}


# --- every action x every member of the cast ----------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ACTIONS)
def test_lifecycle_action_by_role(cast, action, role):
    # Arrange
    state = HOME_STATE[action]
    visit = ready(cast, action, state)
    user = cast.users()[role]
    before = snapshot(visit)

    # Act / Assert
    if role not in MAY[action]:
        with pytest.raises(NotPermitted):
            act(visit, user, action)
        assert snapshot(visit) == before
        return

    act(visit, user, action)

    status, event, audit_action = RESULT[action]
    if role == "office":
        event = OFFICE_EVENT.get(action, event)
    after = Visit.objects.get(pk=visit.pk)
    assert after.status == (status or state)
    assert new_events(visit, before) == [event]
    audit_rows = list(AuditEntry.objects.order_by("-id").values_list("action", "object_code", "user_id")[:1])
    assert AuditEntry.objects.count() == before["audit"] + 1
    assert audit_rows == [(audit_action, str(visit.code), user.pk)]


# --- every state x every action -----------------------------------------------------------------


@pytest.mark.parametrize("state", S.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_lifecycle_action_in_state(cast, action, state):
    # Arrange
    visit = ready(cast, action, state)
    user = cast.users()[ACTOR[action]]
    before = snapshot(visit)

    # Act / Assert
    if state not in SOURCES[action]:
        with pytest.raises(TransitionNotAllowed):
            act(visit, user, action)
        assert snapshot(visit) == before
        return

    act(visit, user, action)

    status, event, _ = RESULT[action]
    assert Visit.objects.get(pk=visit.pk).status == (status or state)
    assert new_events(visit, before) == [event]
    assert AuditEntry.objects.count() == before["audit"] + 1


def test_hc01_stale_copy_cannot_start_a_declined_visit(cast):
    # Arrange: the caller's copy is stale; the lifecycle reads the row under its lock.
    visit = cast.make_visit(S.AUTHORISED)
    stale = Visit.objects.get(pk=visit.pk)
    act(visit, cast.lead, "decline")

    # Act
    with pytest.raises(TransitionNotAllowed) as refused:
        act(stale, cast.visitor, "start")

    # Assert: refused on the saved state, and the message says who got there first.
    assert "declined" in str(refused.value)
    assert f"{cast.lead} made it declined" in str(refused.value)
    assert Visit.objects.get(pk=visit.pk).status == S.DECLINED
    assert EventKind.SET_OFF not in kinds(visit)


def test_hc01_a_decision_on_a_request_that_moved_on_is_refused_with_who_moved_it(cast):
    # Arrange: the deputy opened the request; meanwhile the lead authorised it.
    visit = cast.make_visit(S.REQUESTED)
    seen = visit.status
    act(visit, cast.lead, "authorise")

    # Act: declining is allowed from authorised, but not as a decision on what the deputy saw.
    with pytest.raises(TransitionNotAllowed) as refused:
        lifecycle.transition(visit, cast.deputy, "decline", note="Too risky.", expected_status=seen)

    # Assert
    assert str(refused.value).startswith("Not done: it is authorised.")
    assert f"{cast.lead} made it authorised" in str(refused.value)
    assert Visit.objects.get(pk=visit.pk).status == S.AUTHORISED
    assert EventKind.DECLINED not in kinds(visit)


def test_hc01_a_decision_on_the_state_the_lead_saw_goes_ahead(cast):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)

    # Act: the lead withdraws the authorisation they are looking at.
    lifecycle.transition(visit, cast.deputy, "decline", note="Family moved.", expected_status=S.AUTHORISED)

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == S.DECLINED


# --- four-eyes ----------------------------------------------------------------------------------


def _lead_also_visiting(cast: Cast) -> None:
    Membership.objects.create(user=cast.lead, school=cast.school, role=Role.VISITOR)
    who.forget_roles(cast.lead)


FOUR_EYES = {
    "requested it": lambda cast: cast.make_visit(S.REQUESTED, requester=cast.lead),
    "goes on it": lambda cast: (_lead_also_visiting(cast), cast.make_visit(S.REQUESTED, second_visitor=cast.lead))[1],
}


@pytest.mark.parametrize("action", ["authorise", "decline", "send_back"])
@pytest.mark.parametrize("tie", list(FOUR_EYES))
def test_hc01_four_eyes_lead_tied_to_visit_cannot_decide_it(cast, tie, action):
    # Arrange
    visit = FOUR_EYES[tie](cast)
    before = snapshot(visit)

    # Act
    with pytest.raises(NotPermitted):
        act(visit, cast.lead, action)

    # Assert
    assert snapshot(visit) == before


@pytest.mark.parametrize("tie", list(FOUR_EYES))
def test_hc01_four_eyes_deputy_decides_what_the_lead_may_not(cast, tie):
    # Arrange
    visit = FOUR_EYES[tie](cast)

    # Act
    act(visit, cast.deputy, "authorise")

    # Assert
    visit.refresh_from_db()
    assert (visit.status, visit.authorised_by_id) == (S.AUTHORISED, cast.deputy.pk)


@pytest.mark.parametrize("tie", list(FOUR_EYES))
def test_hc01_four_eyes_lead_may_authorise_own_when_school_allows(cast, tie):
    # Arrange
    School.objects.filter(pk=cast.school.pk).update(lead_may_authorise_own=True)
    visit = FOUR_EYES[tie](cast)

    # Act
    act(visit, cast.lead, "authorise")

    # Assert
    visit.refresh_from_db()
    assert (visit.status, visit.authorised_by_id) == (S.AUTHORISED, cast.lead.pk)


def test_hc01_lead_of_other_school_cannot_authorise(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED)
    before = snapshot(visit)

    # Act
    with pytest.raises(NotPermitted):
        act(visit, cast.other_lead, "authorise")

    # Assert
    assert snapshot(visit) == before


def test_hc01_lead_with_inactive_membership_cannot_authorise(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED)
    Membership.objects.filter(user=cast.lead, school=cast.school).update(is_active=False)
    before = snapshot(visit)

    # Act
    with pytest.raises(NotPermitted):
        act(visit, fresh(cast.lead), "authorise")

    # Assert
    assert snapshot(visit) == before


# --- preconditions ------------------------------------------------------------------------------


@pytest.mark.parametrize("note", ["", "   "])
@pytest.mark.parametrize("action", ["decline", "send_back"])
def test_lifecycle_decline_and_send_back_need_a_note(cast, action, note):
    # Arrange
    visit = cast.make_visit(S.REQUESTED)
    before = snapshot(visit)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        act(visit, cast.lead, action, note=note)

    # Assert
    assert len(refused.value.problems) == 1
    assert snapshot(visit) == before


def test_lifecycle_decline_keeps_the_note(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED)

    # Act
    act(visit, cast.lead, "decline", note="  A meeting in school is possible.  ")

    # Assert
    visit.refresh_from_db()
    assert (visit.status, visit.decision_note, visit.decided_by_id) == (
        S.DECLINED,
        "A meeting in school is possible.",
        cast.lead.pk,
    )
    assert VisitEvent.objects.get(visit=visit, kind=EventKind.DECLINED).note == "A meeting in school is possible."


def test_lifecycle_cancel_of_authorised_visit_needs_a_note(cast):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)
    before = snapshot(visit)

    # Act
    with pytest.raises(PreconditionFailed):
        act(visit, cast.office, "cancel", note="")

    # Assert
    assert snapshot(visit) == before


def test_hc06_lone_visit_needs_lone_working_approval(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED, second_visitor=None)
    before = snapshot(visit)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        act(visit, cast.lead, "authorise", approve_lone_working=False)

    # Assert
    assert ["approve lone working" in problem for problem in refused.value.problems] == [True]
    assert snapshot(visit) == before


def test_hc06_lone_visit_authorised_with_approval_records_it(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED, second_visitor=None)

    # Act
    act(visit, cast.lead, "authorise", approve_lone_working=True)

    # Assert
    visit.refresh_from_db()
    assert (visit.status, visit.lone_working_approved) == (S.AUTHORISED, True)


def test_hc06_lone_visit_needs_no_approval_when_pairs_not_required(cast):
    # Arrange
    School.objects.filter(pk=cast.school.pk).update(pairs_required=False)
    visit = cast.make_visit(S.REQUESTED, second_visitor=None)

    # Act
    act(visit, cast.lead, "authorise", approve_lone_working=False)

    # Assert
    visit.refresh_from_db()
    assert (visit.status, visit.lone_working_approved) == (S.AUTHORISED, False)


def test_hc06_paired_visit_needs_no_lone_working_approval(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED)

    # Act
    act(visit, cast.lead, "authorise", approve_lone_working=False)

    # Assert
    visit.refresh_from_db()
    assert (visit.status, visit.lone_working_approved) == (S.AUTHORISED, False)


def _tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    """A school-time (Europe/London) moment tomorrow."""
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.mark.parametrize("start", [(17, 30), (16, 30)], ids=["starts-after-cutoff", "ends-after-cutoff"])
def test_hc13_evening_visit_needs_confirmation(cast, start):
    # Arrange: one-hour visits, cut-off 17:00.
    visit = cast.make_visit(S.REQUESTED, start=_tomorrow_at(*start))
    before = snapshot(visit)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        act(visit, cast.lead, "authorise", confirm_evening=False)

    # Assert
    assert ["evening visit is necessary" in problem for problem in refused.value.problems] == [True]
    assert snapshot(visit) == before


def test_hc13_evening_visit_authorised_when_confirmed(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED, start=_tomorrow_at(17, 30))

    # Act
    act(visit, cast.lead, "authorise", confirm_evening=True)

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == S.AUTHORISED


def test_hc13_cutoff_is_the_schools_setting(cast):
    # Arrange: 17:30 to 18:30 is no evening visit where the cut-off is 19:00.
    School.objects.filter(pk=cast.school.pk).update(evening_cutoff=dt.time(19, 0))
    visit = cast.make_visit(S.REQUESTED, start=_tomorrow_at(17, 30))

    # Act
    act(visit, cast.lead, "authorise", confirm_evening=False)

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == S.AUTHORISED


def test_mp01_slt_discussion_required_needs_slt_consulted(cast):
    # Arrange
    School.objects.filter(pk=cast.school.pk).update(slt_discussion_required=True)
    visit = cast.make_visit(S.REQUESTED)
    before = snapshot(visit)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        act(visit, cast.lead, "authorise")

    # Assert
    assert ["SLT member the visit was discussed with" in problem for problem in refused.value.problems] == [True]
    assert snapshot(visit) == before


def test_mp01_authorised_once_slt_member_named(cast):
    # Arrange
    School.objects.filter(pk=cast.school.pk).update(slt_discussion_required=True)
    visit = cast.make_visit(S.REQUESTED)
    lifecycle.update_request(visit, cast.office, {"slt_consulted": cast.head})

    # Act
    act(visit, cast.lead, "authorise")

    # Assert
    visit.refresh_from_db()
    assert (visit.status, visit.slt_consulted_id) == (S.AUTHORISED, cast.head.pk)


def test_mp01_slt_consulted_must_be_senior_staff_of_the_school(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED)
    before = snapshot(visit)

    # Act
    with pytest.raises(ValidationError) as refused:
        lifecycle.update_request(visit, cast.office, {"slt_consulted": cast.other_head})

    # Assert
    assert "slt_consulted" in refused.value.message_dict
    assert snapshot(visit) == before


@pytest.mark.parametrize(
    ("left", "record", "clauses"),
    [(False, False, ["hc14", "hc20"]), (True, False, ["hc20"]), (False, True, ["hc14"])],
    ids=["neither", "left-only", "record-only"],
)
def test_hc14_hc20_complete_needs_left_and_record(cast, left, record, clauses):
    # Arrange
    visit = cast.make_visit(S.IN_PROGRESS)
    if left:
        lifecycle.record_step(visit, cast.visitor, "left")
    if record:
        lifecycle.write_record(visit, cast.visitor, RECORD)
    before = snapshot(visit)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        act(visit, cast.visitor, "complete")

    # Assert
    # The refusals in words (no clause id on a screen): hc14 names leaving, hc20 the record.
    words = {"hc14": "Left the property", "hc20": "Record of Home Visit"}
    assert [next(c for c, w in words.items() if w in p) for p in refused.value.problems] == clauses
    assert snapshot(visit) == before


def test_hc14_hc20_complete_with_left_and_record(cast):
    # Arrange
    visit = cast.make_visit(S.IN_PROGRESS)
    lifecycle.record_step(visit, cast.office, "left")
    lifecycle.write_record(visit, cast.second, RECORD)

    # Act
    act(visit, cast.visitor, "complete")

    # Assert
    visit.refresh_from_db()
    assert visit.status == S.COMPLETED
    assert visit.completed_at is not None and visit.left_at is not None
    assert kinds(visit)[-3:] == [EventKind.LEAVING_CALL, EventKind.OUTCOME_RECORDED, EventKind.COMPLETED]


def test_hc14_back_at_school_needs_left_first(cast):
    # Arrange
    visit = cast.make_visit(S.IN_PROGRESS)
    before = snapshot(visit)

    # Act
    with pytest.raises(PreconditionFailed):
        lifecycle.record_step(visit, cast.office, "back")

    # Assert
    assert snapshot(visit) == before


@pytest.mark.parametrize("step", ["arrived", "left"])
def test_hc14_step_logged_once(cast, step):
    # Arrange
    visit = cast.make_visit(S.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, step)
    before = snapshot(visit)

    # Act
    with pytest.raises(TransitionNotAllowed):
        lifecycle.record_step(visit, cast.office, step)

    # Assert
    assert snapshot(visit) == before


def test_hc20_invalid_record_writes_nothing(cast):
    # Arrange
    visit = cast.make_visit(S.IN_PROGRESS)
    before = snapshot(visit)

    # Act
    with pytest.raises(ValidationError):
        lifecycle.write_record(visit, cast.visitor, {"people_seen": "", "child_seen": True, "outcome": ""})

    # Assert
    assert snapshot(visit) == before


# --- editing after authorisation (hc01) ---------------------------------------------------------


def _later(visit: Visit, cast: Cast) -> dict:
    return {
        "fields": {
            "scheduled_start": visit.scheduled_start + dt.timedelta(days=1),
            "expected_end": visit.expected_end + dt.timedelta(days=1),
        }
    }


MATERIAL_EDITS = {
    "date-and-time": _later,
    "time-only": lambda visit, cast: {"fields": {"expected_end": visit.expected_end + dt.timedelta(minutes=30)}},
    "address": lambda visit, cast: {"fields": {"address_line1": "99 Other Road", "postcode": "M15 6BH"}},
    "second-visitor": lambda visit, cast: {"fields": {"second_visitor": cast.bystander}},
    "lead-visitor": lambda visit, cast: {"fields": {"lead_visitor": cast.bystander}},
    "reasons": lambda visit, cast: {"fields": {}, "reasons": [Reason.WELFARE_CHECK]},
    "reason-detail": lambda visit, cast: {"fields": {"reason_detail": "Not seen for ten days."}},
    "purpose": lambda visit, cast: {"fields": {"purpose": "Check the child is safe."}},
}


@pytest.mark.parametrize("edit", list(MATERIAL_EDITS))
def test_hc01_material_edit_returns_authorised_visit_to_queue(cast, edit):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)
    change = MATERIAL_EDITS[edit](visit, cast)

    # Act
    lifecycle.update_request(visit, cast.office, change["fields"], reasons=change.get("reasons"))

    # Assert
    visit = Visit.objects.get(pk=visit.pk)
    assert (visit.status, visit.authorised_at, visit.authorised_by_id) == (S.REQUESTED, None, None)
    events = list(VisitEvent.objects.filter(visit=visit).order_by("id"))
    assert [e.kind for e in events][-2:] == [EventKind.EDITED, EventKind.RETURNED_TO_QUEUE]
    assert (events[-1].from_status, events[-1].to_status) == (S.AUTHORISED, S.REQUESTED)


@pytest.mark.parametrize("edit", ["date-and-time", "address", "second-visitor"])
def test_hc01_visit_returned_to_queue_cannot_start_until_authorised_again(cast, edit, pinned_clock):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)
    change = MATERIAL_EDITS[edit](visit, cast)
    lifecycle.update_request(visit, cast.office, change["fields"])
    before = snapshot(visit)

    # Act
    with pytest.raises(TransitionNotAllowed):
        act(visit, fresh(cast.visitor), "start")
    refused = snapshot(visit)
    act(visit, cast.deputy, "authorise")
    pinned_clock.move_to(Visit.objects.get(pk=visit.pk).scheduled_start)  # on the (new) day
    act(visit, fresh(cast.visitor), "start")

    # Assert
    assert refused == before
    visit.refresh_from_db()
    assert (visit.status, visit.authorised_by_id) == (S.IN_PROGRESS, cast.deputy.pk)


@pytest.mark.parametrize("edit", ["comments", "people_to_see", "briefing"])
def test_hc01_non_material_edit_keeps_authorisation(cast, edit):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)
    authorised = (visit.authorised_at, visit.authorised_by_id)

    # Act
    lifecycle.update_request(visit, cast.office, {edit: "Ring the bell twice; the dog is kept upstairs."})

    # Assert
    visit = Visit.objects.get(pk=visit.pk)
    assert visit.status == S.AUTHORISED
    assert (visit.authorised_at, visit.authorised_by_id) == authorised
    assert EventKind.RETURNED_TO_QUEUE not in kinds(visit)
    assert kinds(visit)[-1] == EventKind.EDITED


def test_hc01_material_edit_of_requested_visit_stays_requested(cast):
    # Arrange
    visit = cast.make_visit(S.REQUESTED)

    # Act
    lifecycle.update_request(visit, cast.office, {"address_line1": "99 Other Road"})

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == S.REQUESTED
    assert EventKind.RETURNED_TO_QUEUE not in kinds(visit)


def test_lifecycle_edit_with_no_change_writes_nothing(cast):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)
    before = snapshot(visit)

    # Act
    lifecycle.update_request(visit, cast.office, {"comments": visit.comments, "postcode": visit.postcode})

    # Assert
    assert snapshot(visit) == before


def test_lifecycle_invalid_edit_writes_nothing(cast):
    # Arrange: the second visitor must be visiting staff of the school.
    visit = cast.make_visit(S.AUTHORISED)
    before = snapshot(visit)

    # Act
    with pytest.raises(ValidationError):
        lifecycle.update_request(visit, cast.office, {"second_visitor": cast.other_visitor})

    # Assert
    assert snapshot(visit) == before


# --- object permissions follow the visitors (hc25) ----------------------------------------------


@pytest.mark.parametrize("slot", ["second_visitor", "lead_visitor"])
@pytest.mark.parametrize("state", [S.REQUESTED, S.AUTHORISED])
def test_hc25_changing_visitor_moves_permissions(cast, slot, state):
    # Arrange
    visit = cast.make_visit(state)
    old = cast.second if slot == "second_visitor" else cast.visitor
    seen_before = (who.can_view(fresh(old), visit), who.can_view(fresh(cast.bystander), visit))

    # Act
    lifecycle.update_request(visit, cast.office, {slot: cast.bystander})

    # Assert
    visit = Visit.objects.select_related("school").get(pk=visit.pk)
    old, new = fresh(old), fresh(cast.bystander)
    assert seen_before == (True, False)
    assert (who.can_view(old, visit), who.may_conduct(old, visit)) == (False, False)
    assert (who.can_view(new, visit), who.may_conduct(new, visit)) == (True, True)
    assert visit not in access.visible_visits(old)
    assert visit in access.visible_visits(new)


def test_hc25_removed_visitor_cannot_start_after_reauthorisation(cast):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)
    lifecycle.update_request(visit, cast.office, {"second_visitor": cast.bystander})
    act(visit, cast.lead, "authorise")
    before = snapshot(visit)

    # Act
    with pytest.raises(NotPermitted):
        act(visit, fresh(cast.second), "start")

    # Assert
    assert snapshot(visit) == before


def test_hc25_removed_visitor_who_requested_keeps_view_only(cast):
    # Arrange: the visitor requested the visit, then hands it to the bystander.
    visit = cast.make_visit(S.REQUESTED, requester=cast.visitor)

    # Act
    lifecycle.update_request(visit, fresh(cast.visitor), {"lead_visitor": cast.bystander})

    # Assert
    visit = Visit.objects.select_related("school").get(pk=visit.pk)
    visitor = fresh(cast.visitor)
    assert (who.can_view(visitor, visit), who.may_conduct(visitor, visit)) == (True, False)


# --- the code word (hc11) -----------------------------------------------------------------------


@pytest.mark.parametrize("state", [S.REQUESTED, S.AUTHORISED])
def test_hc11_code_word_never_in_timeline_or_audit_after_edit(cast, state):
    # Arrange
    visit = cast.make_visit(state)
    old_word, new_word = visit.code_word, "Nightjar-Seven"

    # Act: the code word changes with a material field, so the visit may also return to the queue.
    lifecycle.update_request(visit, cast.office, {"code_word": new_word, "address_line1": "99 Other Road"})
    lifecycle.update_request(visit, cast.lead, {"code_word": "Kestrel-Two"})

    # Assert
    assert Visit.objects.get(pk=visit.pk).code_word == "Kestrel-Two"
    notes = " ".join(VisitEvent.objects.filter(visit=visit).values_list("note", flat=True)).lower()
    details = " ".join(AuditEntry.objects.values_list("detail", flat=True)).lower()
    assert "code_word" in notes  # the field name is logged, so the edit was recorded...
    for word in (old_word, new_word, "Kestrel-Two"):
        assert word.lower() not in notes  # ...but never its value
        assert word.lower() not in details


@pytest.mark.parametrize("field", ["code_word", "slt_consulted"])
def test_hc01_changing_code_word_or_slt_member_returns_authorised_visit_to_queue(cast, field):
    # Arrange: the lead authorised a visit with this code word (hc11) and SLT member (mp01).
    visit = cast.make_visit(S.AUTHORISED, slt_consulted=cast.head)
    new_value = {"code_word": "kingfisher", "slt_consulted": cast.lead}[field]

    # Act
    lifecycle.update_request(visit, cast.office, {field: new_value})

    # Assert
    visit.refresh_from_db()
    assert (visit.status, visit.authorised_at) == (S.REQUESTED, None)
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.RETURNED_TO_QUEUE).count() == 1


@pytest.mark.postgres
def test_hc15_not_conducted_takes_the_visits_row_lock_once(cast):
    # Arrange
    visit = cast.make_visit(S.IN_PROGRESS)

    # Act
    with CaptureQueriesContext(connection) as ctx:
        lifecycle.end_not_conducted(visit, cast.visitor, child_seen=False)

    # Assert: record, leaving and completion under the one lock.
    locks = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert len(locks) == 1, locks
    assert Visit.objects.get(pk=visit.pk).status == S.COMPLETED
