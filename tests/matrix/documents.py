"""Routes of the PDFs of a visit (hc08, hc09, hc23, hc24): who may download which document.

Each route takes a visit in a state where its document exists; refusals for a document that does
not exist yet (a message, back to the visit) are tested in tests/visits/test_pdf_access.py.
"""

from __future__ import annotations

from tests.matrix import Route, visit_page, visit_view
from visits.enums import Status

# Those who run the visit: the office, the leads and the visitors (the requester is the office).
RUNNERS = ("office", "lead", "deputy", "visitor", "second")

ROUTES: dict[str, Route] = {
    # hc23: the school copy of the Home Visit Form, for everyone who sees the visit.
    "visits:pdf_form": Route("GET", visit_page(), visit=Status.AUTHORISED),
    # hc23: the copy left at the home: the visitors, the office and the leads; not the head.
    "visits:pdf_home_copy": Route("GET", visit_view(*RUNNERS), visit=Status.AUTHORISED),
    # hc24: the Record of Home Visit: the visitors, the leads and the head; not the office.
    "visits:pdf_record": Route(
        "GET", visit_view("lead", "deputy", "visitor", "second", "head"), visit=Status.COMPLETED
    ),
    # hc09: the risk assessment as reviewed for the visit: whoever may read it (not the head).
    "visits:pdf_risk_assessment": Route("GET", visit_view(*RUNNERS), visit=Status.AUTHORISED),
    # hc08: the appointment letter: as the printable page, not the head.
    "visits:pdf_letter": Route("GET", visit_view(*RUNNERS), visit=Status.AUTHORISED),
}
