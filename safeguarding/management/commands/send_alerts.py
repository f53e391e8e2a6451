"""Watch every visit and email its alarms once each (hc18, hc19): not set off, overdue, not back,
still open at the end of the day, the code word, and the ladder (every lead, then the head).

Production runs one pass every minute, on as many servers as you like, from cron:

    * * * * * cd /srv/homevisits && .venv/bin/python manage.py send_alerts

or from a systemd timer (`OnCalendar=minutely`). `--loop` runs the same pass at the start of every
minute until stopped: `make run` starts it beside the web server. How "once each" holds across
runners is told in `safeguarding/alerts.py`.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, connection

from safeguarding.alerts import make_alerts, send_due_alerts

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Watch the visits and email their alarms once each (cron: every minute; --loop: keep running)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--loop", action="store_true", help="Run a pass at the start of every minute until stopped."
        )
        parser.add_argument(
            "--passes", type=int, default=0, help="With --loop: stop after this many passes (0: never)."
        )
        parser.add_argument("--every", type=float, default=60.0, help="With --loop: seconds between passes [60].")

    def handle(self, *args, **options) -> None:
        if not options["loop"]:
            self.run_pass(options["verbosity"])
            return
        self.stdout.write(f"Alert runner: a pass every {options['every']:g} s (Ctrl-C to stop).")
        done = 0
        try:
            while not options["passes"] or done < options["passes"]:
                started = time.monotonic()
                try:
                    self.run_pass(options["verbosity"])
                except Exception:  # noqa: BLE001 - one failed pass must not stop the watch
                    log.exception("alert pass failed; trying again next pass")
                if not connection.in_atomic_block:
                    close_old_connections()  # as a request would: a dropped connection is not kept
                done += 1
                if not options["passes"] or done < options["passes"]:
                    time.sleep(max(0.0, options["every"] - (time.monotonic() - started)))
        except KeyboardInterrupt:
            self.stdout.write("Alert runner stopped.")

    def run_pass(self, verbosity: int) -> None:
        made = make_alerts()
        sent = send_due_alerts()
        if verbosity > 1 or made or sent:
            self.stdout.write(f"alerts made: {made}, sent: {sent}")
