"""What the retention app adds to the "Records" menu: `retention_nav.show` and its own entries."""

from __future__ import annotations

from django.http import HttpRequest

from .who import review_schools


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    show = bool(user is not None and user.is_authenticated and review_schools(user))
    return {"retention_nav": {"show": show}}
