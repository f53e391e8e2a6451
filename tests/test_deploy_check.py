"""`manage.py check --deploy --fail-level WARNING` with production settings reports 0 issues
(issue 14: it failed on W005 and W021, the HSTS options written into settings.py).

Run in a fresh process, as a school's server would run it: the settings are read once, at
import, from the environment. The environment is what the README's "Production serving" asks for,
so that the project's own deploy checks (homevisits/checks.py: W001 console e-mail, W002 a long
idle time-out, W003 SQLite) are met, not silenced.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent

# The production environment of the README's "Production serving" section.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3P9vQx7LmN2rT8wYz4bC6dF1gH5jK0sA7eR2uI9oP3lZ8xV6nM4qW1tY5cB7",
    "ALLOWED_HOSTS": "visits.school.example",
    "CSRF_TRUSTED_ORIGINS": "https://visits.school.example",
    "SITE_URL": "https://visits.school.example",
    "DATABASE_URL": "postgres://homevisits:secret@127.0.0.1:5432/homevisits",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.school.example",
    "EMAIL_USE_TLS": "true",
    "EMAIL_PORT": "587",
    "BEHIND_HTTPS_PROXY": "true",
    "TRUSTED_PROXY_COUNT": "1",
}


def check_deploy(**overrides: str) -> subprocess.CompletedProcess:
    # Only what a server would have: none of the test run's own variables (DATABASE_URL, ...).
    keep = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "TZ") if name in os.environ}
    env = keep | PRODUCTION | overrides
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_with_production_settings_reports_no_issues():
    # Act
    result = check_deploy()

    # Assert
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("variable", "warning"),
    [("SECURE_HSTS_INCLUDE_SUBDOMAINS", "security.W005"), ("SECURE_HSTS_PRELOAD", "security.W021")],
)
def test_check_deploy_names_an_hsts_option_turned_off(variable, warning):
    # Act: a school whose other hosts still speak plain HTTP turns the option off.
    result = check_deploy(**{variable: "false"})

    # Assert: allowed, and the check says what it costs.
    assert result.returncode == 1
    assert warning in result.stderr


def test_check_deploy_still_warns_about_console_email():
    # Act: the project's own check is met above by the environment, not silenced.
    result = check_deploy(EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend")

    # Assert
    assert result.returncode == 1
    assert "homevisits.W001" in result.stderr
