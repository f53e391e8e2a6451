"""Hand-built data for the reports' tests: visits of known kinds, made through the lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.clock import london
from tests.factories import Cast, setting_off_freely
from visits import lifecycle
from visits.enums import Reason, Status
from visits.models import Term, Visit, VisitReason

DAY = london(2026, 11, 11, 12, 0)  # SCHOOL_MORNING's day, the next hour (the factory's)


def visit_on(cast: Cast, status: str, *, day: dt.datetime = DAY, reasons=(), **overrides) -> Visit:
    """A visit of `cast.school` at `day` brought to `status`, with extra `reasons` beside
    attendance (the factory's)."""
    overrides.setdefault("start", day)
    visit = cast.make_visit(status, **overrides)
    for reason in reasons:
        VisitReason.objects.create(visit=visit, reason=reason)
    return visit


def completed(cast: Cast, *, conducted: bool = True, child_seen: bool = True, concern: bool = False, **overrides):
    """A completed visit whose record says whether it went ahead and the child was seen."""
    visit = visit_on(cast, Status.IN_PROGRESS, **overrides)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    fields = {"people_seen": "Mother" if conducted else "Nobody", "child_seen": child_seen, "outcome": "Done."}
    if not conducted:
        fields |= {"conducted": False, "adult_authority": "none"}
    if concern:
        fields |= {"child_protection_concern": True, "concern_details": "Marks seen."}
    lifecycle.write_record(visit, cast.visitor, fields)
    with setting_off_freely():
        lifecycle.transition(visit, cast.visitor, "complete")
    visit.refresh_from_db()
    return visit


@pytest.fixture
def term(cast) -> Term:
    return Term.objects.create(
        school=cast.school, name="Autumn 2026", starts=dt.date(2026, 9, 1), ends=dt.date(2026, 12, 18)
    )


__all__ = ["DAY", "Reason", "completed", "visit_on"]
