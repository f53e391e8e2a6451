"""Routes of the lone-working risk assessment (hc09, hc10, hc11): the school's template, a
household's assessment and its versions, and the review for one visit."""

from __future__ import annotations

from tests.factories import Cast, template_rows
from tests.matrix import (
    HOUSEHOLD_MANAGERS,
    HOUSEHOLD_VIEWERS,
    LOGIN,
    SIGNED_IN,
    Route,
    _household,
    household_route,
    role_page,
    visit_action,
    visit_view,
)
from visits.enums import Status

# The school's safeguarding leads (and the other school's, at their own school).
TEMPLATE_EDITORS = ("lead", "deputy", "other_lead")
# Read a visit's review page: those who may review it, and the office and leads; not the head.
RISK_READERS = ("office", "lead", "deputy", "visitor", "second")


def rows_data(cast: Cast | None = None) -> dict[str, str]:
    """One valid row, as the review and assessment forms post it."""
    return {
        "row-0-hazard": "Dog in the house",
        "row-0-people_at_risk": "Both visitors",
        "row-0-severity": "2",
        "row-0-likelihood": "1",
        "row-0-controls": "Ask for the dog to be shut in the garden before going in.",
        "summary": "Access matrix.",
    }


def _version(cast: Cast) -> dict[str, str]:
    """The code of a version of `cast.household`'s assessment (the first, written if need be)."""
    from safeguarding import risk

    latest = risk.current_assessment(cast.household)
    if latest is None:
        latest = risk.save_assessment(cast.household, cast.office, template_rows(cast.school))
    return {"code": str(latest.code)}


def _household_post(outcome: str) -> dict[str, int | str]:
    return (
        {"anonymous": LOGIN}
        | {actor: (outcome if actor in HOUSEHOLD_MANAGERS else 403) for actor in HOUSEHOLD_VIEWERS}
        | {actor: 404 for actor in SIGNED_IN if actor not in HOUSEHOLD_VIEWERS}
    )


ROUTES: dict[str, Route] = {
    # The school's template: its leads; everyone else 404 (a lead elsewhere edits their own).
    "safeguarding:risk_template": Route("GET", role_page(*TEMPLATE_EDITORS)),
    # A household's assessment: the office and leads manage, the head reads, others 404 (hc25).
    "safeguarding:household_risk": Route("GET", household_route(*HOUSEHOLD_VIEWERS), url_kwargs=_household),
    "safeguarding:household_risk_update": Route("GET", household_route(*HOUSEHOLD_MANAGERS), url_kwargs=_household),
    "safeguarding:risk_version": Route("GET", household_route(*HOUSEHOLD_VIEWERS), url_kwargs=_version),
    # The review for a visit (hc09): the requester (the office), the office, the leads and the
    # visitors review; the head sees the visit but not its review (403); others 404.
    "safeguarding:risk_review": Route("GET", visit_view(*RISK_READERS), visit=Status.REQUESTED),
    "safeguarding:risk_no_change": Route("POST", visit_action(*RISK_READERS), visit=Status.REQUESTED),
    "safeguarding:risk_update": Route("POST", visit_action(*RISK_READERS), visit=Status.REQUESTED, data=rows_data()),
}

# The template and household forms' POSTs (no visit to snapshot) are asked here too, by
# tests/safeguarding/test_risk_views.py, with these outcomes.
TEMPLATE_POST = {"anonymous": LOGIN} | {
    actor: ("302 safeguarding:risk_template" if actor in TEMPLATE_EDITORS else 404) for actor in SIGNED_IN
}
HOUSEHOLD_POST = _household_post("302 safeguarding:household_risk")
