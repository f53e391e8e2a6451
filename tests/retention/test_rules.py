"""Retention dates (issue 17): child protection related records to the youngest pupil's date of
birth + 25 years, other visit records to the end of the school year + 2 years (the IRMS toolkit's
defaults), a school's longer periods, and a date that moves when its basis changes."""

from __future__ import annotations

import datetime as dt

import pytest

from retention import rules
from retention.models import Basis, RetentionPolicy, Review
from safeguarding import concerns
from safeguarding.models import ConcernKind
from tests.factories import make_pupil
from visits.enums import Reason, Status, VisitType

# The suite's pinned morning is 11/11/2026: the school year ends 31/08/2027.
SCHOOL_YEAR_END = dt.date(2027, 8, 31)


def test_school_year_end_and_leap_days():
    assert rules.school_year_end(dt.date(2026, 11, 11)) == dt.date(2027, 8, 31)
    assert rules.school_year_end(dt.date(2027, 8, 31)) == dt.date(2027, 8, 31)
    assert rules.school_year_end(dt.date(2027, 9, 1)) == dt.date(2028, 8, 31)
    assert rules.add_years(dt.date(2016, 2, 29), 25) == dt.date(2041, 2, 28)


def test_an_ordinary_visit_is_kept_to_the_school_year_plus_two_years(cast):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)

    # Act
    row = rules.refresh(visit)

    # Assert
    assert (row.basis, row.retain_until, row.review) == (Basis.OTHER, dt.date(2029, 8, 31), Review.RETAINED)


def test_a_child_protection_record_is_kept_to_the_pupils_birth_plus_25_years(cast):
    # Arrange: the cast's pupil was born 01/05/2017; a concern raised makes it child protection.
    visit = cast.make_visit(Status.COMPLETED)
    concerns.raise_concern(visit, cast.visitor, ConcernKind.CHILD_PROTECTION, "Worried about bruising.")

    # Act
    row = rules.refresh(visit)

    # Assert
    assert (row.basis, row.retain_until) == (Basis.CHILD_PROTECTION, dt.date(2042, 5, 1))


def test_several_pupils_the_youngest_sets_the_date(cast):
    # Arrange
    younger = make_pupil(cast.household, "Kit")
    younger.date_of_birth = dt.date(2020, 2, 29)
    younger.save()
    visit = cast.make_visit(Status.COMPLETED, visit_type=VisitType.EMERGENCY)
    visit.pupils.add(younger)

    # Act
    row = rules.refresh(visit)

    # Assert: 29/02/2020 + 25 years is 28/02/2045, later than the older pupil's 01/05/2042.
    assert (row.basis, row.retain_until) == (Basis.CHILD_PROTECTION, dt.date(2045, 2, 28))


@pytest.mark.parametrize("reason", sorted(rules.CHILD_PROTECTION_REASONS))
def test_a_welfare_reason_makes_it_child_protection_related(cast, reason):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)
    visit.reasons.create(reason=reason)

    # Act
    row = rules.refresh(visit)

    # Assert
    assert row.basis == Basis.CHILD_PROTECTION


def test_a_concern_on_the_record_makes_it_child_protection_related(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    from visits import lifecycle

    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    lifecycle.write_record(
        visit,
        cast.visitor,
        {
            "people_seen": "Mother",
            "child_seen": True,
            "outcome": "Seen.",
            "child_protection_concern": True,
            "concern_details": "Marks on arm.",
        },
    )

    # Assert
    assert rules.retention_for(rules.dated(type(visit).objects.filter(pk=visit.pk)).get())[0] == Basis.CHILD_PROTECTION


def test_a_school_may_keep_longer(cast):
    # Arrange
    RetentionPolicy.objects.create(school=cast.school, cp_years=30, other_years=6)
    plain = cast.make_visit(Status.COMPLETED)
    welfare = cast.make_visit(Status.COMPLETED)
    welfare.reasons.create(reason=Reason.WELFARE_CHECK)

    # Act
    rows = rules.refresh(plain), rules.refresh(welfare)

    # Assert
    assert [r.retain_until for r in rows] == [dt.date(2033, 8, 31), dt.date(2047, 5, 1)]


def test_the_date_is_recomputed_when_a_concern_arrives_later(cast, django_capture_on_commit_callbacks):
    # Arrange: an ordinary record, already dated and due for review.
    visit = cast.make_visit(Status.COMPLETED)
    row = rules.refresh(visit)
    row.review = Review.DUE
    row.retain_until = dt.date(2026, 1, 1)
    row.save()

    # Act: a concern is raised on it afterwards.
    with django_capture_on_commit_callbacks(execute=True):
        concerns.raise_concern(visit, cast.lead, ConcernKind.CHILD_PROTECTION, "Disclosure made later.")

    # Assert: child protection related now, kept to 2042, out of the queue.
    row.refresh_from_db()
    assert (row.basis, row.retain_until, row.review) == (Basis.CHILD_PROTECTION, dt.date(2042, 5, 1), Review.RETAINED)


def test_a_visit_not_finished_gets_no_retention_row(cast):
    assert rules.refresh(cast.make_visit(Status.AUTHORISED)) is None
