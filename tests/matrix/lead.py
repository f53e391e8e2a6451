"""Routes of the safeguarding lead's queue beyond the foundation's (hc01, mp03): bulk authorisation,
and the decision screen of one request (issue 16).

The queue page and the single decisions (authorise, decline, send back) stay in core.py."""

from __future__ import annotations

from tests.matrix import LOGIN, SIGNED_IN, Route, visit_view
from visits.enums import Status

QUEUE_ROLES = ("lead", "deputy", "other_lead")

ROUTES: dict[str, Route] = {
    # hc01: who may decide (`who.may_decide`: the school's leads and deputies, four-eyes) open it;
    # the office, the visitors and the head see the visit but get 403; everyone else 404.
    "safeguarding:decide": Route("GET", visit_view("lead", "deputy"), visit=Status.REQUESTED),
    # mp03: the leads of a school, each at their own schools; with nothing ticked they are sent
    # back to the queue with a message. Everyone else: 404 (no queue of theirs).
    "safeguarding:bulk_authorise": Route(
        "POST",
        {"anonymous": LOGIN}
        | {actor: ("302 safeguarding:queue" if actor in QUEUE_ROLES else 404) for actor in SIGNED_IN},
    ),
}
