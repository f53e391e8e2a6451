"""Settings from the environment: strict helpers, and a production start refused when unsafe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from homevisits.settings import database_from_url, env_bool, env_int

BASE_DIR = Path(__file__).resolve().parent.parent
LONG_KEY = "k" * 25 + "Q7-x" * 6 + "z"  # 50 characters


# --- database_from_url ---------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_database_from_url_parses_postgres(scheme, monkeypatch):
    # Arrange
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)

    # Act
    db = database_from_url(f"{scheme}://hv_user:p%40ss%2Fword@db.example.org:6543/home_visits?sslmode=require")

    # Assert
    assert db == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "home_visits",
        "USER": "hv_user",
        "PASSWORD": "p@ss/word",
        "HOST": "db.example.org",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


def test_database_from_url_postgres_keeps_connections_open(monkeypatch):
    # Arrange
    monkeypatch.delenv("DB_CONN_MAX_AGE", raising=False)

    # Act
    db = database_from_url("postgres://postgres@127.0.0.1/homevisits")

    # Assert
    assert db["CONN_MAX_AGE"] > 0
    assert db["CONN_HEALTH_CHECKS"] is True
    assert (db["HOST"], db["PORT"], db["PASSWORD"]) == ("127.0.0.1", "", "")


def test_database_from_url_postgres_conn_max_age_from_environment(monkeypatch):
    # Arrange
    monkeypatch.setenv("DB_CONN_MAX_AGE", "300")

    # Act
    db = database_from_url("postgres://postgres@127.0.0.1/homevisits")

    # Assert
    assert db["CONN_MAX_AGE"] == 300


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("sqlite:////srv/homevisits/db.sqlite3", "/srv/homevisits/db.sqlite3"),
        ("sqlite:///var/demo.sqlite3", "var/demo.sqlite3"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite://", ":memory:"),
    ],
)
def test_database_from_url_parses_sqlite(url, name):
    # Act
    db = database_from_url(url)

    # Assert
    assert db == {"ENGINE": "django.db.backends.sqlite3", "NAME": name, "OPTIONS": {"timeout": 20}}


@pytest.mark.parametrize(
    "url", ["mysql://root@localhost/homevisits", "oracle://x@y/z", "/var/db.sqlite3", "", "http://example.org/db"]
)
def test_database_from_url_rejects_other_engines(url):
    # Act / Assert
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url(url)


# --- typed environment helpers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1", True), ("true", True), ("Yes", True), (" on ", True), ("0", False), ("FALSE", False), ("no", False)],
)
def test_env_bool_reads_true_and_false(monkeypatch, raw, expected):
    # Arrange
    monkeypatch.setenv("HV_TEST_FLAG", raw)

    # Act / Assert
    assert env_bool("HV_TEST_FLAG", not expected) is expected


@pytest.mark.parametrize("default", [True, False])
def test_env_bool_unset_or_empty_gives_default(monkeypatch, default):
    # Arrange
    monkeypatch.delenv("HV_TEST_FLAG", raising=False)
    unset = env_bool("HV_TEST_FLAG", default)
    monkeypatch.setenv("HV_TEST_FLAG", "")

    # Act
    empty = env_bool("HV_TEST_FLAG", default)

    # Assert
    assert (unset, empty) == (default, default)


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y e s", "enabled"])
def test_env_bool_rejects_garbage(monkeypatch, raw):
    # Arrange
    monkeypatch.setenv("HV_TEST_FLAG", raw)

    # Act / Assert
    with pytest.raises(ImproperlyConfigured, match="HV_TEST_FLAG must be true or false"):
        env_bool("HV_TEST_FLAG", True)


def test_env_int_rejects_garbage(monkeypatch):
    # Arrange
    monkeypatch.setenv("HV_TEST_NUMBER", "thirty")

    # Act / Assert
    with pytest.raises(ImproperlyConfigured, match="HV_TEST_NUMBER must be a whole number"):
        env_int("HV_TEST_NUMBER", 30)


# --- production refuses to start when unsafe ----------------------------------------------------------


def _import_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings module in a fresh interpreter with only `env` (and PATH) set."""
    clean = {"PATH": os.environ.get("PATH", ""), "DATABASE_URL": "sqlite:///:memory:", **env}
    return subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import homevisits.settings"],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_production_without_secret_key_refuses_to_start():
    # Act
    result = _import_settings(DEBUG="false", ALLOWED_HOSTS="visits.example.org")

    # Assert
    assert result.returncode != 0
    assert "ImproperlyConfigured: Refusing to start" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    "key", ["dev-only-insecure-key-do-not-use-in-production", "short-but-set-key-0123456789"], ids=["dev", "short"]
)
def test_settings_production_with_weak_secret_key_refuses_to_start(key):
    # Act
    result = _import_settings(DEBUG="false", SECRET_KEY=key, ALLOWED_HOSTS="visits.example.org")

    # Assert
    assert result.returncode != 0
    assert "ImproperlyConfigured: Refusing to start" in result.stderr


def test_settings_production_without_allowed_hosts_refuses_to_start():
    # Act
    result = _import_settings(DEBUG="false", SECRET_KEY=LONG_KEY)

    # Assert
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is empty" in result.stderr


def test_settings_production_with_long_secret_key_and_hosts_starts():
    # Act
    result = _import_settings(DEBUG="false", SECRET_KEY=LONG_KEY, ALLOWED_HOSTS="visits.example.org")

    # Assert
    assert len(LONG_KEY) == 50
    assert (result.returncode, result.stderr) == (0, "")


def test_settings_garbage_boolean_refuses_to_start():
    # Act
    result = _import_settings(DEBUG="perhaps")

    # Assert
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr
