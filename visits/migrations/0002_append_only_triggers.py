"""On PostgreSQL, the audit trail and visit timelines refuse UPDATE and DELETE whatever code (or
person with a database client using the application's role) tries: append-only is enforced below
the application. SQLite (the demo) relies on the models' own refusal."""

from django.db import migrations

TABLES = ["visits_auditentry", "visits_visitevent"]

FORWARD = """
CREATE OR REPLACE FUNCTION homevisits_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION homevisits_refuse_change();
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION homevisits_refuse_change();
"""
    for table in TABLES
)

BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\nDROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n"
    for table in TABLES
) + "DROP FUNCTION IF EXISTS homevisits_refuse_change();"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
