"""Give the app's database role its grants by hand (`migrate` does it when DATABASE_APP_ROLE is set)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from homevisits import db_roles


class Command(BaseCommand):
    help = (
        "Grant the app's PostgreSQL role what it needs, and only SELECT and INSERT on the append-only "
        "tables (the audit trail, timelines). Run as the tables' owner."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("role", nargs="?", help="the app's role (default: DATABASE_APP_ROLE)")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("Database roles are for PostgreSQL; this database is SQLite (the demo).")
        role = options["role"] or settings.DATABASE_APP_ROLE
        if not role:
            raise CommandError("Name the role, or set DATABASE_APP_ROLE.")
        tables = db_roles.grant(role)
        self.stdout.write(
            self.style.SUCCESS(
                f"{role} may use the app's tables; {tables} append-only tables it may only read and add to."
            )
        )
