"""On PostgreSQL: the one narrow exception erasure needs to the append-only timeline and concern
steps (visits 0002, safeguarding 0003), and an erasure that cannot be undone.

- `retention_event_guard()` replaces `homevisits_refuse_change()` on `visits_visitevent` and
  `safeguarding_concernaction` (same trigger names). It refuses every DELETE, and every UPDATE
  except one that sets the text columns (`note`; on concern steps `note` and `reference`) to ''
  and changes nothing else, of a row whose visit `retention_visitretention` marks erased. TRUNCATE
  keeps its own refusal (untouched); the audit trail keeps `homevisits_refuse_change()` untouched.
- `retention_blank_notes(visit)` does exactly that blanking, with its owner's rights (SECURITY
  DEFINER): the app's role has no UPDATE on those tables (homevisits/db_roles.py) and keeps none.
  It refuses a visit that is not marked erased. Any role may call it: all it can do is what an
  erasure does anyway.
- `retention_erasure_stays` refuses to clear or move `erased_at` once set, so a visit marked
  erased cannot be unmarked to hide that its notes went.
SQLite (the demo) has no triggers: the models' own refusals stand, and erasure blanks by a
queryset update.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION retention_visit_erased(p_visit bigint) RETURNS boolean
    LANGUAGE sql STABLE SET search_path = public, pg_temp AS $$
    SELECT EXISTS (
        SELECT 1 FROM retention_visitretention r WHERE r.visit_id = p_visit AND r.erased_at IS NOT NULL
    )
$$;

CREATE OR REPLACE FUNCTION retention_event_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    blanked text[] := CASE TG_TABLE_NAME WHEN 'safeguarding_concernaction' THEN ARRAY['note', 'reference']
                                        ELSE ARRAY['note'] END;
    visit bigint;
BEGIN
    IF TG_OP = 'UPDATE'
        AND (to_jsonb(NEW) - blanked) = (to_jsonb(OLD) - blanked)
        AND NOT EXISTS (SELECT 1 FROM jsonb_each_text(to_jsonb(NEW)) j WHERE j.key = ANY (blanked) AND j.value <> '')
    THEN
        IF TG_TABLE_NAME = 'safeguarding_concernaction' THEN
            SELECT c.visit_id INTO visit FROM safeguarding_concern c WHERE c.id = (to_jsonb(NEW) ->> 'concern_id')::bigint;
        ELSE
            visit := (to_jsonb(NEW) ->> 'visit_id')::bigint;
        END IF;
        IF retention_visit_erased(visit) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

DROP TRIGGER visits_visitevent_append_only ON visits_visitevent;
CREATE TRIGGER visits_visitevent_append_only
    BEFORE UPDATE OR DELETE ON visits_visitevent
    FOR EACH ROW EXECUTE FUNCTION retention_event_guard();
DROP TRIGGER safeguarding_concernaction_written_once ON safeguarding_concernaction;
CREATE TRIGGER safeguarding_concernaction_written_once
    BEFORE UPDATE OR DELETE ON safeguarding_concernaction
    FOR EACH ROW EXECUTE FUNCTION retention_event_guard();

CREATE OR REPLACE FUNCTION retention_blank_notes(p_visit bigint) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    events integer;
    steps integer;
BEGIN
    IF NOT retention_visit_erased(p_visit) THEN
        RAISE EXCEPTION 'visit %: not erased, its timeline stays as written', p_visit
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    UPDATE visits_visitevent SET note = '' WHERE visit_id = p_visit AND note <> '';
    GET DIAGNOSTICS events = ROW_COUNT;
    UPDATE safeguarding_concernaction a SET note = '', reference = ''
        FROM safeguarding_concern c
        WHERE a.concern_id = c.id AND c.visit_id = p_visit AND (a.note <> '' OR a.reference <> '');
    GET DIAGNOSTICS steps = ROW_COUNT;
    RETURN events + steps;
END
$$;

CREATE OR REPLACE FUNCTION retention_erasure_stays() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.erased_at IS NOT NULL AND (
        TG_OP = 'DELETE' OR NEW.erased_at IS DISTINCT FROM OLD.erased_at OR NEW.visit_id IS DISTINCT FROM OLD.visit_id
    ) THEN
        RAISE EXCEPTION 'visit %: an erasure stays recorded', OLD.visit_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;

CREATE TRIGGER retention_erasure_stays
    BEFORE UPDATE OR DELETE ON retention_visitretention
    FOR EACH ROW EXECUTE FUNCTION retention_erasure_stays();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS retention_erasure_stays ON retention_visitretention;
DROP FUNCTION IF EXISTS retention_erasure_stays();
DROP FUNCTION IF EXISTS retention_blank_notes(bigint);
DROP TRIGGER IF EXISTS visits_visitevent_append_only ON visits_visitevent;
CREATE TRIGGER visits_visitevent_append_only
    BEFORE UPDATE OR DELETE ON visits_visitevent
    FOR EACH ROW EXECUTE FUNCTION homevisits_refuse_change();
DROP TRIGGER IF EXISTS safeguarding_concernaction_written_once ON safeguarding_concernaction;
CREATE TRIGGER safeguarding_concernaction_written_once
    BEFORE UPDATE OR DELETE ON safeguarding_concernaction
    FOR EACH ROW EXECUTE FUNCTION homevisits_refuse_change();
DROP FUNCTION IF EXISTS retention_event_guard();
DROP FUNCTION IF EXISTS retention_visit_erased(bigint);
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("retention", "0001_initial"),
        ("visits", "0002_append_only_triggers"),
        ("safeguarding", "0003_written_once_triggers"),
    ]

    operations = [migrations.RunPython(forward, backward)]
