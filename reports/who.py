"""Who, for the reports (issue 17): which roles open which reports page, at which schools.

Registered with visits in `ReportsConfig.ready` (as safeguarding does), so that views ask
`visits.who.page_schools` / `may_open_page` and name no role themselves.

- the school report and the lists of visits behind its figures: the safeguarding leads, deputies
  and the head (who see every visit of their school, hc25);
- the trust report: the trust administrator (numbers only, per school and in total; no list, as
  they see no visit);
- the governors' report: the school's governors, and its leads and head, who check it before a
  governors' meeting;
- the school's terms: its leads and head.
"""

from __future__ import annotations

from visits import who
from visits.enums import Role
from visits.models import User

PAGE_ROLES: dict[str, frozenset[str]] = {
    "reports": Role.safeguarding() | {Role.HEAD},
    "trust_reports": frozenset({Role.TRUST_ADMIN}),
    "governors_report": frozenset({Role.GOVERNOR, Role.HEAD}) | Role.safeguarding(),
    "governor_home": frozenset({Role.GOVERNOR}),
    "terms": Role.safeguarding() | {Role.HEAD},
}

# A governor starts from the governors' report: it is the only page they have.
HOME_PAGES = [("governor_home", "reports:governors")]


def report_schools(user: User) -> list[int]:
    return who.page_schools(user, "reports")


def trust_schools(user: User) -> list[int]:
    return who.page_schools(user, "trust_reports")


def governors_schools(user: User) -> list[int]:
    return who.page_schools(user, "governors_report")


def term_schools(user: User) -> list[int]:
    return who.page_schools(user, "terms")
