"""The accounts links in the navigation: everyone's own profile, and the staff and settings pages
for the heads and trust administrators who manage a school (no query: the roles are loaded once
per request by `visits.who`)."""

from __future__ import annotations

from django.http import HttpRequest

from . import staff


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"accounts_nav": {"manages_staff": staff.may_manage_any(user)}}
