"""The plan's risk assessments, concerns, incidents and CPOMS entries, made through
`safeguarding.risk` and `safeguarding.concerns` with the clock at the moment each happened."""

from __future__ import annotations

import dataclasses
import datetime as dt

from demo import data
from safeguarding import concerns, risk
from safeguarding.models import Concern, ConcernAction, ConcernActionKind, CpomsEntry, Incident
from visits.enums import Status
from visits.models import Visit

from .clock import clock, stamped
from .state import Demo

# The rows stamped by `default=timezone.now` (see `stamped`).
STAMPED = (
    Concern._meta.get_field("raised_at"),
    ConcernAction._meta.get_field("at"),
    Incident._meta.get_field("reported_at"),
)
REPORTED_AFTER = dt.timedelta(minutes=10)
REVIEWED_AFTER = dt.timedelta(days=1)


# --- the risk assessment (hc09-hc11) -----------------------------------------------------------------


def template_rows(school) -> list[dict]:
    return [dataclasses.asdict(h) for h in risk.template_for(school)]


def seed_risk(demo: Demo) -> None:
    """A household assessed Low from the template, then High once its dog was reported aggressive,
    reviewed for its request now waiting in the lead's queue; and a second request reviewed from the
    template, Low, beside it."""
    raised = data.RISK_RAISED
    household = demo.households[raised.school][raised.household]
    visit = Visit.objects.get(household=household, status=Status.REQUESTED)
    rows = template_rows(demo.schools[raised.school])
    with clock(demo.at(raised.assessed)):
        risk.save_assessment(household, demo.users[raised.by], rows, data.FROM_TEMPLATE)
    for row in rows:
        if raised.hazard in row["hazard"].lower():
            row.update(
                severity=raised.severity,
                likelihood=raised.likelihood,
                controls=row["controls"] + raised.extra_controls,
            )
    with clock(demo.at(raised.reviewed)):
        risk.review_for_visit(visit, demo.users[raised.by], rows, raised.summary)
    plain = data.RISK_FROM_TEMPLATE
    visit = Visit.objects.get(household=demo.households[plain.school][plain.household], status=Status.REQUESTED)
    with clock(demo.at(plain.reviewed)):
        risk.review_for_visit(
            visit, demo.users[plain.by], template_rows(demo.schools[plain.school]), data.FROM_TEMPLATE
        )


# --- concerns and incidents (hc17, hc21, hc22) ----------------------------------------------------------


def picked(demo: Demo, pick: data.Picked) -> Visit:
    visits = Visit.objects.filter(school=demo.schools[pick.school], status=pick.status).order_by("scheduled_start")
    return list(visits)[pick.index]


def moment(demo: Demo, when, visit: Visit) -> dt.datetime:
    """The plan's time of a concern or incident: before now, or after the visit's start or end."""
    if isinstance(when, data.AfterStart):
        return visit.scheduled_start + dt.timedelta(minutes=when.minutes)
    if isinstance(when, data.AfterEnd):
        return visit.expected_end + dt.timedelta(minutes=when.minutes)
    return demo.at(when)


def seed_concerns(demo: Demo) -> None:
    for planned in data.CONCERNS:
        visit = picked(demo, planned.visit)
        raised = moment(demo, planned.raised, visit)
        with stamped(raised, STAMPED):
            concern = concerns.raise_concern(
                visit,
                demo.users[planned.by],
                planned.kind,
                planned.details,
                urgent=planned.urgent,
                source=planned.source,
            )
        for step in planned.steps:
            with stamped(raised + step.after, STAMPED):
                take_step(concern, demo.users[step.by], step)


def take_step(concern: Concern, actor, step: data.ConcernStep) -> None:
    if step.action == ConcernActionKind.ACKNOWLEDGED:
        concerns.acknowledge(concern, actor)
    elif step.action == ConcernActionKind.CLOSED:
        concerns.close(concern, actor, step.note)
    else:
        concerns.record_action(concern, actor, step.action, reference=step.reference, note=step.note)


def seed_incidents(demo: Demo) -> None:
    for planned in data.INCIDENTS:
        visit = picked(demo, planned.visit)
        happened = moment(demo, planned.happened, visit)
        with stamped(happened + REPORTED_AFTER, STAMPED):
            incident = concerns.report_incident(visit, demo.users[planned.by], planned.kind, happened, planned.details)
        if planned.review:
            with stamped(happened + REVIEWED_AFTER, STAMPED):
                concerns.review_incident(incident, demo.users[planned.reviewed_by], planned.review)


# --- CPOMS (hc24) -----------------------------------------------------------------------------------


def seed_cpoms(demo: Demo) -> None:
    """The oldest completed visits of each school are on CPOMS, recorded by its lead the day after
    (never later than an hour ago)."""
    for planned in data.CPOMS:
        done = Visit.objects.filter(school=demo.schools[planned.school], status=Status.COMPLETED)
        for visit in done.order_by("completed_at", "id")[: planned.oldest]:
            when = min(visit.completed_at + dt.timedelta(days=1), demo.now - dt.timedelta(hours=1))
            with clock(when):
                entry = concerns.record_on_cpoms(visit, demo.users[planned.by], f"CP-{when:%Y}-{visit.pk:05d}")
            # `clock` patches `timezone.now` where it is called, not the model default that stamps
            # `recorded_at` (bound at import): set the demo's time on the row itself.
            CpomsEntry.objects.filter(pk=entry.pk).update(recorded_at=when)
