"""Two database roles (issue 15, item 3): connected as the app's role, the append-only tables can
be read and added to, and nothing else: no UPDATE, DELETE or TRUNCATE, no ALTER, no trigger
disabled or dropped, no session without triggers."""

from __future__ import annotations

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from psycopg2 import errors, sql

from homevisits import db_roles

pytestmark = pytest.mark.postgres

APP_ROLE = settings.DATABASE_APP_ROLE or "homevisits_test_app"
APPEND_ONLY = ["visits_auditentry", "visits_visitevent", "safeguarding_riskassessment", "safeguarding_concernaction"]


@pytest.fixture
def app_role(_flush_despite_append_only_triggers):
    """A connection to the test database as the app's role, after the grants (committed: the
    other connection must see them)."""
    if connection.vendor != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    with connection.cursor() as cursor:
        # Roles are the cluster's: made once, whichever test worker comes first.
        cursor.execute(
            sql.SQL(
                "DO $$ BEGIN CREATE ROLE {} LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            ).format(sql.Identifier(APP_ROLE))
        )
    call_command("grant_app_role", APP_ROLE)
    params = connection.get_connection_params()
    params = {k: v for k, v in params.items() if k in {"host", "port", "dbname", "database"}}
    app = psycopg2.connect(user=APP_ROLE, **params)
    app.autocommit = True
    yield app
    app.close()


def _refused(app, statement: str) -> str:
    with app.cursor() as cursor:
        try:
            cursor.execute(statement)
        except (errors.InsufficientPrivilege, errors.ReadOnlySqlTransaction) as error:
            return type(error).__name__
        except psycopg2.Error as error:  # e.g. "must be owner of table"
            return type(error).__name__
    return "accepted"


def test_the_append_only_tables_are_named_by_their_models():
    assert set(APPEND_ONLY) <= set(db_roles.append_only_tables())
    assert "visits_visit" not in db_roles.append_only_tables()


WRITES = [
    "UPDATE {t} SET id = id",
    "DELETE FROM {t}",
    "TRUNCATE {t}",
    "ALTER TABLE {t} DISABLE TRIGGER ALL",
    "ALTER TABLE {t} DISABLE TRIGGER USER",
    "ALTER TABLE {t} ADD COLUMN forged text",
    "DROP TABLE {t}",
    "CREATE TRIGGER forged BEFORE INSERT ON {t} FOR EACH ROW EXECUTE FUNCTION homevisits_refuse_change()",
]


@pytest.mark.parametrize("table", APPEND_ONLY)
@pytest.mark.parametrize("write", WRITES)
def test_the_app_role_cannot_change_or_unguard_an_append_only_table(app_role, table, write):
    # Act
    outcome = _refused(app_role, write.format(t=table))

    # Assert
    assert outcome != "accepted"


@pytest.mark.parametrize(
    "statement",
    [
        "DROP TRIGGER visits_auditentry_append_only ON visits_auditentry",
        "SET session_replication_role = replica",
        "DROP FUNCTION homevisits_refuse_change() CASCADE",
        "DELETE FROM django_migrations",
        "ALTER TABLE visits_visit DISABLE TRIGGER ALL",
    ],
)
def test_the_app_role_cannot_switch_off_what_guards_the_trail(app_role, statement):
    assert _refused(app_role, statement) != "accepted"


def test_the_app_role_reads_and_adds_to_the_trail_and_works_on_ordinary_tables(app_role):
    # Act
    with app_role.cursor() as cursor:
        cursor.execute(
            "INSERT INTO visits_auditentry (at, username, object_type, object_code, action, detail, path)"
            " VALUES (now(), 'app', 'test', '', 'view', 'written by the app role', '') RETURNING id"
        )
        added = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM visits_auditentry WHERE id = %s", [added])
        read = cursor.fetchone()[0]
        cursor.execute("UPDATE visits_school SET name = name")
        cursor.execute("DELETE FROM django_session WHERE expire_date < now() - interval '100 years'")

    # Assert
    assert read == 1
