from __future__ import annotations

from django.contrib.auth import views as auth_views

from accounts import second_factor

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    """The sign-in page, with the crispy form and a redirect for those already signed in."""

    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.code_device is not None:
            # The code came with the password (a username many wrong passwords were tried for).
            second_factor.give(self.request, form.code_device)
        return response
