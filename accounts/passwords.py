"""Password rules beyond Django's own (issue 14, item 4), listed in AUTH_PASSWORD_VALIDATORS.

Django already refuses short, common, all-digit passwords and ones like the person's own name.
These refuse what a guesser at a school tries first:

- the school's or the trust's name, however dressed up ("HolyCross2026!", "mount primary1");
- one character or a short pattern repeated ("aaaaaaaaaaaa", "abcabcabcabc");
- the demo's published password, everywhere but the demo itself (`settings.DEMO_MODE`, set by
  `make run`, and only ever with DEBUG on).

They run wherever Django checks a new password: the password change and reset forms, the staff
forms, `manage.py changepassword`, `validate_password()`. Users the demo builds are made with
`create_user`, which runs no validator, so the demo keeps its one password.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError

# Words of a school's or trust's name too common to be "the name" on their own.
COMMON_WORDS = {"school", "primary", "academy", "trust", "catholic", "church", "infant", "junior", "college"}
# A word of the name this long or longer counts on its own ("Mount", "Cross").
NAME_WORD_MIN = 4
# Letters a password may add to a name and still be "built from" it ("mountaa", "iholycross").
EXTRA_LETTERS_MAX = 3


def letters(text: str) -> str:
    """The letters of `text`, lower case: what is left when digits, spaces and punctuation go."""
    return "".join(ch for ch in text.lower() if ch.isalpha())


def _names_for(user) -> list[str]:
    """The school and trust names that count for `user`: those of the schools they belong to, or
    every school and trust in the database for someone not yet saved or with no school."""
    from visits.models import Membership, School, Trust

    if user is not None and getattr(user, "pk", None):
        rows = Membership.objects.filter(user=user).values_list("school__name", "school__trust__name")
        names = [name for row in rows for name in row if name]
        if names:
            return names
    return list(School.objects.values_list("name", flat=True)) + list(Trust.objects.values_list("name", flat=True))


def built_from(password: str, name: str) -> bool:
    """Whether `password` is `name` dressed up: its letters are a part of the name's letters
    ("HolyCross2026!" for "Holy Cross Catholic Primary"), or the name's letters, or one word of the
    name, with at most a few letters more ("Mount!2026ab")."""
    said = letters(password)
    whole = letters(name)
    if not said or not whole:
        return False
    if len(said) >= NAME_WORD_MIN and said in whole:
        return True
    words = [letters(w) for w in re.split(r"\W+", name)]
    pieces = [whole] + [w for w in words if len(w) >= NAME_WORD_MIN and w not in COMMON_WORDS]
    return any(piece in said and len(said) - len(piece) <= EXTRA_LETTERS_MAX for piece in pieces)


class SchoolNameValidator:
    """Refuse a password built from the name of the person's school or trust."""

    def validate(self, password: str, user=None) -> None:
        for name in _names_for(user):
            if built_from(password, name):
                raise ValidationError(
                    f"This password is built from the name “{name}”, which is the first thing "
                    "anyone would try. Choose words that have nothing to do with the school.",
                    code="password_school_name",
                )

    def get_help_text(self) -> str:
        return "Your password cannot be built from the name of your school or trust."


def repeats(password: str) -> bool:
    """Whether `password` is one piece repeated ("aaaa", "abcabcabc", "Ab1Ab1Ab1A"), ignoring
    case, or uses fewer than four different characters."""
    text = password.lower()
    if len(set(text)) < 4:
        return True
    for size in range(1, len(text) // 2 + 1):
        piece = text[:size]
        if (piece * (len(text) // size + 1))[: len(text)] == text:
            return True
    return False


class RepeatedPatternValidator:
    """Refuse a password made of one character or a short pattern repeated."""

    def validate(self, password: str, user=None) -> None:
        if repeats(password):
            raise ValidationError(
                "This password repeats one character or a short pattern (like “aaaa” or “abcabc”), "
                "which is quickly guessed. Choose one that does not repeat itself.",
                code="password_repeated",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be one character or a short pattern repeated."


def demo_password() -> str:
    from demo.data import DEMO_PASSWORD

    return DEMO_PASSWORD


class DemoPasswordValidator:
    """Refuse the demo's published password (and it dressed up) outside the demo: it is printed
    in the README and by `make run`, so it is the first one tried on a school's server."""

    def validate(self, password: str, user=None) -> None:
        if getattr(settings, "DEMO_MODE", False):
            return
        if letters(demo_password()) in letters(password):
            raise ValidationError(
                "This is the demo's password, which is published. Choose your own.",
                code="password_demo",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be the demo's password."
