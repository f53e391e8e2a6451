"""The transition core: the row lock, the one function that changes status, the checks an
authorisation must pass, and the timeline.

`transition()`, in this order:
1. opens a transaction and locks the visit row (`SELECT ... FOR UPDATE`), so two people acting
   at once are served one after the other and the second sees the first one's result;
2. checks the actor's right for the visit's school (`MOVES[action].who`), then that the move is
   allowed from the current state (`MOVES[action].sources`) and, when the caller says which
   state it saw (`expected_status`), that it is still that one; then the move's preconditions;
3. sets the new status and the step's time and actor, saves with `update_fields`;
4. appends the timeline event and writes the audit entry;
5. queues notifications with `transaction.on_commit` (nothing is sent for a rolled-back move).
Any refusal raises a `visits.exceptions.LifecycleError` and writes nothing. The other modules of
the package move a visit through `move_locked()`, on a row they already hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .. import audit, notify, signals
from .. import code_word as code_words
from ..enums import AuditAction, EventKind, Status
from ..exceptions import AlreadyDone, NotPermitted, PreconditionFailed, TransitionNotAllowed
from ..models import User, Visit, VisitEvent, VisitRecord
from ..moves import MOVES, Action, start_blockers
from .steps import NOT_SENT, Sent, joined, keep, refuse_repeat, step_time


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


def moved_on_from_earlier(started: Visit, actor: User) -> None:
    """hc14: an earlier visit its visitors have left but not come back from, whose every member of
    staff has now set off on `started`, is no longer waited on: `started`'s watch takes them on. A
    pair that split (one back to school, one on to the next family) keeps the earlier one watched."""
    earlier = (
        Visit.objects.select_for_update(of=("self",))
        .filter(status__in=(Status.IN_PROGRESS, Status.COMPLETED), left_at__isnull=False)
        .filter(returned_at__isnull=True, not_returning_at__isnull=True, moved_on_at__isnull=True)
        .filter(Q(lead_visitor_id__in=started.visitor_ids) | Q(second_visitor_id__in=started.visitor_ids))
        .exclude(pk=started.pk)
        .order_by("pk")
    )
    for visit in earlier:
        if visit.visitor_ids <= started.visitor_ids:
            visit.moved_on_at = timezone.now()
            visit.save(update_fields=["moved_on_at", "updated_at"])
            append_event(visit, actor, EventKind.MOVED_ON, note="Set off on another visit: watched there.")


def lock_people(user_ids: set[int]) -> None:
    """Lock staff rows for the rest of the transaction, lowest id first."""
    list(User.objects.select_for_update().filter(pk__in=user_ids).order_by("pk").values_list("pk", flat=True))


def lock(visit: Visit) -> Visit:
    """Re-read the visit under a row lock for the rest of the transaction.

    `of=("self",)`: lock only the visit row, not the school joined for its settings.
    """
    return Visit.objects.select_for_update(of=("self",)).select_related("school").get(pk=visit.pk)


def refresh_caller_copy(visit: Visit, locked: Visit) -> None:
    if visit is locked:
        return
    for field in locked._meta.concrete_fields:
        setattr(visit, field.attname, getattr(locked, field.attname))
    # Drop cached related objects (an old `authorised_by`, say); keep the school, which a move
    # never changes.
    visit._state.fields_cache = {k: v for k, v in visit._state.fields_cache.items() if k == "school"}


def last_change(visit: Visit) -> str:
    """Who last changed the visit's status and when, as a sentence for a refusal ("" if nobody)."""
    event = visit.events.exclude(to_status="").order_by("-at", "-id").first()
    if event is None:
        return ""
    when = timezone.localtime(event.at).strftime("%H:%M on %d/%m/%Y")
    return f" {event.actor_name or 'Someone'} made it {event.get_to_status_display().lower()} at {when}."


def change_since(visit: Visit) -> str:
    """The newest thing that happened to the visit, as a sentence for a refusal ("" if nothing)."""
    event = visit.events.order_by("-at", "-id").first()
    if event is None:
        return ""
    when = timezone.localtime(event.at).strftime("%H:%M on %d/%m/%Y")
    what = event.get_kind_display().lower() + (f" ({event.note})" if event.kind == EventKind.EDITED else "")
    return f" {event.actor_name or 'Someone'}: {what} at {when}. Read it again, then decide."


def mark_changed(locked: Visit) -> None:
    """Something a lead decides on changed without a field of the visit changing (an app's own
    part of the request: safeguarding's risk review): a new `Visit.version`, so that a decision
    made on the page before is refused. On a row the caller holds under its lock."""
    locked.save(update_fields=["updated_at"])


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
    expected_status: str = "",
    expected_version: str = "",
    sent: Sent = NOT_SENT,
) -> Visit:
    """Move `visit` by `action` on behalf of `actor`. With `expected_status` (the state the actor
    saw, as the lead's decision form posts it), refused if the visit has moved on since; with
    `expected_version` (`Visit.version` as the page showed it), refused if anything of the request
    changed since, even in the same state: a decision is about the request the lead looked at.

    Side effects, in order: row lock; right, state and precondition checks (raising
    NotPermitted, TransitionNotAllowed or PreconditionFailed, writing nothing); status and step
    fields saved; a timeline event; an audit entry; notifications queued on commit. The caller's
    `visit` object is refreshed to the saved row. `sent` (a step from the tablet: set off) is
    its key and time (`lifecycle.steps`): a repeat is `AlreadyDone`, the step's time the tablet's.
    """
    decision = Decision(
        note=(note or "").strip(),
        conditions=(conditions or "").strip(),
        approve_lone_working=approve_lone_working,
        confirm_evening=confirm_evening,
        high_risk_reason=(high_risk_reason or "").strip(),
        high_risk_controls=(high_risk_controls or "").strip(),
    )
    with transaction.atomic():
        if action == Action.START:
            # hc14: one place at a time. The visitors' rows first, in the order booking takes
            # them (so the two never deadlock): one person's two set-offs at once are serialised.
            lock_people(visit.visitor_ids)
        locked = lock(visit)
        if action == Action.START and not locked.visitor_ids <= visit.visitor_ids:
            lock_people(locked.visitor_ids)  # the visitors changed before the lock: theirs too
        move_locked(
            locked,
            actor,
            action,
            decision,
            expected_status=expected_status,
            expected_version=expected_version,
            sent=sent,
        )
        if action == Action.START:
            moved_on_from_earlier(locked, actor)
    refresh_caller_copy(visit, locked)
    return locked


def move_locked(
    locked: Visit,
    actor: User,
    action: str,
    decision: Decision,
    *,
    expected_status: str = "",
    expected_version: str = "",
    sent: Sent = NOT_SENT,
) -> None:
    """`transition` on a row the caller holds under its lock, inside its transaction."""
    move = MOVES[action]
    note = decision.note
    refuse_repeat(locked, sent, EventKind(move.event).label)
    if not move.who(actor, locked):
        raise NotPermitted(f"You may not {move.verb}.")
    if action == Action.START and locked.started_at is not None:
        # A retried "Set off": it stands, and says so.
        raise AlreadyDone(f"Set off was already logged at {timezone.localtime(locked.started_at):%H:%M}.")
    if expected_status in Status.values and locked.status != expected_status:
        raise TransitionNotAllowed(f"Not done: it is {locked.get_status_display().lower()}.{last_change(locked)}")
    if expected_version and locked.version != expected_version and locked.status in move.sources:
        raise TransitionNotAllowed(f"Not done: the request changed since you opened it.{change_since(locked)}")
    if locked.status not in move.sources:
        raise TransitionNotAllowed(
            f"You cannot {move.verb}: it is {locked.get_status_display().lower()}.{last_change(locked)}"
        )
    _check_preconditions(locked, action, decision)

    received = timezone.now()
    now, said = step_time(locked, sent, received)
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
        locked.lone_working_approved = locked.is_lone_visit and decision.approve_lone_working
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
    if action in (Action.DECLINE, Action.CANCEL) and locked.authorised_at is not None:
        # hc01: the authorisation stays on the record but is withdrawn: never live again.
        locked.authorisation_withdrawn_at = now
        changed.append("authorisation_withdrawn_at")
    locked.save(update_fields=changed)

    append_event(
        locked, actor, move.event, from_status=from_status, to_status=move.target, note=joined(note, said), at=now
    )
    audit.record(actor, AuditAction.TRANSITION, locked, detail=f"{from_status} -> {move.target}")
    keep(locked, actor, action, sent, now, received)
    signals.visit_moved.send(sender=Visit, visit=locked, actor=actor, action=action)
    transaction.on_commit(lambda: notify.status_changed(locked.pk, action, actor.pk), robust=True)


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
    if code_words.contains(note, visit.code_word) or code_words.contains(decision.conditions, visit.code_word):
        # hc11: notes and conditions are on the timeline and in emails, read beyond those who know it.
        problems.append(
            "Take the code word out of what you wrote: the timeline is read by everyone who sees the visit."
        )
    elif action == Action.START:
        problems += start_blockers(visit)
    elif action == Action.COMPLETE:
        if visit.left_at is None:
            problems.append("Record 'Left the property' before completing the visit.")
        if not VisitRecord.objects.filter(visit=visit).exists():
            problems.append("Write the Record of Home Visit before completing the visit.")
    if problems:
        raise PreconditionFailed(problems)


def authorisation_blockers(visit: Visit, decision: Decision | None = None) -> list[str]:
    """What stops a lead authorising this request with `decision`, in words for the lead (with no
    decision: everything the lead must still confirm or fix)."""
    problems = confirmations_needed(visit, decision)
    for check in AUTHORISATION_CHECKS:
        problems += check(visit, decision or Decision())
    return problems


def confirmations_needed(visit: Visit, decision: Decision | None = None) -> list[str]:
    """What the lead must confirm on the request itself before it can be authorised, and that
    `decision` does not (a lone visit, hc06; an evening visit, hc13; the SLT member, mp01): never
    given on the lead's behalf, so a request needing any is decided on its own page."""
    decision = decision or Decision()
    school = visit.school
    problems = []
    if visit.is_lone_against_pairs and not decision.approve_lone_working:
        problems.append("This is a lone visit: confirm that you approve lone working.")
    if visit.is_evening and not decision.confirm_evening:
        problems.append(
            f"The visit starts or ends after {school.evening_cutoff:%H:%M}: confirm that an evening visit is necessary."
        )
    if school.slt_discussion_required and visit.slt_consulted_id is None:
        problems.append("This school requires the SLT member the visit was discussed with to be named.")
    return problems


def _is_high_risk(visit: Visit) -> bool:
    return any(test(visit) for test in HIGH_RISK_TESTS)


def append_event(
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
        # hc11: the timeline is read by everyone who sees the visit; the services refuse a note
        # that holds the code word, and this is the last net.
        note=code_words.withheld(note, visit.code_word),
    )


def log_event(visit: Visit, actor: User | None, kind: str, *, note: str = "") -> VisitEvent:
    """Append an event that does not change the status (a concern raised, an incident, recorded
    on CPOMS) to the visit's timeline, with an audit entry. `note` must be fixed words or a
    reference, never what someone typed about the family: the timeline is shown to everyone who
    sees the visit."""
    if kind in {m.event for m in MOVES.values()} or kind in EventKind.on_the_road():
        raise ValueError(f"{kind} is written by its own lifecycle function")
    event = append_event(visit, actor, kind, note=note)
    audit.record(actor, AuditAction.EVENT, visit, detail=kind)
    return event
