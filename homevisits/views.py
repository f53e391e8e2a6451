from __future__ import annotations

from django.contrib.auth import views as auth_views

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    """The sign-in page, with the crispy form and a redirect for those already signed in."""

    form_class = LoginForm
    redirect_authenticated_user = True
