"""Passkeys' URLs (accounts.views.passkeys), mounted at /accounts/passkeys/.

The ceremonies keep django-otp-webauthn's names in its `otp_webauthn` namespace: its template tags
reverse them into the configuration its script reads.
"""

from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from .views import passkeys
from .views.second_factor import exempt

ceremonies = [
    path("registration/begin/", passkeys.begin_registration, name="credential-registration-begin"),
    path("registration/complete/", passkeys.complete_registration, name="credential-registration-complete"),
    path("authentication/begin/", passkeys.begin_authentication, name="credential-authentication-begin"),
    path("authentication/complete/", passkeys.complete_authentication, name="credential-authentication-complete"),
    # The library's script's words (its gettext calls); a plain script, nothing of the person's.
    path(
        "jsi18n/",
        exempt(JavaScriptCatalog.as_view(packages=["django_otp_webauthn"])),
        name="js-i18n-catalog",
    ),
]

urlpatterns = [
    path("", include((ceremonies, "otp_webauthn"))),
    path("<int:pk>/remove/", passkeys.remove, name="passkey_remove"),
]
