"""System checks that complain about settings that are dangerous for a school's live data.

`manage.py check --deploy` runs them with Django's own deployment checks.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def production_settings(app_configs, **kwargs) -> list[Warning]:
    warnings = []
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        warnings.append(
            Warning(
                "Emails go to the console: emergency requests and alarms will reach nobody.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST.",
                id="homevisits.W001",
            )
        )
    if settings.SESSION_IDLE_TIMEOUT > timedelta(minutes=60):
        warnings.append(
            Warning(
                "SESSION_IDLE_MINUTES is over an hour: an unattended tablet stays signed in to pupils' data.",
                hint="Keep SESSION_IDLE_MINUTES at 30 or less.",
                id="homevisits.W002",
            )
        )
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        warnings.append(
            Warning(
                "The database is SQLite: it is for the demo only (no row locks, no append-only triggers).",
                hint="Set DATABASE_URL=postgres://...",
                id="homevisits.W003",
            )
        )
    return warnings
