"""Shared fixtures: the fixed cast, a client per user, and the PostgreSQL/browser requirements.

In CI (`HOMEVISITS_REQUIRE_ALL=1`, set by `.ci/run`) a test that needs PostgreSQL or a browser
fails instead of skipping, so a green CI run has really exercised them.
"""

from __future__ import annotations

import os

import pytest
import time_machine
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from guardian.shortcuts import get_objects_for_user

from visits.models import Visit

from . import clock
from .factories import PASSWORD, Cast, make_cast
from .second_factor import pass_second_factor

REQUIRE_ALL = os.environ.get("HOMEVISITS_REQUIRE_ALL") == "1"


def skip_or_fail(reason: str) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


# The fixtures that make a test a view test: it goes through Django's test client.
VIEW_FIXTURES = {"client", "login", "admin_client"}


def pytest_collection_modifyitems(items):
    """Each test's layer as a marker, so that one layer runs alone (`make test-unit`, `-m view`):
    browser tests mark themselves; a test that uses the test client is a view test; the rest are
    unit tests. `postgres` is a marker of its own, across the layers."""
    for item in items:
        if item.get_closest_marker("browser"):
            continue
        if VIEW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.view)
        else:
            item.add_marker(pytest.mark.unit)


@pytest.fixture(autouse=True)
def pinned_clock(request):
    """Every test runs at a known instant: `clock.SCHOOL_MORNING`, or the one its
    `@pytest.mark.clock(instant)` names. The clock runs on from there (timeouts and waits behave),
    in every thread of the process, the live server's included. Autouse, so it is in place before
    any other function-scoped fixture builds rows (and `cast` asks for it by name)."""
    marker = request.node.get_closest_marker("clock")
    instant = marker.args[0] if marker else clock.SCHOOL_MORNING
    with time_machine.travel(instant, tick=True) as traveller:
        yield traveller


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
def cast(db, pinned_clock) -> Cast:
    """The fixed cast, with the process's lookup caches filled (Django's content types, guardian's
    permission to content type): whatever tests ran before in this process (pytest-xdist deals
    them out differently each run), a page then costs the same queries on its first request as
    on its next, so query counts compare."""
    ContentType.objects.clear_cache()
    ContentType.objects.get_for_models(*apps.get_models())
    cast = make_cast()
    get_objects_for_user(cast.visitor, "visits.view_visit", klass=Visit, use_groups=False).exists()
    return cast


@pytest.fixture
def login(client):
    """`login(user)` signs the test client in as `user`, with the second factor given (as after
    the code page: tests/accounts prove that page), and returns it."""

    def _login(user):
        client.logout()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        pass_second_factor(client, user)
        return client

    return _login


@pytest.fixture
def password() -> str:
    return PASSWORD
