"""Routes of concerns and incidents (hc17, hc21, hc22).

A concern's pages and actions are for the safeguarding leads of its school; an incident's for the
leads and the head. Everyone else, the other school included, gets 404: even that a concern exists
is need to know. Raising a concern and reporting an incident hang off a visit: those tied to it
who may raise or report get the form, others who see the visit 403, outsiders 404.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.factories import Cast
from tests.matrix import LOGIN, SIGNED_IN, Route, role_page, visit_view
from visits.enums import Status

LEADS = ("lead", "deputy")
INCIDENT_READERS = ("lead", "deputy", "head")
# Those who may raise a concern on a visit booked by the office, and report an incident on it.
RAISERS = ("office", "lead", "deputy", "visitor", "second")


def _only(allowed: tuple[str, ...], outcome: int | str) -> dict[str, int | str]:
    return {"anonymous": LOGIN} | {actor: (outcome if actor in allowed else 404) for actor in SIGNED_IN}


def _visit(cast: Cast):
    """One visit under way for the whole matrix run: each request gets a fresh concern on it."""
    visit = getattr(cast, "_matrix_concern_visit", None)
    if visit is None:
        visit = cast.make_visit(Status.IN_PROGRESS)
        cast._matrix_concern_visit = visit
    return visit


def _concern(cast: Cast) -> dict[str, str]:
    from safeguarding import concerns

    concern = concerns.raise_concern(_visit(cast), cast.visitor, "child_protection", "Matrix concern.")
    return {"code": str(concern.code)}


def _incident(cast: Cast) -> dict[str, str]:
    from safeguarding import concerns

    incident = concerns.report_incident(
        _visit(cast), cast.visitor, "threat", timezone.now() - dt.timedelta(minutes=5), "Matrix incident."
    )
    return {"code": str(incident.code)}


ROUTES: dict[str, Route] = {
    # hc21: the leads' inbox and its background count.
    "safeguarding:concerns": Route("GET", role_page("lead", "deputy", "other_lead")),
    "safeguarding:concern_alert": Route("GET", role_page("lead", "deputy", "other_lead")),
    # One concern and the steps on it: the leads of its school only.
    "safeguarding:concern": Route("GET", _only(LEADS, 200), url_kwargs=_concern),
    "safeguarding:concern_acknowledge": Route("POST", _only(LEADS, "302 safeguarding:concern"), url_kwargs=_concern),
    "safeguarding:concern_action": Route(
        "POST",
        _only(LEADS, "302 safeguarding:concern"),
        url_kwargs=_concern,
        data={"action-kind": "referral_csc", "action-reference": "CSC 123"},
    ),
    "safeguarding:concern_close": Route(
        "POST", _only(LEADS, "302 safeguarding:concern"), url_kwargs=_concern, data={"close-reason": "Resolved."}
    ),
    # hc17, hc22: from a visit, for those tied to it (not the head, who only reads).
    "safeguarding:raise_concern": Route("GET", visit_view(*RAISERS), visit=Status.AUTHORISED),
    "safeguarding:report_incident": Route("GET", visit_view(*RAISERS), visit=Status.IN_PROGRESS),
    # hc22: incidents, for the leads and the head.
    "safeguarding:incidents": Route("GET", role_page("lead", "deputy", "head", "other_lead", "other_head")),
    "safeguarding:incident": Route("GET", _only(INCIDENT_READERS, 200), url_kwargs=_incident),
    "safeguarding:incident_review": Route(
        "POST", _only(INCIDENT_READERS, "302 safeguarding:incident"), url_kwargs=_incident, data={"note": "Seen."}
    ),
}
