"""The audit trail page's indexes (issue 15): one per filter, each in the page's order (at, id) after
the school, so that a page of the trail reads one page of index at millions of rows. (school, at, id)
takes the place of (school, -at). Built CONCURRENTLY: every read of the app writes an audit row, and a
plain CREATE INDEX would hold those writes for the whole build on a large trail. (The demo's SQLite
builds them the plain way.)"""

from django.contrib.postgres.operations import AddIndexConcurrently as _AddConcurrently
from django.contrib.postgres.operations import RemoveIndexConcurrently as _RemoveConcurrently
from django.db import migrations, models


class AddIndexConcurrently(_AddConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(_RemoveConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("visits", "0012_live_authorisation_and_steps"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="auditentry",
            index=models.Index(fields=["school", "at", "id"], name="audit_school_at"),
        ),
        AddIndexConcurrently(
            model_name="auditentry",
            index=models.Index(fields=["school", "username", "at", "id"], name="audit_school_person_at"),
        ),
        AddIndexConcurrently(
            model_name="auditentry",
            index=models.Index(fields=["school", "object_code", "at", "id"], name="audit_school_object_at"),
        ),
        AddIndexConcurrently(
            model_name="auditentry",
            index=models.Index(fields=["school", "action", "at", "id"], name="audit_school_action_at"),
        ),
        RemoveIndexConcurrently(model_name="auditentry", name="visits_audi_school__20b1dc_idx"),
    ]
