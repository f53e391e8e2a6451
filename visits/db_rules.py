"""The visit's state machine, held by PostgreSQL too (issue 15): the SQL a migration installs.

The moves are written once, in `visits.moves` (`database_moves()`: from, to, timeline event). A
migration copies that list, as it stood when the migration was written, into the body of one SQL
function, `homevisits_visit_moves()`; the triggers below read only that function:

- `visits_visit_rules` (AFTER INSERT, AFTER UPDATE of the status, the authoriser or the school):
  a new visit is a draft; a status change is one of the listed moves; whoever is named as having
  authorised the visit is, when named, an active lead or deputy of the visit's school (hc01); a
  visit set off or completed was authorised by a lead or deputy of its school (the role held when
  they authorised it, so a lead who left since does not strand a visit); a withdrawn authorisation
  stays withdrawn; a completed visit has its Record of Home Visit (written before completion, also
  when the visit was not conducted, hc15).
  AFTER, not BEFORE: the row's CHECK constraints (hc01, hc14...) are tested first and name
  themselves in the refusal, and the trigger sees the row as it was written.
- `visits_visit_stamp_move` (BEFORE INSERT OR UPDATE): stamps the column `homevisits_last_move`
  with "transaction id:from:to" when the status changes. Only this trigger writes it (anything
  else is overwritten), so it cannot be forged from SQL.
- `visits_visitevent_matches_move` (BEFORE INSERT on the timeline): an event that stands for a
  move (`set_off`, `authorised`...) is accepted only with its own (from, to), when the visit made
  exactly that move in the same transaction (the stamp above, against `pg_current_xact_id()`,
  which is the top-level transaction also inside savepoints), and when it follows the last status
  event on the timeline (so one move cannot be written twice). Any other event carries no status.
- `visits_visitrecord_kept` (BEFORE DELETE, or UPDATE of its visit): a completed visit keeps its
  record.
- `visits_visit_has_its_event` (migration 0014; a constraint trigger checked at COMMIT): the
  visit's status is the one its timeline's last status event names, so no status changes without
  its event.

Why a function body and not a table of moves: the rule then lives in the schema, which only the
owner role that runs `migrate` can change (the app's role cannot CREATE OR REPLACE the function),
whereas a table would need its own grants kept right for ever; and it reads back as easily
(`SELECT * FROM homevisits_visit_moves()`), which is what tests/visits/test_database_rules.py
compares with `visits.moves.database_moves()`. When the moves change, that test fails until a new
migration runs `moves_function_sql(<the new list>)`.

SQLite (the demo) has the CHECK constraints of the models only; every statement here is PostgreSQL's.
"""

from __future__ import annotations

import re

from .enums import Role, Status

_WORD = re.compile(r"^[a-z_]*$")

STARTED = sorted(Status.started())
DECIDERS = sorted(Role.safeguarding())


def _literal(value: str) -> str:
    if not _WORD.match(value):
        raise ValueError(f"not a state or event name: {value!r}")
    return f"'{value}'"


def _list(values) -> str:
    return ", ".join(_literal(v) for v in values)


def moves_function_sql(rows: list[tuple[str, str, str]]) -> str:
    """`homevisits_visit_moves()`: the allowed (from, to, event) rows, as a migration froze them."""
    values = ",\n        ".join(f"({_literal(a)}, {_literal(b)}, {_literal(c)})" for a, b, c in rows)
    # Every value is a checked word (`_literal`): nothing typed reaches this SQL.
    return f"""
CREATE OR REPLACE FUNCTION homevisits_visit_moves()
    RETURNS TABLE (from_status text, to_status text, event text)
    LANGUAGE sql IMMUTABLE AS $$
    VALUES
        {values}
$$;
"""  # noqa: S608


def triggers_sql() -> str:
    started = _list(STARTED)
    deciders = _list(DECIDERS)
    completed = _literal(Status.COMPLETED)
    return f"""
ALTER TABLE visits_visit ADD COLUMN homevisits_last_move text;

CREATE OR REPLACE FUNCTION homevisits_visit_stamp_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.homevisits_last_move := pg_current_xact_id()::text || '::' || NEW.status;
    ELSIF NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.homevisits_last_move := pg_current_xact_id()::text || ':' || OLD.status || ':' || NEW.status;
    ELSE
        NEW.homevisits_last_move := OLD.homevisits_last_move;
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER visits_visit_stamp_move
    BEFORE INSERT OR UPDATE ON visits_visit
    FOR EACH ROW EXECUTE FUNCTION homevisits_visit_stamp_move();

CREATE OR REPLACE FUNCTION homevisits_visit_rules() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was text := CASE WHEN TG_OP = 'INSERT' THEN '' ELSE OLD.status END;
    moved boolean := TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status;
BEGIN
    IF moved AND NOT EXISTS (
        SELECT 1 FROM homevisits_visit_moves() m WHERE m.from_status = was AND m.to_status = NEW.status
    ) THEN
        RAISE EXCEPTION 'visit %: % -> % is not a move of the state machine (visits.moves)',
            NEW.id, COALESCE(NULLIF(was, ''), '(new)'), NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.authorised_by_id IS NOT NULL AND (
        TG_OP = 'INSERT'
        OR NEW.authorised_by_id IS DISTINCT FROM OLD.authorised_by_id
        OR NEW.school_id IS DISTINCT FROM OLD.school_id
    ) AND NOT EXISTS (
        SELECT 1 FROM visits_membership ms
        WHERE ms.user_id = NEW.authorised_by_id AND ms.school_id = NEW.school_id
          AND ms.role IN ({deciders}) AND ms.is_active
    ) THEN
        RAISE EXCEPTION 'visit %: authorised by user %, not an active safeguarding lead or deputy of its school (hc01)',
            NEW.id, NEW.authorised_by_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF moved AND NEW.status IN ({started}) AND NOT EXISTS (
        SELECT 1 FROM visits_membership ms
        WHERE ms.user_id = NEW.authorised_by_id AND ms.school_id = NEW.school_id AND ms.role IN ({deciders})
    ) THEN
        RAISE EXCEPTION 'visit %: % needs an authorisation by a safeguarding lead or deputy of its school (hc01)',
            NEW.id, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.authorisation_withdrawn_at IS NOT NULL
        AND NEW.authorisation_withdrawn_at IS DISTINCT FROM OLD.authorisation_withdrawn_at THEN
        RAISE EXCEPTION 'visit %: a withdrawn authorisation stays withdrawn (hc01)', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    IF moved AND NEW.status = {completed} AND NOT EXISTS (
        SELECT 1 FROM visits_visitrecord r WHERE r.visit_id = NEW.id
    ) THEN
        RAISE EXCEPTION 'visit %: completed without a Record of Home Visit (hc20)', NEW.id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER visits_visit_rules_new
    AFTER INSERT ON visits_visit
    FOR EACH ROW EXECUTE FUNCTION homevisits_visit_rules();
CREATE TRIGGER visits_visit_rules
    AFTER UPDATE ON visits_visit
    FOR EACH ROW WHEN (
        OLD.status IS DISTINCT FROM NEW.status
        OR OLD.authorised_by_id IS DISTINCT FROM NEW.authorised_by_id
        OR OLD.school_id IS DISTINCT FROM NEW.school_id
        OR OLD.authorisation_withdrawn_at IS DISTINCT FROM NEW.authorisation_withdrawn_at
    )
    EXECUTE FUNCTION homevisits_visit_rules();

CREATE OR REPLACE FUNCTION homevisits_event_matches_move() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    visit_status text;
    last_move text;
    last_to text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM homevisits_visit_moves() m WHERE m.event = NEW.kind) THEN
        IF NEW.from_status <> '' OR NEW.to_status <> '' THEN
            RAISE EXCEPTION 'timeline of visit %: a % event does not change the status', NEW.visit_id, NEW.kind
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM homevisits_visit_moves() m
        WHERE m.event = NEW.kind AND m.from_status = NEW.from_status AND m.to_status = NEW.to_status
    ) THEN
        RAISE EXCEPTION 'timeline of visit %: % is not the event of a move from % to %',
            NEW.visit_id, NEW.kind, COALESCE(NULLIF(NEW.from_status, ''), '(new)'), NEW.to_status
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT v.status, v.homevisits_last_move INTO visit_status, last_move FROM visits_visit v WHERE v.id = NEW.visit_id;
    IF visit_status IS DISTINCT FROM NEW.to_status
        OR last_move IS DISTINCT FROM pg_current_xact_id()::text || ':' || NEW.from_status || ':' || NEW.to_status THEN
        RAISE EXCEPTION 'timeline of visit %: a % event needs the visit''s move from % to % in the same transaction',
            NEW.visit_id, NEW.kind, COALESCE(NULLIF(NEW.from_status, ''), '(new)'), NEW.to_status
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT e.to_status INTO last_to FROM visits_visitevent e
        WHERE e.visit_id = NEW.visit_id AND e.to_status <> '' ORDER BY e.id DESC LIMIT 1;
    IF last_to IS NOT NULL AND last_to <> NEW.from_status THEN
        RAISE EXCEPTION 'timeline of visit %: the last status on its timeline is %, not %',
            NEW.visit_id, last_to, COALESCE(NULLIF(NEW.from_status, ''), '(new)')
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER visits_visitevent_matches_move
    BEFORE INSERT ON visits_visitevent
    FOR EACH ROW EXECUTE FUNCTION homevisits_event_matches_move();

CREATE OR REPLACE FUNCTION homevisits_record_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM visits_visit v WHERE v.id = OLD.visit_id AND v.status = {completed}) THEN
        RAISE EXCEPTION 'visit %: a completed visit keeps its Record of Home Visit (hc20)', OLD.visit_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER visits_visitrecord_kept
    BEFORE DELETE OR UPDATE OF visit_id ON visits_visitrecord
    FOR EACH ROW EXECUTE FUNCTION homevisits_record_kept();
"""  # noqa: S608


def event_for_each_move_sql() -> str:
    """The other half of "the timeline agrees with the visit" (migration 0014): a visit's status,
    when its transaction commits, is the one its timeline's last status event names, so a status
    changed without its event (or a visit made without its `created`) is refused at COMMIT.
    DEFERRABLE INITIALLY DEFERRED because the lifecycle writes the event just after the status."""
    return """
CREATE OR REPLACE FUNCTION homevisits_visit_has_its_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    visit_status text;
    last_to text;
BEGIN
    SELECT v.status INTO visit_status FROM visits_visit v WHERE v.id = NEW.id;
    IF visit_status IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT e.to_status INTO last_to FROM visits_visitevent e
        WHERE e.visit_id = NEW.id AND e.to_status <> '' ORDER BY e.id DESC LIMIT 1;
    IF last_to IS DISTINCT FROM visit_status THEN
        RAISE EXCEPTION 'visit %: it is % but its timeline says %: a move is written with its event',
            NEW.id, visit_status, COALESCE(last_to, 'nothing')
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER visits_visit_has_its_event_new
    AFTER INSERT ON visits_visit
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION homevisits_visit_has_its_event();
CREATE CONSTRAINT TRIGGER visits_visit_has_its_event
    AFTER UPDATE ON visits_visit
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION homevisits_visit_has_its_event();
"""


REMOVE_EVENT_FOR_EACH_MOVE_SQL = """
DROP TRIGGER IF EXISTS visits_visit_has_its_event ON visits_visit;
DROP TRIGGER IF EXISTS visits_visit_has_its_event_new ON visits_visit;
DROP FUNCTION IF EXISTS homevisits_visit_has_its_event();
"""


REMOVE_SQL = """
DROP TRIGGER IF EXISTS visits_visitrecord_kept ON visits_visitrecord;
DROP TRIGGER IF EXISTS visits_visitevent_matches_move ON visits_visitevent;
DROP TRIGGER IF EXISTS visits_visit_rules ON visits_visit;
DROP TRIGGER IF EXISTS visits_visit_rules_new ON visits_visit;
DROP TRIGGER IF EXISTS visits_visit_stamp_move ON visits_visit;
DROP FUNCTION IF EXISTS homevisits_record_kept();
DROP FUNCTION IF EXISTS homevisits_event_matches_move();
DROP FUNCTION IF EXISTS homevisits_visit_rules();
DROP FUNCTION IF EXISTS homevisits_visit_stamp_move();
DROP FUNCTION IF EXISTS homevisits_visit_moves();
ALTER TABLE visits_visit DROP COLUMN IF EXISTS homevisits_last_move;
"""
