"""`manage.py import_pupils FILE --school SLUG [--dry-run]`: the MIS import (mp03) from the
command line, through the same module as the upload page (`visits.mis_import`)."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from visits import mis_import
from visits.models import School, User


class Command(BaseCommand):
    help = "Import pupils, households and contacts from an MIS CSV export (see 'MIS import' in README.md)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--school", required=True, help="the school's slug (Django admin, Schools)")
        parser.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
        parser.add_argument("--user", default="", help="username recorded in the audit trail as the importer")

    def handle(self, *args, file: str, school: str, dry_run: bool, user: str, **options) -> None:
        found = School.objects.filter(slug=school).first()
        if found is None:
            raise CommandError(f"No school with the slug {school!r}.")
        importer = None
        if user:
            importer = User.objects.filter(username=user).first()
            if importer is None:
                raise CommandError(f"No user called {user!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {file}")
        started = time.monotonic()
        try:
            text = mis_import.decode(path.read_bytes())
            plan = mis_import.build_plan(text, found)
        except mis_import.ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        for row in plan.rows:
            for error in row.errors:
                self.stderr.write(f"line {row.line}: {error}")
        summary = plan.summary
        line = (
            f"{summary['rows']} rows: {summary['created']} new, {summary['updated']} to update, "
            f"{summary['unchanged']} unchanged, {summary['skipped']} with problems (skipped)"
        )
        if dry_run:
            self.stdout.write(f"Dry run, nothing saved. {line}.")
            return
        try:
            mis_import.apply_plan(plan, importer)
        except IntegrityError as exc:
            # Another import saved some of these pupils at the same moment; ours rolled back.
            raise CommandError(
                "Someone else changed these pupils at the same moment; nothing was saved. Run it again."
            ) from exc
        self.stdout.write(self.style.SUCCESS(f"Imported in {time.monotonic() - started:.1f}s. {line}."))
