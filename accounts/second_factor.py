"""The second factor: who must give one, when it was last given, and giving it (issue 14).

Leads, deputies, heads and trust admins read child-protection concerns: they always sign in with
an authenticator app (TOTP, RFC 6238) as well as their password, as CPOMS and MyConcern ask. A
school asks it of everyone else too with `School.second_factor_for_all` (on by default). The Django
admin's staff accounts need it as well.

django-otp keeps the devices (a TOTP device, and a static device holding the recovery codes),
checks codes and throttles wrong ones. The session remembers that the factor was given and when,
so a signed-in page costs no query for it, and so that "step-up" (reading the audit trail, a
concern's details, an export, changing staff or settings) can ask again when it was given more
than STEP_UP_AFTER ago.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY, devices_for_user
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from visits import audit
from visits.enums import AuditAction, Role
from visits.models import Membership, User

from . import passkeys

# Roles that read child-protection records: a second factor always (issue 14, item 1).
ALWAYS_FOR = frozenset({Role.LEAD, Role.DEPUTY_LEAD, Role.HEAD, Role.TRUST_ADMIN})
# Step-up: these pages ask for the factor again when it was given longer ago than this.
STEP_UP_AFTER = timedelta(minutes=15)
RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# The demo's users have their authenticator set up already; with DEBUG on (the demo, never a
# school's server) the sign-in page shows their current code so that a newcomer can click through.
DEMO_DEVICE_NAME = "Demo authenticator"

# What the session keeps once the factor is given: which device, and when.
VERIFIED_AT = "accounts_second_factor_at"
# Set when a passkey gave the factor to someone who must have an app and has none (they added the
# passkey before their role or school asked for the app): they set the app up before any page.
APP_STILL_NEEDED = "accounts_app_still_needed"


def required_for(user: User) -> bool:
    """Must `user` give a second factor to use the app at all?"""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    active = Membership.objects.filter(user=user, is_active=True)
    return active.filter(role__in=ALWAYS_FOR).exists() or active.filter(school__second_factor_for_all=True).exists()


def app_device(user: User, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).order_by("-pk").first()


def has_device(user: User) -> bool:
    """Has `user` a second factor to give: an app, or a passkey (a person with only a passkey is
    asked for it, not sent to set an app up)?"""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists() or passkeys.has_passkey(user)


def given_at(request: HttpRequest) -> float | None:
    """When the factor was last given in this session (a timestamp), or None."""
    if DEVICE_ID_SESSION_KEY not in request.session:
        return None
    value = request.session.get(VERIFIED_AT)
    return float(value) if value is not None else None


def is_given(request: HttpRequest) -> bool:
    return given_at(request) is not None


def is_fresh(request: HttpRequest) -> bool:
    """Was the factor given within STEP_UP_AFTER? (Step-up pages ask again otherwise.)"""
    at = given_at(request)
    return at is not None and time.time() - at <= STEP_UP_AFTER.total_seconds()


@dataclass(frozen=True)
class Needed:
    """What a signed-in request still lacks: nothing, the code, or setting the app up."""

    url_name: str | None

    def redirect(self, request: HttpRequest) -> HttpResponse:
        return redirect(f"{reverse(self.url_name)}?{urlencode({'next': request.get_full_path()})}")


NOTHING = Needed(None)
VERIFY = Needed("accounts:second_factor")
SET_UP = Needed("accounts:second_factor_setup")


def needed(request: HttpRequest) -> Needed:
    """What `request` must do before any page: give the code (anyone with an app set up), set an
    app up (those who must have one), or nothing."""
    user = request.user
    if not user.is_authenticated:
        return NOTHING
    if is_given(request):
        return SET_UP if request.session.get(APP_STILL_NEEDED) else NOTHING
    if has_device(user):
        return VERIFY
    if required_for(user):
        return SET_UP
    return NOTHING


def step_up_needed(request: HttpRequest) -> Needed:
    """For a step-up page: nothing if the factor was given within STEP_UP_AFTER (or the person
    neither has nor needs one), else the code again."""
    user = request.user
    if is_fresh(request):
        return NOTHING
    if is_given(request) or has_device(user):
        return VERIFY
    return SET_UP if required_for(user) else NOTHING


def step_up(view):
    """Decorator: this page shows or changes what needs the second factor given recently."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        lacking = step_up_needed(request)
        if lacking is not NOTHING:
            return lacking.redirect(request)
        return view(request, *args, **kwargs)

    wrapper.step_up = True
    return wrapper


def _mark_given(request: HttpRequest, device) -> None:
    request.session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    request.session[VERIFIED_AT] = time.time()
    request.session.pop(APP_STILL_NEEDED, None)


def match(user: User, code: str):
    """The device of `user` that accepts `code` (used up: a code works once), or None. Six digits
    go to the app, anything else to the recovery codes, each only to its own device, so that a
    recovery code does not count as a wrong app code in the app's throttle. Wrong codes count
    towards django-otp's throttle, which slows guessing whatever the address."""
    code = "".join(code.split())
    device = app_device(user) if code.isdigit() and len(code) == 6 else _recovery_device(user)
    if device is None:
        return None
    with transaction.atomic():
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        if locked.verify_is_allowed()[0] and locked.verify_token(code):
            return locked
    return None


def give(request: HttpRequest, device) -> str:
    """Mark the session: the factor was given just now, with `device`. Returns its kind."""
    _mark_given(request, device)
    kind = "recovery" if isinstance(device, StaticDevice) else "app"
    if isinstance(device, passkeys.WebAuthnCredential):
        kind = "passkey"
    left = f"; {device.token_set.count()} recovery codes left" if kind == "recovery" else ""
    audit.record(request.user, AuditAction.EVENT, object_type="user", detail=f"Second factor given ({kind}{left})")
    return kind


def verify(request: HttpRequest, code: str) -> str | None:
    """Check `code` (from the app, or a recovery code) for the signed-in person; on success mark
    the session and return which kind it was ("app" or "recovery"), else None."""
    device = match(request.user, code)
    if device is not None:
        return give(request, device)
    audit.record(request.user, AuditAction.EVENT, object_type="user", detail="Second factor: wrong code")
    return None


def throttled_for(user: User) -> int:
    """Seconds before the next code will be checked (django-otp's throttle after wrong codes)."""
    device = app_device(user)
    if device is None:
        return 0
    allowed, info = device.verify_is_allowed()
    if allowed or not info or "locked_until" not in info:
        return 0
    return max(0, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)


def start_setup(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (kept across page loads until confirmed)."""
    device = app_device(user, confirmed=False)
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def finish_setup(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the app being set up with a code it shows; on success it replaces any earlier app,
    new recovery codes are made (returned, to be shown once) and the session counts as verified."""
    code = "".join(code.split())
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(code):
            return None
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_recovery_codes(device.user)
    _mark_given(request, device)
    audit.record(device.user, AuditAction.UPDATE, object_type="user", detail="Authenticator app set up")
    return codes


def _recovery_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True).first()


def recovery_codes_left(user: User) -> int:
    device = _recovery_device(user)
    return device.token_set.count() if device else 0


def new_recovery_codes(user: User) -> list[str]:
    """Replace the person's recovery codes with RECOVERY_CODES new ones (each works once)."""
    StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def renew_recovery_codes(user: User) -> list[str]:
    codes = new_recovery_codes(user)
    audit.record(user, AuditAction.UPDATE, object_type="user", detail="Recovery codes renewed")
    return codes


def remove_all(user: User, *, by: User, school=None) -> None:
    """Take away a person's second factor (lost phone): every device of theirs (app, recovery
    codes, passkeys) and every session they are signed in with, so that a session verified with
    the old phone does not outlive it. They set a new one up at their next sign-in."""
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    _end_sessions(user)
    audit.record(
        by, AuditAction.UPDATE, user, object_type="user", school=school, detail="Second factor removed (lost phone)"
    )


def _end_sessions(user: User) -> None:
    """Delete `user`'s sessions (database sessions carry no user index: the live ones are read;
    a school has hundreds, not millions)."""
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()


def demo_code(user: User) -> str | None:
    """The current code of a demo user's authenticator, shown on the page only in the demo (DEBUG on
    and the demo's own device); None everywhere else."""
    if not settings.DEBUG:
        return None
    device = TOTPDevice.objects.filter(user=user, confirmed=True, name=DEMO_DEVICE_NAME).first()
    if device is None:
        return None
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def forget_on_sign_in(sender, request, user, **kwargs) -> None:
    """A new sign-in starts without the factor, whatever the session held before (connected to
    `user_logged_in` in `AccountsConfig.ready`)."""
    if request is not None and hasattr(request, "session"):
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
        request.session.pop(VERIFIED_AT, None)
        request.session.pop(APP_STILL_NEEDED, None)
