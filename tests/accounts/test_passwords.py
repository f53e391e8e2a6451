"""Password rules (issue 14, item 4): not the school's or trust's name, not a repeated pattern, not
the demo's published password outside the demo. `accounts/passwords.py`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.passwords import built_from, repeats
from demo.data import DEMO_PASSWORD
from tests.factories import make_school, make_trust
from visits.models import User

GOOD = "lantern-orchard-quietly-41"


def refusals(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


@pytest.mark.parametrize(
    ("password", "name"),
    [
        ("HolyCross2026!", "Holy Cross Catholic Primary School"),
        ("holy cross 1234", "Holy Cross"),
        ("mount primary1", "Mount Primary"),
        ("MOUNT-PRIMARY-2026", "Mount Primary School"),
        ("Mount!2026ab", "Mount Primary"),
        ("2026!!HolyCross", "Holy Cross"),
        ("Northern Lights Trust 1", "Northern Lights Trust"),
    ],
)
def test_a_password_built_from_a_name_is_recognised(password, name):
    # Assert
    assert built_from(password, name)


@pytest.mark.parametrize(
    ("password", "name"),
    [
        (GOOD, "Holy Cross"),
        ("crossing the river at dawn", "Holy Cross"),
        ("primary colours of autumn", "Mount Primary"),  # "primary" alone is no school's name
        ("1234567890!!", "Holy Cross"),
    ],
)
def test_a_password_that_merely_shares_a_word_is_not(password, name):
    # Assert
    assert not built_from(password, name)


@pytest.mark.parametrize(
    "password", ["aaaaaaaaaaaa", "abcabcabcabc", "AbcAbcAbcAbc", "ab12ab12ab12", "passwordpassword", "1212121212aa"]
)
def test_a_repeated_character_or_pattern_is_recognised(password):
    # Assert
    assert repeats(password)


@pytest.mark.parametrize("password", [GOOD, "abcabcabcabd", "correct horse battery staple"])
def test_a_password_that_does_not_repeat_itself_is_not(password):
    # Assert
    assert not repeats(password)


def test_the_name_of_the_users_own_school_or_trust_is_refused(cast):
    # Act / Assert: Holy Cross is the office's school, "Test Trust" its trust.
    assert "password_school_name" in refusals("HolyCross2026!", cast.office)
    assert "password_school_name" in refusals("Test-Trust-2026!", cast.office)
    assert refusals(GOOD, cast.office) == []


def test_a_new_user_is_checked_against_every_school_and_trust(db):
    # Arrange
    make_school("Mount Primary", make_trust("Northern Lights Trust"))

    # Act / Assert: no user yet (a form that creates one), or an unsaved one.
    assert "password_school_name" in refusals("mount primary1")
    assert "password_school_name" in refusals("mount primary1", User(username="new.starter"))
    assert "password_school_name" in refusals("NorthernLights99")


def test_another_schools_name_is_not_the_users_own(cast):
    # Arrange: the office belongs to Holy Cross only.
    make_school("Riverside Juniors", cast.school.trust)

    # Act / Assert
    assert "password_school_name" not in refusals("Riverside-2026-x", cast.office)


def test_a_repeated_pattern_is_refused(db):
    # Assert
    assert "password_repeated" in refusals("aaaaaaaaaaaa")
    assert "password_repeated" in refusals("abcabcabcabc")


def test_the_demo_password_is_refused_outside_the_demo(db, settings):
    # Arrange
    settings.DEMO_MODE = False

    # Assert: as it is, and dressed up.
    assert "password_demo" in refusals(DEMO_PASSWORD)
    assert "password_demo" in refusals("HomeVisits-Demo-2026")


def test_the_demo_password_is_accepted_in_the_demo(db, settings):
    # Arrange
    settings.DEMO_MODE = True

    # Assert
    assert "password_demo" not in refusals(DEMO_PASSWORD)


@pytest.mark.parametrize(("debug", "expected"), [("true", "True"), ("false", "False")])
def test_the_demo_mode_needs_debug(debug, expected):
    # Arrange: the settings read in a fresh interpreter, DEMO_MODE set (by mistake, with DEBUG off).
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": "sqlite:///:memory:",
        "DEMO_MODE": "true",
        "DEBUG": debug,
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "visits.example.org",
    }

    # Act
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", "import homevisits.settings as s; print(s.DEMO_MODE)"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # Assert
    assert result.stdout.strip() == expected, result.stderr


def test_the_rules_are_told_beside_the_password_field():
    # Assert
    texts = " ".join(password_validators_help_texts())
    assert "name of your school or trust" in texts
    assert "short pattern repeated" in texts
    assert "demo's password" in texts


@pytest.mark.parametrize(
    ("new_password", "said"),
    [
        ("HolyCross2026!", "is built from the name “Holy Cross”"),
        ("abcabcabcabc", "repeats one character or a short pattern"),
        (DEMO_PASSWORD, "the demo&#x27;s password"),
    ],
)
def test_changing_to_a_refused_password_says_why_and_changes_nothing(cast, login, password, new_password, said):
    # Act
    response = login(cast.office).post(
        reverse("password_change"),
        {"old_password": password, "new_password1": new_password, "new_password2": new_password},
    )

    # Assert
    assert response.status_code == 200
    assert said in response.content.decode()
    assert User.objects.get(pk=cast.office.pk).check_password(password)


def test_the_demo_builds_its_users_with_its_password_all_the_same(db, settings):
    # Arrange: outside the demo, where the validator refuses it.
    settings.DEMO_MODE = False

    # Act: the demo makes its people with create_user (demo/build/people.py), which runs no validator.
    user = User.objects.create_user(username="office.demo", password=DEMO_PASSWORD)

    # Assert
    assert user.check_password(DEMO_PASSWORD)
