"""Passkeys (WebAuthn) as a second factor beside the authenticator app (issue 14, item 1).

django-otp-webauthn keeps the passkeys (django-otp devices) and checks the browser's answers; its
views are ours to subclass (accounts.views.passkeys) so that a passkey counts in the session exactly
as an app's code does (`second_factor.give`), and adding or removing one is in the audit trail.

A passkey is a second factor only, after the password: signing in with a passkey alone is off
(`OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False`). Adding one is a step-up: the factor given within
STEP_UP_AFTER, so that a password alone can never put an attacker's passkey on an account. Leads,
deputies, heads and trust admins set up the app first (the middleware sends them there before any
page): it works on any phone, a passkey only where the device has one.
"""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp_webauthn.models import WebAuthnCredential

from visits import audit
from visits.enums import AuditAction
from visits.models import User

# The device a passkey was made on, read from the browser's User-Agent for its name in the list
# (the person tells two passkeys apart by it); the first that matches names it.
_PLATFORMS = (
    ("iPad", re.compile(r"iPad")),
    ("iPhone", re.compile(r"iPhone")),
    ("Android", re.compile(r"Android")),
    ("Chromebook", re.compile(r"CrOS")),
    ("Windows", re.compile(r"Windows")),
    ("Mac", re.compile(r"Macintosh|Mac OS X")),
    ("Linux", re.compile(r"Linux")),
)
_BROWSERS = (
    ("Edge", re.compile(r"Edg/")),
    ("Firefox", re.compile(r"Firefox/")),
    ("Chrome", re.compile(r"Chrome/|CriOS/|Chromium/")),
    ("Safari", re.compile(r"Safari/")),
)
NAME_LENGTH = 64  # django-otp's Device.name


def of(user: User) -> QuerySet[WebAuthnCredential]:
    """The person's own passkeys, newest first."""
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("-created_at", "-pk")


def has_passkey(user: User) -> bool:
    return user.is_authenticated and WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def name_for(user_agent: str) -> str:
    """`Passkey (Chrome on Android)`, from what the browser says it is; `Passkey` when it says nothing
    we know."""
    platform = next((name for name, pattern in _PLATFORMS if pattern.search(user_agent)), None)
    browser = next((name for name, pattern in _BROWSERS if pattern.search(user_agent)), None)
    where = " on ".join(part for part in (browser, platform) if part)
    return (f"Passkey ({where})" if where else "Passkey")[:NAME_LENGTH]


def added(request: HttpRequest, passkey: WebAuthnCredential) -> None:
    """Name a passkey just made on this browser, and write it to the audit trail."""
    passkey.name = name_for(request.headers.get("User-Agent", ""))
    passkey.save(update_fields=["name"])
    audit.record(request.user, AuditAction.UPDATE, object_type="user", detail=f"Passkey added: {passkey.name}")


def remove(request: HttpRequest, pk: int) -> WebAuthnCredential | None:
    """Remove one of the signed-in person's own passkeys (None: no such passkey of theirs)."""
    passkey = WebAuthnCredential.objects.filter(user=request.user, pk=pk).first()
    if passkey is None:
        return None
    passkey.delete()
    audit.record(request.user, AuditAction.UPDATE, object_type="user", detail=f"Passkey removed: {passkey.name}")
    return passkey
