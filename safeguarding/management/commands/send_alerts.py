"""Email overdue (hc19) and code-word (hc18) alerts to the school's leads and office, once each.

Run every minute from cron, on as many servers as you like:

    * * * * * cd /srv/homevisits && .venv/bin/python manage.py send_alerts

Two passes:
1. *Make* alerts. A visit that has become overdue gets its one OVERDUE timeline event (through
   `lifecycle.record_overdue`, which locks the visit row) and one overdue Alert; every
   CODE_WORD_USED event gets one code-word Alert. Both inserts are ON CONFLICT DO NOTHING against
   unique constraints, so two servers making the same alert make one.
2. *Send* them. One at a time, in its own transaction: take the oldest unsent alert with
   `SELECT ... FOR UPDATE SKIP LOCKED` (another server holding it is skipped, not waited for),
   send, set `sent_at`, commit. The lock is held until `sent_at` is committed, so no other server
   can send the same alert. A failed send rolls back and the alert is tried again next minute.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from safeguarding.alerts import make_alerts, send_due_alerts


class Command(BaseCommand):
    help = "Email overdue and code-word alerts to the school's leads and office, once each (cron: every minute)."

    def handle(self, *args, **options) -> None:
        made = make_alerts()
        sent = send_due_alerts()
        if options["verbosity"] > 1 or made or sent:
            self.stdout.write(f"alerts made: {made}, sent: {sent}")
