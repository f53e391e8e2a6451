"""Navigation built from the user's roles (templates never work roles out themselves)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from . import who
from .enums import EventKind, Role
from .models import Visit, VisitEvent

# hc19: the rung of the ladder that reaches each role's screens, and how far back it looks.
RUNG_FOR = {EventKind.ESCALATED_TO_LEADS: Role.safeguarding(), EventKind.ESCALATED_TO_HEAD: frozenset({Role.HEAD})}
ESCALATION_WINDOW = dt.timedelta(days=2)


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
            "book": bool(who.booking_school_ids(user)),
        }
    }


def escalated_alarms(request: HttpRequest) -> dict:
    """hc19: alarms the office has not taken on, once the ladder has reached this person (every
    lead, then the head): a banner on every page they open until someone takes it on or resolves
    it. One query for a lead or head, none for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = who.roles_of(user)
    rungs = {rung: roles.schools_with(wanted) for rung, wanted in RUNG_FOR.items()}
    if not any(rungs.values()):
        return {}
    since = timezone.now() - ESCALATION_WINDOW
    taken_on = VisitEvent.objects.filter(
        visit=OuterRef("visit"),
        kind__in=(EventKind.ALARM_ACKNOWLEDGED, EventKind.ALARM_RESOLVED),
        at__gte=OuterRef("at"),
    )
    waiting = VisitEvent.objects.none()
    for rung, schools in rungs.items():
        if schools:
            waiting |= VisitEvent.objects.filter(kind=rung, at__gte=since, visit__school_id__in=schools)
    codes = list(
        Visit.objects.filter(pk__in=waiting.exclude(Exists(taken_on)).values("visit_id"))
        .order_by("scheduled_start")
        .values_list("code", flat=True)[:10]
    )
    return {"escalated_alarms": codes} if codes else {}
