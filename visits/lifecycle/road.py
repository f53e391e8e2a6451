"""Steps on the road (hc14): arrived, left the property, back at school. They stamp the visit and
write the timeline without changing its status, except that the visitors leaving a visit whose
record is written completes it (`complete_when_done`, the one way a visit's own steps finish it).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from .. import audit, moves, signals, who
from .. import code_word as code_words
from ..enums import AuditAction, EventKind
from ..exceptions import AlreadyDone, NotPermitted, PreconditionFailed, TransitionNotAllowed
from ..models import User, Visit, VisitRecord
from ..moves import STEPS, UNDER_WAY, Action
from .alarms import raise_from_tablet
from .core import Decision, append_event, lock, move_locked, refresh_caller_copy
from .steps import NOT_SENT, Sent, joined, keep, refuse_repeat, step_time

T = TypeVar("T")


def record_step(
    visit: Visit, actor: User, step_name: str, *, note: str = "", completion_note: str = "", sent: Sent = NOT_SENT
) -> Visit:
    """Log arrival, leaving or return (hc14), by a visitor on the tablet or by the office taking
    their phone call. Only for a visit under way, hence only for an authorised one (hc01). A
    visitor leaving a visit whose record is written completes it. `sent`: the tablet's key and
    time for the step (`lifecycle.steps`): a repeat is `AlreadyDone`, the time is the tablet's."""
    with transaction.atomic():
        locked = lock(visit)
        log_step_locked(locked, actor, step_name, note=note, completion_note=completion_note, sent=sent)
    refresh_caller_copy(visit, locked)
    return locked


def log_step_locked(
    locked: Visit, actor: User, step_name: str, *, note: str = "", completion_note: str = "", sent: Sent = NOT_SENT
) -> None:
    """`record_step` on a row the caller holds under its lock, inside its transaction."""
    step = STEPS[step_name]
    refuse_repeat(locked, sent, f"The {step.label}")
    if not step.who(actor, locked):
        raise NotPermitted(f"You may not log the {step.label} for this visit.")
    if getattr(locked, step.stamp) is not None:
        # A retried tap: the step stands (whatever happened to the visit since), and says so.
        when = timezone.localtime(getattr(locked, step.stamp)).strftime("%H:%M")
        raise AlreadyDone(f"The {step.label} was already logged at {when}.")
    if locked.status not in step.states:
        raise TransitionNotAllowed(
            f"You cannot log the {step.label}: the visit is {locked.get_status_display().lower()}."
        )
    if step.needs and getattr(locked, step.needs) is None:
        raise PreconditionFailed(["Log 'Left the property' first."])
    now = timezone.now()
    at, said = step_time(locked, sent, now)
    setattr(locked, step.stamp, at)
    locked.save(update_fields=[step.stamp, "updated_at"])
    kind = step.visitor_event if who.is_visitor(actor, locked) else step.office_event
    append_event(locked, actor, kind, note=joined(note.strip(), said), at=at)
    audit.record(actor, AuditAction.EVENT, locked, detail=kind)
    keep(locked, actor, step_name, sent, at, now)
    signals.step_logged.send(sender=Visit, visit=locked, actor=actor, step=step_name)
    if step_name == "left":
        complete_when_done(locked, actor, note=completion_note)


def complete_when_done(locked: Visit, actor: User, *, note: str = "") -> bool:
    """hc14, hc20: a visit whose visitors have left the property and whose record is written is
    complete, with no further tap to forget on the doorstep. Completing is the visitors' (MOVES):
    the office's leaving call does not complete it. Returns whether the visit completed."""
    done = (
        locked.status in UNDER_WAY
        and locked.left_at is not None
        and who.may_conduct(actor, locked)
        and VisitRecord.objects.filter(visit=locked).exists()
    )
    if done:
        move_locked(locked, actor, Action.COMPLETE, Decision(note=(note or "").strip()))
    return done


def lock_under_way(visit: Visit, actor: User, *, refuse_who: str, refuse_when: str) -> Visit:
    """Lock the visit for something only its visitors do while it is under way (the record, its
    draft, the parent's signature: never before a lead authorised it and they set off, hc01).
    `refuse_who` is the refusal to anyone else; `refuse_when`, with {status}, the refusal in any
    other state."""
    locked = lock(visit)
    check_under_way(locked, actor, refuse_who=refuse_who, refuse_when=refuse_when)
    return locked


def check_under_way(locked: Visit, actor: User, *, refuse_who: str, refuse_when: str) -> None:
    """`lock_under_way`'s checks, on a row the caller already holds."""
    if not who.may_conduct(actor, locked):
        raise NotPermitted(refuse_who)
    if locked.status not in UNDER_WAY:
        raise TransitionNotAllowed(refuse_when.format(status=locked.get_status_display().lower()))


EXTEND_REASON_MAX = 200


def extend(visit: Visit, actor: User, minutes: int, reason: str) -> Visit:
    """hc19, remind and extend: a visitor running late moves the expected end on by one of
    `moves.EXTEND_BY`, with a reason, before the visit is overdue, so an overrun is not a false
    alarm. One event on the timeline (with the new time, and the reason) that the board shows.

    Silent duress (hc18): the visit's code word typed as the reason raises the code-word alarm for
    the office, and everything the tablet shows is as for any extension; the reason is not kept."""
    reason = " ".join((reason or "").split())
    if minutes not in moves.EXTEND_BY:
        raise PreconditionFailed([f"Extend by {' or '.join(str(m) for m in moves.EXTEND_BY)} minutes."])
    if not reason:
        raise PreconditionFailed(["Say why the visit is running late."])
    if len(reason) > EXTEND_REASON_MAX:
        raise PreconditionFailed([f"Keep the reason under {EXTEND_REASON_MAX} characters."])
    with transaction.atomic():
        locked = lock(visit)
        if not moves.may_extend_now(actor, locked):
            check_under_way(
                locked,
                actor,
                refuse_who="Only the visitors may extend the visit.",
                refuse_when="You cannot extend the visit: it is {status}.",
            )
            raise TransitionNotAllowed(_why_not_extend(locked))
        duress = code_words.contains(reason, locked.code_word)
        locked.expected_end += timedelta(minutes=minutes)
        locked.extended_minutes += minutes
        locked.save(update_fields=["expected_end", "extended_minutes", "updated_at"])
        until = timezone.localtime(locked.expected_end).strftime("%H:%M")
        note = f"Extended by {minutes} minutes, to {until}" + ("." if duress else f": {reason}")
        append_event(locked, actor, EventKind.EXTENDED, note=note)
        audit.record(actor, AuditAction.EVENT, locked, detail=f"extended {minutes} min")
        if duress:
            raise_from_tablet(locked, actor, EventKind.CODE_WORD_USED, note="Raised silently from the tablet.")
    refresh_caller_copy(visit, locked)
    return locked


def _why_not_extend(locked: Visit) -> str:
    if locked.left_at is not None:
        return "You have left the property: nothing to extend."
    if locked.extended_minutes >= moves.EXTEND_MAX:
        return f"The visit has been extended by {moves.EXTEND_MAX} minutes already: ring the office."
    return "The visit is already overdue: ring the office now."


def taken_once(visit: Visit, actor: User, step_name: str, sent: Sent, take: Callable[[datetime], T]) -> T:
    """Take a step written by an app built on visits (safeguarding's urgent buttons) once per key:
    under the visit's row lock, a repeat is `AlreadyDone`; otherwise `take(at)` runs (at: the
    step's time, `lifecycle.steps.step_time`) and the key is kept in the same transaction."""
    with transaction.atomic():
        locked = lock(visit)
        refuse_repeat(locked, sent, "It")
        now = timezone.now()
        at = step_time(locked, sent, now)[0]
        result = take(at)
        keep(locked, actor, step_name, sent, at, now)
    return result
