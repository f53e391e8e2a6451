"""On PostgreSQL, assessment versions, their rows and the steps taken on a concern refuse UPDATE
and DELETE whatever code tries (the function comes from visits 0002). SQLite relies on the
models' own refusal (`WrittenOnce`)."""

from django.db import migrations

TABLES = ["safeguarding_riskassessment", "safeguarding_riskrow", "safeguarding_concernaction"]

FORWARD = "".join(
    f"""
CREATE TRIGGER {table}_written_once
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION homevisits_refuse_change();
"""
    for table in TABLES
)
BACKWARD = "".join(f"DROP TRIGGER IF EXISTS {table}_written_once ON {table};\n" for table in TABLES)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("safeguarding", "0002_risk_concerns_cpoms"), ("visits", "0002_append_only_triggers")]

    operations = [migrations.RunPython(forward, backward)]
