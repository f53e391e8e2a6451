"""`manage.py retention_review`: the daily review of retention dates (issue 17), run beside the
alert runner. Idempotent: run it as often as you like; `--loop` runs it once now and then daily."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from visits.models import School

from ... import review

DAY_SECONDS = 24 * 60 * 60


class Command(BaseCommand):
    help = "Date finished visits for retention and fill each school's review queue; prints the counts."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--school", action="append", default=[], help="A school's slug (repeatable); all if none.")
        parser.add_argument("--loop", action="store_true", help="Run now, then once a day, until stopped.")

    def handle(self, *args, school: list[str], loop: bool, **options) -> None:
        school_ids = None
        if school:
            found = dict(School.objects.filter(slug__in=school).values_list("slug", "pk"))
            unknown = sorted(set(school) - set(found))
            if unknown:
                raise CommandError(f"No school with the slug: {', '.join(unknown)}")
            school_ids = list(found.values())
        while True:
            counts = review.run(school_ids=school_ids)
            self.stdout.write(f"Retention review: {counts.line()}")
            if not loop:
                return
            time.sleep(DAY_SECONDS)
