"""Two database roles (issue 15): the owner migrates, the app serves with less.

On PostgreSQL the tables belong to the role that runs `migrate` (the owner). The web server and
`send_alerts` connect as another role (`DATABASE_APP_ROLE`), which may read and write what the app
writes, but on the append-only tables (the audit trail, the visit timelines, risk assessment
versions and concern steps: every model with `append_only = True`) only read and add rows: it may
not UPDATE, DELETE or TRUNCATE them, and, not owning any table, it cannot ALTER a table, DISABLE or
DROP a trigger, or turn triggers off for its session (`session_replication_role` needs a
superuser). Whoever takes the app's password can then neither rewrite the trail nor switch off
what guards it.

The grants are applied after every `migrate` run by the owner (`post_migrate`, connected in
`VisitsConfig.ready`) when `DATABASE_APP_ROLE` is set, so a table added by a later migration is
covered at once; `manage.py grant_app_role` applies them by hand.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import connection
from psycopg2 import sql


def append_only_tables() -> list[str]:
    """The tables of every model that says it is append-only (`append_only = True`)."""
    return sorted(m._meta.db_table for m in apps.get_models() if getattr(m, "append_only", False))


def grant_statements(role: str) -> list[sql.Composed]:
    """What the app role is given: everything it needs on ordinary tables, only SELECT and INSERT
    on the append-only ones, only SELECT on Django's record of migrations."""
    who = sql.Identifier(role)
    statements = [
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(connection.settings_dict["NAME"]), who),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(who),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(who),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(who),
        sql.SQL("REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON django_migrations FROM {}").format(who),
    ]
    statements += [
        sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}").format(sql.Identifier(t), who)
        for t in append_only_tables()
    ]
    return statements


def grant(role: str) -> int:
    """Apply the grants to `role` on the default database (PostgreSQL only). Returns how many
    append-only tables it may only read and add to."""
    with connection.cursor() as cursor:
        for statement in grant_statements(role):
            cursor.execute(statement)
    return len(append_only_tables())


def grant_after_migrate(sender, using="default", **kwargs) -> None:
    """`post_migrate`: once per `migrate` run (for the visits app, the tables of every app exist
    by then), when an app role is configured."""
    role = settings.DATABASE_APP_ROLE
    if role and sender.label == "visits" and using == "default" and connection.vendor == "postgresql":
        grant(role)
