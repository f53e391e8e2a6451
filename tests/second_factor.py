"""The second factor in tests: codes from a device as the person's app would show them, and a
test client that has given the factor (as a signed-in person has, after the code page)."""

from __future__ import annotations

import time
from base64 import b32decode

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import second_factor


def code_for(device: TOTPDevice) -> str:
    """The code the app shows now, or the next one if this step's code was used already (a code
    works once: a second sign-in within 30 seconds types the next one, inside the tolerance)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if totp.t() <= device.last_t:
        totp.drift += device.last_t + 1 - totp.t()
    return f"{totp.token():0{device.digits}d}"


def code_for_secret(secret: str) -> str:
    """The code an app shows for a key as the set-up page prints it (base32, in groups)."""
    return f"{TOTP(b32decode(secret.replace(' ', ''))).token():06d}"


def give_app(user, *, name: str = second_factor.APP_DEVICE_NAME) -> TOTPDevice:
    device = second_factor.app_device(user)
    return device or TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def pass_second_factor(client, user) -> None:
    """After `client.force_login(user)`: the session has given the second factor just now."""
    device = give_app(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[second_factor.VERIFIED_AT] = time.time()
    session.save()
