"""Retention in the demo (issue 17, part 4), at the first school: a family whose only pupil left
years ago, with three old visits made through the services with the clock at their time (about
five school years back):

- a completed attendance visit, past its retention date (school year + 2 years): in the lead's
  review queue;
- a completed visit put on legal hold by the lead (the Independent Inquiry into Child Sexual
  Abuse asked for such records);
- a cancelled request, erased by the lead: its skeleton on the "Erased" tab.

Then the daily review (`retention.review.run`) dates every finished visit of the demo and fills
the queue, as `manage.py retention_review` does each day. Runs last, so the other seeds (subject
access) never pick this family."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from demo import data
from retention import decisions, erasure, review
from visits import moves
from visits.enums import Reason, Status
from visits.models import Contact, Household, Pupil, Visit

from .clock import clock
from .state import Demo
from .visits import PATHS, Times, request

FIRST = "holy-cross"
# School days back: about five school years (190 school days a year at most, 260 weekdays).
YEARS_BACK = 5 * 260


def _former_family(demo: Demo) -> int:
    """A family of the first school whose pupil (born 2009) left for secondary school in 2020."""
    school = demo.schools[FIRST]
    household = Household.objects.create(
        school=school,
        name="Ashworth family",
        address_line1="41 Larkhill Road",
        town="Bolton",
        postcode="BL1 4RT",
    )
    Contact.objects.create(
        household=household,
        first_name="Dawn",
        last_name="Ashworth",
        relationship="Mother",
        parental_responsibility=True,
        mobile="07700 900418",
    )
    Pupil.objects.create(
        school=school,
        household=household,
        first_name="Liam",
        last_name="Ashworth",
        date_of_birth=dt.date(2009, 3, 14),
        year_group="Left in 2020",
    )
    demo.households[FIRST].append(household)
    return len(demo.households[FIRST]) - 1


def _old_visit(demo: Demo, household: int, days_back: int, status: Status) -> Visit:
    planned = data.Planned(
        school=FIRST,
        household=household,
        start=data.At(days=-days_back, hour=10),
        status=status,
        reasons=(Reason.ATTENDANCE,),
        detail="Attendance below 85% this half term.",
        outcome="Mum will walk Liam to school; attendance to be reviewed in four weeks.",
        note="The family came in to school instead." if status == Status.CANCELLED else "",
    )
    visit = request(demo, planned)
    times = Times.of(demo, visit)
    # Built after today's visits (so the other seeds never pick this family): "one place at a
    # time" looks at who is out now, not five years ago, so it is left out for these set-offs.
    kept = [c for c in moves.START_CHECKS if c is not moves.one_place_at_a_time]
    with mock.patch.object(moves, "START_CHECKS", kept):
        for step in PATHS[status]:
            step(demo, visit, planned, times)
    visit.refresh_from_db()
    return visit


def seed_retention(demo: Demo) -> None:
    family = _former_family(demo)
    _old_visit(demo, family, YEARS_BACK, Status.COMPLETED)
    held = _old_visit(demo, family, YEARS_BACK - 20, Status.COMPLETED)
    gone = _old_visit(demo, family, YEARS_BACK + 20, Status.CANCELLED)
    lead = demo.staff(FIRST, "lead")
    with clock(demo.now - dt.timedelta(days=1)):
        review.run(today=demo.today - dt.timedelta(days=1))
        decisions.hold(
            held.retention,
            lead,
            "Kept for the Independent Inquiry into Child Sexual Abuse: do not destroy while it is open.",
        )
        erasure.erase(gone, lead)
    review.run(today=demo.today)
