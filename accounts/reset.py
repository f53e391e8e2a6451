"""Password-reset requests, limited and answered alike (issue 14, item 3).

Six requests in a row used to send six emails, to anyone's address, from anywhere. Now:

- at most `PER_ACCOUNT` requests an hour are let through for one typed address (an account's
  email), and `PER_ADDRESS` an hour from one client address, whatever they type;
- every request gets the same answer and the same page (the "check your email" page), whether an
  account has that address, has none, or the request was over a limit (then no email goes);
- and costs the same: each one is written down and counted the same way, and each renders the
  reset email (for nobody, when no account has the address, or when over a limit); the emails
  that do go are sent after the answer, in the background, so an SMTP server's delay does not
  tell a known address from an unknown one (with a local backend, such as the tests' or the
  console's, they are sent at once: there is no delay to hide).

The counts are in a table (`ResetRequest`), not the cache, so they hold across gunicorn workers.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.http import HttpRequest
from django.template import loader
from django.utils import timezone
from django.utils.crypto import salted_hmac

from homevisits.validators import PlainTextForm
from visits.audit import client_ip

from .models import ResetRequest

log = logging.getLogger(__name__)

PER_ACCOUNT = 3
PER_ADDRESS = 10
WINDOW = dt.timedelta(hours=1)
KEEP = dt.timedelta(days=1)


def account_key(email: str) -> str:
    """The typed address as the table keeps it: a keyed hash of it, lower-cased."""
    return salted_hmac("accounts.reset.account", email.strip().lower(), algorithm="sha256").hexdigest()


def let_through(request: HttpRequest, email: str) -> bool:
    """Write down this request, and say whether it is within both limits: fewer than PER_ADDRESS
    requests from this client address in the last hour, and fewer than PER_ACCOUNT let through for
    this typed address. Requests over a limit are written too (they count for the address, not
    for the account: an attacker's refused requests do not keep the real person waiting longer)."""
    now = timezone.now()
    since = now - WINDOW
    address = client_ip(request)
    key = account_key(email)
    ResetRequest.objects.filter(requested_at__lt=now - KEEP).delete()
    from_address = ResetRequest.objects.filter(ip_address=address, requested_at__gte=since).count() if address else 0
    for_account = ResetRequest.objects.filter(account_key=key, let_through=True, requested_at__gte=since).count()
    allowed = from_address < PER_ADDRESS and for_account < PER_ACCOUNT
    ResetRequest.objects.create(requested_at=now, ip_address=address, account_key=key, let_through=allowed)
    if not allowed:
        log.warning(
            "password reset request over the limit (%s from the address, %s for the account)", from_address, for_account
        )
    return allowed


# Backends that write locally, at once: nothing to hide, so they send in the request (and the
# test suite's locmem outbox is filled before the answer).
LOCAL_BACKENDS = {
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def in_background(job: Callable[[], None]) -> None:
    """Run `job` (sending already rendered emails: no database) beside the answer, so that a mail
    server's delay is not in the answer's time; at once with a local backend."""
    if settings.EMAIL_BACKEND in LOCAL_BACKENDS:
        job()
        return
    threading.Thread(target=job, name="password-reset-email", daemon=True).start()


def _send_all(messages: list[EmailMessage]) -> None:
    for message in messages:
        try:
            message.send()
        except Exception:  # noqa: BLE001 - a mail server's failure is logged, as Django's own form does
            log.exception("Failed to send a password reset email")


class ResetRequestForm(PlainTextForm, PasswordResetForm):
    """Django's reset form, which renders each email instead of sending it at once: the view sends
    them in the background when the request is within the limits (`send`), and renders the same
    email for nobody when no account has the address, so that both cost the same."""

    send = True

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.outbox: list[EmailMessage] = []

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ) -> None:
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email])
        if html_email_template_name is not None:
            message.attach_alternative(loader.render_to_string(html_email_template_name, context), "text/html")
        self.outbox.append(message)

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        if not self.outbox:
            self._render_for_nobody(kwargs)
        messages = self.outbox if self.send else []
        in_background(lambda: _send_all(messages))

    def _render_for_nobody(self, options: dict) -> None:
        """The email as it would be for an account with this address, rendered and dropped."""
        from visits.models import User

        context = {
            "email": self.cleaned_data["email"],
            "domain": options.get("domain_override") or "example.org",
            "site_name": "",
            "uid": "MQ",
            "user": User(username="nobody", email=self.cleaned_data["email"]),
            "token": "stand-in-token",
            "protocol": "https" if options.get("use_https") else "http",
            **(options.get("extra_email_context") or {}),
        }
        self.send_mail(
            options.get("subject_template_name", "registration/password_reset_subject.txt"),
            options.get("email_template_name", "registration/password_reset_email.html"),
            context,
            options.get("from_email"),
            self.cleaned_data["email"],
            html_email_template_name=options.get("html_email_template_name"),
        )
        self.outbox.clear()
