"""Alarms (hc18, hc19): a visit overdue, the code word used, and the escalation ladder the office
climbs. Which states and timeline kinds they concern is the table's (`visits.moves`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import audit, signals, who
from .. import code_word as code_words
from ..enums import AuditAction, EventKind
from ..exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from ..models import User, Visit, VisitEvent
from ..moves import ALARM_EVENTS, ALARM_STATES, ESCALATIONS, RESOLUTIONS
from .core import append_event, lock, refresh_caller_copy

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
        locked = lock(visit)
        if not locked.is_overdue(now) or locked.events.filter(kind=EventKind.OVERDUE).exists():
            return False
        end = timezone.localtime(locked.expected_end).strftime("%H:%M")
        note = (
            f"Not left the property by {end} plus {locked.school.overdue_grace_minutes} minutes' grace: "
            "ring the visitors' mobiles."
        )
        append_event(locked, None, EventKind.OVERDUE, note=note)
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
        locked = lock(visit)
        if not who.may_handle_alarms(actor, locked):
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
        append_event(locked, actor, EventKind.CODE_WORD_USED, note="Police call script shown.")
        audit.record(actor, AuditAction.EVENT, locked, detail=EventKind.CODE_WORD_USED)
        visit_pk = locked.pk
        transaction.on_commit(lambda: signals.code_word_raised.send(sender=Visit, visit_pk=visit_pk))
    refresh_caller_copy(visit, locked)
    return locked


def _police_reference(raw: str, code_word: str) -> str:
    reference = " ".join((raw or "").split())
    if not reference:
        raise PreconditionFailed(["Enter the police reference (incident or log number)."])
    if len(reference) > POLICE_REFERENCE_MAX or not all(c.isalnum() or c in " /-" for c in reference):
        raise PreconditionFailed(
            [f"The police reference is letters, digits, spaces, / and - only, up to {POLICE_REFERENCE_MAX}."]
        )
    if code_words.contains(reference, code_word):
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
        locked = lock(visit)
        if not who.may_handle_alarms(actor, locked):
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
        append_event(locked, actor, step.event, note=note)
        audit.record(actor, AuditAction.EVENT, locked, detail=step.event)
    refresh_caller_copy(visit, locked)
    return locked
