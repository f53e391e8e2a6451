"""Typed text that cannot be stored or shown: NUL bytes and other control characters (issue 14).

PostgreSQL refuses a NUL byte in any text column (the query fails, and the page with it), and the
other C0 control characters and DEL are invisible on screen, in PDFs and in CPOMS, where they
would hide or garble what a member of staff wrote about a child. Tab, carriage return and line
feed are ordinary typing and stay.

One rule, used in three places:
- forms: `PlainTextForm`, a mixin every project form takes, adds `refuse_control_characters` to
  each of its text fields, so the person sees a form error on the field and keeps what they typed;
- the few values views read outside a form (`request.POST.get(...)`): `plain_text()`;
- query strings: `homevisits.middleware.BadInputMiddleware` answers 400 with a plain message.
"""

from __future__ import annotations

import re

from django import forms
from django.core import validators
from django.core.exceptions import ValidationError

# C0 controls but tab (\x09), line feed (\x0a) and carriage return (\x0d); and DEL.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

MESSAGE = (
    "This holds a hidden control character (such as a NUL byte), often left by copying from "
    "another program. Delete it, or type the text again, and save."
)


def has_control_characters(value: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(value))


def refuse_control_characters(value) -> None:
    """A validator: text with a control character in it is refused with a plain message."""
    if isinstance(value, str) and has_control_characters(value):
        raise ValidationError(MESSAGE, code="control_characters")


class BadInput(ValueError):
    """A value a view read from the request (outside a form) holds a control character; its
    message is for the person."""

    def __init__(self, message: str = MESSAGE) -> None:
        super().__init__(message)


def plain_text(value: str) -> str:
    """`value` unchanged, or BadInput if it holds a control character (for the few values a view
    reads without a form: a cancellation note, an extension's reason)."""
    if has_control_characters(value):
        raise BadInput()
    return value


class PlainTextForm:
    """Mixin for every form of the project: each text field (CharField and its kinds: email,
    slug, ...) refuses control characters with a form error on that field.

    Added at `full_clean`, not in `__init__`, so that fields a form adds after its own
    `super().__init__()` (one per pupil, one per risk row) are covered too.
    """

    def full_clean(self) -> None:
        for field in self.fields.values():
            if isinstance(field, forms.CharField) and refuse_control_characters not in field.validators:
                # Ours in place of Django's own NUL check, so that a NUL gets one message, not two.
                field.validators = [
                    v for v in field.validators if not isinstance(v, validators.ProhibitNullCharactersValidator)
                ] + [refuse_control_characters]
        super().full_clean()
