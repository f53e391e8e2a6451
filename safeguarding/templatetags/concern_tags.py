"""The visit page's concerns and incidents panel (hc17, hc21, hc22)."""

from __future__ import annotations

from django import template

from visits import access, who
from visits.access import VisitAccess
from visits.models import Visit

from ..models import Concern, Incident

register = template.Library()


@register.inclusion_tag("safeguarding/concerns/_visit_panel.html")
def visit_concerns_panel(visit: Visit, can: VisitAccess) -> dict:
    """The visit's concerns and incidents, and the buttons to raise or report one.

    Leads see each concern with a link and its status; the head and the leads link to incidents.
    Anyone else who may raise one sees only that a concern or incident was recorded, its kind and
    time: never what anyone wrote (that stays behind the leads' pages)."""
    user = can.user
    is_lead = who.may_handle_concerns(user, visit.school_id)
    sees_incidents = who.may_see_incident(user, visit.school_id)
    may_raise = who.may_raise_concern(user, visit)
    may_report = who.may_report_incident(user, visit)
    concerns = (
        list(Concern.objects.filter(visit=visit).only("code", "kind", "urgent", "status", "raised_at", "visit_id"))
        if is_lead or may_raise
        else []
    )
    incidents = (
        list(Incident.objects.filter(visit=visit).only("code", "kind", "occurred_at", "reviewed_at", "visit_id"))
        if sees_incidents or may_report
        else []
    )
    return {
        "visit": visit,
        "concerns": concerns,
        "incidents": incidents,
        "is_lead": is_lead,
        "sees_incidents": sees_incidents,
        "may_raise": may_raise and access.may_raise_concern_now(user, visit),
        "may_report": may_report and access.may_report_incident_now(user, visit),
    }
