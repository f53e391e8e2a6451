"""Issue 15: the timeline agrees with the visit both ways. 0012 refuses an event without its move;
this refuses, at COMMIT, a status change without its event (`visits.db_rules`). PostgreSQL only."""

from django.db import migrations

from visits import db_rules


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db_rules.event_for_each_move_sql(), params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db_rules.REMOVE_EVENT_FOR_EACH_MOVE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("visits", "0013_audit_trail_indexes")]

    operations = [migrations.RunPython(forward, backward)]
