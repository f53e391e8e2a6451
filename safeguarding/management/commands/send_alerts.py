"""Email overdue (hc19) and code-word (hc18) alerts to the school's leads and office, once each.

Run every minute from cron, on as many servers as you like:

    * * * * * cd /srv/homevisits && .venv/bin/python manage.py send_alerts

How "once each" holds across servers is told in `safeguarding/alerts.py`.
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
