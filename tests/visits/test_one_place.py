"""hc14 (issue 13, item 6): one place at a time. Nobody sets off on a visit while they are still on
the road on another (set off, not yet left the property): the lifecycle refuses it under a lock on
the people, the visit page says where they still are, and one person's two set-offs at once never
both pass."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse

from tests import clock
from tests.race import race
from visits import access, lifecycle, watch
from visits.enums import EventKind, Status
from visits.exceptions import LifecycleError, PreconditionFailed
from visits.models import Visit, VisitEvent

TRIALS = int(os.environ.get("RACE_TRIALS", "30"))


def _later(cast, hours: int, **overrides) -> Visit:
    start = clock.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=hours)
    return cast.make_visit(Status.AUTHORISED, start=start, address_line1=f"{hours} Later Road", **overrides)


def test_hc14_a_visitor_on_the_road_elsewhere_cannot_set_off_and_is_told_where(cast):
    # Arrange: on the road at the first visit, not yet left.
    first = cast.make_visit(Status.IN_PROGRESS)
    second = _later(cast, 2)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        lifecycle.transition(second, cast.visitor, lifecycle.Action.START)

    # Assert
    assert f"{cast.visitor} is still on the road at {first.address_line1}" in str(refused.value)
    assert Visit.objects.get(pk=second.pk).status == Status.AUTHORISED


def test_hc14_once_they_have_left_the_first_they_may_set_off_on_the_next(cast):
    # Arrange
    first = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(first, cast.visitor, "arrived")
    lifecycle.record_step(first, cast.visitor, "left")
    second = _later(cast, 2)

    # Act
    lifecycle.transition(second, cast.visitor, lifecycle.Action.START)

    # Assert
    assert Visit.objects.get(pk=second.pk).status == Status.IN_PROGRESS


def test_hc14_the_second_visitor_on_the_road_elsewhere_blocks_the_pair_too(cast):
    # Arrange: on the road at the first visit as its second visitor; the next is led by another.
    cast.make_visit(Status.IN_PROGRESS)
    start = clock.now().replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=3)
    second = cast.make_visit(Status.REQUESTED, start=start)
    lifecycle.update_request(second, cast.office, {"lead_visitor": cast.bystander, "lead_visitor_role": "Teacher"})
    lifecycle.transition(second, cast.lead, lifecycle.Action.AUTHORISE)

    # Act / Assert
    with pytest.raises(PreconditionFailed, match=f"{cast.second} is still on the road"):
        lifecycle.transition(second, cast.bystander, lifecycle.Action.START)


def test_hc14_the_visit_page_offers_no_set_off_and_says_where_they_are(cast, login):
    # Arrange
    first = cast.make_visit(Status.IN_PROGRESS)
    second = _later(cast, 2)

    # Act
    page = login(cast.visitor).get(reverse("visits:detail", args=[second.code]))

    # Assert
    can = page.context["can"]
    assert can.can_start is False
    assert first.address_line1 in can.start_refusal
    assert "still on the road" in page.content.decode()
    assert access.VisitAccess(cast.visitor, first).can_start is False  # already under way


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc14_one_persons_two_set_offs_at_once_never_both_pass(cast, pinned_clock, _flush_despite_append_only_triggers):
    # Arrange
    both = []
    for trial in range(TRIALS):
        a, b = _later(cast, 2 + 3 * trial), _later(cast, 3 + 3 * trial)
        pinned_clock.move_to(a.scheduled_start - dt.timedelta(minutes=30))  # both may be set off now

        def set_off(visit):
            def go(ready):
                copy = Visit.objects.get(pk=visit.pk)
                ready()
                lifecycle.transition(copy, cast.visitor, lifecycle.Action.START)

            return go

        # Act
        finishes = race(set_off(a), set_off(b))

        # Assert (per trial): one set off, the other refused with a reason (never a crash).
        started = Visit.objects.filter(pk__in=[a.pk, b.pk], status=Status.IN_PROGRESS).count()
        if started != 1:
            both.append((trial, started))
        assert all(f.won or isinstance(f.error, LifecycleError) for f in finishes), finishes
        for visit in Visit.objects.filter(pk__in=[a.pk, b.pk], status=Status.IN_PROGRESS):
            lifecycle.record_step(visit, cast.visitor, "left")  # free for the next trial

    assert both == []


# --- the board: each person once, where they are now -----------------------------------------------


def test_hc12_the_board_lists_each_person_out_once_with_where_they_are_now(cast, login):
    # Arrange: the pair at one address; a later visit not yet set off.
    first = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(first, cast.visitor, "arrived")
    _later(cast, 3)

    # Act
    response = login(cast.office).get(reverse("visits:board"))

    # Assert
    people = response.context["people"]
    assert sorted(p.name for p in people) == sorted([str(cast.visitor), str(cast.second)])
    assert all(p.where.startswith(f"At {first.address_line1} since") for p in people)
    assert 'data-testid="board-people"' in response.content.decode()


def test_hc12_someone_on_the_road_at_two_addresses_is_shown_once_and_flagged(cast, login):
    # Arrange: set off on two visits (as before set-off refused it: written beside the lifecycle).
    first = cast.make_visit(Status.IN_PROGRESS)
    second = _later(cast, 2)
    Visit.objects.filter(pk=second.pk).update(status=Status.IN_PROGRESS, started_at=clock.now())
    # With its timeline event, in the same transaction, as the database requires (issue 15).
    VisitEvent.objects.create(
        visit=second, kind=EventKind.SET_OFF, from_status=Status.AUTHORISED, to_status=Status.IN_PROGRESS
    )

    # Act
    response = login(cast.office).get(reverse("visits:board"))

    # Assert: the visitor once, at the newer set-off, with the older address named.
    mine = [p for p in response.context["people"] if p.name == str(cast.visitor)]
    assert len(mine) == 1
    assert mine[0].visit.pk == second.pk and [v.pk for v in mine[0].also] == [first.pk]
    assert 'data-testid="two-places"' in response.content.decode()


def test_hc14_after_leaving_they_are_out_until_back_at_school(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    client = login(cast.office)

    # Act
    before = client.get(reverse("visits:board")).context["people"]
    lifecycle.record_step(visit, cast.office, "back")
    after = client.get(reverse("visits:board")).context["people"]

    # Assert
    assert before and all("not back yet" in p.where for p in before)
    assert after == []


def test_hc14_after_a_call_saying_not_returning_they_are_no_longer_out(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "left")

    # Act
    lifecycle.record_step(visit, cast.office, "not_returning")

    # Assert
    assert login(cast.office).get(reverse("visits:board")).context["people"] == []


def test_hc18_the_board_offers_code_word_used_while_the_school_waits_on_visitors_who_set_off(cast, login):
    # Arrange: on the road, left and not back; one back at school, one not set off (issue 16:
    # nobody can say the code word from a visit not set off).
    back = cast.make_visit(Status.COMPLETED)
    lifecycle.record_step(back, cast.office, "back")
    left = cast.make_visit(Status.COMPLETED, second_visitor=cast.bystander)  # another pair: still waited on
    cast.make_visit(Status.AUTHORISED)
    waiting = [cast.make_visit(Status.IN_PROGRESS)]

    # Act
    rows = {r.visit.pk: r for r in login(cast.office).get(reverse("visits:board")).context["rows"]}

    # Assert
    offered = {pk for pk, row in rows.items() if row.can.can_raise_code_word}
    assert offered == {v.pk for v in [*waiting, left]}


def test_hc19_a_visit_is_set_off_on_its_day_not_a_day_early(cast, pinned_clock):
    # Arrange: booked for tomorrow at 10:00.
    visit = cast.make_visit(Status.AUTHORISED, start=clock.today_at(10, days=1))

    # Act / Assert: refused today, with when it may be set off; allowed from 08:00 that day.
    with pytest.raises(PreconditionFailed, match="set off from 08:00 that day"):
        lifecycle.transition(visit, cast.visitor, lifecycle.Action.START)
    assert access.VisitAccess(cast.visitor, visit).can_start is False
    pinned_clock.move_to(clock.today_at(8, 1, days=1))
    lifecycle.transition(visit, cast.visitor, lifecycle.Action.START)
    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS


def test_hc14_setting_off_again_after_leaving_moves_the_watch_to_the_new_visit(cast):
    # Arrange: left the first family, not back at school; then on to the next.
    first = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(first, cast.visitor, "left")
    split = cast.make_visit(Status.IN_PROGRESS, second_visitor=cast.bystander)  # another pair

    # Act
    lifecycle.record_step(split, cast.visitor, "left")
    following = cast.make_visit(Status.IN_PROGRESS)  # the visitor and the second

    # Assert: the first is no longer waited on (everyone on it went on); the split pair's is.
    first, split = Visit.objects.get(pk=first.pk), Visit.objects.get(pk=split.pk)
    assert first.moved_on_at is not None and watch.deadline(first) is None
    assert split.moved_on_at is None and watch.deadline(split).kind == "not_back"
    assert VisitEvent.objects.filter(visit=first, kind=EventKind.MOVED_ON).count() == 1
    assert watch.deadline(following).kind == "overdue"
