"""Navigation built from the user's roles (templates never work roles out themselves)."""

from __future__ import annotations

from django.http import HttpRequest

from . import who


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def opens(page: str) -> bool:
        return bool(who.page_schools(user, page))

    return {
        "nav": {
            "office": opens("office_day"),
            "board": opens("board"),
            "visitor": opens("my_visits"),
            "head": opens("overview"),
            "trust_admin": opens("trust"),
            "audit": opens("audit"),
            "multi_school": len(who.roles_of(user).school_ids) > 1,
            # Households, contacts and pupils: office and leads manage them, the head reads them.
            "households": bool(who.household_school_ids(user)),
            "book": bool(who.requester_school_ids(user)),
        }
    }
