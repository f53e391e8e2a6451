"""What the disclosure app adds to the "Records" menu: `disclosure_nav.show` and its own entries."""

from __future__ import annotations

from django.http import HttpRequest

from . import who


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"disclosure_nav": {"show": False}}
    requests = bool(who.subject_access_schools(user))
    leavers = bool(who.leaver_schools(user))
    return {"disclosure_nav": {"show": requests or leavers, "requests": requests, "leavers": leavers}}
