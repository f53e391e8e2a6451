"""Issue 15: the state machine held by the database as well.

A withdrawn authorisation is recorded (`authorisation_withdrawn_at`) so that it never counts as
live; CHECK constraints on the status values, the live authorisation and the order of the steps;
and, on PostgreSQL only, the triggers of `visits.db_rules` with the moves below, copied from
`visits.moves.database_moves()` when this migration was written. When the moves change, write a
new migration that runs `db_rules.moves_function_sql(<the new list>)` (the test
tests/visits/test_database_rules.py prints the list and fails until one does)."""

from django.db import migrations, models
from django.db.models import F

from visits import db_rules

MOVES = [
    ("", "draft", "created"),
    ("authorised", "cancelled", "cancelled"),
    ("authorised", "declined", "declined"),
    ("authorised", "in_progress", "set_off"),
    ("authorised", "requested", "returned_to_queue"),
    ("draft", "cancelled", "cancelled"),
    ("draft", "requested", "requested"),
    ("in_progress", "completed", "completed"),
    ("requested", "authorised", "authorised"),
    ("requested", "cancelled", "cancelled"),
    ("requested", "declined", "declined"),
    ("requested", "sent_back", "sent_back"),
    ("sent_back", "cancelled", "cancelled"),
    ("sent_back", "requested", "requested"),
]


def install_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db_rules.moves_function_sql(MOVES) + db_rules.triggers_sql(), params=None)


def remove_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(db_rules.REMOVE_SQL, params=None)


def withdrawn_before(apps, schema_editor):
    """Visits declined or cancelled after their authorisation, before this field existed: the
    authorisation was withdrawn when the lead decided, or when the visit was cancelled."""
    Visit = apps.get_model("visits", "Visit")
    had = Visit.objects.filter(authorised_at__isnull=False, authorisation_withdrawn_at__isnull=True)
    had.filter(status="declined").update(authorisation_withdrawn_at=F("decided_at"))
    had.filter(status="cancelled").update(authorisation_withdrawn_at=F("cancelled_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0011_staff_left"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="visit",
            name="hc01_started_visit_is_authorised",
        ),
        migrations.AddField(
            model_name="visit",
            name="authorisation_withdrawn_at",
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(withdrawn_before, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status__in", ["completed", "in_progress"]), _negated=True),
                    models.Q(
                        ("authorisation_withdrawn_at__isnull", True),
                        ("authorised_at__isnull", False),
                        ("authorised_by__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="hc01_started_visit_is_authorised",
            ),
        ),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status", "authorised"), _negated=True),
                    models.Q(
                        ("authorisation_withdrawn_at__isnull", True),
                        ("authorised_at__isnull", False),
                        ("authorised_by__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="hc01_authorised_visit_has_authoriser",
            ),
        ),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("authorisation_withdrawn_at__isnull", True),
                    models.Q(("authorised_at__isnull", False), ("status__in", ["cancelled", "declined"])),
                    _connector="OR",
                ),
                name="hc01_withdrawn_authorisation_is_ended",
            ),
        ),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("arrived_at__isnull", True),
                        models.Q(("arrived_at__gte", models.F("started_at")), ("started_at__isnull", False)),
                        _connector="OR",
                    ),
                    models.Q(("left_at__isnull", True), ("started_at__isnull", False), _connector="OR"),
                    models.Q(("returned_at__isnull", True), ("left_at__isnull", False), _connector="OR"),
                    models.Q(("not_returning_at__isnull", True), ("left_at__isnull", False), _connector="OR"),
                ),
                name="hc14_steps_in_order",
            ),
        ),
        migrations.AddConstraint(
            model_name="visit",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "status__in",
                        [
                            "draft",
                            "requested",
                            "sent_back",
                            "authorised",
                            "declined",
                            "cancelled",
                            "in_progress",
                            "completed",
                        ],
                    )
                ),
                name="visit_status_known",
            ),
        ),
        migrations.AddConstraint(
            model_name="visitevent",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "from_status__in",
                        [
                            "",
                            "draft",
                            "requested",
                            "sent_back",
                            "authorised",
                            "declined",
                            "cancelled",
                            "in_progress",
                            "completed",
                        ],
                    ),
                    (
                        "to_status__in",
                        [
                            "",
                            "draft",
                            "requested",
                            "sent_back",
                            "authorised",
                            "declined",
                            "cancelled",
                            "in_progress",
                            "completed",
                        ],
                    ),
                ),
                name="visitevent_statuses_known",
            ),
        ),
        migrations.RunPython(install_triggers, remove_triggers),
    ]
