"""Retention's panel on a visit's page (issue 17): to everyone who sees an erased visit, that its
personal details were erased and when; to the school's leads, how long a finished visit's record
is kept and where it stands in the review. One query, whoever looks."""

from __future__ import annotations

from visits.access import VisitAccess
from visits.hooks import Panel
from visits.models import Visit

from .models import VisitRetention
from .who import may_review


def retention_panel(context, visit: Visit, can: VisitAccess) -> dict:
    row = VisitRetention.objects.filter(visit_id=visit.pk).first()
    if row is None:
        return {"show": False}
    is_lead = may_review(can.user, visit.school_id)
    return {"show": row.is_erased or is_lead, "row": row, "is_lead": is_lead}


PANELS = {"side": [Panel("retention", "retention/_visit_panel.html", retention_panel)]}
