"""Routes of passkeys (issue 14, accounts.views.passkeys): anyone signed in, their own only.

The four WebAuthn ceremonies answer JSON to the bundled script. Asked as the matrix asks them (a
plain POST, no browser answer), beginning one gives options (200) and completing one without
having begun is a 400; nobody gets anything before signing in (passwordless sign-in is off).
Removing a passkey: its owner only; anyone else gets 404, whoever they are.
"""

from __future__ import annotations

from django_otp_webauthn.models import WebAuthnCredential

from tests.factories import Cast
from tests.matrix import LOGIN, SIGNED_IN, Route, public


def _leads_passkey(cast: Cast) -> dict[str, str]:
    """A fresh passkey of `cast.lead` for every request (an allowed removal uses one up)."""
    count = WebAuthnCredential.objects.count()
    passkey = WebAuthnCredential.objects.create(
        user=cast.lead, name="Passkey", credential_id=f"matrix-{count}".encode(), public_key=b"key", confirmed=True
    )
    return {"pk": str(passkey.pk)}


def _signed_in(outcome: int | str) -> dict[str, int | str]:
    return {"anonymous": LOGIN} | dict.fromkeys(SIGNED_IN, outcome)


ROUTES: dict[str, Route] = {
    "otp_webauthn:credential-registration-begin": Route("POST", _signed_in(200)),
    "otp_webauthn:credential-registration-complete": Route("POST", _signed_in(400)),
    "otp_webauthn:credential-authentication-begin": Route("POST", _signed_in(200)),
    "otp_webauthn:credential-authentication-complete": Route("POST", _signed_in(400)),
    # The bundled script's words: the same for everyone, nothing of anyone's.
    "otp_webauthn:js-i18n-catalog": Route("GET", public()),
    "passkey_remove": Route(
        "POST",
        {"anonymous": LOGIN}
        | {actor: ("302 accounts:second_factor_recovery" if actor == "lead" else 404) for actor in SIGNED_IN},
        url_kwargs=_leads_passkey,
    ),
}
