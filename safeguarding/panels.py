"""Safeguarding's panels on the visit page, shown through the hook visits offers
(`visits.hooks.register_panel`, registered in `SafeguardingConfig.ready`): the risk assessment
(hc09, hc10), concerns and incidents (hc17, hc21, hc22), the lead's summary and decision card
(hc01, hc07), and CPOMS (hc24). Each returns its template's context from the page's context, the
visit and the viewer's `VisitAccess`.
"""

from __future__ import annotations

from visits import lifecycle, moves, who
from visits.access import VisitAccess
from visits.enums import Status
from visits.hooks import Panel
from visits.models import Visit

from . import risk
from .forms import DecisionForm
from .models import Concern, ConcernStatus, CpomsEntry, Incident, RiskLevel
from .who import (
    may_handle_concerns,
    may_raise_concern,
    may_raise_concern_now,
    may_record_cpoms,
    may_report_incident,
    may_report_incident_now,
    may_review_risk,
    may_see_incident,
    may_see_risk,
)

EARLIER_VISITS = 3


def risk_panel(context, visit: Visit, can: VisitAccess) -> dict:
    """The risk assessment reviewed for the visit (hc09, hc10): its level, who reviewed it and when,
    a warning when the household's assessment changed since, the controls, the lead's override.
    Three queries whatever the number of rows: the review (with its version and reviewer), the
    newest version, the rows."""
    user = can.user
    if not may_see_risk(user, visit):
        # The head reads assessments on the household's page, not through the visit.
        return {"visit": visit, "may_see": False, "household_link": who.may_view_households(user, visit.school_id)}
    review, latest, current = risk.review_state(visit)
    return {
        "visit": visit,
        "may_see": True,
        "review": review,
        "latest": latest,
        "current": current,
        "rows": list(review.assessment.rows.all()) if review else [],
        "may_review": visit.status in Status.editable() and may_review_risk(user, visit),
    }


def concerns_panel(context, visit: Visit, can: VisitAccess) -> dict:
    """The visit's concerns and incidents, and the buttons to raise or report one.

    Leads see each concern with a link and its status; the head and the leads link to incidents.
    Anyone else who may raise one sees only that a concern or incident was recorded, its kind and
    time: never what anyone wrote (that stays behind the leads' pages)."""
    user = can.user
    is_lead = may_handle_concerns(user, visit.school_id)
    sees_incidents = may_see_incident(user, visit.school_id)
    may_raise = may_raise_concern(user, visit)
    may_report = may_report_incident(user, visit)
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
        "may_raise": may_raise and may_raise_concern_now(user, visit),
        "may_report": may_report and may_report_incident_now(user, visit),
    }


def decision_facts(visit: Visit) -> dict:
    """What a lead weighs before deciding (hc07, hc09): the household's last visits with their
    outcomes, open concerns about the pupils, and the risk assessment reviewed for this visit
    with its rows. Shared by the visit page's summary and the decision screen."""
    earlier = list(
        Visit.objects.filter(household_id=visit.household_id)
        .exclude(pk=visit.pk)
        .exclude(status=Status.DRAFT)
        .select_related("record")
        .order_by("-scheduled_start", "-id")[:EARLIER_VISITS]
    )
    concerns = list(
        Concern.objects.filter(
            school_id=visit.school_id, pupils__in=visit.pupils.all(), status__in=ConcernStatus.unresolved()
        )
        .distinct()
        .order_by("-raised_at")
    )
    review, latest, current = risk.review_state(visit)
    rows = list(review.assessment.rows.all()) if review else []
    high_rows = [row for row in rows if row.level == RiskLevel.HIGH]
    return {
        "earlier": earlier,
        "concerns": concerns,
        "review": review,
        "current": current,
        "rows": rows,
        "high_rows": high_rows,
    }


def lead_summary(context, visit: Visit, can: VisitAccess) -> dict:
    """For the school's leads: the household's last visits with their outcomes, open concerns
    about the pupils, and the risk assessment reviewed for this visit with its controls."""
    user = context["request"].user
    if not who.is_lead(user, visit):
        return {"show": False}
    return {"show": True, "visit": visit, **decision_facts(visit)}


def decision_options(visit: Visit, form: DecisionForm | None = None, *, offered: bool = False) -> dict:
    """The decision form and what the lead may do with it now: authorise, send back, decline (the
    moves' sources), with what still stands in the way of authorising. With `offered`, what the
    form's own boxes confirm (lone working, an evening, a High risk's reason) is left out of the
    list: the decision screen asks it beside the button."""
    high_risk = risk.is_high_risk(visit)
    form = form or DecisionForm(high_risk=high_risk)
    if offered:
        ticked = lifecycle.Decision(
            approve_lone_working=True, confirm_evening=True, high_risk_reason="-", high_risk_controls="-"
        )
        blockers = lifecycle.authorisation_blockers(visit, ticked)
    else:
        blockers = lifecycle.authorisation_blockers(visit)
    return {
        "visit": visit,
        "form": form,
        "high_risk": high_risk,
        "blockers": blockers,
        "asks_lone_working": visit.is_lone_against_pairs,
        "may_send_back": visit.status in moves.MOVES[moves.Action.SEND_BACK].sources,
        "may_authorise": visit.status in moves.MOVES[moves.Action.AUTHORISE].sources,
        "may_decline": visit.status in moves.MOVES[moves.Action.DECLINE].sources,
    }


def decision_card(context, visit: Visit, can: VisitAccess) -> dict:
    """Authorise, decline or send back, with what still stands in the way listed above the
    buttons; or, for a lead who may not decide (four-eyes), why not."""
    user = context["request"].user
    if not can.can_decide:
        refusal = who.decide_refusal(user, visit) if visit.status == Status.REQUESTED else ""
        return {"show": bool(refusal), "refusal": refusal}
    return {
        "show": True,
        **decision_options(visit, context.get("decision_form")),
        "csrf_token": context.get("csrf_token"),
    }


def cpoms_panel(context, visit: Visit, can: VisitAccess) -> dict:
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
        "is_lead": may_record_cpoms(can.user, visit),
        "is_visitor": can.is_visitor,
    }


def urgent_bar(context, visit: Visit, can: VisitAccess) -> dict:
    """hc17: the tablet's urgent controls (the visit page shows the slot while `can_raise_urgent`)."""
    return {"visit": visit}


def household_risk_link(context, household) -> dict:
    """hc09: the household's risk assessment, from its page (whoever opens the page; the
    assessment's own page decides what they may do there)."""
    return {"household": household}


# slot -> the panels, in the order the page shows them.
PANELS = {
    "main": [
        Panel("risk", "safeguarding/risk/_panel.html", risk_panel),
        Panel("concerns", "safeguarding/concerns/_visit_panel.html", concerns_panel),
    ],
    "side": [
        Panel("lead_summary", "safeguarding/_queue_summary.html", lead_summary),
        Panel("decision", "safeguarding/_queue_decision.html", decision_card),
        Panel("cpoms", "safeguarding/cpoms/_panel.html", cpoms_panel),
    ],
    "urgent": [Panel("urgent", "safeguarding/urgent/_bar.html", urgent_bar)],
    "household": [Panel("risk_link", "safeguarding/risk/_household_link.html", household_risk_link)],
}
