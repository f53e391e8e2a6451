"""The CPOMS panel of a visit's page (hc24): where it stands, and for the leads the way in."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from visits import who
from visits.access import VisitAccess
from visits.enums import Status
from visits.models import Visit

from ..models import CpomsEntry

register = template.Library()


@register.inclusion_tag("safeguarding/cpoms/_panel.html")
def visit_cpoms_panel(visit: Visit, can: VisitAccess) -> dict:
    """For a completed visit: to the school's leads, whether and by whom it is on CPOMS, with a
    button to its summary; to everyone else who sees the visit, the reminder that it must be
    recorded onto CPOMS and whether it has been. One query, whoever looks."""
    if visit.status != Status.COMPLETED:
        return {"show": False}
    entry = CpomsEntry.objects.filter(visit_id=visit.pk).select_related("recorded_by").first()
    return {
        "show": True,
        "visit": visit,
        "entry": entry,
        "is_lead": who.may_record_cpoms(can.user, visit),
        "is_visitor": can.is_visitor,
    }


@register.filter
def completed_ago(at: dt.datetime | None) -> str:
    """How long a completed visit has waited for CPOMS, in whole school days' words."""
    if at is None:
        return ""
    days = (timezone.localdate() - timezone.localdate(at)).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"
