"""The lead's decision screen (issue 16): one request, everything a lead weighs and the three
decisions on one tablet screen, with nothing else to tap by mistake (editing, cancelling and
raising a concern stay on the visit page).

Who may open it is who may decide (`who.may_decide` through the authorise move's need: a lead or
deputy of the school, four-eyes); the read is audited by the fetch. The decisions post to the
queue's decision views (`queue.authorise`, `decline`, `send_back`), which come back here with
what the lead typed when something is refused.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from visits import access, lifecycle
from visits.access import VisitAccess
from visits.models import Visit

from ..forms import DecisionForm
from ..panels import decision_facts, decision_options

# The hidden field a decision posted from this screen carries, so a refusal comes back here.
SCREEN = "decide"


def render_screen(request: HttpRequest, visit: Visit, can: VisitAccess, form: DecisionForm | None) -> HttpResponse:
    """The screen, with `form` as the lead left it when a decision was refused."""
    return render(
        request,
        "safeguarding/decide.html",
        {
            "visit": visit,
            "can": can,
            "pupils": visit.pupils.all(),
            "reasons": visit.reasons.all(),
            "screen": SCREEN,
            **decision_facts(visit),
            **decision_options(visit, form, offered=True),
        },
    )


def render_refused(request: HttpRequest, visit: Visit, can: VisitAccess, form: DecisionForm) -> HttpResponse:
    """A decision posted from this screen and refused: the screen again (the POST's fetch wrote
    no read, so this does)."""
    access.record_read(request, visit, detail="decision screen")
    return render_screen(request, visit, can, form)


@login_required
def decide(request: HttpRequest, code: UUID) -> HttpResponse:
    """One request to decide (hc01): 404 for anyone who may not see the visit, 403 for those who
    see it but may not decide it."""
    visit, can = access.visit_for_user(request, code, need=lifecycle.Action.AUTHORISE, detail="decision screen")
    return render_screen(request, visit, can, None)
