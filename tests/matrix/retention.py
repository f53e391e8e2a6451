"""Routes of retention (issue 17): the review queue, a record's review and its decisions, the
erasure's confirmation and the school's retention periods.

Only the school's safeguarding leads and deputies: everyone else signed in gets 404, including
the head, the office, governors, the trust administrator and the other school's lead for this
school's records (hc25)."""

from __future__ import annotations

import datetime as dt

from tests.factories import Cast
from tests.matrix import LOGIN, SIGNED_IN, Route, role_page
from visits.enums import Status

LEADS = ("lead", "deputy")
PAST = dt.date(2025, 8, 31)


def due_record(cast: Cast) -> dict[str, str]:
    """A fresh record of `cast.school` due for review: a completed visit, dated and queued."""
    from retention import rules
    from retention.models import Review

    row = rules.refresh(cast.make_visit(Status.COMPLETED))
    # As the daily review leaves it for a record past its date (the suite's day is in 2026).
    row.review, row.retain_until, row.due_since = Review.DUE, PAST, PAST
    row.save(update_fields=["review", "retain_until", "due_since"])
    return {"code": str(row.code)}


def held_record(cast: Cast) -> dict[str, str]:
    from retention import decisions
    from retention.models import VisitRetention

    code = due_record(cast)["code"]
    decisions.hold(VisitRetention.objects.get(code=code), cast.lead, "Inquiry asked us to keep it.")
    return {"code": code}


def _leads_only(allowed_outcome: int | str) -> dict[str, int | str]:
    return {"anonymous": LOGIN} | {actor: (allowed_outcome if actor in LEADS else 404) for actor in SIGNED_IN}


QUEUE = "302 retention:queue"
# After the suite's pinned day (tests/clock.py), within the ten years a keep may run.
NEXT_YEAR = "01/12/2027"

ROUTES: dict[str, Route] = {
    "retention:queue": Route("GET", role_page("lead", "deputy", "other_lead")),
    "retention:periods": Route("GET", role_page("lead", "deputy", "other_lead")),
    "retention:record": Route("GET", _leads_only(200), url_kwargs=due_record),
    "retention:confirm_erase": Route("GET", _leads_only(200), url_kwargs=due_record),
    "retention:keep": Route(
        "POST",
        _leads_only(QUEUE),
        url_kwargs=due_record,
        data={"reason": "Sibling starts here soon.", "review_after": NEXT_YEAR},
    ),
    "retention:hold": Route("POST", _leads_only(QUEUE), url_kwargs=due_record, data={"reason": "Inquiry asked us."}),
    "retention:release": Route("POST", _leads_only(QUEUE), url_kwargs=held_record, data={"reason": "Inquiry closed."}),
    "retention:erase": Route("POST", _leads_only(QUEUE), url_kwargs=due_record, data={"confirm": "erase"}),
}
