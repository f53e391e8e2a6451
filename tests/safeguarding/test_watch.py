"""hc14, hc19 (issue 13, items 2 and 3): the whole trip watched, and a ladder with no silent end.

Deadlines (`visits.watch`): not set off by the start plus the grace; on the road past the expected
end plus the grace; after leaving, neither back nor "not returning today" by the school's travel
time plus the grace; and the end-of-day sweep. An alarm goes to the office's board at once and
must be taken on by a person within the school's time, or it goes to every lead, then the head.
Nothing closes an alarm but a person recording the visitors safe."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from safeguarding.alerts import make_alerts, send_due_alerts
from safeguarding.models import Alert, AlertKind
from tests.clock import london
from tests.race import race
from visits import lifecycle, moves, watch
from visits.enums import EventKind, Status
from visits.exceptions import AlreadyDone
from visits.models import Visit, VisitEvent

AFTERNOON = london(2026, 11, 11, 12, 30)
MIN = dt.timedelta(minutes=1)
HALF_MINUTE = dt.timedelta(seconds=30)


def kinds(visit: Visit) -> list[str]:
    return list(VisitEvent.objects.filter(visit=visit).order_by("id").values_list("kind", flat=True))


def at(hour: int, minute: int = 0) -> dt.datetime:
    return london(2026, 11, 11, hour, minute)


# --- the deadlines -----------------------------------------------------------------------------------


@pytest.mark.clock(AFTERNOON)
def test_hc19_an_authorised_visit_not_set_off_by_the_start_plus_grace_is_raised_once(cast, pinned_clock):
    # Arrange: due 13:00; the grace is 15 minutes.
    visit = cast.make_visit(Status.AUTHORISED, start=at(13), expected_end=at(14))

    # Act
    pinned_clock.move_to(at(13, 14))
    early = lifecycle.record_missed(visit)
    pinned_clock.move_to(at(13, 16))
    first, second = lifecycle.record_missed(visit), lifecycle.record_missed(visit)

    # Assert
    assert (early, first, second) == (None, EventKind.NOT_SET_OFF, None)
    assert kinds(visit).count(EventKind.NOT_SET_OFF) == 1
    assert lifecycle.alarm_state(visit).headline == "NOT SET OFF"


@pytest.mark.clock(AFTERNOON)
def test_hc19_after_leaving_they_are_watched_until_back_or_a_call_saying_not_returning(cast, pinned_clock):
    # Arrange: left at 12:40; travel 30 minutes, grace 15: due back 13:25.
    back_due, going_home = (
        cast.make_visit(Status.IN_PROGRESS, start=at(11), expected_end=at(12, 45)) for _ in range(2)
    )
    for visit in (back_due, going_home):
        pinned_clock.move_to(at(12, 40))
        lifecycle.record_step(visit, cast.office, "left")
    lifecycle.record_step(going_home, cast.office, "not_returning")

    # Act
    pinned_clock.move_to(at(13, 24))
    before = lifecycle.record_missed(back_due)
    pinned_clock.move_to(at(13, 26))
    after = lifecycle.record_missed(back_due)

    # Assert
    assert (before, after) == (None, EventKind.NOT_BACK)
    assert watch.deadline(Visit.objects.get(pk=going_home.pk)) is None
    assert lifecycle.record_missed(going_home) is None


@pytest.mark.clock(AFTERNOON)
def test_hc19_nothing_closes_an_alarm_but_a_person_recording_them_safe(cast, pinned_clock):
    # Arrange: overdue (ended 12:00, grace to 12:15), written by the runner.
    visit = cast.make_visit(Status.IN_PROGRESS, start=at(11), expected_end=at(12))
    assert lifecycle.record_missed(visit) == EventKind.OVERDUE

    # Act: the visitors log leaving, then back at school: still open.
    lifecycle.record_step(visit, cast.visitor, "left")
    lifecycle.record_step(visit, cast.visitor, "back")
    still = lifecycle.alarm_state(Visit.objects.get(pk=visit.pk))
    lifecycle.record_escalation(visit, cast.office, "resolved", outcome="back_at_school")
    closed = lifecycle.alarm_state(Visit.objects.get(pk=visit.pk))

    # Assert
    assert still.is_open and still.overdue_open
    assert not closed.is_open


@pytest.mark.clock(AFTERNOON)
def test_hc19_taking_it_on_stops_the_ladder_but_leaves_the_alarm_open(cast, pinned_clock):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, start=at(11), expected_end=at(12))
    lifecycle.record_missed(visit)

    # Act
    lifecycle.acknowledge_alarm(visit, cast.office)
    with pytest.raises(AlreadyDone):
        lifecycle.acknowledge_alarm(visit, cast.lead)
    pinned_clock.move_to(at(13))
    rung = lifecycle.climb_ladder(visit)

    # Assert
    state = lifecycle.alarm_state(visit)
    assert rung is None
    assert state.is_open and state.acknowledged.actor_id == cast.office.pk


@pytest.mark.clock(AFTERNOON)
def test_hc19_unacknowledged_it_goes_to_every_lead_then_the_head_each_once(cast, pinned_clock):
    # Arrange: written at 12:30; five minutes to take it on.
    visit = cast.make_visit(Status.IN_PROGRESS, start=at(11), expected_end=at(12))
    lifecycle.record_missed(visit)

    # Act
    rungs = []
    for minute in (34, 36, 37, 39, 41, 45, 59):
        pinned_clock.move_to(at(12, minute))
        rungs.append(lifecycle.climb_ladder(visit))

    # Assert
    assert rungs == [None, EventKind.ESCALATED_TO_LEADS, None, None, EventKind.ESCALATED_TO_HEAD, None, None]


@pytest.mark.clock(london(2026, 11, 11, 17, 30))
def test_hc19_the_end_of_day_sweep_raises_a_visit_still_open(cast, pinned_clock):
    # Arrange: an evening visit under way past the school's day end (18:00), not yet overdue.
    visit = cast.make_visit(Status.IN_PROGRESS, start=at(17, 45), expected_end=at(18, 45))

    # Act
    before = lifecycle.record_still_open(visit)
    pinned_clock.move_to(at(18, 0) + MIN)
    after, again = lifecycle.record_still_open(visit), lifecycle.record_still_open(visit)

    # Assert
    assert (before, after, again) == (False, True, False)
    assert lifecycle.alarm_state(visit).headline == "STILL OPEN AT THE END OF THE DAY"


@pytest.mark.clock(AFTERNOON)
def test_hc19_the_ladder_reaches_the_leads_and_heads_screens(cast, login, pinned_clock):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, start=at(11), expected_end=at(12))
    lifecycle.record_missed(visit)
    pinned_clock.move_to(at(12, 36))
    lifecycle.climb_ladder(visit)

    # Act
    lead_page = login(cast.lead).get(reverse("visits:detail", args=[visit.code])).content.decode()
    head_before = login(cast.head).get(reverse("visits:overview")).content.decode()
    pinned_clock.move_to(at(12, 41))
    lifecycle.climb_ladder(visit)
    head_after = login(cast.head).get(reverse("visits:overview")).content.decode()
    office_page = login(cast.office).get(reverse("visits:board")).content.decode()

    # Assert
    assert 'data-testid="escalated-alarms"' in lead_page
    assert 'data-testid="escalated-alarms"' not in head_before
    assert 'data-testid="escalated-alarms"' in head_after
    assert 'data-testid="unacknowledged"' in office_page


@pytest.mark.clock(AFTERNOON)
def test_hc19_the_board_offers_take_it_on_and_shows_who_did(cast, login, pinned_clock):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED, start=at(12), expected_end=at(13))
    client = login(cast.office)

    # Act: the board shows the passed deadline before the runner wrote it; one tap takes it on.
    board = client.get(reverse("visits:board")).content.decode()
    client.post(reverse("visits:acknowledge_alarm", args=[visit.code]), {"next": reverse("visits:board")})
    after = client.get(reverse("visits:board")).content.decode()

    # Assert
    assert "NOT SET OFF" in board and 'data-testid="acknowledge"' in board
    assert kinds(visit)[-2:] == [EventKind.NOT_SET_OFF, EventKind.ALARM_ACKNOWLEDGED]
    assert 'data-testid="acknowledged"' in after and 'data-testid="acknowledge"' not in after


# --- a simulated afternoon, two runners each minute --------------------------------------------------


def _runner(ready):
    ready()
    make_alerts()
    send_due_alerts()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.clock(AFTERNOON)
def test_hc19_a_simulated_afternoon_two_runners_each_minute_every_alert_once_none_missed(
    cast, pinned_clock, _flush_despite_append_only_triggers
):
    """12:30 to 18:12, minute by minute, two alert runners at once each minute. A: never set off
    (nobody takes it on: leads, then head). B: overdue on the road, taken on by the office in two
    minutes, resolved. C: left and not back (nobody takes it on). D: left and rang to say not
    returning (no alarm). F: an evening visit still open at the end of the day."""
    school = cast.school
    a = cast.make_visit(Status.AUTHORISED, start=at(13), expected_end=at(14), address_line1="A Street")
    # B's deadline falls half-way between two passes (14:45:30): it waits for the next one.
    b = cast.make_visit(
        Status.AUTHORISED, start=at(13, 30), expected_end=at(14, 30) + HALF_MINUTE, address_line1="B Street"
    )
    c = cast.make_visit(
        Status.AUTHORISED, start=at(15), expected_end=at(15, 45), second_visitor=None, address_line1="C Street"
    )
    d = cast.make_visit(Status.AUTHORISED, start=at(15, 30), expected_end=at(16), address_line1="D Street")
    f = cast.make_visit(Status.AUTHORISED, start=at(17, 30), expected_end=at(18, 30), address_line1="F Street")
    for visit, person in ((c, cast.bystander), (f, cast.bystander)):
        lifecycle.update_request(visit, cast.office, {"lead_visitor": person, "lead_visitor_role": "Teacher"})
        lifecycle.transition(
            visit, cast.lead, lifecycle.Action.AUTHORISE, approve_lone_working=True, confirm_evening=True
        )
    done_by_people = {
        at(13, 20): lambda: lifecycle.transition(b, cast.visitor, lifecycle.Action.START),
        at(14, 48): lambda: lifecycle.acknowledge_alarm(b, cast.office),
        at(14, 55): lambda: lifecycle.record_step(b, cast.visitor, "left"),
        at(14, 56): lambda: lifecycle.record_escalation(b, cast.office, "resolved", outcome="spoke_to_them"),
        at(15, 0): lambda: lifecycle.record_step(b, cast.visitor, "back"),
        at(14, 50): lambda: lifecycle.transition(c, cast.bystander, lifecycle.Action.START),
        at(15, 40): lambda: lifecycle.record_step(c, cast.bystander, "left"),
        at(15, 20): lambda: lifecycle.transition(d, cast.visitor, lifecycle.Action.START),
        at(16, 10): lambda: lifecycle.record_step(d, cast.visitor, "left"),
        at(16, 20): lambda: lifecycle.record_step(d, cast.visitor, "not_returning"),
        at(17, 20): lambda: lifecycle.transition(f, cast.bystander, lifecycle.Action.START),
    }
    mail.outbox.clear()

    # Act
    minute = AFTERNOON
    while minute <= at(18, 12):
        pinned_clock.move_to(minute)
        if minute in done_by_people:
            done_by_people[minute]()
        finishes = race(_runner, _runner)
        assert all(f.won for f in finishes), [f.error for f in finishes]
        minute += MIN

    # Assert: each alarm written once, within a minute of its deadline.
    expected = {
        a.pk: [EventKind.NOT_SET_OFF, EventKind.ESCALATED_TO_LEADS, EventKind.ESCALATED_TO_HEAD],
        b.pk: [EventKind.OVERDUE],
        c.pk: [EventKind.NOT_BACK, EventKind.ESCALATED_TO_LEADS, EventKind.ESCALATED_TO_HEAD],
        d.pk: [],
        f.pk: [EventKind.STILL_OPEN, EventKind.ESCALATED_TO_LEADS, EventKind.ESCALATED_TO_HEAD],
    }
    system = {
        visit.pk: [k for k in kinds(visit) if k in {*moves.MISSED_EVENTS, *moves.LADDER}] for visit in (a, b, c, d, f)
    }
    assert system == expected
    due = {a.pk: at(13, 15), b.pk: at(14, 45) + HALF_MINUTE, c.pk: at(16, 25), f.pk: at(18)}
    delays = {
        pk: (VisitEvent.objects.get(visit_id=pk, kind=expected[pk][0]).at - when).total_seconds()
        for pk, when in due.items()
    }
    print(f"\nhc19 afternoon: alarm written after its deadline (s): {sorted(round(d, 1) for d in delays.values())}")
    assert all(0 <= delay <= 60 for delay in delays.values()), delays
    # Every alert made once, and sent once: none left, none twice.
    alerts = Alert.objects.all()
    assert alerts.filter(sent_at__isnull=True).count() == 0
    per_event = alerts.exclude(kind=AlertKind.OVERDUE).values_list("event_id", flat=True)
    assert len(per_event) == len(set(per_event)) == 9  # 3 alarms (A, C, F) and their 6 rungs
    assert alerts.filter(kind=AlertKind.OVERDUE).count() == 1
    assert len(mail.outbox) == sum(alerts.values_list("recipients", flat=True))
    # None closed but by a person: A, C and F are still open; B was resolved by the office.
    open_now = {v.pk: lifecycle.alarm_state(Visit.objects.get(pk=v.pk)).is_open for v in (a, b, c, d, f)}
    assert open_now == {a.pk: True, b.pk: False, c.pk: True, d.pk: False, f.pk: True}
    assert school.acknowledge_minutes == 5


@pytest.mark.clock(AFTERNOON)
def test_hc19_the_head_sent_the_alarm_sees_it_on_the_visit_and_whom_to_ring(cast, login, pinned_clock):
    # Arrange: nobody took it on; the ladder reached the head.
    visit = cast.make_visit(Status.IN_PROGRESS, start=at(11), expected_end=at(12))
    lifecycle.record_missed(visit)
    for minute in (36, 41):
        pinned_clock.move_to(at(12, minute))
        lifecycle.climb_ladder(visit)

    # Act
    head = login(cast.head).get(reverse("visits:detail", args=[visit.code])).content.decode()
    lead = login(cast.lead).get(reverse("visits:detail", args=[visit.code])).content.decode()
    visitor = login(cast.visitor).get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert: the head reads it and the office's number; the lead gets the alarm page; the visitor
    # (who may be under duress) sees nothing of it.
    assert 'data-testid="visit-alarm"' in head and "Ring the school office" in head
    assert reverse("visits:alarm", args=[visit.code]) in lead
    assert 'data-testid="visit-alarm"' not in visitor
