"""The daily review (`manage.py retention_review`, issue 17): fills each school's queue with the
records past their date, idempotent, scoped to the schools asked, held records never queued."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from retention import decisions
from retention.models import RetentionPolicy, Review, VisitRetention
from tests import clock
from tests.factories import Cast, make_household, make_pupil, visit_fields
from visits import lifecycle
from visits.enums import Reason, Status

# A visit in the school year 2022/23 is kept to 31/08/2025 by default: past at the pinned morning.
LONG_AGO = clock.london(2022, 10, 12, 10)


def old_visit(cast: Cast, school=None, *, status: str = Status.CANCELLED):
    """A visit booked in October 2022 and cancelled (the suite's clock travels back to book it)."""
    import time_machine

    school = school or cast.school
    requester = cast.office if school == cast.school else cast.other_office
    visitor = cast.visitor if school == cast.school else cast.other_visitor
    household = cast.household if school == cast.school else make_household(school)
    pupil = cast.pupil if school == cast.school else make_pupil(household)
    with time_machine.travel(LONG_AGO - dt.timedelta(days=7), tick=False):
        visit = lifecycle.create_request(
            requester,
            school,
            household,
            visit_fields(visitor, None, start=LONG_AGO),
            pupils=[pupil],
            reasons=[Reason.ATTENDANCE],
        )
        lifecycle.transition(visit, requester, "cancel")
    return visit


def run(*args) -> str:
    out = StringIO()
    call_command("retention_review", *args, stdout=out)
    return out.getvalue()


def test_the_review_dates_finished_visits_and_queues_those_past_their_date(cast):
    # Arrange
    old = old_visit(cast)
    recent = cast.make_visit(Status.COMPLETED)
    open_visit = cast.make_visit(Status.AUTHORISED)

    # Act
    printed = run()

    # Assert
    rows = {r.visit_id: r for r in VisitRetention.objects.all()}
    assert set(rows) == {old.pk, recent.pk}
    assert open_visit.pk not in rows
    assert (rows[old.pk].review, rows[old.pk].retain_until) == (Review.DUE, dt.date(2025, 8, 31))
    assert rows[recent.pk].review == Review.RETAINED
    assert "dated 2" in printed and "now due 1" in printed and "due 1" in printed


def test_the_review_is_idempotent(cast):
    # Arrange
    old_visit(cast)
    run()
    before = list(VisitRetention.objects.values_list("pk", "review", "retain_until", "due_since"))

    # Act
    printed = run()

    # Assert
    assert list(VisitRetention.objects.values_list("pk", "review", "retain_until", "due_since")) == before
    assert "dated 0" in printed and "now due 0" in printed and "due 1" in printed


def test_the_review_is_scoped_to_the_schools_asked(cast):
    # Arrange
    ours = old_visit(cast)
    theirs = old_visit(cast, cast.other_school)

    # Act
    run("--school", cast.other_school.slug)

    # Assert
    assert list(VisitRetention.objects.values_list("visit_id", flat=True)) == [theirs.pk]
    assert not VisitRetention.objects.filter(visit=ours).exists()


def test_an_unknown_school_is_refused(db):
    with pytest.raises(CommandError, match="No school"):
        run("--school", "no-such-school")


def test_a_longer_period_keeps_a_record_out_of_the_queue(cast):
    # Arrange
    RetentionPolicy.objects.create(school=cast.school, cp_years=25, other_years=5)
    visit = old_visit(cast)

    # Act
    run()

    # Assert
    row = VisitRetention.objects.get(visit=visit)
    assert (row.review, row.retain_until) == (Review.RETAINED, dt.date(2028, 8, 31))


def test_held_records_stay_held_and_kept_ones_come_back_on_their_date(cast, pinned_clock):
    # Arrange
    held, kept = old_visit(cast), old_visit(cast)
    run()
    decisions.hold(held.retention, cast.lead, "Inquiry.")
    decisions.keep(kept.retention, cast.lead, "Sibling starting.", dt.date(2026, 12, 1))

    # Act: the day after the keep's review date.
    pinned_clock.move_to(clock.london(2026, 12, 2, 6))
    printed = run()

    # Assert
    states = dict(VisitRetention.objects.values_list("visit_id", "review"))
    assert states == {held.pk: Review.HELD, kept.pk: Review.DUE}
    assert "back from kept 1" in printed and "held 1" in printed


def test_the_queue_never_shows_another_schools_records(cast, login):
    # Arrange
    ours, theirs = old_visit(cast), old_visit(cast, cast.other_school)
    run()
    our_row, their_row = VisitRetention.objects.get(visit=ours), VisitRetention.objects.get(visit=theirs)

    # Act
    ours_page = login(cast.lead).get(reverse("retention:queue")).content.decode()
    theirs_page = login(cast.other_lead).get(reverse("retention:queue")).content.decode()
    cross = login(cast.lead).get(reverse("retention:record", args=[their_row.code]))

    # Assert
    assert str(our_row.code) in ours_page and str(their_row.code) not in ours_page
    assert str(their_row.code) in theirs_page and str(our_row.code) not in theirs_page
    assert cross.status_code == 404
