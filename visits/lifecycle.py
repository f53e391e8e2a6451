"""The visit's lifecycle: the only code that writes a visit's `status`, its step fields, its
timeline, and the object permissions of the people tied to it.

Every move runs through `transition()`, which, in this order:
1. opens a transaction and locks the visit row (`SELECT ... FOR UPDATE`), so two people acting
   at once are served one after the other and the second sees the first one's result;
2. checks the actor's right for the visit's school (`MOVES[action].who`), then that the move is
   allowed from the current state (`MOVES[action].sources`), then the move's preconditions;
3. sets the new status and the step's time and actor, saves with `update_fields`;
4. appends the timeline event and writes the audit entry;
5. queues notifications with `transaction.on_commit` (nothing is sent for a rolled-back move).
Any refusal raises a `visits.exceptions.LifecycleError` and writes nothing.

hc01 is guarded three times: `start` moves only from `authorised`; editing what the lead saw
sends an authorised visit back to `requested` (clearing the authorisation); and the database
CHECK constraint `hc01_started_visit_is_authorised` refuses any started visit without one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from . import access, audit, notify, signals
from .enums import AdultAuthority, AuditAction, EventKind, Role, Status
from .exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from .models import (
    Household,
    Membership,
    ParentSignature,
    Pupil,
    RecordDraft,
    School,
    User,
    Visit,
    VisitEvent,
    VisitReason,
    VisitRecord,
)
from .signature import CleanSignature


class Action:
    SUBMIT = "submit"
    AUTHORISE = "authorise"
    DECLINE = "decline"
    SEND_BACK = "send_back"
    CANCEL = "cancel"
    START = "start"
    COMPLETE = "complete"


@dataclass(frozen=True)
class Move:
    sources: frozenset[str]
    target: str
    event: str
    who: Callable[[User, Visit], bool]
    # Step fields stamped with the time (and actor) of the move.
    stamps: tuple[str, ...] = ()
    verb: str = ""


# The allowed moves, written down once. Guards, buttons and tests read from this table.
MOVES: dict[str, Move] = {
    Action.SUBMIT: Move(
        sources=frozenset({Status.DRAFT, Status.SENT_BACK}),
        target=Status.REQUESTED,
        event=EventKind.REQUESTED,
        who=access.may_edit_request,
        stamps=("requested_at",),
        verb="submit this request",
    ),
    Action.AUTHORISE: Move(
        sources=frozenset({Status.REQUESTED}),
        target=Status.AUTHORISED,
        event=EventKind.AUTHORISED,
        who=access.may_decide,
        stamps=("authorised_at", "decided_at"),
        verb="authorise this visit",
    ),
    Action.DECLINE: Move(
        # A lead may also withdraw an authorisation before anyone has set off.
        sources=frozenset({Status.REQUESTED, Status.AUTHORISED}),
        target=Status.DECLINED,
        event=EventKind.DECLINED,
        who=access.may_decide,
        stamps=("decided_at",),
        verb="decline this visit",
    ),
    Action.SEND_BACK: Move(
        sources=frozenset({Status.REQUESTED}),
        target=Status.SENT_BACK,
        event=EventKind.SENT_BACK,
        who=access.may_decide,
        stamps=("decided_at",),
        verb="send this request back",
    ),
    Action.CANCEL: Move(
        sources=frozenset({Status.DRAFT, Status.REQUESTED, Status.SENT_BACK, Status.AUTHORISED}),
        target=Status.CANCELLED,
        event=EventKind.CANCELLED,
        who=access.may_cancel,
        stamps=("cancelled_at",),
        verb="cancel this visit",
    ),
    Action.START: Move(
        sources=frozenset({Status.AUTHORISED}),
        target=Status.IN_PROGRESS,
        event=EventKind.SET_OFF,
        who=access.may_conduct,
        stamps=("started_at",),
        verb="set off on this visit",
    ),
    Action.COMPLETE: Move(
        sources=frozenset({Status.IN_PROGRESS}),
        target=Status.COMPLETED,
        event=EventKind.COMPLETED,
        who=access.may_conduct,
        stamps=("completed_at",),
        verb="complete this visit",
    ),
}

# Editing what the lead saw sends an authorised visit back to the queue: not an action anyone
# chooses, so it is not in MOVES, but it is an allowed move of the state machine.
RETURN_TO_QUEUE = (Status.AUTHORISED, Status.REQUESTED)

# state -> the states it may move to, derived from the table above.
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    state: frozenset(
        {m.target for m in MOVES.values() if state in m.sources}
        | ({RETURN_TO_QUEUE[1]} if state == RETURN_TO_QUEUE[0] else set())
    )
    for state in Status.values
}

# What an authorisation covers (hc01): changing any of these after it sends the visit back.
MATERIAL_FIELDS = frozenset(
    {
        "household",
        "scheduled_start",
        "expected_end",
        "address_line1",
        "address_line2",
        "town",
        "postcode",
        "lead_visitor",
        "lead_visitor_role",
        "second_visitor",
        "second_visitor_role",
        "agency_worker_name",
        "agency_worker_organisation",
        "visit_type",
        "reason_detail",
        "purpose",
        "family_informed",
        "not_informed_exception",
        # mp01: the SLT member the lead relied on; hc11: the code word the lead agreed.
        "slt_consulted",
        "code_word",
    }
)
# Who may request a visit at a school.
REQUESTER_ROLES = frozenset({Role.OFFICE, Role.VISITOR, Role.LEAD, Role.DEPUTY_LEAD, Role.HEAD})


@dataclass(frozen=True)
class Decision:
    """What a lead says with a decision: the note (why declined, what to change), conditions the
    visitors will see, and the confirmations some requests need before they can be authorised."""

    note: str = ""
    conditions: str = ""
    approve_lone_working: bool = False  # hc06
    confirm_evening: bool = False  # hc13
    high_risk_reason: str = ""  # hc10: why a High-risk visit still goes ahead ...
    high_risk_controls: str = ""  # ... and the extra controls (e.g. police present)


# Further checks an authorisation must pass, registered by apps built on visits (safeguarding adds
# the risk assessment, hc09/hc10) so that visits never imports them. Each takes the locked visit
# and the decision and returns problems in words for the lead; they run inside the row lock.
# `is_high_risk` (optional) says whether the visit needs the lead's hc10 override, which the
# lifecycle then keeps on the visit with the authorisation.
AuthorisationCheck = Callable[[Visit, Decision], list[str]]
AUTHORISATION_CHECKS: list[AuthorisationCheck] = []
HIGH_RISK_TESTS: list[Callable[[Visit], bool]] = []


def register_authorisation_check(
    check: AuthorisationCheck, is_high_risk: Callable[[Visit], bool] | None = None
) -> None:
    if check not in AUTHORISATION_CHECKS:
        AUTHORISATION_CHECKS.append(check)
    if is_high_risk is not None and is_high_risk not in HIGH_RISK_TESTS:
        HIGH_RISK_TESTS.append(is_high_risk)


# --- reading the table --------------------------------------------------------------------------


def actor_may(visit: Visit, actor: User, action: str) -> bool:
    """Whether `actor` holds the right for `action` on this visit (who, not when)."""
    return MOVES[action].who(actor, visit)


def is_allowed(visit: Visit, actor: User, action: str) -> bool:
    """Whether `action` would be accepted now (who and when; preconditions aside)."""
    move = MOVES[action]
    return visit.status in move.sources and move.who(actor, visit)


def start_refusal_reason(visit: Visit) -> str:
    """Why a visit cannot be set off, in words for the visitor (hc01). Empty when it can."""
    return {
        Status.DRAFT: "This request has not been sent to the safeguarding lead yet.",
        Status.REQUESTED: "Waiting for the safeguarding lead to authorise this visit. Do not set off.",
        Status.SENT_BACK: "The safeguarding lead sent this request back for changes. Do not set off.",
        Status.DECLINED: "The safeguarding lead declined this visit. It must not go ahead.",
        Status.CANCELLED: "This visit was cancelled.",
        Status.IN_PROGRESS: "This visit is already under way.",
        Status.COMPLETED: "This visit is finished.",
    }.get(visit.status, "")


# --- the one function that changes status ------------------------------------------------------


def _lock(visit: Visit) -> Visit:
    """Re-read the visit under a row lock for the rest of the transaction.

    `of=("self",)`: lock only the visit row, not the school joined for its settings.
    """
    return Visit.objects.select_for_update(of=("self",)).select_related("school").get(pk=visit.pk)


def _refresh_caller_copy(visit: Visit, locked: Visit) -> None:
    if visit is locked:
        return
    for field in locked._meta.concrete_fields:
        setattr(visit, field.attname, getattr(locked, field.attname))
    # Drop cached related objects (an old `authorised_by`, say); keep the school, which a move
    # never changes.
    visit._state.fields_cache = {k: v for k, v in visit._state.fields_cache.items() if k == "school"}


def _last_change(visit: Visit) -> str:
    event = visit.events.exclude(to_status="").order_by("-at", "-id").first()
    if event is None:
        return ""
    when = timezone.localtime(event.at).strftime("%H:%M on %d/%m/%Y")
    return f" {event.actor_name or 'Someone'} made it {event.get_to_status_display().lower()} at {when}."


def transition(
    visit: Visit,
    actor: User,
    action: str,
    *,
    note: str = "",
    conditions: str = "",
    approve_lone_working: bool = False,
    confirm_evening: bool = False,
    high_risk_reason: str = "",
    high_risk_controls: str = "",
) -> Visit:
    """Move `visit` by `action` on behalf of `actor`.

    Side effects, in order: row lock; right, state and precondition checks (raising
    NotPermitted, TransitionNotAllowed or PreconditionFailed, writing nothing); status and step
    fields saved; a timeline event; an audit entry; notifications queued on commit. The caller's
    `visit` object is refreshed to the saved row.
    """
    move = MOVES[action]
    decision = Decision(
        note=(note or "").strip(),
        conditions=(conditions or "").strip(),
        approve_lone_working=approve_lone_working,
        confirm_evening=confirm_evening,
        high_risk_reason=(high_risk_reason or "").strip(),
        high_risk_controls=(high_risk_controls or "").strip(),
    )
    note = decision.note
    with transaction.atomic():
        locked = _lock(visit)
        if not move.who(actor, locked):
            raise NotPermitted(f"You may not {move.verb}.")
        if locked.status not in move.sources:
            raise TransitionNotAllowed(
                f"You cannot {move.verb}: it is {locked.get_status_display().lower()}.{_last_change(locked)}"
            )
        _check_preconditions(locked, action, decision)

        now = timezone.now()
        from_status = locked.status
        locked.status = move.target
        changed = ["status", "updated_at"]
        for stamp in move.stamps:
            setattr(locked, stamp, now)
            changed.append(stamp)
        if action == Action.AUTHORISE:
            locked.authorised_by = actor
            locked.decided_by = actor
            locked.authorisation_conditions = decision.conditions
            locked.lone_working_approved = locked.is_lone_visit and approve_lone_working
            locked.decision_note = note
            # Kept only where they were needed: a High-risk visit (hc10).
            high_risk = bool(decision.high_risk_reason or decision.high_risk_controls) and _is_high_risk(locked)
            locked.high_risk_reason = decision.high_risk_reason if high_risk else ""
            locked.high_risk_controls = decision.high_risk_controls if high_risk else ""
            changed += [
                "authorised_by",
                "decided_by",
                "authorisation_conditions",
                "lone_working_approved",
                "decision_note",
                "high_risk_reason",
                "high_risk_controls",
            ]
        elif action in (Action.DECLINE, Action.SEND_BACK):
            locked.decided_by = actor
            locked.decision_note = note
            changed += ["decided_by", "decision_note"]
        locked.save(update_fields=changed)

        _append_event(locked, actor, move.event, from_status=from_status, to_status=move.target, note=note)
        audit.record(actor, AuditAction.TRANSITION, locked, detail=f"{from_status} -> {move.target}")
        transaction.on_commit(lambda: notify.status_changed(locked.pk, action, actor.pk), robust=True)
    _refresh_caller_copy(visit, locked)
    return locked


def _check_preconditions(visit: Visit, action: str, decision: Decision) -> None:
    problems: list[str] = []
    note = decision.note
    if action == Action.AUTHORISE:
        problems += authorisation_blockers(visit, decision)
    elif action in (Action.DECLINE, Action.SEND_BACK) and not note:
        problems.append(
            "Say why the visit is declined."
            if action == Action.DECLINE
            else "Say what needs to change before it can be authorised."
        )
    elif action == Action.CANCEL and visit.status == Status.AUTHORISED and not note:
        problems.append("Say why an authorised visit is being cancelled.")
    elif action == Action.COMPLETE:
        if visit.left_at is None:
            problems.append("Record 'Left the property' before completing the visit (hc14).")
        if not VisitRecord.objects.filter(visit=visit).exists():
            problems.append("Write the Record of Home Visit before completing the visit (hc20).")
    if problems:
        raise PreconditionFailed(problems)


def authorisation_blockers(visit: Visit, decision: Decision | None = None) -> list[str]:
    """What stops a lead authorising this request with `decision`, in words for the lead (with no
    decision: everything the lead must still confirm or fix)."""
    decision = decision or Decision()
    approve_lone_working, confirm_evening = decision.approve_lone_working, decision.confirm_evening
    school = visit.school
    problems = []
    if school.pairs_required and visit.is_lone_visit and not approve_lone_working:
        problems.append("This is a lone visit: confirm that you approve lone working (hc06).")
    if visit.is_evening and not confirm_evening:
        problems.append(
            f"The visit starts or ends after {school.evening_cutoff:%H:%M}: confirm that an evening visit is necessary (hc13)."
        )
    if school.slt_discussion_required and visit.slt_consulted_id is None:
        problems.append("This school requires the SLT member the visit was discussed with to be named (mp01).")
    for check in AUTHORISATION_CHECKS:
        problems += check(visit, decision)
    return problems


def _is_high_risk(visit: Visit) -> bool:
    return any(test(visit) for test in HIGH_RISK_TESTS)


def _append_event(
    visit: Visit,
    actor: User | None,
    kind: str,
    *,
    from_status: str = "",
    to_status: str = "",
    note: str = "",
    at: datetime | None = None,
) -> VisitEvent:
    return VisitEvent.objects.create(
        visit=visit,
        kind=kind,
        at=at or timezone.now(),
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_name=str(actor) if actor is not None and actor.is_authenticated else "System",
        from_status=from_status,
        to_status=to_status,
        note=note,
    )


# --- steps on the road (hc14): events that do not change the status ------------------------------


@dataclass(frozen=True)
class Step:
    states: frozenset[str]
    stamp: str
    visitor_event: str
    office_event: str
    needs: str = ""  # a step field that must be set first
    label: str = ""


STEPS: dict[str, Step] = {
    "arrived": Step(
        frozenset({Status.IN_PROGRESS}), "arrived_at", EventKind.ARRIVED, EventKind.ARRIVAL_CALL, label="arrival"
    ),
    "left": Step(
        frozenset({Status.IN_PROGRESS}), "left_at", EventKind.LEFT, EventKind.LEAVING_CALL, label="leaving the property"
    ),
    "back": Step(
        frozenset({Status.IN_PROGRESS, Status.COMPLETED}),
        "returned_at",
        EventKind.BACK_AT_SCHOOL,
        EventKind.BACK_AT_SCHOOL,
        needs="left_at",
        label="return to school",
    ),
}


def record_step(visit: Visit, actor: User, step_name: str, *, note: str = "", completion_note: str = "") -> Visit:
    """Log arrival, leaving or return (hc14), by a visitor on the tablet or by the office taking
    their phone call. Only for a visit under way, hence only for an authorised one (hc01). A
    visitor leaving a visit whose record is written completes it."""
    step = STEPS[step_name]
    with transaction.atomic():
        locked = _lock(visit)
        if not access.may_log_call(actor, locked):
            raise NotPermitted(f"You may not log the {step.label} for this visit.")
        if locked.status not in step.states:
            raise TransitionNotAllowed(
                f"You cannot log the {step.label}: the visit is {locked.get_status_display().lower()}."
            )
        if getattr(locked, step.stamp) is not None:
            when = timezone.localtime(getattr(locked, step.stamp)).strftime("%H:%M")
            raise TransitionNotAllowed(f"The {step.label} was already logged at {when}.")
        if step.needs and getattr(locked, step.needs) is None:
            raise PreconditionFailed(["Log 'Left the property' first."])
        now = timezone.now()
        setattr(locked, step.stamp, now)
        locked.save(update_fields=[step.stamp, "updated_at"])
        by_visitor = access.is_visitor(actor, locked)
        kind = step.visitor_event if by_visitor else step.office_event
        _append_event(locked, actor, kind, note=note.strip(), at=now)
        audit.record(actor, AuditAction.EVENT, locked, detail=kind)
        # Left the property with the record already written: the visit is complete (hc14, hc20),
        # with no further tap to forget on the doorstep. The office's leaving call does not
        # complete it: completing is the visitors' (MOVES).
        if step_name == "left" and by_visitor and VisitRecord.objects.filter(visit=locked).exists():
            transition(locked, actor, Action.COMPLETE, note=completion_note)
    _refresh_caller_copy(visit, locked)
    return locked


def _lock_under_way(visit: Visit, actor: User, *, who: str, when: str) -> Visit:
    """Lock the visit for something only its visitors do while it is under way (the record, its
    draft, the parent's signature: never before a lead authorised it and they set off, hc01).
    `who` is the refusal to anyone else; `when`, with {status}, the refusal in any other state."""
    locked = _lock(visit)
    if not access.may_conduct(actor, locked):
        raise NotPermitted(who)
    if locked.status != Status.IN_PROGRESS:
        raise TransitionNotAllowed(when.format(status=locked.get_status_display().lower()))
    return locked


# --- the record of the visit (hc20) ------------------------------------------------------------

RECORD_FIELDS = frozenset(
    {
        "conducted",
        "people_seen",
        "child_seen",
        "outcome",
        "action_required",
        "child_protection_concern",
        "concern_details",
        "adult_spoken_to",
        "adult_relationship",
        "adult_authority",
        "incident_kind",
        "incident_at",
        "incident_details",
        "follow_up_wanted",
        "agreed_with_family",
        "notes",
    }
)


def write_record(visit: Visit, actor: User, fields: dict[str, Any]) -> VisitRecord:
    """Write (or rewrite) the Record of Home Visit. Only a visitor, only while the visit is under
    way: an outcome cannot be recorded for a visit that was never authorised and started (hc01)."""
    unknown = set(fields) - RECORD_FIELDS
    if unknown:
        raise ValueError(f"not record fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock_under_way(
            visit,
            actor,
            who="Only the visitors on this visit may write its record.",
            when="You cannot record an outcome: the visit is {status}.",
        )
        record = VisitRecord.objects.filter(visit=locked).first() or VisitRecord(visit=locked)
        for name, value in fields.items():
            setattr(record, name, value)
        record.written_by = actor
        record.written_at = timezone.now()
        record.full_clean(exclude=["visit"])
        record.save()
        _append_event(locked, actor, EventKind.OUTCOME_RECORDED)
        audit.record(actor, AuditAction.UPDATE, locked, detail="record of visit written")
        # The record is written: the drafts of it (the author's and the other visitor's) are done.
        RecordDraft.objects.filter(visit=locked).delete()
        signals.record_written.send(sender=VisitRecord, record=record, actor=actor)
    return record


# Bounds on a draft: what a record can hold, with room for the form's own keys.
DRAFT_MAX_BYTES = 64 * 1024


def save_draft(visit: Visit, actor: User, data: dict[str, Any]) -> RecordDraft:
    """Keep what a visitor has typed of the record so far (issue 5: a dropped connection loses
    nothing). Only record fields, as short strings; only the visitors, only while the visit is
    under way. Replaces the author's previous draft."""
    if not isinstance(data, dict):
        raise PreconditionFailed(["The draft was not readable."])
    kept = {k: v for k, v in data.items() if k in RECORD_FIELDS and isinstance(v, str | bool | None)}
    if len(json.dumps(kept)) > DRAFT_MAX_BYTES:
        raise PreconditionFailed(["The draft is too long to keep."])
    with transaction.atomic():
        locked = _lock_under_way(
            visit,
            actor,
            who="Only the visitors on this visit may keep a draft of its record.",
            when="This visit is {status}: its record can no longer be drafted.",
        )
        draft, _ = RecordDraft.objects.update_or_create(
            visit=locked, author=actor, defaults={"data": kept, "saved_at": timezone.now()}
        )
    return draft


def draft_of(visit: Visit, actor: User) -> RecordDraft | None:
    """The actor's own server draft of the visit's record, if any (the other visitor's is theirs)."""
    return RecordDraft.objects.filter(visit=visit, author=actor).first()


@dataclass(frozen=True)
class RecordResult:
    record: VisitRecord
    completed: bool  # the visit completed with this record ("left the property" was logged)


def submit_record(visit: Visit, actor: User, fields: dict[str, Any]) -> RecordResult:
    """The visitor sends the Record of Home Visit from the tablet (hc20).

    In one transaction: the record is written (or rewritten) by `write_record`, with its
    receivers (a concern for a "yes" to child protection, hc21; an incident, hc22); then, if
    "left the property" is already logged (hc14), the visit completes. Otherwise it stays under
    way until the visitors log leaving and complete it. Refusals (NotPermitted,
    TransitionNotAllowed; a django ValidationError for a record that does not hold together)
    write nothing."""
    with transaction.atomic():
        locked = _lock(visit)
        record = write_record(locked, actor, fields)
        completed = locked.left_at is not None
        if completed:
            transition(locked, actor, Action.COMPLETE)
    _refresh_caller_copy(visit, locked)
    return RecordResult(record, completed)


NOT_CONDUCTED_NOTE_MAX = 2000


def end_not_conducted(visit: Visit, actor: User, *, child_seen: bool, note: str = "") -> VisitRecord:
    """hc15: no responsible adult was present, so the visitors did not go ahead.

    In one transaction: a Record of Home Visit saying the visit was not conducted (adult authority
    "none", plain words for who was seen and the outcome, the visitor's note), "left the property"
    logged if it was not yet (hc14), and the visit completed. Refusals (NotPermitted,
    TransitionNotAllowed, PreconditionFailed) write nothing."""
    note = (note or "").strip()
    if len(note) > NOT_CONDUCTED_NOTE_MAX:
        raise PreconditionFailed([f"The note is too long (at most {NOT_CONDUCTED_NOTE_MAX:,} characters)."])
    with transaction.atomic():
        locked = _lock_under_way(
            visit,
            actor,
            who="Only the visitors on this visit may end it as not conducted.",
            when="You cannot end this visit as not conducted: it is {status}.",
        )
        seen = "The child was seen." if child_seen else "The child was not seen."
        record = write_record(
            locked,
            actor,
            {
                "conducted": False,
                "adult_authority": AdultAuthority.NONE,
                "adult_spoken_to": "",
                "adult_relationship": "",
                "people_seen": f"No responsible adult present. {seen}",
                "child_seen": child_seen,
                "outcome": "Visit not conducted: no parent or carer, or adult they delegated, was present.",
                "child_protection_concern": False,
                "concern_details": "",
                "incident_kind": "",
                "incident_at": None,
                "incident_details": "",
                "action_required": "",
                "agreed_with_family": "",
                "notes": note,
            },
        )
        if locked.left_at is None:
            # With the record written, leaving completes the visit (record_step).
            record_step(
                locked,
                actor,
                "left",
                note="No responsible adult present: visit not conducted.",
                completion_note="Not conducted: no responsible adult present.",
            )
        else:
            transition(locked, actor, Action.COMPLETE, note="Not conducted: no responsible adult present.")
    _refresh_caller_copy(visit, locked)
    return record


def record_signature(
    visit: Visit, actor: User, *, signer_name: str, image: CleanSignature | None = None, declined_reason: str = ""
) -> ParentSignature:
    """hc23: the parent's signature (a PNG cleaned by `visits.signature.clean_data_url`), or the reason
    they did not sign. Only the visitors, only while the visit is under way; signing again
    replaces the earlier one. The image never reaches the timeline or the audit trail."""
    signer_name = " ".join((signer_name or "").split())[:150]
    declined_reason = (declined_reason or "").strip()[:2000]
    problems = []
    if not signer_name:
        problems.append("Enter the name of the parent or guardian.")
    if (image is None) == (not declined_reason):
        problems.append("Either the parent signs, or say why they did not.")
    if problems:
        raise PreconditionFailed(problems)
    with transaction.atomic():
        locked = _lock_under_way(
            visit,
            actor,
            who="Only the visitors on this visit may take the parent's signature.",
            when="The parent signs during the visit: this one is {status}.",
        )
        signature, _ = ParentSignature.objects.update_or_create(
            visit=locked,
            defaults={
                "image": image.png if image else None,
                "width": image.width if image else 0,
                "height": image.height if image else 0,
                "signer_name": signer_name,
                "declined_reason": "" if image else declined_reason,
                "captured_by": actor,
                "captured_at": timezone.now(),
            },
        )
        kind = "parent signed" if image else "parent did not sign"
        _append_event(locked, actor, EventKind.SIGNED if image else EventKind.NOT_SIGNED)
        audit.record(actor, AuditAction.UPDATE, locked, detail=kind)
    return signature


# --- creating and editing requests --------------------------------------------------------------


def _validate_people(visit: Visit) -> None:
    """Cross-object rules a form cannot see alone, as field errors a secretary understands."""
    errors: dict[str, str] = {}
    visiting = set(
        Membership.objects.filter(school_id=visit.school_id, role=Role.VISITOR, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if visit.lead_visitor_id not in visiting:
        errors["lead_visitor"] = "The lead visitor must be visiting staff at this school."
    if visit.second_visitor_id and visit.second_visitor_id not in visiting:
        errors["second_visitor"] = "The second visitor must be visiting staff at this school."
    if (
        visit.slt_consulted_id
        and not Membership.objects.filter(
            school_id=visit.school_id,
            user_id=visit.slt_consulted_id,
            role__in=[Role.HEAD, Role.LEAD, Role.DEPUTY_LEAD],
            is_active=True,
        ).exists()
    ):
        errors["slt_consulted"] = "Choose a member of this school's senior leadership team."
    if visit.household.school_id != visit.school_id:
        errors["household"] = "Choose a household of this school."
    if visit.school.pairs_required and visit.is_lone_visit and not visit.lone_visit_reason.strip():
        errors["lone_visit_reason"] = "This school requires visits in pairs: add a second visitor or say why not."
    if errors:
        raise ValidationError(errors)


def _check_pupils(visit: Visit, pupils: Iterable[Pupil]) -> list[Pupil]:
    pupils = list(pupils)
    if not pupils:
        raise ValidationError({"pupils": "Choose at least one pupil."})
    if any(p.household_id != visit.household_id for p in pupils):
        raise ValidationError({"pupils": "Every pupil must live in the household being visited."})
    return pupils


def _check_reasons(reasons: Iterable[str]) -> list[str]:
    from .enums import Reason

    reasons = list(dict.fromkeys(reasons))
    if not reasons:
        raise ValidationError({"reasons": "Choose at least one reason for the visit."})
    if any(r not in Reason.values for r in reasons):
        raise ValidationError({"reasons": "Choose reasons from the list."})
    return reasons


def _sync_permissions(visit: Visit, previous_visitor_ids: set[int]) -> None:
    """Grant the requester and the visitors their object permissions; take them back from a
    visitor who was removed (unless they are also the requester)."""
    assign_perm("view_visit", visit.requested_by, visit)
    assign_perm("change_visit", visit.requested_by, visit)
    current = visit.visitor_ids
    for user in User.objects.filter(pk__in=current):
        assign_perm("view_visit", user, visit)
        assign_perm("conduct_visit", user, visit)
    for user in User.objects.filter(pk__in=previous_visitor_ids - current):
        remove_perm("conduct_visit", user, visit)
        if user.pk != visit.requested_by_id:
            remove_perm("view_visit", user, visit)


def create_request(
    actor: User,
    school: School,
    household: Household,
    fields: dict[str, Any],
    *,
    pupils: Iterable[Pupil],
    reasons: Iterable[str],
    submit: bool = False,
) -> Visit:
    """Create a visit request as a draft (and submit it to the leads if `submit`)."""
    if not access.roles_of(actor).has(school.pk, REQUESTER_ROLES):
        raise NotPermitted("You may not request visits for this school.")
    with transaction.atomic():
        visit = Visit(school=school, household=household, requested_by=actor, status=Status.DRAFT, **fields)
        visit.full_clean(exclude=["pupils"])
        _validate_people(visit)
        pupils = _check_pupils(visit, pupils)
        reasons = _check_reasons(reasons)
        visit.save()
        visit.pupils.set(pupils)
        VisitReason.objects.bulk_create([VisitReason(visit=visit, reason=r) for r in reasons])
        _sync_permissions(visit, set())
        _append_event(visit, actor, EventKind.CREATED, to_status=Status.DRAFT)
        audit.record(actor, AuditAction.CREATE, visit)
    access.forget_object_perms(actor)
    if submit:
        transition(visit, actor, Action.SUBMIT)
    return visit


def update_request(
    visit: Visit,
    actor: User,
    fields: dict[str, Any],
    *,
    pupils: Iterable[Pupil] | None = None,
    reasons: Iterable[str] | None = None,
) -> Visit:
    """Change a request's details. Changing what the lead saw on an authorised visit returns it
    to the queue with its authorisation cleared (hc01)."""
    with transaction.atomic():
        locked = _lock(visit)
        if not access.may_edit_request(actor, locked):
            raise NotPermitted("You may not change this visit.")
        if locked.status not in Status.editable():
            raise TransitionNotAllowed(
                f"This visit can no longer be changed: it is {locked.get_status_display().lower()}."
            )
        previous_visitors = locked.visitor_ids
        changed = []
        for name, value in fields.items():
            field = locked._meta.get_field(name)
            if not field.editable or name in {"status", "school", "requested_by"}:
                raise ValueError(f"{name} is not an editable field")
            current = getattr(locked, field.attname)
            incoming = value.pk if field.is_relation and value is not None else value
            if current != incoming:
                setattr(locked, name, value)
                changed.append(name)
        locked.full_clean(exclude=["pupils"])
        _validate_people(locked)
        if pupils is not None:
            new_pupils = _check_pupils(locked, pupils)
            if {p.pk for p in new_pupils} != set(locked.pupils.values_list("pk", flat=True)):
                locked.pupils.set(new_pupils)
                changed.append("pupils")
        if reasons is not None:
            new_reasons = _check_reasons(reasons)
            if set(new_reasons) != set(locked.reasons.values_list("reason", flat=True)):
                locked.reasons.all().delete()
                VisitReason.objects.bulk_create([VisitReason(visit=locked, reason=r) for r in new_reasons])
                changed.append("reasons")
        if not changed:
            _refresh_caller_copy(visit, locked)
            return locked
        material = sorted(set(changed) & (MATERIAL_FIELDS | {"pupils", "reasons"}))
        update_fields = [c for c in changed if c not in {"pupils", "reasons"}] + ["updated_at"]
        locked.save(update_fields=update_fields)
        _sync_permissions(locked, previous_visitors)
        access.forget_object_perms(actor)
        # Field names only: never values, so the code word cannot reach the timeline or audit.
        _append_event(locked, actor, EventKind.EDITED, note="Changed: " + ", ".join(sorted(changed)))
        audit.record(actor, AuditAction.UPDATE, locked, detail="changed " + ", ".join(sorted(changed)))
        if locked.status == Status.AUTHORISED and material:
            _return_to_queue(locked, actor, "The authorisation no longer covers the visit: " + ", ".join(material))
    _refresh_caller_copy(visit, locked)
    return locked


def _return_to_queue(locked: Visit, actor: User, note: str) -> None:
    """An authorised visit whose details the lead saw have changed goes back to the queue with its
    authorisation cleared (hc01). Runs inside the caller's transaction, on a locked row."""
    locked.status = Status.REQUESTED
    locked.authorised_at = None
    locked.authorised_by = None
    locked.lone_working_approved = False
    locked.high_risk_reason = ""
    locked.high_risk_controls = ""
    locked.requested_at = timezone.now()
    locked.save(
        update_fields=[
            "status",
            "authorised_at",
            "authorised_by",
            "lone_working_approved",
            "high_risk_reason",
            "high_risk_controls",
            "requested_at",
            "updated_at",
        ]
    )
    _append_event(
        locked, actor, EventKind.RETURNED_TO_QUEUE, from_status=Status.AUTHORISED, to_status=Status.REQUESTED, note=note
    )
    audit.record(actor, AuditAction.TRANSITION, locked, detail=f"{Status.AUTHORISED} -> {Status.REQUESTED}")
    transaction.on_commit(lambda: notify.status_changed(locked.pk, "return_to_queue", actor.pk), robust=True)


def lock_for_change(visit: Visit) -> Visit:
    """The visit re-read under its row lock, for an app built on visits (safeguarding's risk
    review) that changes what an authorisation covers. Call inside `transaction.atomic()`, then
    `authorisation_changed` if the visit was authorised."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_for_change() must run inside transaction.atomic()")
    return _lock(visit)


def authorisation_changed(locked: Visit, actor: User, what: str) -> bool:
    """Something the lead relied on changed (`what`, fixed words: never typed text): an authorised
    visit goes back to the queue (hc01). Returns whether it did."""
    if locked.status != Status.AUTHORISED:
        return False
    _return_to_queue(locked, actor, f"The authorisation no longer covers the visit: {what}")
    return True


def log_event(visit: Visit, actor: User | None, kind: str, *, note: str = "") -> VisitEvent:
    """Append an event that does not change the status (a concern raised, an incident, recorded
    on CPOMS) to the visit's timeline, with an audit entry. `note` must be fixed words or a
    reference, never what someone typed about the family: the timeline is shown to everyone who
    sees the visit."""
    if kind in {m.event for m in MOVES.values()} or kind in EventKind.on_the_road():
        raise ValueError(f"{kind} is written by its own lifecycle function")
    event = _append_event(visit, actor, kind, note=note)
    audit.record(actor, AuditAction.EVENT, visit, detail=kind)
    return event


# --- alarms (hc18, hc19): overdue, the code word, and the escalation ladder -----------------------

# A visit someone may be out on: authorised (the visitor may have forgotten to tap "Set off"),
# under way, or finished but perhaps not back. An alarm is never refused for a step not logged.
ALARM_STATES = frozenset({Status.AUTHORISED, Status.IN_PROGRESS, Status.COMPLETED})
# Timeline kinds the board reads to show a visit's alarm and the steps taken.
ALARM_EVENTS = frozenset(
    {
        EventKind.OVERDUE,
        EventKind.CODE_WORD_USED,
        EventKind.RANG_MOBILE,
        EventKind.POLICE_CALLED,
        EventKind.ALARM_RESOLVED,
    }
)


@dataclass(frozen=True)
class Escalation:
    event: str
    label: str
    # Allowed while the visit is in one of these states, or whenever an alarm is open on it.
    states: frozenset[str]


# The escalation ladder of MP "Emergencies" (hc19) and HC 11 (hc18), written down once.
ESCALATIONS: dict[str, Escalation] = {
    "rang_mobile": Escalation(EventKind.RANG_MOBILE, "call to the visitor's mobile", frozenset({Status.IN_PROGRESS})),
    "police_called": Escalation(EventKind.POLICE_CALLED, "call to the police", frozenset({Status.IN_PROGRESS})),
    "resolved": Escalation(EventKind.ALARM_RESOLVED, "resolution", frozenset()),
}
# How an alarm ended: fixed words, so that nothing typed (a code word, say) reaches the timeline.
RESOLUTIONS: dict[str, str] = {
    "spoke_to_them": "Visitors safe: the office spoke to them",
    "back_at_school": "Visitors safe: back at school",
    "police_attended": "Visitors safe: police attended",
    "raised_in_error": "Raised in error",
}
POLICE_REFERENCE_MAX = 40


@dataclass(frozen=True)
class AlarmState:
    """A visit's alarm as the board shows it, worked out from the visit and its alarm events."""

    overdue_since: datetime | None  # expected end + grace, when the visit is overdue now (hc19)
    code_word_at: datetime | None  # the code word raise not yet resolved (hc18)
    resolved_at: datetime | None  # the last resolution
    last_step: VisitEvent | None  # the last escalation step (rang mobile, police called, resolved)

    @property
    def overdue_open(self) -> bool:
        return self.overdue_since is not None and (self.resolved_at is None or self.resolved_at < self.overdue_since)

    @property
    def is_open(self) -> bool:
        """An alarm nobody has resolved yet: the row is red and the board beeps."""
        return self.code_word_at is not None or self.overdue_open


def alarm_state(visit: Visit, events: Iterable[VisitEvent] | None = None, now: datetime | None = None) -> AlarmState:
    """The alarm of `visit` now. `events` are its ALARM_EVENTS in time order (prefetched by list
    pages so that a board of any length costs the same queries); read from the database if None."""
    if events is None:
        events = VisitEvent.objects.filter(visit=visit, kind__in=ALARM_EVENTS).order_by("at", "id")
    code_word_at = resolved_at = last_step = None
    for event in events:
        if event.kind == EventKind.CODE_WORD_USED:
            code_word_at = event.at
        elif event.kind == EventKind.ALARM_RESOLVED:
            resolved_at, code_word_at = event.at, None
        if event.kind in {EventKind.RANG_MOBILE, EventKind.POLICE_CALLED, EventKind.ALARM_RESOLVED}:
            last_step = event
    overdue_since = visit.expected_end + visit.school.overdue_grace if visit.is_overdue(now) else None
    return AlarmState(overdue_since, code_word_at, resolved_at, last_step)


def record_overdue(visit: Visit, now: datetime | None = None) -> bool:
    """hc19: append the one OVERDUE event of a visit that has become overdue, by the system
    (`send_alerts`). Idempotent under concurrency: the row lock serialises two servers, and the
    second finds the event. Returns whether it wrote one."""
    with transaction.atomic():
        locked = _lock(visit)
        if not locked.is_overdue(now) or locked.events.filter(kind=EventKind.OVERDUE).exists():
            return False
        end = timezone.localtime(locked.expected_end).strftime("%H:%M")
        note = (
            f"Not left the property by {end} plus {locked.school.overdue_grace_minutes} minutes' grace: "
            "ring the visitors' mobiles."
        )
        _append_event(locked, None, EventKind.OVERDUE, note=note)
        audit.record(None, AuditAction.EVENT, locked, detail=EventKind.OVERDUE)
    return True


def raise_code_word_alarm(visit: Visit, actor: User) -> Visit:
    """hc18: the code word was used when a visitor called the school: they are in danger.

    Side effects: row lock; the actor's right (office or lead of the school) and the state
    checked; a CODE_WORD_USED event and an audit entry (never the word itself); on commit the
    `code_word_raised` signal, on which safeguarding emails the leads and office at once
    (`send_alerts` is the safety net). A second raise while the first
    is still open is refused with who raised it and when (a double click raises one alarm)."""
    with transaction.atomic():
        locked = _lock(visit)
        if not access.may_handle_alarms(actor, locked):
            raise NotPermitted("Only the office or a safeguarding lead of the school may raise the alarm.")
        if locked.status not in ALARM_STATES:
            raise TransitionNotAllowed(
                f"Nobody is out on this visit: it is {locked.get_status_display().lower()}. Call 999 if someone is in danger."
            )
        state = alarm_state(locked)
        if state.code_word_at is not None:
            raised = locked.events.filter(kind=EventKind.CODE_WORD_USED).order_by("-at", "-id").first()
            when = timezone.localtime(state.code_word_at).strftime("%H:%M")
            raise TransitionNotAllowed(f"The alarm is already raised: by {raised.actor_name} at {when}.")
        _append_event(locked, actor, EventKind.CODE_WORD_USED, note="Police call script shown.")
        audit.record(actor, AuditAction.EVENT, locked, detail=EventKind.CODE_WORD_USED)
        visit_pk = locked.pk
        transaction.on_commit(lambda: signals.code_word_raised.send(sender=Visit, visit_pk=visit_pk))
    _refresh_caller_copy(visit, locked)
    return locked


def _police_reference(raw: str, code_word: str) -> str:
    reference = " ".join((raw or "").split())
    if not reference:
        raise PreconditionFailed(["Enter the police reference (incident or log number)."])
    if len(reference) > POLICE_REFERENCE_MAX or not all(c.isalnum() or c in " /-" for c in reference):
        raise PreconditionFailed(
            [f"The police reference is letters, digits, spaces, / and - only, up to {POLICE_REFERENCE_MAX}."]
        )
    if code_word and code_word.strip().lower() in reference.lower():
        # hc11: the code word never reaches the timeline.
        raise PreconditionFailed(["Enter the police reference only, not the code word."])
    return reference


def record_escalation(
    visit: Visit,
    actor: User,
    step_name: str,
    *,
    answered: bool | None = None,
    reference: str = "",
    outcome: str = "",
) -> Visit:
    """Log one step of the escalation ladder (hc18, hc19) with time and who: the office rang the
    visitor's mobile (`answered` or not), called the police (`reference` required), or resolved
    the alarm (`outcome`, a key of RESOLUTIONS).

    Side effects: row lock; the actor's right (office or lead of the school) and the state
    checked (raising NotPermitted, TransitionNotAllowed or PreconditionFailed, writing nothing);
    one timeline event whose note is fixed text plus the police reference; one audit entry."""
    step = ESCALATIONS[step_name]
    with transaction.atomic():
        locked = _lock(visit)
        if not access.may_handle_alarms(actor, locked):
            raise NotPermitted(f"You may not log the {step.label} for this visit.")
        state = alarm_state(locked)
        if not (locked.status in step.states or state.is_open):
            raise TransitionNotAllowed(
                f"You cannot log the {step.label}: there is no alarm open and the visit is "
                f"{locked.get_status_display().lower()}."
            )
        if step_name == "rang_mobile":
            if answered is None:
                raise PreconditionFailed(["Say whether they answered."])
            note = "Answered" if answered else "No answer"
        elif step_name == "police_called":
            note = f"Police reference: {_police_reference(reference, locked.code_word)}"
        else:
            if outcome not in RESOLUTIONS:
                raise PreconditionFailed(["Choose how the alarm ended."])
            note = RESOLUTIONS[outcome]
        _append_event(locked, actor, step.event, note=note)
        audit.record(actor, AuditAction.EVENT, locked, detail=step.event)
    _refresh_caller_copy(visit, locked)
    return locked
