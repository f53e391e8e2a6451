"""When: the table of a visit's moves and the groups of states its other steps need.

Written down once, and read by everything else: `visits.lifecycle` (the only writer of status,
steps and timeline) refuses what the table refuses, `visits.access` shows exactly the buttons it
allows, and the tests walk it. Each move and step names *who* may take it (a predicate of
`visits.who`) and *when* (the states it moves from), its stamps and its timeline event.

Layers: below `access` and `lifecycle`, above `who`, `enums` and `models`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from . import who
from .enums import EventKind, Status
from .models import User, Visit


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
        who=who.may_edit_request,
        stamps=("requested_at",),
        verb="submit this request",
    ),
    Action.AUTHORISE: Move(
        sources=frozenset({Status.REQUESTED}),
        target=Status.AUTHORISED,
        event=EventKind.AUTHORISED,
        who=who.may_decide,
        stamps=("authorised_at", "decided_at"),
        verb="authorise this visit",
    ),
    Action.DECLINE: Move(
        # A lead may also withdraw an authorisation before anyone has set off.
        sources=frozenset({Status.REQUESTED, Status.AUTHORISED}),
        target=Status.DECLINED,
        event=EventKind.DECLINED,
        who=who.may_decide,
        stamps=("decided_at",),
        verb="decline this visit",
    ),
    Action.SEND_BACK: Move(
        sources=frozenset({Status.REQUESTED}),
        target=Status.SENT_BACK,
        event=EventKind.SENT_BACK,
        who=who.may_decide,
        stamps=("decided_at",),
        verb="send this request back",
    ),
    Action.CANCEL: Move(
        sources=frozenset({Status.DRAFT, Status.REQUESTED, Status.SENT_BACK, Status.AUTHORISED}),
        target=Status.CANCELLED,
        event=EventKind.CANCELLED,
        who=who.may_cancel,
        stamps=("cancelled_at",),
        verb="cancel this visit",
    ),
    Action.START: Move(
        sources=frozenset({Status.AUTHORISED}),
        target=Status.IN_PROGRESS,
        event=EventKind.SET_OFF,
        who=who.may_conduct,
        stamps=("started_at",),
        verb="set off on this visit",
    ),
    Action.COMPLETE: Move(
        sources=frozenset({Status.IN_PROGRESS}),
        target=Status.COMPLETED,
        event=EventKind.COMPLETED,
        who=who.may_conduct,
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

# A new visit is a draft: the move "from nothing" that creating a request makes.
CREATED = ("", Status.DRAFT, EventKind.CREATED)


def database_moves() -> list[tuple[str, str, str]]:
    """Every (from, to, timeline event) the state machine allows, sorted: creation ("" -> draft),
    the moves of MOVES and the return to the queue. A migration installs exactly this list in
    PostgreSQL (`visits.db_rules`), whose triggers refuse any other status change and any status
    event that does not match one; tests/visits/test_database_rules.py fails when the two differ."""
    rows = {CREATED, (*RETURN_TO_QUEUE, EventKind.RETURNED_TO_QUEUE)}
    rows |= {(str(source), str(m.target), str(m.event)) for m in MOVES.values() for source in m.sources}
    return sorted((str(a), str(b), str(c)) for a, b, c in rows)


# --- steps on the road (hc14): events that do not change the status -------------------------------


@dataclass(frozen=True)
class Step:
    states: frozenset[str]
    stamp: str
    visitor_event: str
    office_event: str
    needs: str = ""  # a step field that must be set first
    label: str = ""
    # A step field that, once set, means this step is no longer offered: the trip ended the other
    # way (back at school, or not returning today). The lifecycle still takes it if it comes.
    instead_of: str = ""
    # The office logs the visitors' phone call; the visitors log it themselves (hc14).
    who: Callable[[User, Visit], bool] = who.may_log_call


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
        instead_of="not_returning_at",
    ),
    # HC 9: "if you are not returning directly to school, telephone the school after the visit":
    # the leaving call says so, and the visitors are no longer expected back today.
    "not_returning": Step(
        frozenset({Status.IN_PROGRESS, Status.COMPLETED}),
        "not_returning_at",
        EventKind.NOT_RETURNING,
        EventKind.NOT_RETURNING_CALL,
        needs="left_at",
        label="call saying they are not returning to school today",
        instead_of="returned_at",
    ),
}


# --- state groups the rest of a visit's life reads ------------------------------------------------

# A lead has authorised it, and it may have begun: the base of the groups below.
AUTHORISED_OR_LATER = frozenset({Status.AUTHORISED}) | Status.started()
# A visit someone may be out on: authorised (the visitor may have forgotten to tap "Set off"),
# under way, or finished but perhaps not back. An alarm is never refused for a step not logged.
ALARM_STATES = AUTHORISED_OR_LATER
# Timeline kinds the board reads to show a visit's alarm and the steps taken.
# hc19: the watch's alarms, each written once per visit by the alert runner when its deadline
# passes (`visits.watch`), and the code word (hc18), raised by a person.
MISSED_EVENTS = frozenset({EventKind.NOT_SET_OFF, EventKind.OVERDUE, EventKind.NOT_BACK, EventKind.STILL_OPEN})
RAISE_EVENTS = MISSED_EVENTS | {EventKind.CODE_WORD_USED, EventKind.DANGER}
# The ladder the runner climbs while an alarm is not acknowledged (a rung each `acknowledge_minutes`).
LADDER = (EventKind.ESCALATED_TO_LEADS, EventKind.ESCALATED_TO_HEAD)
ALARM_EVENTS = (
    RAISE_EVENTS
    | set(LADDER)
    | {
        EventKind.EXTENDED,
        EventKind.ALARM_ACKNOWLEDGED,
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
    "going_home": "Visitors safe: spoke to them, not returning to school today",
    "police_attended": "Visitors safe: police attended",
    "raised_in_error": "Raised in error",
}


# Remind and extend (hc19): ten minutes before the expected end the tablet offers one tap to extend,
# by one of these, with a reason; at most EXTEND_MAX in all, and only before the visit is overdue.
EXTEND_BY = (15, 30)
EXTEND_MAX = 120
REMIND_BEFORE_END = 10  # minutes


def may_extend_now(actor: User, visit: Visit, now=None) -> bool:
    """The visitors, on the road, not yet left, before the overdue deadline, within EXTEND_MAX."""
    now = now or timezone.now()
    return (
        visit.status == Status.IN_PROGRESS
        and visit.left_at is None
        and now <= visit.expected_end + visit.school.overdue_grace
        and visit.extended_minutes < EXTEND_MAX
        and who.may_conduct(actor, visit)
    )


# The visitors' urgent controls (hc17): from the moment they may set off until the visit is over.
URGENT_STATES = frozenset({Status.AUTHORISED, Status.IN_PROGRESS})
# The record, its draft and the parent's signature: only while the visit is under way (hc01, hc20).
UNDER_WAY = frozenset({Status.IN_PROGRESS})
# An incident needs someone to have gone out, or be about to (hc22).
INCIDENT_STATES = AUTHORISED_OR_LATER
# A concern may be raised once the request has left the draft (hc21).
CONCERN_STATES = frozenset(Status.values) - {Status.DRAFT}
# The Home Visit Form and the copy for the home carry the lead's authorisation (hc23).
PRINTED_STATES = AUTHORISED_OR_LATER


# --- reading the table ----------------------------------------------------------------------------


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


# Further checks "Set off" must pass, registered by apps built on visits (safeguarding: the risk
# assessment reviewed for the visit is still the household's current one, and a High one has the
# lead's go-ahead, hc09/hc10). Each returns problems in words for the visitor; the lifecycle runs
# them under the row lock, and `access` asks them before it offers the button.
StartCheck = Callable[[Visit], list[str]]


def one_place_at_a_time(visit: Visit) -> list[str]:
    """hc14: a member of staff on this visit who is still on the road on another (set off, not yet
    left the property) cannot set off here: nobody is at two addresses at once, and the office
    must know where each person is. The lifecycle runs it with the visitors' rows locked, so one
    person's two set-offs at once cannot both pass."""
    people = visit.visitor_ids
    if not people:
        return []
    elsewhere = (
        Visit.objects.filter(status=Status.IN_PROGRESS, left_at__isnull=True)
        .filter(Q(lead_visitor_id__in=people) | Q(second_visitor_id__in=people))
        .exclude(pk=visit.pk)
        .select_related("lead_visitor", "second_visitor")
        .order_by("started_at", "pk")
    )
    problems = []
    for other in elsewhere:
        for person in (other.lead_visitor, other.second_visitor):
            if person is not None and person.pk in people:
                since = timezone.localtime(other.started_at).strftime("%H:%M") if other.started_at else "earlier"
                problems.append(
                    f"{person} is still on the road at {other.address_line1}, {other.postcode} (set off {since}): "
                    "log 'Left the property' there first, or ring the office."
                )
    return problems


# How early before its start a visit may be set off: the watch's deadlines run from the booked
# times, so a visit set off a day early would not be missed for a day.
SET_OFF_EARLIEST = 120  # minutes


def not_too_early(visit: Visit) -> list[str]:
    """hc14, hc19: a visit is set off on its day, at most SET_OFF_EARLIEST minutes before its
    start; earlier, the office would not know to expect the visitors back."""
    earliest = visit.scheduled_start - timedelta(minutes=SET_OFF_EARLIEST)
    if timezone.now() >= earliest:
        return []
    start = timezone.localtime(visit.scheduled_start)
    return [
        f"This visit is booked for {start:%a %d/%m} at {start:%H:%M}: set off from "
        f"{timezone.localtime(earliest):%H:%M} that day, or ask the office to move it."
    ]


START_CHECKS: list[StartCheck] = [not_too_early, one_place_at_a_time]


def register_start_check(check: StartCheck) -> None:
    if check not in START_CHECKS:
        START_CHECKS.append(check)


def start_blockers(visit: Visit) -> list[str]:
    """What stops an authorised visit being set off, beyond its state and who asks."""
    return [problem for check in START_CHECKS for problem in check(visit)]


def step_allowed(visit: Visit, actor: User, name: str) -> bool:
    """Whether step `name` (a key of STEPS) would be accepted now: its states, not yet logged, the
    step it needs logged first, and the actor's right."""
    step = STEPS[name]
    return (
        visit.status in step.states
        and getattr(visit, step.stamp) is None
        and (not step.needs or getattr(visit, step.needs) is not None)
        and (not step.instead_of or getattr(visit, step.instead_of) is None)
        and step.who(actor, visit)
    )
