"""The reports' part of the demo (issue 17): each school's terms, this school year's and the last,
so that the school report, the governors' report and the school-day counts have terms to run by;
and the visits of the last weeks, so that their charts show something. (The governors themselves
are staff of the plan, `demo.data.STAFF`.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from unittest import mock

from demo import data
from safeguarding import concerns
from visits import moves
from visits.enums import Reason, Status
from visits.models import Household, Term, Visit

from . import visits
from .clock import clock
from .state import Demo

# An English school year's three terms: (name, first day, last day) as (month, day), the year the
# school year starts in, or the one after.
TERMS = (
    ("Autumn", (9, 1), (12, 23), 0),
    ("Spring", (1, 4), (4, 2), 1),
    ("Summer", (4, 13), (7, 23), 1),
)


def school_year(today: dt.date) -> int:
    """The calendar year this school year started in (September)."""
    return today.year if today.month >= 9 else today.year - 1


def terms_of(start_year: int) -> list[tuple[str, dt.date, dt.date]]:
    out = []
    for name, (m1, d1), (m2, d2), later in TERMS:
        year = start_year + later
        out.append((f"{name} {year}", dt.date(year, m1, d1), dt.date(year, m2, d2)))
    return out


def seed_terms(demo: Demo) -> None:
    """This school year's terms and last year's, for every school."""
    year = school_year(demo.today)
    for school in demo.schools.values():
        for start_year in (year - 1, year):
            for name, starts, ends in terms_of(start_year):
                Term.objects.create(school=school, name=name, starts=starts, ends=ends)


# --- the school's past: visits of the last weeks, for the charts -----------------------------------

# Households no visit of the plan is for (Holy Cross has 14, Mount 12; the plan uses the first 12
# and 9), so the history changes nothing of the plan's families, risks or concerns.
HISTORY_HOUSEHOLDS = {"holy-cross": (12, 13), "mount-primary": (9, 10, 11)}
HISTORY_VISITS = 24  # per school
HISTORY_REASONS = [r for r in Reason if r != Reason.NEW_STARTER]
# (status, share out of 10): mostly completed, some cancelled or declined.
HISTORY_STATUSES = [Status.COMPLETED] * 8 + [Status.CANCELLED, Status.DECLINED]


def history_plan(school: str, rng: random.Random) -> list[data.Planned]:
    """`HISTORY_VISITS` visits of `school`, one every school day or two from 16 school days back
    (before the plan's oldest), each through the plan's own steps."""
    households = HISTORY_HOUSEHOLDS[school]
    out = []
    for i in range(HISTORY_VISITS):
        emergency = i % 5 == 2  # one in five
        out.append(
            data.Planned(
                school=school,
                household=households[i % len(households)],
                start=data.At(days=-(16 + 2 * i + i % 2), hour=10 if i % 2 else 13, minute=0 if i % 2 else 30),
                status=rng.choice(HISTORY_STATUSES),
                reasons=tuple(rng.sample(HISTORY_REASONS, rng.choice((1, 1, 2)))),
                emergency=emergency,
                alone="Only one member of staff free; a family we know well." if i % 6 == 4 else "",
                lead="visitor2" if i % 3 == 0 else "visitor1",
                note="Not needed: the family came in to school.",
            )
        )
    return out


def seed_history(demo: Demo) -> None:
    """The visits of the last weeks, made as the plan's are (requested, reviewed, decided, carried
    out and recorded), so that a report of this term or the last has figures to chart; the older
    three in four on CPOMS, the day after.

    Built after the plan (whose concerns, incidents and CPOMS entries pick its visits by their
    order), so with the plan's visits under way now: "one place at a time" (hc14) compares a
    set-off with who is on the road NOW, which says nothing of a visit weeks ago, so it is left out
    for these set-offs only; every other check stands."""
    history = dataclasses.replace(demo, rng=random.Random(17))
    planned = [p for school in HISTORY_HOUSEHOLDS for p in history_plan(school, history.rng)]
    checks = [c for c in moves.START_CHECKS if c is not moves.one_place_at_a_time]
    with mock.patch.object(moves, "START_CHECKS", checks):
        for visit_plan in sorted(planned, key=lambda p: demo.at(p.start)):
            visit = visits.request(history, visit_plan)
            times = visits.Times.of(history, visit)
            for step in visits.PATHS[visit_plan.status]:
                step(history, visit, visit_plan, times)
    for school in demo.schools.values():
        done = Visit.objects.filter(household__in=history_households(school), status=Status.COMPLETED)
        done = list(done.order_by("scheduled_start"))
        lead = demo.staff(school.slug, "lead")
        for visit in done[: len(done) * 3 // 4]:
            with clock(visit.completed_at + dt.timedelta(days=1)):
                concerns.record_on_cpoms(visit, lead, f"CP-H-{visit.pk:05d}")


def history_households(school) -> list[Household]:
    """The households of `school` the history visits (and no visit of the plan)."""
    households = list(Household.objects.filter(school=school).order_by("pk"))
    return [households[i] for i in HISTORY_HOUSEHOLDS.get(school.slug, ()) if i < len(households)]
