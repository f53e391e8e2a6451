"""Routes of the reports (issue 17): a school's report and the visits behind its figures (its leads
and head), the trust's report (the trust administrator), the governors' report (the school's
governor, leads and head) and the school's terms (its leads and head). Everyone else gets 404: a
governor opens nothing but the governors' report (hc25)."""

from __future__ import annotations

import datetime as dt

from tests.factories import Cast
from tests.matrix import Route, role_page
from visits.models import Term

REPORTERS = ("lead", "deputy", "head", "other_lead", "other_head")
GOVERNORS = (*REPORTERS, "governor")


def _term(school) -> Term:
    term, _ = Term.objects.get_or_create(
        school=school, starts=dt.date(2026, 9, 1), defaults={"name": "Autumn 2026", "ends": dt.date(2026, 12, 18)}
    )
    return term


def _terms(cast: Cast) -> dict[str, str]:
    """Both schools have a term, so the governors' downloads have a report to make."""
    _term(cast.school)
    _term(cast.other_school)
    return {}


def _term_of_school(cast: Cast) -> dict[str, int]:
    return {"pk": _term(cast.school).pk}


ROUTES: dict[str, Route] = {
    "reports:school": Route("GET", role_page(*REPORTERS)),
    "reports:school_csv": Route("GET", role_page(*REPORTERS)),
    "reports:visits": Route("GET", role_page(*REPORTERS)),
    "reports:visits_csv": Route("GET", role_page(*REPORTERS)),
    "reports:trust": Route("GET", role_page("trust_admin")),
    "reports:trust_csv": Route("GET", role_page("trust_admin")),
    "reports:governors": Route("GET", role_page(*GOVERNORS)),
    "reports:governors_pdf": Route("GET", role_page(*GOVERNORS), url_kwargs=_terms),
    "reports:governors_csv": Route("GET", role_page(*GOVERNORS), url_kwargs=_terms),
    "reports:terms": Route("GET", role_page(*REPORTERS)),
    "reports:term_edit": Route("GET", role_page("lead", "deputy", "head"), url_kwargs=_term_of_school),
}
