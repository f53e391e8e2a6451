"""The tablet's order of things (issue 5): a visitor's words for each state, the groups of "My
visits", the on-the-road steps as buttons, and the one thing to do next at the door. Who and
when come from `visits.access` flags and the table in `visits.moves`; this module only puts them
in the order a visitor on a doorstep needs, so the views and templates decide nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from . import moves
from .access import VisitAccess
from .enums import EventKind, Status
from .models import Visit, VisitEvent

# What a visitor's card says about a visit, in their words (issue 5): (words, css class).
TABLET_STATUS = {
    Status.REQUESTED: ("Waiting for authorisation", "wait"),
    Status.SENT_BACK: ("Sent back", "wait"),
    Status.AUTHORISED: ("Authorised: you may set off", "go"),
    Status.COMPLETED: ("Completed", "done"),
    Status.DECLINED: ("Declined", "stop"),
    Status.CANCELLED: ("Cancelled", "stop"),
}


def tablet_status(visit: Visit, today: dt.date) -> tuple[str, str]:
    """The status a visitor reads on a card: "On the road" until they leave the property (on the
    day), then "Record due" until the visit is completed (hc14, hc20)."""
    if visit.status != Status.IN_PROGRESS:
        return TABLET_STATUS.get(visit.status, (visit.get_status_display(), "wait"))
    if record_due(visit, today):
        if visit.has_record:
            return "Record written: complete the visit", "due"
        return "Record due", "due"
    return "On the road", "road"


def record_due(visit: Visit, today: dt.date) -> bool:
    """Under way and either off the property or from an earlier day: the record is what is left."""
    return visit.status == Status.IN_PROGRESS and (
        visit.left_at is not None or timezone.localtime(visit.scheduled_start).date() < today
    )


# The groups of "My visits", in the order the page shows them.
MINE_GROUPS = (("today", "Today"), ("record_due", "Record due"), ("upcoming", "Upcoming"))


def group_of(visit: Visit, today: dt.date) -> str:
    if record_due(visit, today):
        return "record_due"
    # On the road now (even if set off ahead of the booked day), or booked for today or before.
    if visit.status == Status.IN_PROGRESS or timezone.localtime(visit.scheduled_start).date() <= today:
        return "today"
    return "upcoming"


@dataclass(frozen=True)
class StepButton:
    """One of "Arrived", "Left the property", "Back at school" on the visit page (hc14)."""

    name: str
    label: str
    confirm: str  # the words of the deliberate second tap
    done_at: dt.datetime | None
    # "done" (shows its time), "next" (the one pressable step), "later" (shown, not pressable).
    state: str


# name (a moves.STEPS key, whose stamp is the time shown), button words, confirmation words.
STEP_BUTTONS = (
    ("arrived", "Arrived", "Yes, we have arrived"),
    ("left", "Left the property", "Yes, we have left the property"),
    ("back", "Back at school", "Yes, we are back at school"),
    # HC 9: not returning directly to school: say so after leaving, and the school stops expecting you.
    ("not_returning", "Not coming back to school today", "Yes, I am not returning to school today"),
)
# The two ways a trip ends (hc14, hc19): once one is logged, the other is not offered.
ENDINGS = {"back": "not_returning", "not_returning": "back"}


def step_buttons(visit: Visit, can: VisitAccess) -> list[StepButton]:
    """The on-the-road steps as the page shows them. A visitor gets them in order, one pressable
    at a time, so that a tired thumb cannot log "left" before "arrived"; the office, logging the
    phone calls it takes, may log whichever call came (as before)."""
    allowed = {
        "arrived": can.can_log_arrival,
        "left": can.can_log_leaving,
        "back": can.can_log_back,
        "not_returning": can.can_log_not_returning,
    }
    if visit.status not in Status.started() or not (can.is_visitor or any(allowed.values())):
        return []
    buttons, next_given = [], False
    for name, label, confirm in STEP_BUTTONS:
        done_at = getattr(visit, moves.STEPS[name].stamp)
        other = ENDINGS.get(name)
        if done_at is None and other and getattr(visit, moves.STEPS[other].stamp) is not None:
            continue  # the trip ended the other way
        if done_at is not None:
            state = "done"
        elif allowed[name] and (not can.is_visitor or not next_given or name == "not_returning"):
            state, next_given = "next", True
        else:
            state = "later"
        buttons.append(StepButton(name, label, confirm, done_at, state))
    return buttons


def next_action(visit: Visit, can: VisitAccess, has_record: bool, has_signature: bool = False) -> str:
    """The one thing a visitor should do next on this visit (issue 5), for the top of the page. At
    the door it is who is present (hc15) and the record (hc20), then the parent's signature
    (hc23), and only then "Left the property" (hc14): one step offered at a time."""
    if not can.is_visitor:
        return ""
    if can.can_start:
        return "set_off"
    if visit.status == Status.IN_PROGRESS:
        if visit.arrived_at is None and visit.left_at is None:
            return "arrived"
        if visit.left_at is None:
            if not has_record:
                return "present"
            return "left" if has_signature else "sign"
        if not has_record:
            return "record"
        return "complete" if can.can_complete else ""
    if visit.status == Status.COMPLETED:
        return "back" if can.can_log_back and can.can_log_not_returning else "done"
    return "refused"


@dataclass(frozen=True)
class DoorstepParts:
    """The parts of a visitor's page below the next step, in the order the doorstep needs them
    (issue 16): the copy to leave at the home, the record, the parent's signature. The safety
    checklist, the risk and the visit's details are one tap away below them."""

    home_copy: bool  # the copy to leave with the family: at the door, not before
    record: bool
    signature: bool  # the card, and with it "Parent signs": a parent is only there once arrived
    parent_signs: bool  # "Parent signs on the tablet" may be offered


def doorstep_parts(visit: Visit, can: VisitAccess, has_record: bool) -> DoorstepParts | None:
    """For a visitor only: what their page shows, and from when. Nothing of the doorstep is offered
    before "Arrived" is logged (hc23: the parent signs at the visit, so "Parent signs" before
    arrival would be a button that cannot be right); a record already written is always shown."""
    if not can.is_visitor:
        return None
    arrived = visit.arrived_at is not None
    return DoorstepParts(
        home_copy=arrived and "home_copy" in can.documents,
        record=visit.status in Status.started() and (arrived or has_record),
        signature=visit.status in Status.started() and arrived,
        parent_signs=arrived and can.can_sign,
    )


def timeline_for(visit: Visit, can: VisitAccess):
    """The visit's timeline as this viewer may read it. The visitors do not see the alarms raised
    about them (hc18: an alarm raised silently from the tablet must leave nothing on its screen
    that someone beside them could read); the office, the leads and the head see everything."""
    events = VisitEvent.objects.filter(visit=visit).order_by("at", "id")
    if can.is_visitor and not can.can_handle_alarms:
        events = events.exclude(kind__in=moves.ALARM_EVENTS - {EventKind.EXTENDED})
    return events


@dataclass(frozen=True)
class Reminder:
    """hc19, remind and extend: the card that asks a visitor running late to extend the visit."""

    show_at: dt.datetime  # the expected end less REMIND_BEFORE_END: the page shows it from then
    due_now: bool
    reasons: tuple[str, ...] = (
        "Still with the family",
        "Waiting for a parent to come home",
        "A concern to talk through",
    )
    minutes: tuple[int, ...] = moves.EXTEND_BY


def extend_reminder(visit: Visit, can: VisitAccess, now: dt.datetime | None = None) -> Reminder | None:
    if not can.can_extend:
        return None
    show_at = visit.expected_end - dt.timedelta(minutes=moves.REMIND_BEFORE_END)
    return Reminder(show_at, (now or timezone.now()) >= show_at)
