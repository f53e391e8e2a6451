"""The safeguarding lead's counts in the navigation: requests waiting, concerns, incidents, CPOMS.

Runs on every page, so it costs a fixed handful of queries (one per count a person's roles open,
none for anyone else) whatever the number of schools or rows.
"""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import HttpRequest

from visits import access, who
from visits.enums import Status
from visits.models import User, Visit

from .models import Concern, ConcernStatus, Incident


def concern_counts(user: User) -> dict[str, int]:
    """Concerns at the user's schools (where they open the inbox): open (unacknowledged), urgent
    among those, and unresolved (open or acknowledged). One query; none without the role."""
    schools = who.page_schools(user, "concerns")
    if not schools:
        return {"concerns_open": 0, "concerns_urgent": 0, "concerns_unresolved": 0}
    counts = Concern.objects.filter(school_id__in=schools, status__in=ConcernStatus.unresolved()).aggregate(
        concerns_open=Count("id", filter=Q(status=ConcernStatus.OPEN)),
        concerns_urgent=Count("id", filter=Q(status=ConcernStatus.OPEN, urgent=True)),
        concerns_unresolved=Count("id"),
    )
    return {key: value or 0 for key, value in counts.items()}


# The largest number a navigation badge shows; more reads "99+".
NAV_CAP = 99


def lead_counts(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    counts = {"queue": 0, "incidents_unreviewed": 0, "cpoms_due": 0, **concern_counts(user)}
    counts["is_lead"] = bool(who.page_schools(user, "concerns"))
    counts["sees_incidents"] = bool(who.page_schools(user, "incidents"))
    if queue_schools := who.page_schools(user, "queue"):
        counts["queue"] = (
            access.visible_visits(user).filter(school_id__in=queue_schools, status=Status.REQUESTED).count()
        )
    if incident_schools := who.page_schools(user, "incidents"):
        counts["incidents_unreviewed"] = Incident.objects.filter(
            school_id__in=incident_schools, reviewed_at__isnull=True
        ).count()
    if cpoms_schools := who.page_schools(user, "cpoms"):
        # Counted up to NAV_CAP + 1 only: a school that never used CPOMS here could have years of
        # completed visits, and a badge needs no more than "99+" (the page lists them all).
        counts["cpoms_due"] = Visit.objects.filter(
            school_id__in=cpoms_schools, status=Status.COMPLETED, cpoms__isnull=True
        )[: NAV_CAP + 1].count()
    due = counts["cpoms_due"]
    counts["cpoms_due_label"] = f"{NAV_CAP}+" if due > NAV_CAP else str(due)
    return {"lead_nav": counts}


def navigation(request: HttpRequest) -> dict:
    """Which of safeguarding's pages the navigation links to (visits' own `nav` names none)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"safeguarding_nav": {page: bool(who.page_schools(user, page)) for page in ("queue", "cpoms")}}
