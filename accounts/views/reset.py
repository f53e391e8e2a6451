"""The password-reset request page: limited, and the same answer for everyone (accounts.reset)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from accounts import reset


class ResetRequestView(auth_views.PasswordResetView):
    """Django's reset page with the limits: a request over a limit renders its email all the same
    and sends nothing, and is answered with the same "check your email" page."""

    form_class = reset.ResetRequestForm

    def form_valid(self, form: reset.ResetRequestForm) -> HttpResponse:
        form.send = reset.let_through(self.request, form.cleaned_data["email"])
        return super().form_valid(form)
