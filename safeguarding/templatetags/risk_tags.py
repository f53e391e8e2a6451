"""The risk assessment on a visit's page (hc09, hc10) and the small helpers its templates share.

`{% visit_risk_panel visit can %}` shows the level of the version reviewed for the visit, who
reviewed it and when, a warning when the household's assessment has changed since, the controls
the visitors read before setting off, and the lead's hc10 override. Three queries whatever the
number of rows: the review (with its version and reviewer), the newest version, the rows.
"""

from __future__ import annotations

from django import template

from visits import who
from visits.access import VisitAccess
from visits.enums import Status
from visits.models import Visit

from .. import risk
from ..models import Likelihood, Severity

register = template.Library()


@register.simple_tag
def severity_choices() -> list[tuple[int, str]]:
    return Severity.choices


@register.simple_tag
def likelihood_choices() -> list[tuple[int, str]]:
    return Likelihood.choices


def _label(choices, value) -> str:
    try:
        return choices(int(value)).label
    except (TypeError, ValueError):
        return ""


@register.filter
def severity_label(value) -> str:
    return _label(Severity, value)


@register.filter
def likelihood_label(value) -> str:
    return _label(Likelihood, value)


@register.inclusion_tag("safeguarding/risk/_panel.html")
def visit_risk_panel(visit: Visit, can: VisitAccess) -> dict:
    user = can.user
    if not who.may_see_risk(user, visit):
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
        "may_review": visit.status in Status.editable() and who.may_review_risk(user, visit),
    }
