"""The lead's panels on the visit page (hc01, hc07, hc09, hc10, hc21): what they need to decide a
request on one screen, and the decision card itself."""

from __future__ import annotations

from django import template

from visits import lifecycle, moves, who
from visits.enums import Status
from visits.models import Visit

from .. import risk
from ..forms import DecisionForm
from ..models import Concern, ConcernStatus

register = template.Library()
EARLIER_VISITS = 3


@register.inclusion_tag("safeguarding/_queue_summary.html", takes_context=True)
def lead_summary(context, visit: Visit, can) -> dict:
    """For the school's leads: the household's last visits with their outcomes, open concerns
    about the pupils, and the risk assessment reviewed for this visit with its controls."""
    user = context["request"].user
    if not who.is_lead(user, visit):
        return {"show": False}
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
    return {
        "show": True,
        "visit": visit,
        "earlier": earlier,
        "concerns": concerns,
        "review": review,
        "current": current,
        "rows": rows,
    }


@register.inclusion_tag("safeguarding/_queue_decision.html", takes_context=True)
def decision_card(context, visit: Visit, can) -> dict:
    """Authorise, decline or send back, with what still stands in the way listed above the
    buttons; or, for a lead who may not decide (four-eyes), why not."""
    user = context["request"].user
    if not can.can_decide:
        refusal = who.decide_refusal(user, visit) if visit.status == Status.REQUESTED else ""
        return {"show": bool(refusal), "refusal": refusal}
    high_risk = risk.is_high_risk(visit)
    form = context.get("decision_form") or DecisionForm(high_risk=high_risk)
    return {
        "show": True,
        "visit": visit,
        "form": form,
        "high_risk": high_risk,
        "blockers": lifecycle.authorisation_blockers(visit),
        "may_send_back": visit.status in moves.MOVES[moves.Action.SEND_BACK].sources,
        "may_authorise": visit.status in moves.MOVES[moves.Action.AUTHORISE].sources,
        "csrf_token": context.get("csrf_token"),
    }


LEVEL_CLASSES = {"low": "text-bg-success", "medium": "text-bg-warning", "high": "text-bg-danger"}


@register.filter
def level_class(level: str) -> str:
    """The Bootstrap badge for a risk level: green, amber, red."""
    return LEVEL_CLASSES.get(level, "text-bg-secondary")
