from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django.contrib.auth.forms import AuthenticationForm

from .validators import PlainTextForm


class LoginForm(PlainTextForm, AuthenticationForm):
    error_messages = {
        "invalid_login": "That username and password do not match. Check them and try again; "
        "after several failed attempts the account is locked for a while.",
        "inactive": "This account is switched off. Ask your school office or IT.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocapitalize": "none", "autocomplete": "username"})
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", "Sign in", css_class="btn-lg w-100"))
