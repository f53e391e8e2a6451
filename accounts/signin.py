"""Sign-in that resists guessing and cannot be used to lock a lead out (issue 14, item 3).

Two limits, both counted in django-axes' own records of failed sign-ins:

- **Per address, across usernames:** ADDRESS_LIMIT wrong passwords from one client address within
  the cool-off (`LOGIN_LOCKOUT_MINUTES`) and that address is refused for the cool-off, whatever
  username it tries (django-axes, lockout parameter `ip_address`). The address is the real client
  behind the configured proxies (`client_address`, the same rule as the audit trail's), so one
  client's guesses never lock out everyone behind the school's proxy.
- **Per username, across addresses:** after USERNAME_LIMIT wrong passwords for one username from
  anywhere, the password alone no longer signs that username in: the form asks for the code from
  the person's authenticator app as well, checked before anyone is told whether the password was
  right. Guessing the password then gains nothing; the genuine person, who has the app, signs in
  at once. Nobody can lock a lead out by guessing at `lead.<school>`.

Known and unknown usernames are answered alike: the counts are of the username typed, and the
code is asked of both.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from visits.audit import client_ip

# Per username across addresses: from this many wrong passwords on, the code is asked as well.
USERNAME_LIMIT = settings.LOGIN_USERNAME_LIMIT
# Per address across usernames (django-axes' AXES_FAILURE_LIMIT, set from LOGIN_ADDRESS_LIMIT).
ADDRESS_LIMIT = settings.AXES_FAILURE_LIMIT


def client_address(request: HttpRequest) -> str:
    """The client's address behind TRUSTED_PROXY_COUNT proxies (django-axes'
    AXES_CLIENT_IP_CALLABLE): one rule for the sign-in limits and the audit trail."""
    return client_ip(request) or request.META.get("REMOTE_ADDR", "")


def failures_for(username: str) -> int:
    """Wrong passwords for `username` (as typed, any case) from any address within the cool-off."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(username__iexact=username.strip(), attempt_time__gte=since)
    return recent.aggregate(total=Sum("failures_since_start"))["total"] or 0


def code_needed(username: str) -> bool:
    """Must this username's sign-in carry the authenticator code as well as the password?"""
    return bool(username) and failures_for(username) >= USERNAME_LIMIT
