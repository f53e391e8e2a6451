"""Routes of the Record of Home Visit on the tablet (issue 5: hc15, hc20-hc22).

Only the visitors on a visit under way write its record: the others who see the visit (office,
leads, head) get 403, everyone else 404 (hc25). "Who is present" and the record are pages (GET and
POST; their POSTs, with every actor, are in tests/visits/test_record_form.py); the draft endpoint
takes JSON only, so the matrix's form-encoded POST is refused with 400 even for the visitors, and
changes nothing.
"""

from __future__ import annotations

from tests.matrix import LOGIN, SEES_VISIT, VISIT_HIDDEN, Route, visit_view
from visits.enums import Status

VISITORS = ("visitor", "second")

ROUTES: dict[str, Route] = {
    # hc15: who is present; "no responsible adult", confirmed, ends the visit as not conducted.
    "visits:present": Route("GET", visit_view(*VISITORS), visit=Status.IN_PROGRESS),
    # hc20: the record form, for the visitors while the visit is under way.
    "visits:record": Route("GET", visit_view(*VISITORS), visit=Status.IN_PROGRESS),
    # The server draft: JSON from record.js only.
    "visits:record_draft": Route(
        "POST",
        {"anonymous": LOGIN}
        | {actor: (400 if actor in VISITORS else 403) for actor in SEES_VISIT}
        | dict.fromkeys(VISIT_HIDDEN, 404),
        visit=Status.IN_PROGRESS,
    ),
}
