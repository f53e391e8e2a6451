"""What the second factor's pages show of a person's passkeys (accounts.passkeys)."""

from __future__ import annotations

from django import template
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import passkeys
from accounts import second_factor as factor

register = template.Library()


@register.simple_tag
def passkeys_of(user):
    """`{% passkeys_of user as keys %}`: the person's own passkeys, newest first."""
    return list(passkeys.of(user)) if user.is_authenticated else []


@register.filter
def has_passkey(user) -> bool:
    return passkeys.has_passkey(user)


@register.filter
def has_authenticator_app(user) -> bool:
    """An app set up (`second_factor.has_device` also counts passkeys)."""
    return user.is_authenticated and TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@register.simple_tag(takes_context=True)
def factor_fresh(context) -> bool:
    """`{% factor_fresh as fresh %}`: may this session add or remove a passkey now (the factor
    given within 15 minutes, or none needed)?"""
    return factor.step_up_needed(context["request"]) is factor.NOTHING
