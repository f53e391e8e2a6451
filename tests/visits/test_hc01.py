"""hc01, "All home visits must be authorised by the safeguarding lead", at four depths:

(a) the lifecycle refuses to start (or check in, or record) a visit that is not authorised;
(b) the set-off view refuses it, for the visitor on the visit, and refuses GET;
(c) the database refuses a started visit without an authorisation, whatever SQL writes it;
(d) a race between setting off and a lead declining (or the office cancelling) never lets a
    visit start without a valid authorisation.

The race test can be shown to bite: with HOMEVISITS_RACE_WITHOUT_LOCK=1 it replaces the row lock
(`lifecycle.core.lock`) with a plain read and is expected to FAIL, printing how many trials broke hc01:

    HOMEVISITS_RACE_WITHOUT_LOCK=1 DATABASE_URL=postgres://... pytest -s tests/visits/test_hc01.py -k race
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from tests.factories import Cast, setting_off_freely
from tests.race import race
from visits import lifecycle
from visits.enums import EventKind, Role, Status
from visits.exceptions import LifecycleError, TransitionNotAllowed
from visits.models import AuditEntry, Membership, Visit, VisitEvent

S = Status
# Every state a visit can be in without a current authorisation, plus the two already started.
NOT_AUTHORISED = [S.DRAFT, S.REQUESTED, S.SENT_BACK, S.DECLINED, S.CANCELLED, S.IN_PROGRESS, S.COMPLETED]
NEVER_AUTHORISED = [S.DRAFT, S.REQUESTED, S.SENT_BACK, S.DECLINED, S.CANCELLED]
RECORD = {"people_seen": "Mother", "child_seen": True, "outcome": "Plan agreed."}


def make(cast: Cast, state: str) -> Visit:
    """A visit in `state`; "returned" is an authorised visit edited back into the queue."""
    if state == "returned":
        visit = cast.make_visit(S.AUTHORISED)
        lifecycle.update_request(visit, cast.office, {"address_line1": "99 Other Road"})
        visit.refresh_from_db()
        return visit
    return cast.make_visit(state)


def snapshot(visit: Visit) -> dict:
    return {
        "row": Visit.objects.filter(pk=visit.pk).values().get(),
        "events": list(VisitEvent.objects.filter(visit_id=visit.pk).order_by("id").values_list("id", "kind")),
        "audit": AuditEntry.objects.count(),
    }


def set_offs(visit: Visit) -> int:
    return VisitEvent.objects.filter(visit_id=visit.pk, kind=EventKind.SET_OFF).count()


# --- (a) the lifecycle ---------------------------------------------------------------------------


@pytest.mark.parametrize("state", [*NOT_AUTHORISED, "returned"])
def test_hc01_lifecycle_refuses_start_unless_authorised(cast, state):
    # Arrange
    visit = make(cast, state)
    before = snapshot(visit)

    # Act
    with pytest.raises(TransitionNotAllowed):
        lifecycle.transition(visit, cast.visitor, "start")

    # Assert
    assert snapshot(visit) == before


@pytest.mark.parametrize("state", [*NEVER_AUTHORISED, S.AUTHORISED, "returned"])
@pytest.mark.parametrize("step", ["arrived", "left", "back", "record"])
def test_hc01_lifecycle_refuses_check_in_and_record_before_set_off(cast, state, step):
    # Arrange
    visit = make(cast, state)
    before = snapshot(visit)

    # Act
    with pytest.raises(TransitionNotAllowed):
        if step == "record":
            lifecycle.write_record(visit, cast.visitor, RECORD)
        else:
            lifecycle.record_step(visit, cast.office, step)

    # Assert
    assert snapshot(visit) == before


def test_hc01_lifecycle_starts_authorised_visit(cast):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)

    # Act
    lifecycle.transition(visit, cast.visitor, "start")

    # Assert
    visit.refresh_from_db()
    assert (visit.status, set_offs(visit)) == (S.IN_PROGRESS, 1)
    assert visit.started_at is not None


# --- (b) the view -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", [*NOT_AUTHORISED, "returned"])
def test_hc01_start_view_refuses_visitor_unless_authorised(cast, login, state):
    # Arrange
    visit = make(cast, state)
    before = snapshot(visit)
    label = Visit.objects.get(pk=visit.pk).get_status_display().lower()

    # Act
    response = login(cast.visitor).post(reverse("visits:start", args=[visit.code]))

    # Assert: sent back to the visit with the reason, and nothing changed.
    assert response.status_code == 302
    assert response.url == reverse("visits:detail", args=[visit.code])
    messages = [(m.level_tag, str(m)) for m in get_messages(response.wsgi_request)]
    assert len(messages) == 1
    if visit.started_at is None:
        assert messages[0][0] == "error"
        assert messages[0][1].startswith(f"You cannot set off on this visit: it is {label}.")
    else:
        # Issue 13: the visitor's second Set off (a retried tap) is told it is done; nothing changes.
        assert messages[0] == ("success", messages[0][1])
        assert messages[0][1].startswith("Set off was already logged at")
    assert snapshot(visit) == before


@pytest.mark.parametrize("state", [S.AUTHORISED, S.REQUESTED])
def test_hc01_start_view_refuses_get(cast, login, state):
    # Arrange
    visit = cast.make_visit(state)
    before = snapshot(visit)

    # Act
    response = login(cast.visitor).get(reverse("visits:start", args=[visit.code]))

    # Assert
    assert response.status_code == 405
    assert snapshot(visit) == before


def test_hc01_start_view_sets_off_authorised_visit(cast, login):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)

    # Act
    response = login(cast.visitor).post(reverse("visits:start", args=[visit.code]))

    # Assert
    assert response.status_code == 302
    visit.refresh_from_db()
    assert (visit.status, set_offs(visit)) == (S.IN_PROGRESS, 1)
    assert [m.level_tag for m in get_messages(response.wsgi_request)] == ["success"]


@pytest.mark.parametrize(("role", "code"), [("lead", 403), ("office", 403), ("bystander", 404), ("other_lead", 404)])
def test_hc01_start_view_refuses_people_not_going(cast, login, role, code):
    # Arrange
    visit = cast.make_visit(S.AUTHORISED)
    before = snapshot(visit)

    # Act
    response = login(cast.users()[role]).post(reverse("visits:start", args=[visit.code]))

    # Assert
    assert response.status_code == code
    assert snapshot(visit) == before


# --- (c) the database ---------------------------------------------------------------------------


def _raw_update(visit: Visit, assignments: str, *params) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Visit._meta.db_table} SET {assignments} WHERE id = %s", [*params, visit.pk])


@pytest.mark.parametrize("state", [*NEVER_AUTHORISED, "returned"])
def test_hc01_database_refuses_raw_start_without_authorisation(cast, state):
    # Arrange
    visit = make(cast, state)
    assert (visit.authorised_at, visit.authorised_by_id) == (None, None)

    # Act
    with pytest.raises(IntegrityError) as refused:
        _raw_update(visit, "status = %s", S.IN_PROGRESS)

    # Assert
    assert "hc01_started_visit_is_authorised" in str(refused.value)
    assert Visit.objects.get(pk=visit.pk).status == (S.REQUESTED if state == "returned" else state)


def test_hc01_database_refuses_clearing_authorisation_of_started_visit(cast):
    # Arrange
    visit = cast.make_visit(S.IN_PROGRESS)

    # Act
    with pytest.raises(IntegrityError) as refused:
        _raw_update(visit, "authorised_at = NULL, authorised_by_id = NULL")

    # Assert
    assert "hc01_started_visit_is_authorised" in str(refused.value)
    assert Visit.objects.get(pk=visit.pk).authorised_at is not None


def test_hc01_database_accepts_raw_start_of_authorised_visit(cast):
    # Arrange: the control case, so that the refusals above are the constraint and not the SQL.
    visit = cast.make_visit(S.AUTHORISED)

    # Act: with its timeline event, in the same transaction, as the database requires (issue 15).
    _raw_update(visit, "status = %s", S.IN_PROGRESS)
    VisitEvent.objects.create(visit=visit, kind=EventKind.SET_OFF, from_status=S.AUTHORISED, to_status=S.IN_PROGRESS)

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == S.IN_PROGRESS


# --- (d) the race ---------------------------------------------------------------------------------

RACE_TRIALS = 200
RACE_COMBINATIONS = [(state, rival) for state in (S.REQUESTED, S.AUTHORISED) for rival in ("decline", "cancel")]
RACE_WITHOUT_LOCK = os.environ.get("HOMEVISITS_RACE_WITHOUT_LOCK") == "1"


def _read_without_lock(visit: Visit) -> Visit:
    """The broken `_lock` the opt-in run uses: a plain read, so both racers can read "authorised"
    before either writes. No pause is added: the natural window between the read and the write is
    wide enough for the race to be caught in about half of the trials (all of the authorised ones)."""
    return Visit.objects.select_related("school").get(pk=visit.pk)


def _race(visit_pk: int, racers: list[tuple[str, object, str, str]]) -> dict[str, str]:
    """Run each racer's `transition` at once (`tests.race`), each on its own copy of the visit.
    Returns name -> "won", or the name of the LifecycleError it got."""

    def racer(actor, action: str, note: str):
        def go(ready) -> None:
            visit = Visit.objects.get(pk=visit_pk)  # the thread's own copy, on its own connection
            ready()
            lifecycle.transition(visit, actor, action, note=note)

        return go

    finishes = race(*(racer(actor, action, note) for _name, actor, action, note in racers))
    return {
        name: "won"
        if finish.won
        else type(finish.error).__name__
        if isinstance(finish.error, LifecycleError)
        else repr(finish.error)
        for (name, *_), finish in zip(racers, finishes, strict=True)
    }


def _hc01_violation(visit: Visit, lead_ids: set[int]) -> str:
    """Why this visit was started without a valid authorisation ("" when it was not)."""
    kinds = [e.kind for e in sorted(visit.events.all(), key=lambda e: e.pk)]
    started = visit.status in S.started() or EventKind.SET_OFF in kinds
    if not started:
        return ""
    if visit.authorised_at is None:
        return "started without authorised_at"
    if visit.authorised_by_id not in lead_ids:
        return "started, authorised by someone who is not a lead"
    undone = {EventKind.DECLINED, EventKind.CANCELLED} & set(kinds)
    if undone:
        return f"started although {'/'.join(sorted(undone))}: status {visit.status}, events {kinds}"
    return ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc01_race_start_against_decline_or_cancel(cast, _flush_despite_append_only_triggers, monkeypatch):
    # Arrange
    if RACE_WITHOUT_LOCK:
        monkeypatch.setattr(lifecycle.core, "lock", _read_without_lock)
    per_combination = RACE_TRIALS // len(RACE_COMBINATIONS)
    rival_actor = {"decline": cast.lead, "cancel": cast.office}
    trials = [
        (state, rival, cast.make_visit(state).pk) for state, rival in RACE_COMBINATIONS for _ in range(per_combination)
    ]
    lead_ids = set(
        Membership.objects.filter(school=cast.school, role__in=Role.safeguarding(), is_active=True).values_list(
            "user_id", flat=True
        )
    )

    # Act (one visitor sets off on many visits: one place at a time is test_one_place's)
    outcomes = []
    with setting_off_freely():
        for _state, rival, pk in trials:
            racers = [("start", cast.visitor, "start", ""), (rival, rival_actor[rival], rival, "Racing the set off.")]
            outcomes.append(_race(pk, racers))

    # Assert
    visits = Visit.objects.filter(pk__in=[pk for _, _, pk in trials]).prefetch_related("events").in_bulk()
    violations, inconsistent = [], []
    wins = Counter()
    for (state, rival, pk), outcome in zip(trials, outcomes, strict=True):
        visit = visits[pk]
        if why := _hc01_violation(visit, lead_ids):
            violations.append((pk, state, rival, why))
        winners = [name for name, result in outcome.items() if result == "won"]
        wins.update(winners)
        kinds = Counter(e.kind for e in visit.events.all())
        expected_status = {"start": S.IN_PROGRESS, "decline": S.DECLINED, "cancel": S.CANCELLED}
        consistent = (
            len(outcome) == 2
            and len(winners) == 1
            and set(outcome.values()) == {"won", "TransitionNotAllowed"}
            and (state == S.AUTHORISED or winners == [rival])
            and visit.status == expected_status[winners[0]]
            and kinds[EventKind.SET_OFF] + kinds[EventKind.DECLINED] + kinds[EventKind.CANCELLED] == 1
        )
        if not consistent:
            inconsistent.append((pk, state, rival, outcome, visit.status))
    print(
        f"\nhc01 race{' WITHOUT THE ROW LOCK' if RACE_WITHOUT_LOCK else ''}: {len(trials)} trials; "
        f"starts won {wins['start']}, declines won {wins['decline']}, cancels won {wins['cancel']}; "
        f"hc01 violations {len(violations)}, inconsistent outcomes {len(inconsistent)}"
    )
    assert len(trials) >= 200
    assert violations == []
    assert inconsistent == []
