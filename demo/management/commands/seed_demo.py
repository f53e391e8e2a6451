"""Build the demo (`make run`): a trust with two schools, their staff, ~40 pupils and visits in
every state, from `demo.data` through `demo.build`. Refuses to run with DEBUG off: the demo's
well-known passwords must never reach a real installation."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo import build
from visits.enums import Status
from visits.models import Pupil, Visit


class Command(BaseCommand):
    help = "Build the demo trust, schools, staff, households, pupils and visits in every state (DEBUG only)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the demo has already been built.")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: demo logins must never reach a real installation."
            )
        if build.is_built():
            if options["if_empty"]:
                self.stdout.write("The demo is already built.")
                return
            raise CommandError(
                "The demo is already built. Delete var/demo.sqlite3 (or the database) to build it again."
            )
        build.build()
        counts = ", ".join(
            f"{Status(s).label.lower()}: {Visit.objects.filter(status=s).count()}" for s in Status.values
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo built: {Pupil.objects.count()} pupils, {Visit.objects.count()} visits ({counts})."
            )
        )
