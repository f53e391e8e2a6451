"""Navigation built from the user's roles (templates never work roles out themselves)."""

from __future__ import annotations

from django.http import HttpRequest

from . import access, lifecycle
from .enums import Role


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = access.roles_of(user)
    roles = held.all()
    return {
        "nav": {
            "office": Role.OFFICE in roles,
            "board": bool(roles & ({Role.OFFICE} | Role.safeguarding())),
            "visitor": Role.VISITOR in roles,
            "lead": bool(roles & Role.safeguarding()),
            "head": Role.HEAD in roles,
            "trust_admin": Role.TRUST_ADMIN in roles,
            "audit": bool(roles & (Role.safeguarding() | {Role.HEAD})),
            "multi_school": len(held.school_ids) > 1,
            # Households, contacts and pupils: office and leads manage them, the head reads them.
            "households": bool(access.household_school_ids(user)),
            # Book a visit: any role that may request visits (lifecycle.REQUESTER_ROLES).
            "book": bool(held.schools_with(lifecycle.REQUESTER_ROLES)),
        }
    }
