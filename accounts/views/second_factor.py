"""The second factor's pages: give the code, set an app up, see and renew the recovery codes.

What is needed when is decided in `accounts.second_factor`; these views only ask it.
"""

from __future__ import annotations

from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from homevisits.validators import has_control_characters

from .. import second_factor as factor
from ..second_factor_forms import CodeForm, SetupCodeForm

RECOVERY_CODES_TO_SHOW = "accounts_recovery_codes_to_show"


def exempt(view):
    """Reachable before the second factor is given (the middleware lets these through)."""
    view.second_factor_exempt = True
    return view


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if has_control_characters(target):
        return settings.LOGIN_REDIRECT_URL
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@exempt
@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Type the code from the app (or a recovery code): at sign-in, and again for step-up pages."""
    user = request.user
    if not factor.has_device(user) and factor.recovery_codes_left(user) == 0:
        return factor.SET_UP.redirect(request) if factor.required_for(user) else redirect(_next(request))
    form = CodeForm(request.POST or None, submit="Confirm")
    wait = factor.throttled_for(user)
    if request.method == "POST" and form.is_valid():
        if wait:
            form.add_error("code", f"Too many wrong codes: wait {wait} seconds, then type the code the app shows then.")
        else:
            kind = factor.verify(request, form.cleaned_data["code"])
            if kind is not None:
                if kind == "recovery":
                    left = factor.recovery_codes_left(user)
                    messages.warning(
                        request,
                        f"You used a recovery code: {left} left. If your phone is lost, set up a new app "
                        "and make new recovery codes from 'Second factor' in your menu.",
                    )
                return redirect(_next(request))
            form.add_error(
                "code", "That code is not right. Type the code the app shows now (it changes every 30 seconds)."
            )
    return render(
        request,
        "accounts/second_factor/verify.html",
        {
            "form": form,
            "next": _next(request),
            "step_up": factor.is_given(request),
            "demo_code": factor.demo_code(user),
        },
    )


@exempt
@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Add Home Visits to an authenticator app: scan the QR code (or type the key), type a code."""
    user = request.user
    if factor.has_device(user) and not factor.is_fresh(request):
        # Replacing an app already set up needs that app's code first: a password alone must
        # never be enough to put an attacker's app in its place.
        return factor.VERIFY.redirect(request)
    device = factor.start_setup(user)
    form = SetupCodeForm(request.POST or None, submit="Turn on")
    if request.method == "POST" and form.is_valid():
        codes = factor.finish_setup(request, device, form.cleaned_data["code"])
        if codes is not None:
            request.session[RECOVERY_CODES_TO_SHOW] = codes
            request.session["accounts_after_codes"] = _next(request)
            return redirect("accounts:second_factor_recovery")
        form.add_error("code", "That code is not right. Check the app shows 'Home Visits' and type its current code.")
    qr = segno.make(device.config_url, error="m")
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/second_factor/setup.html",
        {
            "form": form,
            "next": _next(request),
            "qr_svg": qr.svg_inline(
                scale=4, border=2, omitsize=True, title="QR code to add Home Visits to an authenticator app"
            ),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "replacing": factor.has_device(user),
        },
    )


@login_required
@require_http_methods(["GET"])
def recovery(request: HttpRequest) -> HttpResponse:
    """The recovery codes, shown once just after they were made; afterwards how many are left."""
    codes = request.session.pop(RECOVERY_CODES_TO_SHOW, None)
    return render(
        request,
        "accounts/second_factor/recovery.html",
        {
            "codes": codes,
            "after": request.session.pop("accounts_after_codes", settings.LOGIN_REDIRECT_URL) if codes else None,
            "left": factor.recovery_codes_left(request.user),
            "has_app": factor.has_device(request.user),
            "required": factor.required_for(request.user),
        },
    )


@require_POST
@login_required
@factor.step_up
def renew_recovery(request: HttpRequest) -> HttpResponse:
    """New recovery codes in place of the old ones (after the code is given again)."""
    request.session[RECOVERY_CODES_TO_SHOW] = factor.renew_recovery_codes(request.user)
    return redirect("accounts:second_factor_recovery")
