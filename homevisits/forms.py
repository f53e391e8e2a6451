from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed

from accounts import second_factor, signin

from .validators import PlainTextForm, has_control_characters


class LoginForm(PlainTextForm, AuthenticationForm):
    """Username and password; and, for a username that many wrong passwords were tried for lately
    (`accounts.signin.code_needed`), the authenticator's code too, checked with the password before
    anything is told (issue 14, item 3)."""

    code = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=20,
        help_text="Or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "none"}),
    )
    error_messages = {
        "invalid_login": "That username and password do not match. Check them and try again; "
        "after many failed attempts from one place, sign-in from there is stopped for a while.",
        "inactive": "This account is switched off. Ask your school office or IT.",
        "code_needed": "Many wrong passwords were tried for this username lately. To sign in, type the "
        "code from your authenticator app as well as your password.",
        "invalid_with_code": "That username, password and code do not match. Check them and try again.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "username"})
        typed = str(self.data.get(self.add_prefix("username"), ""))
        # A username with a control character is refused by its field; PostgreSQL would refuse it.
        self.asks_code = self.is_bound and not has_control_characters(typed) and signin.code_needed(typed)
        if not self.asks_code:
            del self.fields["code"]
        # The device whose code came with the password (the code page is then skipped).
        self.code_device = None
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Sign in", css_class="btn-lg w-100"))

    def clean(self):
        if not self.asks_code:
            return super().clean()
        code = self.cleaned_data.get("code", "")
        if not code:
            # Nothing is checked, so nothing is told about the password.
            raise forms.ValidationError(self.error_messages["code_needed"], code="code_needed")
        try:
            super().clean()
        except forms.ValidationError:
            raise forms.ValidationError(self.error_messages["invalid_with_code"], code="invalid_login") from None
        self.code_device = second_factor.match(self.user_cache, code)
        if self.code_device is None:
            # The right password with a wrong code counts as a failure, as a wrong password does.
            user_login_failed.send(
                sender=__name__, credentials={"username": self.cleaned_data.get("username")}, request=self.request
            )
            self.user_cache = None
            raise forms.ValidationError(self.error_messages["invalid_with_code"], code="invalid_login")
        return self.cleaned_data
