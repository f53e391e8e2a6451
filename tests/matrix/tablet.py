"""Routes of the tablet's urgent controls (issue 5, hc17).

The confirmation pages, the raise and the "Call 999" page are the visitors' on the visit, from its
authorisation until it is over: others who see the visit get 403 (the office and leads have their
own alarm pages), everyone else 404. My visits, the visit page, set off and the steps on the road
are in tests/matrix/core.py; refusals by state are in tests/safeguarding/test_urgent.py.
"""

from __future__ import annotations

from tests.matrix import Route, visit_action, visit_view
from visits.enums import Status

VISITORS = ("visitor", "second")

ROUTES: dict[str, Route] = {
    # hc17: what "child alone" or "immediate danger" will do, with one button to do it.
    "safeguarding:urgent": Route(
        "GET", visit_view(*VISITORS), visit=Status.IN_PROGRESS, kwargs={"name": "child-alone"}
    ),
    # hc17: the raise itself, POST only; an allowed raise logs a "concern raised" event.
    "safeguarding:urgent_raise": Route(
        "POST", visit_action(*VISITORS), visit=Status.IN_PROGRESS, kwargs={"name": "child-alone"}
    ),
    # hc17: "Call 999" with the address to read out; from authorisation, as the visitors may be on their way.
    "safeguarding:urgent_999": Route("GET", visit_view(*VISITORS), visit=Status.AUTHORISED),
}
