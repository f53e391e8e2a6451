"""The reports' figures against hand-built data (issue 17): every figure the pages show, counted
for the school's own visits of the period only, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import figures
from safeguarding import concerns
from safeguarding.models import ConcernActionKind, ConcernKind
from tests.clock import london
from tests.factories import make_household, make_pupil, review_risk
from tests.reports.conftest import DAY, completed, visit_on
from visits import lifecycle
from visits.enums import Reason, Status, VisitType

pytestmark = [pytest.mark.postgres]

START, END = dt.date(2026, 11, 1), dt.date(2026, 11, 30)


def _counts(report: figures.Report) -> dict[str, int]:
    out = {"all": report.total.count}
    for section in report.sections:
        for row in section.rows:
            if row.count:
                out[f"{row.figure.key}:{row.figure.value}"] = row.count
    return out


def _other_school_visit(cast):
    """A requested visit of the other school, in the same period: never in cast.school's report."""
    household = make_household(cast.other_school)
    visit = lifecycle.create_request(
        cast.other_office,
        cast.other_school,
        household,
        {
            "visit_type": VisitType.EMERGENCY,
            "purpose": "Check.",
            "person_visited": "Someone",
            "address_line1": "2 Other Street",
            "town": "Manchester",
            "postcode": "M14 5AB",
            "scheduled_start": DAY,
            "expected_end": DAY + dt.timedelta(hours=1),
            "lead_visitor": cast.other_visitor,
            "lead_visitor_role": "Worker",
            "lone_visit_reason": "Alone.",
            "code_word": "daisy",
            "family_informed": True,
            "appointment_method": "phone",
        },
        pupils=[make_pupil(household)],
        reasons=[Reason.WELFARE_CHECK],
    )
    review_risk(visit, cast.other_office)
    lifecycle.transition(visit, cast.other_office, "submit")
    return visit


def test_every_figure_of_a_school_counts_its_own_visits_of_the_period(cast):
    """hc04 (every reason counted), hc03 (type), hc02 (told in advance), hc06 (lone), hc13
    (evening), hc15 (not carried out), hc21 (concerns, referrals), hc24 (CPOMS backlog)."""
    # Arrange: three completed visits (one child seen, one not seen with a concern, one not carried out).
    seen = completed(cast, reasons=[Reason.WELFARE_CHECK])
    concerns.record_on_cpoms(seen, cast.lead, "CP-1")
    not_seen = completed(cast, child_seen=False, concern=True)
    concern = not_seen.concerns.get()
    concerns.record_action(concern, cast.lead, ConcernActionKind.REFERRAL_CSC, reference="REF-1")
    completed(
        cast,
        conducted=False,
        child_seen=False,
        visit_type=VisitType.EMERGENCY,
        family_informed=False,
        not_informed_exception="emergency_safeguarding",
        appointment_method="",
        second_visitor=None,
    )
    visit_on(cast, Status.CANCELLED)  # cancelled as a draft: never reviewed
    visit_on(cast, Status.DECLINED)
    visit_on(cast, Status.REQUESTED, risk_review=False)
    visit_on(cast, Status.DRAFT)  # never asked for: not counted
    visit_on(cast, Status.REQUESTED, day=london(2026, 10, 20, 12))  # another month
    _other_school_visit(cast)

    # Act
    report = figures.school_reports([cast.school.pk], START, END)[cast.school.pk]

    # Assert
    counts = _counts(report)
    risked = counts.pop("risk:low", 0) + counts.pop("risk:medium", 0) + counts.pop("risk:high", 0)
    assert risked == 4
    assert counts == {
        "all": 6,
        "status:completed": 3,
        "status:cancelled": 1,
        "status:declined": 1,
        "status:open": 1,
        "type:planned": 5,
        "type:emergency": 1,
        "announced:yes": 5,
        "announced:no": 1,
        "reason:attendance": 6,
        "reason:welfare_check": 1,
        "flag:lone": 1,
        "outcome:seen": 1,
        "outcome:not_seen": 1,
        "outcome:not_conducted": 1,
        "concern:child_protection": 1,
        "referral:referral_csc": 1,
        "cpoms:backlog": 2,
        "risk:none": 2,
    }


def test_evening_visits_are_those_confirmed_past_the_cut_off(cast):
    """hc13: a visit past the school's evening cut-off, confirmed by its requester."""
    # Arrange
    visit_on(cast, Status.REQUESTED, day=london(2026, 11, 12, 17, 30), evening_confirmed=True)
    visit_on(cast, Status.REQUESTED, day=london(2026, 11, 12, 10, 0))

    # Act
    report = figures.school_reports([cast.school.pk], START, END)[cast.school.pk]

    # Assert
    assert (report.total.count, report.row("flag", "evening").count) == (2, 1)


def test_alarm_times_to_acknowledge_and_resolve(cast, pinned_clock):
    """hc18, hc19: code-word and overdue alarms, and how long until someone took them on and
    until the visitors were safe."""
    # Arrange: a code word taken on after 3 minutes and resolved after 10.
    code_word = visit_on(cast, Status.IN_PROGRESS)
    lifecycle.raise_code_word_alarm(code_word, cast.office)
    pinned_clock.shift(dt.timedelta(minutes=3))
    lifecycle.acknowledge_alarm(code_word, cast.office)
    pinned_clock.shift(dt.timedelta(minutes=7))
    lifecycle.record_escalation(code_word, cast.office, "resolved", outcome="spoke_to_them")
    # An overdue visit nobody has taken on yet.
    overdue = visit_on(cast, Status.IN_PROGRESS, day=london(2026, 11, 11, 9, 0))
    assert lifecycle.record_overdue(overdue)

    # Act
    report = figures.school_reports([cast.school.pk], START, END)[cast.school.pk]

    # Assert
    timings = {t.label: (t.count, t.average_text, t.longest_text, t.waiting) for t in report.alarms}
    assert timings == {
        "Code-word alarms: time to acknowledge": (1, "3 min", "3 min", 0),
        "Code-word alarms: time to resolve": (1, "10 min", "10 min", 0),
        "Overdue alarms: time to acknowledge": (1, "none", "none", 1),
        "Overdue alarms: time to resolve": (1, "none", "none", 1),
    }
    assert (report.row("alarm", "code_word").count, report.row("alarm", "overdue").count) == (1, 1)


def test_concern_time_to_acknowledge(cast, pinned_clock):
    """hc21: how long concerns waited for a lead to take them on."""
    # Arrange
    visit = visit_on(cast, Status.IN_PROGRESS)
    concern = concerns.raise_concern(visit, cast.visitor, ConcernKind.CHILD_PROTECTION, "Marks seen.")
    pinned_clock.shift(dt.timedelta(minutes=45))
    concerns.acknowledge(concern, cast.lead)
    concerns.raise_concern(visit, cast.visitor, ConcernKind.CHILD_ALONE, "Alone.", urgent=True)

    # Act
    report = figures.school_reports([cast.school.pk], START, END)[cast.school.pk]

    # Assert
    (timing,) = report.concerns
    assert (timing.count, timing.average_text, timing.waiting) == (2, "45 min", 1)
    assert report.row("concern", "child_alone").count == 1


def test_the_trust_report_is_each_school_and_their_sum(cast):
    # Arrange
    visit_on(cast, Status.REQUESTED)
    visit_on(cast, Status.CANCELLED)
    _other_school_visit(cast)

    # Act
    per_school, total = figures.trust_report([cast.school.pk, cast.other_school.pk], START, END)

    # Assert
    assert {r.name: r.total.count for r in per_school.values()} == {"Holy Cross": 2, "Mount": 1}
    assert (total.total.count, total.row("type", "emergency").count, total.row("status", "open").count) == (3, 1, 2)


def test_the_visits_behind_a_figure_are_the_ones_it_counts(cast):
    # Arrange
    lone = visit_on(cast, Status.REQUESTED, second_visitor=None)
    visit_on(cast, Status.REQUESTED)
    qs = figures.visits_in([cast.school.pk], START, END)

    # Act
    listed = list(figures.visits_behind(qs, "flag", "lone"))

    # Assert
    assert listed == [lone]


def _queries(cast, n: int) -> int:
    for _ in range(n):
        visit_on(cast, Status.CANCELLED)
    with CaptureQueriesContext(connection) as ctx:
        figures.school_reports([cast.school.pk], START, END)
    return len(ctx.captured_queries)


def test_the_figures_cost_the_same_queries_at_3_and_30_visits(cast):
    # Act
    at_3 = _queries(cast, 3)
    at_30 = _queries(cast, 27)

    # Assert
    assert at_3 == at_30 <= 5
