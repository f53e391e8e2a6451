"""hc14, hc19: the whole trip watched, from the start time to back at school, by deadlines.

A visit the school is waiting on has one deadline at a time, in the school's settings:

- authorised and not set off: the start time plus the grace ("not set off");
- set off and not left the property: the expected end plus the grace ("overdue");
- left and neither back at school nor rung to say they are not returning today (nor set off on
  another visit, whose watch then takes them on): the time they left plus the school's travel
  time plus the grace ("not back").

The alert runner (`safeguarding.alerts`, every minute) writes the alarm of a deadline that has
passed once, and climbs the acknowledgement ladder; the board shows a passed deadline at once,
before the runner has written it. The end-of-day sweep raises every visit still open at the
school's `day_end` on the day it was due, whatever its deadline: nothing is left open overnight
without a person saying so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from .enums import EventKind, Status
from .models import Visit


@dataclass(frozen=True)
class Deadline:
    kind: str  # the alarm's timeline kind: NOT_SET_OFF, OVERDUE or NOT_BACK
    due: dt.datetime
    words: str  # what the board and the timeline say once it has passed


def _hhmm(at: dt.datetime) -> str:
    return timezone.localtime(at).strftime("%H:%M")


def deadline(visit: Visit) -> Deadline | None:
    """The deadline the school is waiting on for `visit` now; None when it waits on nothing (not
    yet authorised, or back at school, or not returning today, or cancelled and declined)."""
    school = visit.school
    grace = school.overdue_grace_minutes
    if visit.status == Status.AUTHORISED and visit.started_at is None:
        due = visit.scheduled_start + school.overdue_grace
        words = (
            f"Not set off by {_hhmm(due)} ({_hhmm(visit.scheduled_start)} start plus {grace} minutes' grace): "
            "ring the visitors' mobiles."
        )
        return Deadline(EventKind.NOT_SET_OFF, due, words)
    if visit.status == Status.IN_PROGRESS and visit.left_at is None:
        due = visit.expected_end + school.overdue_grace
        words = (
            f"Not left the property by {_hhmm(visit.expected_end)} plus {grace} minutes' grace: "
            "ring the visitors' mobiles."
        )
        return Deadline(EventKind.OVERDUE, due, words)
    if is_out_after_leaving(visit):
        due = visit.left_at + school.travel_time + school.overdue_grace
        words = (
            f"Not back at school by {_hhmm(due)} (left {_hhmm(visit.left_at)}, {school.travel_minutes} minutes' "
            f"travel and {grace} minutes' grace), and no call to say they are not returning: ring them."
        )
        return Deadline(EventKind.NOT_BACK, due, words)
    return None


def is_out_after_leaving(visit: Visit) -> bool:
    return (
        visit.status in (Status.IN_PROGRESS, Status.COMPLETED)
        and visit.left_at is not None
        and visit.returned_at is None
        and visit.not_returning_at is None
        and visit.moved_on_at is None
    )


def missed(visit: Visit, now: dt.datetime | None = None) -> Deadline | None:
    """The visit's deadline, if it has passed."""
    found = deadline(visit)
    return found if found is not None and (now or timezone.now()) > found.due else None


def end_of_day(visit: Visit) -> dt.datetime:
    """The school's `day_end` on the day the visit was due (in school time)."""
    day = timezone.localtime(visit.started_at or visit.scheduled_start).date()
    return timezone.make_aware(dt.datetime.combine(day, visit.school.day_end))


def still_open_at_day_end(visit: Visit, now: dt.datetime | None = None) -> bool:
    """The sweep: the school still waits on the visit after the end of its day."""
    return deadline(visit) is not None and (now or timezone.now()) >= end_of_day(visit)
