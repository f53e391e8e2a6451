"""Shared fixtures: the fixed cast, a client per user, and the PostgreSQL/browser requirements.

In CI (`HOMEVISITS_REQUIRE_ALL=1`, set by `.ci/run`) a test that needs PostgreSQL or a browser
fails instead of skipping, so a green CI run has really exercised them.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection

from .factories import PASSWORD, Cast, make_cast

REQUIRE_ALL = os.environ.get("HOMEVISITS_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _require_postgres(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def _flush_despite_append_only_triggers(transactional_db):
    """For transactional tests on PostgreSQL (threads, the live server).

    Django empties every table by TRUNCATE after such a test, which the append-only triggers on
    the audit trail and the timelines refuse (as they must). Just before that flush (this teardown
    runs first, as the fixture depends on `transactional_db`), this connection switches to
    `session_replication_role = replica`, under which ordinary triggers do not fire. Django closes
    the connection straight after the flush, so no other test runs without the triggers. Needs a
    superuser connection, as the test database's owner is in CI.
    """
    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")


@pytest.fixture
def cast(db) -> Cast:
    return make_cast()


@pytest.fixture
def login(client):
    """`login(user)` signs the test client in as `user` and returns it."""

    def _login(user):
        client.logout()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login


@pytest.fixture
def password() -> str:
    return PASSWORD
