"""The accounts app's own tables (issue 14)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class ResetRequest(models.Model):
    """One request for a password-reset email, kept for the limits (accounts.reset): how many came
    from an address, and how many were let through for an address typed, in the last hour.

    In the database, not the cache, so that the limits hold across gunicorn workers and servers.
    The typed address is kept only as a keyed hash (the table holds no stranger's address), and
    rows older than a day are deleted as new ones come.
    """

    requested_at = models.DateTimeField(default=timezone.now, db_index=True)
    # The client's address (None when it cannot be read).
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # HMAC of the typed email address, lower-cased: the same for every account with that address.
    account_key = models.CharField(max_length=64)
    # Within the limits: an email was sent if an account has that address.
    let_through = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["account_key", "requested_at"], name="accounts_reset_account_idx"),
            models.Index(fields=["ip_address", "requested_at"], name="accounts_reset_address_idx"),
        ]

    def __str__(self) -> str:
        return f"password reset requested {self.requested_at:%Y-%m-%d %H:%M}"
