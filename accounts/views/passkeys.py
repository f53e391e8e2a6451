"""Passkeys' pages: the four WebAuthn ceremonies that django-otp-webauthn's bundled script calls,
and removing a passkey. Adding or removing one is a step-up; giving one at the code page counts as
the second factor given, as an app's code does (accounts.passkeys says why and when).

The library's views are subclassed, not copied: ours replace its `is_verified()` check (from
django-otp's middleware, which this project does not use) with `accounts.second_factor`'s own.
"""

from __future__ import annotations

from logging import getLogger
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_otp_webauthn import exceptions
from django_otp_webauthn import views as webauthn
from django_otp_webauthn.settings import app_settings
from django_otp_webauthn.utils import rewrite_exceptions

from visits import audit
from visits.enums import AuditAction

from .. import passkeys
from .. import second_factor as factor
from .second_factor import exempt

STEP_UP_FIRST = "Confirm it is you first: give your code again, then add the passkey."


def _logger():
    name = app_settings.OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME
    return getLogger(name) if name else None


class _StepUpFirst:
    """Registering a passkey: only with the factor given within STEP_UP_AFTER (or for a person who
    neither has nor needs one), so that a password alone never adds a passkey to an account."""

    def _check_user_verified(self, user) -> None:
        if factor.step_up_needed(self.request) is not factor.NOTHING:
            raise exceptions.NotVerified(detail=STEP_UP_FIRST)


class BeginRegistration(_StepUpFirst, webauthn.BeginCredentialRegistrationView):
    pass


class CompleteRegistration(_StepUpFirst, webauthn.CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        state = self.get_state()
        with rewrite_exceptions(logger=_logger()):
            passkey = self.get_helper().register_complete(user=self.request.user, state=state, data=self.request.data)
        passkeys.added(self.request, passkey)
        messages.success(self.request, f"{passkey.name} added. This device can now confirm it is you.")
        if not factor.is_given(self.request):
            # Someone who had no second factor: the passkey just made is the one given.
            factor.give(self.request, passkey)
        return JsonResponse({"id": passkey.pk})


class BeginAuthentication(webauthn.BeginCredentialAuthenticationView):
    pass


class CompleteAuthentication(webauthn.CompleteCredentialAuthenticationView):
    """The code page's "Use a passkey": a passkey of the signed-in person (the library refuses any
    other's) gives the second factor now, stamped and audited as an app's code is."""

    def complete_auth(self, device) -> None:
        factor.give(self.request, device)
        user = self.request.user
        if factor.required_for(user) and factor.app_device(user) is None:
            # Leads and the like keep an app (it works on any phone): set up before any page.
            self.request.session[factor.APP_STILL_NEEDED] = True

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if self.request.session.get(factor.APP_STILL_NEEDED):
            return f"{reverse(factor.SET_UP.url_name)}?{urlencode({'next': url})}"
        return url

    def handle_exception(self, exc):
        if isinstance(exc, exceptions.OTPWebAuthnApiError) and self.request.user.is_authenticated:
            audit.record(
                self.request.user,
                AuditAction.EVENT,
                object_type="user",
                detail=f"Second factor: passkey refused ({exc.code})",
            )
        return super().handle_exception(exc)


def _ceremony(view_class, *, before_factor: bool = False):
    """POST only (a GET is 405 for anyone), signed in (else the sign-in page); the authentication
    ceremony is reachable before the factor is given, as the code page is."""
    view = require_POST(login_required(view_class.as_view()))
    return exempt(view) if before_factor else view


begin_registration = _ceremony(BeginRegistration)
complete_registration = _ceremony(CompleteRegistration)
begin_authentication = _ceremony(BeginAuthentication, before_factor=True)
complete_authentication = _ceremony(CompleteAuthentication, before_factor=True)


@require_POST
@login_required
@factor.step_up
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one of one's own passkeys (someone else's, or none: 404)."""
    passkey = passkeys.remove(request, pk)
    if passkey is None:
        raise Http404
    messages.success(request, f"{passkey.name or 'Passkey'} removed. It no longer signs you in.")
    return redirect("accounts:second_factor_recovery")
