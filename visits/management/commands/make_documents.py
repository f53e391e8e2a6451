"""Make the PDFs of the documents kept at the visits' moments (issue 17) that have none yet.

A moment (authorised, set off, the parent signs...) keeps the document's HTML, cheaply, inside
the request; the PDF (WeasyPrint, 0.2-0.6 s each) is made from that stored HTML once: here, or at
its first download if that comes first. Run it beside the alert runner, from cron:

    * * * * * cd /srv/homevisits && .venv/bin/python manage.py make_documents

`--loop` runs a pass every minute until stopped (`make run` starts it beside the web server).
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from visits.stored_documents import make_waiting

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Make the PDFs of the kept documents that have none yet (cron: every minute; --loop: keep running)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--loop", action="store_true", help="Run a pass every minute until stopped.")
        parser.add_argument(
            "--passes", type=int, default=0, help="With --loop: stop after this many passes (0: never)."
        )
        parser.add_argument("--every", type=float, default=60.0, help="With --loop: seconds between passes [60].")
        parser.add_argument("--limit", type=int, default=200, help="At most this many PDFs a pass [200].")

    def handle(self, *args, **options) -> None:
        if not options["loop"]:
            self.run_pass(options["limit"], options["verbosity"])
            return
        done = 0
        try:
            while not options["passes"] or done < options["passes"]:
                started = time.monotonic()
                try:
                    self.run_pass(options["limit"], options["verbosity"])
                except Exception:  # noqa: BLE001 - one failed pass must not stop the runner
                    log.exception("document pass failed; trying again next pass")
                if not connection.in_atomic_block:
                    close_old_connections()
                done += 1
                if not options["passes"] or done < options["passes"]:
                    time.sleep(max(0.0, options["every"] - (time.monotonic() - started)))
        except KeyboardInterrupt:
            self.stdout.write("Document runner stopped.")

    def run_pass(self, limit: int, verbosity: int) -> None:
        made = make_waiting(limit)
        if verbosity > 1 or made:
            self.stdout.write(f"documents made: {made}")
