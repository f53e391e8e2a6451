"""Routes of CPOMS (hc24): the leads' list, a visit's summary page and "recorded on CPOMS".

Only the school's safeguarding leads put visits on CPOMS: the others who see the visit get 403,
everyone else 404 (hc25)."""

from __future__ import annotations

from tests.matrix import LOGIN, SEES_VISIT, VISIT_HIDDEN, Route, role_page, visit_view
from visits.enums import Status

LEADS = ("lead", "deputy")

ROUTES: dict[str, Route] = {
    "safeguarding:cpoms": Route("GET", role_page("lead", "deputy", "other_lead")),
    "safeguarding:visit_cpoms": Route("GET", visit_view(*LEADS), visit=Status.COMPLETED),
    # Recorded: a timeline event on the visit, and back to the list of those still to do.
    "safeguarding:record_cpoms": Route(
        "POST",
        {"anonymous": LOGIN}
        | {actor: ("302 safeguarding:cpoms" if actor in LEADS else 403) for actor in SEES_VISIT}
        | dict.fromkeys(VISIT_HIDDEN, 404),
        visit=Status.COMPLETED,
        data={"reference": "CP-2026/0042"},
    ),
}
