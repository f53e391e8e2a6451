"""Issue 15: the database holds the visit's rules whatever code, or person with a database client,
writes the rows (`visits.db_rules`, migrations visits 0012 and 0014).

- Each illegal write below, in raw SQL as the app's database role (item 3), each in its own
  savepoint, is refused by PostgreSQL: the eight the issue found accepted before (a visit set off
  on an authorisation by a visitor, the office or another school's lead; authorised then cancelled
  or declined, then set off; completed with no record; a `set_off` event on a requested visit;
  `status='bogus'`; authorised back to draft) and others (completed back to in progress, arrived
  before set off, a second set off...).
- The moves installed in the database are the Python table's (`visits.moves.database_moves`).
- Controls: each legal move through the lifecycle still passes the triggers, and a legal move in
  raw SQL with its matching event is accepted, so the refusals are the rules, not the SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from psycopg2 import sql as psql

from homevisits import db_roles
from tests.factories import Cast, setting_off_freely
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.models import Visit, VisitEvent
from visits.moves import database_moves

pytestmark = pytest.mark.postgres

S = Status


# The role the app serves as in production (issue 15, item 3): may read and write the visit's
# tables, owns nothing, so cannot drop or disable a trigger.
APP_ROLE = settings.DATABASE_APP_ROLE or "homevisits_test_app"


@pytest.fixture
def app_role(db):
    """The app's role, with its grants (inside the test's transaction: undone with it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [APP_ROLE])
        if cursor.fetchone() is None:
            cursor.execute(psql.SQL("CREATE ROLE {} LOGIN").format(psql.Identifier(APP_ROLE)))
    db_roles.grant(APP_ROLE)
    return APP_ROLE


def _as_app_role(cursor) -> None:
    """For the rest of the enclosing savepoint (undone when it rolls back), act as the app's role."""
    cursor.execute(psql.SQL("SET LOCAL ROLE {}").format(psql.Identifier(APP_ROLE)))


def _execute(sql: str, params: list, *, as_app: bool = False) -> None:
    with connection.cursor() as cursor:
        if as_app:
            _as_app_role(cursor)
        cursor.execute(sql, params)


def _update(visit: Visit, assignments: str, *params) -> tuple[str, list]:
    return f"UPDATE visits_visit SET {assignments} WHERE id = %s", [*params, visit.pk]


def _event(visit: Visit, kind: str, from_status: str = "", to_status: str = "") -> tuple[str, list]:
    return (
        "INSERT INTO visits_visitevent (visit_id, kind, at, actor_id, actor_name, from_status, to_status, note) "
        "VALUES (%s, %s, now(), NULL, 'psql', %s, %s, '')",
        [visit.pk, kind, from_status, to_status],
    )


def _insert_copy(visit: Visit, status: str) -> tuple[str, list]:
    """A new visit row, copied from `visit` (a fresh code), straight into `status`."""
    columns = [f.column for f in Visit._meta.concrete_fields if f.column != "id"]
    values = ["gen_random_uuid()" if c == "code" else "%s" if c == "status" else c for c in columns]
    return (
        f"INSERT INTO visits_visit ({', '.join(columns)}) SELECT {', '.join(values)} FROM visits_visit WHERE id = %s",
        [status, visit.pk],
    )


def _at_commit(write: tuple[str, list], trigger: str) -> tuple[str, list]:
    """`write`, then the check PostgreSQL defers to COMMIT made now (the test never commits)."""
    sql, params = write
    return f"{sql}; SET CONSTRAINTS {trigger} IMMEDIATE", params


def _withdrawn(cast: Cast, action: str) -> Visit:
    visit = cast.make_visit(S.AUTHORISED)
    lifecycle.transition(visit, cast.lead, action, note="The family moved away.")
    return visit


def _left(cast: Cast) -> Visit:
    """Under way, the visitors have left the property, no record written yet."""
    visit = cast.make_visit(S.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "left")
    visit.refresh_from_db()
    assert visit.status == S.IN_PROGRESS
    return visit


@dataclass(frozen=True)
class Write:
    """An illegal write: `build` makes the visit it needs and returns the SQL; the refusal names `says`."""

    build: Callable[[Cast], tuple[str, list]]
    says: str


def _set_off_authorised_by(who: str) -> Callable[[Cast], tuple[str, list]]:
    def build(cast: Cast) -> tuple[str, list]:
        visit = cast.make_visit(S.AUTHORISED)
        return _update(
            visit, "status = 'in_progress', started_at = now(), authorised_by_id = %s", getattr(cast, who).pk
        )

    return build


NOT_A_MOVE = "is not a move of the state machine"
NOT_A_LEAD = "not an active safeguarding lead or deputy"

ILLEGAL_WRITES: dict[str, Write] = {
    # --- the eight the issue found accepted ---
    "in progress, authorised by a visitor": Write(_set_off_authorised_by("visitor"), NOT_A_LEAD),
    "in progress, authorised by the office": Write(_set_off_authorised_by("office"), NOT_A_LEAD),
    "in progress, authorised by another school's lead": Write(_set_off_authorised_by("other_lead"), NOT_A_LEAD),
    "authorised, cancelled, then in progress": Write(
        lambda cast: _update(_withdrawn(cast, "cancel"), "status = 'in_progress', started_at = now()"),
        "hc01_started_visit_is_authorised",
    ),
    "authorised, declined, then in progress": Write(
        lambda cast: _update(_withdrawn(cast, "decline"), "status = 'in_progress', started_at = now()"),
        "hc01_started_visit_is_authorised",
    ),
    "completed with no record": Write(
        lambda cast: _update(_left(cast), "status = 'completed', completed_at = now()"), "without a Record"
    ),
    "a set_off event on a requested visit's timeline": Write(
        lambda cast: _event(cast.make_visit(S.REQUESTED), EventKind.SET_OFF, S.AUTHORISED, S.IN_PROGRESS),
        "in the same transaction",
    ),
    "status 'bogus'": Write(
        lambda cast: _update(cast.make_visit(S.REQUESTED), "status = 'bogus'"), "visit_status_known"
    ),
    "authorised back to draft": Write(
        lambda cast: _update(cast.make_visit(S.AUTHORISED), "status = 'draft'"), NOT_A_MOVE
    ),
    # --- others: the state machine ---
    "completed back to in progress": Write(
        lambda cast: _update(cast.make_visit(S.COMPLETED), "status = 'in_progress'"), NOT_A_MOVE
    ),
    "requested straight to in progress, with a real lead's authorisation": Write(
        lambda cast: _update(
            cast.make_visit(S.REQUESTED),
            "status = 'in_progress', started_at = now(), authorised_at = now(), authorised_by_id = %s",
            cast.lead.pk,
        ),
        NOT_A_MOVE,
    ),
    "draft straight to completed": Write(
        lambda cast: _update(cast.make_visit(S.DRAFT), "status = 'completed'"), "hc01_started_visit_is_authorised"
    ),
    "declined reopened as requested": Write(
        lambda cast: _update(cast.make_visit(S.DECLINED), "status = 'requested'"), NOT_A_MOVE
    ),
    "cancelled reopened as authorised, with a lead's authorisation": Write(
        lambda cast: _update(
            cast.make_visit(S.CANCELLED),
            "status = 'authorised', authorised_at = now(), authorised_by_id = %s",
            cast.lead.pk,
        ),
        NOT_A_MOVE,
    ),
    "a new visit inserted already authorised": Write(
        lambda cast: _insert_copy(cast.make_visit(S.AUTHORISED), S.AUTHORISED), NOT_A_MOVE
    ),
    # --- the authorisation ---
    "requested authorised by another school's lead": Write(
        lambda cast: _update(
            cast.make_visit(S.REQUESTED),
            "status = 'authorised', authorised_at = now(), authorised_by_id = %s",
            cast.other_lead.pk,
        ),
        NOT_A_LEAD,
    ),
    "an authorised visit's authoriser swapped for a visitor": Write(
        lambda cast: _update(cast.make_visit(S.AUTHORISED), "authorised_by_id = %s", cast.visitor.pk), NOT_A_LEAD
    ),
    "a withdrawn authorisation made live again": Write(
        lambda cast: _update(_withdrawn(cast, "cancel"), "authorisation_withdrawn_at = NULL"), "stays withdrawn"
    ),
    "the authorisation of an authorised visit cleared": Write(
        lambda cast: _update(cast.make_visit(S.AUTHORISED), "authorised_by_id = NULL, authorised_at = NULL"),
        "hc01_authorised_visit_has_authoriser",
    ),
    # --- the steps on the road and the record ---
    "arrived before setting off": Write(
        lambda cast: _update(cast.make_visit(S.IN_PROGRESS), "arrived_at = started_at - interval '1 hour'"),
        "hc14_steps_in_order",
    ),
    "arrived on a visit nobody set off on": Write(
        lambda cast: _update(cast.make_visit(S.AUTHORISED), "arrived_at = now()"), "hc14_steps_in_order"
    ),
    "back at school without leaving the property": Write(
        lambda cast: _update(cast.make_visit(S.IN_PROGRESS), "returned_at = now()"), "hc14_steps_in_order"
    ),
    "completed without leaving the property": Write(
        lambda cast: _update(cast.make_visit(S.IN_PROGRESS), "status = 'completed', completed_at = now()"),
        "hc14_completed_visit_has_left",
    ),
    "the record of a completed visit deleted": Write(
        lambda cast: ("DELETE FROM visits_visitrecord WHERE visit_id = %s", [cast.make_visit(S.COMPLETED).pk]),
        "keeps its Record",
    ),
    # --- the timeline ---
    "a second set_off on a visit under way": Write(
        lambda cast: _event(cast.make_visit(S.IN_PROGRESS), EventKind.SET_OFF, S.AUTHORISED, S.IN_PROGRESS),
        "the last status on its timeline",
    ),
    "a completed event on a visit still under way": Write(
        lambda cast: _event(_left(cast), EventKind.COMPLETED, S.IN_PROGRESS, S.COMPLETED), "in the same transaction"
    ),
    "a set_off event naming another move": Write(
        lambda cast: _event(cast.make_visit(S.AUTHORISED), EventKind.SET_OFF, S.REQUESTED, S.AUTHORISED),
        "is not the event of a move",
    ),
    "an arrival event that claims a status change": Write(
        lambda cast: _event(cast.make_visit(S.IN_PROGRESS), EventKind.ARRIVED, S.IN_PROGRESS, S.COMPLETED),
        "does not change the status",
    ),
    "an authorised visit moved to another school": Write(
        lambda cast: _update(cast.make_visit(S.AUTHORISED), "school_id = %s", cast.other_school.pk), NOT_A_LEAD
    ),
    "in progress with no set_off event on its timeline (at commit)": Write(
        lambda cast: _at_commit(
            _update(cast.make_visit(S.AUTHORISED), "status = 'in_progress', started_at = now()"),
            "visits_visit_has_its_event",
        ),
        "a move is written with its event",
    ),
    "a new draft with no created event (at commit)": Write(
        lambda cast: _at_commit(_insert_copy(cast.make_visit(S.DRAFT), S.DRAFT), "visits_visit_has_its_event_new"),
        "a move is written with its event",
    ),
    "a second created event": Write(
        lambda cast: _event(cast.make_visit(S.DRAFT), EventKind.CREATED, "", S.DRAFT), "the last status on its timeline"
    ),
}


@pytest.mark.parametrize("name", list(ILLEGAL_WRITES))
def test_database_refuses_the_illegal_write(cast, app_role, name):
    # Arrange
    write = ILLEGAL_WRITES[name]
    with setting_off_freely():
        sql, params = write.build(cast)

    # Act: as the app's role, in a savepoint of its own, so the refusal leaves the test's
    # transaction usable (and the role ends with the savepoint).
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        _execute(sql, params, as_app=True)

    # Assert: refused by the rule meant, not by a mistake in the SQL.
    assert write.says in str(refused.value)


def test_at_least_twenty_illegal_writes_are_tried():
    assert len(ILLEGAL_WRITES) >= 20


def test_the_installed_moves_are_the_python_table(db):
    # Act
    with connection.cursor() as cursor:
        cursor.execute("SELECT from_status, to_status, event FROM homevisits_visit_moves() ORDER BY 1, 2, 3")
        installed = [tuple(row) for row in cursor.fetchall()]

    # Assert
    wanted = database_moves()
    assert installed == wanted, (
        "The moves installed in PostgreSQL differ from visits.moves. Write a new migration whose "
        "RunPython executes visits.db_rules.moves_function_sql(MOVES) (PostgreSQL only, as migration "
        f"visits 0012 does), with MOVES = {wanted!r}"
    )


# --- controls -------------------------------------------------------------------------------------


def _reach(cast: Cast, state: str) -> Visit:
    if state == "":
        return None
    with setting_off_freely():
        return cast.make_visit(state)


def _take(cast: Cast, visit: Visit | None, target: str, event: str) -> Visit:
    """The lifecycle's way from `visit`'s state to `target`."""
    if visit is None:
        return cast.make_visit(S.DRAFT)
    if event == EventKind.RETURNED_TO_QUEUE:
        return lifecycle.update_request(visit, cast.office, {"purpose": "Talk about the new timetable."})
    if event == EventKind.COMPLETED:
        return advance_to_completed(cast, visit)
    actor = {
        EventKind.REQUESTED: visit.requested_by,
        EventKind.CANCELLED: visit.requested_by,
        EventKind.SET_OFF: cast.visitor,
    }.get(event, cast.lead)
    action = {
        EventKind.REQUESTED: "submit",
        EventKind.AUTHORISED: "authorise",
        EventKind.DECLINED: "decline",
        EventKind.SENT_BACK: "send_back",
        EventKind.CANCELLED: "cancel",
        EventKind.SET_OFF: "start",
    }[event]
    with setting_off_freely():
        return lifecycle.transition(
            visit, actor, action, note="A reason.", approve_lone_working=True, confirm_evening=True
        )


def advance_to_completed(cast: Cast, visit: Visit) -> Visit:
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    lifecycle.write_record(
        visit,
        cast.visitor,
        {
            "people_seen": "Mother",
            "child_seen": True,
            "outcome": "Plan agreed.",
            "action_required": "Review in 2 weeks.",
        },
    )
    return lifecycle.transition(visit, cast.visitor, "complete")


@pytest.mark.parametrize("move", database_moves(), ids=lambda m: f"{m[0] or 'new'}->{m[1]}")
def test_each_legal_move_through_the_lifecycle_passes_the_database(cast, move):
    # Arrange
    source, target, event = move
    visit = _reach(cast, source)

    # Act: the move, then the checks PostgreSQL keeps for COMMIT (the test never commits).
    moved = _take(cast, visit, target, event)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    # Assert
    moved = Visit.objects.get(pk=moved.pk)
    assert moved.status == target
    last = VisitEvent.objects.filter(visit=moved).exclude(to_status="").order_by("-id").first()
    assert (last.from_status, last.to_status, last.kind) == (source, target, event)


def test_a_withdrawn_authorisation_is_recorded_and_kept(cast):
    # Act
    declined = _withdrawn(cast, "decline")
    cancelled = _withdrawn(cast, "cancel")
    never_authorised = cast.make_visit(S.CANCELLED)

    # Assert: who authorised it stays on the record; the authorisation is no longer live.
    for visit in (declined, cancelled):
        visit.refresh_from_db()
        assert visit.authorised_by_id == cast.lead.pk and visit.authorisation_withdrawn_at is not None
    assert never_authorised.authorisation_withdrawn_at is None


def test_a_legal_move_in_raw_sql_with_its_event_is_accepted(cast, app_role):
    # Arrange: the control of the refusals above (same SQL shapes, same role, a legal move).
    visit = cast.make_visit(S.AUTHORISED)

    # Act
    with transaction.atomic(), connection.cursor() as cursor:
        _as_app_role(cursor)
        cursor.execute("SELECT current_user")
        acting = cursor.fetchone()[0]
        cursor.execute(*_update(visit, "status = 'in_progress', started_at = now()"))
        cursor.execute(*_event(visit, EventKind.SET_OFF, S.AUTHORISED, S.IN_PROGRESS))
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the checks of COMMIT, now
        cursor.execute("RESET ROLE")

    # Assert
    assert acting == APP_ROLE
    assert Visit.objects.get(pk=visit.pk).status == S.IN_PROGRESS
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.SET_OFF).count() == 1


def test_a_lead_who_left_after_authorising_does_not_strand_the_visit(cast):
    # Arrange: the lead authorised while a lead; their role has ended since.
    visit = cast.make_visit(S.AUTHORISED)
    cast.lead.memberships.filter(school=cast.school).update(is_active=False)

    # Act
    with setting_off_freely():
        lifecycle.transition(visit, cast.visitor, "start")

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == S.IN_PROGRESS
