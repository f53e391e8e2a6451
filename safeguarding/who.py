"""Who, for safeguarding: the risk assessment (hc09), concerns (hc17, hc21), incidents (hc22) and
CPOMS (hc24). Built on `visits.who` (roles and the people tied to a visit) and the state groups of
`visits.moves`; registered with visits (its pages' roles, the needs of its visit pages) in
`SafeguardingConfig.ready`, so that visits names none of it.
"""

from __future__ import annotations

from visits import moves, who
from visits.enums import Role
from visits.models import User, Visit

# The safeguarding lead's own school-wide pages (issue 4): page -> the roles that open it.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "queue": Role.safeguarding(),
    "risk_template": Role.safeguarding(),
    "concerns": Role.safeguarding(),
    "incidents": Role.safeguarding() | {Role.HEAD},
    "cpoms": Role.safeguarding(),
}


# The page a lead lands on after signing in (hc01: the requests waiting for them).
HOME_PAGES = [("queue", "safeguarding:queue")]


def may_review_risk(user: User, visit: Visit) -> bool:
    """Review the household's risk assessment for a visit (hc09): those who book and edit the
    request (requester, office, leads) and the visitors who will face the risks."""
    return who.may_edit_request(user, visit) or who.is_visitor(user, visit)


def may_see_risk(user: User, visit: Visit) -> bool:
    """Read the visit's risk assessment: everyone who sees the visit but the head, who sees it on
    the household's page."""
    return may_review_risk(user, visit) or who.is_office(user, visit) or who.is_lead(user, visit)


def may_raise_concern(user: User, visit: Visit) -> bool:
    """hc17, hc21: anyone tied to the visit or working at its school's end of it may raise a
    child protection concern about its pupils; it goes to the leads."""
    return (
        who.is_visitor(user, visit)
        or who.is_office(user, visit)
        or who.is_lead(user, visit)
        or who.is_requester(user, visit)
    )


def may_report_incident(user: User, visit: Visit) -> bool:
    """hc22: the visitors it happened to, or the office or a lead who took their call."""
    return who.is_visitor(user, visit) or who.is_office(user, visit) or who.is_lead(user, visit)


def may_handle_concerns(user: User, school_id: int) -> bool:
    """Acknowledge, act on and close concerns (hc21): the school's safeguarding leads."""
    return who.may_open_page(user, "concerns", school_id)


def may_see_incident(user: User, school_id: int) -> bool:
    """Incidents of a school: its leads; the head too, to whom accusations go (hc22)."""
    return who.may_open_page(user, "incidents", school_id)


def may_record_cpoms(user: User, visit: Visit) -> bool:
    """hc24: a safeguarding lead of the school records a completed visit on CPOMS."""
    return who.is_lead(user, visit)


# --- who and when together ---------------------------------------------------------------------------


def may_raise_concern_now(user: User, visit: Visit) -> bool:
    """hc21: once the request has left the draft (the service refuses drafts)."""
    return visit.status in moves.CONCERN_STATES and may_raise_concern(user, visit)


def may_report_incident_now(user: User, visit: Visit) -> bool:
    """hc22: someone has gone out, or is about to."""
    return visit.status in moves.INCIDENT_STATES and may_report_incident(user, visit)


# The needs of safeguarding's pages about one visit, checked by `visits.access.visit_for_user`.
NEEDS = {
    "see_risk": may_see_risk,
    "review_risk": may_review_risk,
    "raise_concern": may_raise_concern,
    "report_incident": may_report_incident,
    "record_cpoms": may_record_cpoms,
}
