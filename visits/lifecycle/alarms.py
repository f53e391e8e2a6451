"""Alarms (hc18, hc19): a visit overdue, the code word used, and the escalation ladder the office
climbs. Which states and timeline kinds they concern is the table's (`visits.moves`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import audit, signals, watch, who
from .. import code_word as code_words
from ..enums import AuditAction, EventKind
from ..exceptions import AlreadyDone, NotPermitted, PreconditionFailed, TransitionNotAllowed
from ..models import User, Visit, VisitEvent
from ..moves import ALARM_EVENTS, ALARM_STATES, ESCALATIONS, LADDER, MISSED_EVENTS, RAISE_EVENTS, RESOLUTIONS
from .core import append_event, lock, refresh_caller_copy

POLICE_REFERENCE_MAX = 40


@dataclass(frozen=True)
class AlarmState:
    """A visit's alarm as the board shows it, worked out from the visit, its alarm events and the
    clock. An alarm opens when a deadline passes (`visits.watch`: the board shows it at once, the
    runner writes it) or the code word is used, and stays open until a person resolves it:
    nothing closes it by itself, not even the visitors logging a step afterwards."""

    overdue_since: datetime | None  # expected end + grace, when the visit is overdue now (hc19)
    code_word_at: datetime | None  # the code word raise not yet resolved (hc18)
    resolved_at: datetime | None  # the last resolution
    last_step: VisitEvent | None  # the last step a person took (acknowledged, rang, police, resolved)
    raised: VisitEvent | None = None  # the first alarm written since the last resolution
    raised_kinds: frozenset[str] = frozenset()  # every kind written since the last resolution
    missed: watch.Deadline | None = None  # a deadline passed and not yet written nor resolved
    acknowledged: VisitEvent | None = None  # a person took it on, since it opened
    rung: VisitEvent | None = None  # the last rung of the ladder climbed since it opened

    @property
    def in_danger(self) -> bool:
        """The code word, or "immediate danger" from the tablet: call 999 (hc17, hc18)."""
        return self.code_word_at is not None or EventKind.DANGER in self.raised_kinds

    @property
    def is_open(self) -> bool:
        """An alarm nobody has resolved yet: the row is red and the board beeps."""
        return self.raised is not None or self.missed is not None

    @property
    def opened_at(self) -> datetime | None:
        if self.raised is not None:
            return self.raised.at
        return self.missed.due if self.missed is not None else None

    @property
    def kinds(self) -> frozenset[str]:
        return self.raised_kinds | ({self.missed.kind} if self.missed is not None else set())

    @property
    def overdue_open(self) -> bool:
        return EventKind.OVERDUE in self.kinds

    @property
    def headline(self) -> str:
        """What the board's red row says first: the most urgent kind open."""
        for kind in (EventKind.CODE_WORD_USED, EventKind.DANGER, *HEADLINE_ORDER):
            if kind in self.kinds:
                return HEADLINES[kind]
        return ""

    @property
    def words(self) -> str:
        """What the deadline said when it passed (the raise event's note, or the live deadline's)."""
        if self.raised is not None and self.raised.kind in MISSED_EVENTS:
            return self.raised.note
        return self.missed.words if self.missed is not None else ""

    @property
    def awaiting_acknowledgement(self) -> bool:
        return self.is_open and self.acknowledged is None


HEADLINE_ORDER = (EventKind.OVERDUE, EventKind.NOT_BACK, EventKind.NOT_SET_OFF, EventKind.STILL_OPEN)
HEADLINES = {
    EventKind.CODE_WORD_USED: "CODE WORD USED",
    EventKind.DANGER: "IMMEDIATE DANGER: 999",
    EventKind.OVERDUE: "OVERDUE",
    EventKind.NOT_BACK: "NOT BACK AT SCHOOL",
    EventKind.NOT_SET_OFF: "NOT SET OFF",
    EventKind.STILL_OPEN: "STILL OPEN AT THE END OF THE DAY",
}
# The steps a person took, shown as the alarm's last step (taking it on is shown on its own).
PERSON_STEPS = frozenset({EventKind.RANG_MOBILE, EventKind.POLICE_CALLED, EventKind.ALARM_RESOLVED})


def alarm_state(visit: Visit, events: Iterable[VisitEvent] | None = None, now: datetime | None = None) -> AlarmState:
    """The alarm of `visit` now. `events` are its ALARM_EVENTS in time order (prefetched by list
    pages so that a board of any length costs the same queries); read from the database if None."""
    if events is None:
        events = VisitEvent.objects.filter(visit=visit, kind__in=ALARM_EVENTS).order_by("at", "id")
    now = now or timezone.now()
    code_word_at = resolved_at = last_step = raised = acknowledged = rung = None
    kinds: set[str] = set()
    for event in events:
        if event.kind == EventKind.ALARM_RESOLVED:
            resolved_at, code_word_at, raised, acknowledged, rung, kinds = event.at, None, None, None, None, set()
        elif event.kind in RAISE_EVENTS:
            raised = raised or event
            kinds.add(event.kind)
            if event.kind == EventKind.CODE_WORD_USED:
                code_word_at = event.at
        elif event.kind == EventKind.ALARM_ACKNOWLEDGED and raised is not None:
            acknowledged = acknowledged or event
        elif event.kind in LADDER and raised is not None:
            rung = event
        if event.kind in PERSON_STEPS:
            last_step = event
    missed = watch.missed(visit, now)
    if missed is not None and (missed.kind in kinds or (resolved_at is not None and resolved_at >= missed.due)):
        missed = None  # written already, or a person said they were safe after it passed
    overdue_since = visit.expected_end + visit.school.overdue_grace if visit.is_overdue(now) else None
    return AlarmState(
        overdue_since, code_word_at, resolved_at, last_step, raised, frozenset(kinds), missed, acknowledged, rung
    )


def record_missed(visit: Visit, now: datetime | None = None) -> str | None:
    """hc19: write the alarm of a deadline that has passed (not set off, overdue, not back), once
    per kind per visit, by the system (the alert runner). Idempotent under concurrency: the row
    lock serialises two runners, and the second finds the event. Returns the kind written."""
    with transaction.atomic():
        locked = lock(visit)
        return _write_missed(locked, now)


def _write_missed(locked: Visit, now: datetime | None) -> str | None:
    passed = watch.missed(locked, now)
    if passed is None or locked.events.filter(kind=passed.kind).exists():
        return None
    append_event(locked, None, passed.kind, note=passed.words)
    audit.record(None, AuditAction.EVENT, locked, detail=passed.kind)
    return passed.kind


def record_overdue(visit: Visit, now: datetime | None = None) -> bool:
    """hc19: the OVERDUE alarm of a visit on the road past its expected end plus the grace."""
    return record_missed(visit, now) == EventKind.OVERDUE


def record_still_open(visit: Visit, now: datetime | None = None) -> bool:
    """The end-of-day sweep: a visit the school still waits on after its `day_end` is raised (once),
    unless an alarm is open on it already."""
    with transaction.atomic():
        locked = lock(visit)
        if not watch.still_open_at_day_end(locked, now) or alarm_state(locked, now=now).raised is not None:
            return False
        if locked.events.filter(kind=EventKind.STILL_OPEN).exists():
            return False
        what = watch.deadline(locked)
        day_end = locked.school.day_end.strftime("%H:%M")
        append_event(
            locked, None, EventKind.STILL_OPEN, note=f"Still open at the end of the day ({day_end}). {what.words}"
        )
        audit.record(None, AuditAction.EVENT, locked, detail=EventKind.STILL_OPEN)
    return True


def acknowledge_alarm(visit: Visit, actor: User) -> Visit:
    """hc19: a person on the board takes the alarm on ("I'm on it"), which stops the ladder. The
    alarm stays open until they record the visitors safe. A second acknowledgement is AlreadyDone."""
    with transaction.atomic():
        locked = lock(visit)
        if not who.may_handle_alarms(actor, locked):
            raise NotPermitted("Only the office or a safeguarding lead of the school may acknowledge the alarm.")
        state = alarm_state(locked)
        if not state.is_open:
            raise TransitionNotAllowed("No alarm is open on this visit.")
        if state.acknowledged is not None:
            when = timezone.localtime(state.acknowledged.at).strftime("%H:%M")
            raise AlreadyDone(f"Already acknowledged by {state.acknowledged.actor_name} at {when}.")
        if state.raised is None:
            _write_missed(locked, None)  # the board showed it before the runner wrote it
        append_event(locked, actor, EventKind.ALARM_ACKNOWLEDGED, note="Taken on: ringing the visitors.")
        audit.record(actor, AuditAction.EVENT, locked, detail=EventKind.ALARM_ACKNOWLEDGED)
    refresh_caller_copy(visit, locked)
    return locked


LADDER_WORDS = {
    EventKind.ESCALATED_TO_LEADS: "Not acknowledged within {n} minutes: every safeguarding lead alerted.",
    EventKind.ESCALATED_TO_HEAD: "Still not acknowledged after {n} minutes: the head teacher alerted.",
}


def climb_ladder(visit: Visit, now: datetime | None = None) -> str | None:
    """hc19: an alarm nobody has acknowledged goes up a rung each `acknowledge_minutes`: to every
    safeguarding lead of the school, then to the head. Written by the system, once per rung per
    alarm. Returns the rung written, if any."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = lock(visit)
        state = alarm_state(locked, now=now)
        if state.raised is None or state.acknowledged is not None:
            return None
        climbed = locked.events.filter(kind__in=LADDER, at__gte=state.raised.at).count()
        if climbed >= len(LADDER):
            return None
        step = locked.school.acknowledge_within * (climbed + 1)
        if now < state.raised.at + step:
            return None
        rung = LADDER[climbed]
        note = LADDER_WORDS[rung].format(n=int(step.total_seconds() // 60))
        append_event(locked, None, rung, note=note)
        audit.record(None, AuditAction.EVENT, locked, detail=rung)
    return rung


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


def raise_from_tablet(locked: Visit, actor: User, kind: str, note: str) -> bool:
    """A visitor in trouble raises the alarm from the tablet, on a row the caller holds: the code
    word typed where a note is asked (silent duress, hc18), or "Immediate danger: 999" (hc17). The
    board shows it at once (the police script, the red row), the runner climbs the ladder, and on
    commit the code-word signal emails the office and the leads. An alarm of the same kind already
    open raises nothing more. Returns whether it raised one."""
    if kind not in {EventKind.CODE_WORD_USED, EventKind.DANGER} or not who.may_conduct(actor, locked):
        raise NotPermitted("Only the visitors may raise the alarm from the tablet.")
    if kind in alarm_state(locked).raised_kinds:
        return False
    append_event(locked, actor, kind, note=note)
    audit.record(actor, AuditAction.EVENT, locked, detail=kind)
    if kind == EventKind.CODE_WORD_USED:
        visit_pk = locked.pk
        transaction.on_commit(lambda: signals.code_word_raised.send(sender=Visit, visit_pk=visit_pk))
    return True


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
