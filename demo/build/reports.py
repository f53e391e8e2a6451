"""The reports' part of the demo (issue 17): each school's terms, this school year's and the last,
so that the school report, the governors' report and the school-day counts have terms to run by.
(The governors themselves are staff of the plan, `demo.data.STAFF`; the figures count the plan's
visits.)"""

from __future__ import annotations

import datetime as dt

from visits.models import Term

from .state import Demo

# An English school year's three terms: (name, first day, last day) as (month, day), the year the
# school year starts in, or the one after.
TERMS = (
    ("Autumn", (9, 1), (12, 23), 0),
    ("Spring", (1, 4), (4, 2), 1),
    ("Summer", (4, 13), (7, 23), 1),
)


def school_year(today: dt.date) -> int:
    """The calendar year this school year started in (September)."""
    return today.year if today.month >= 9 else today.year - 1


def terms_of(start_year: int) -> list[tuple[str, dt.date, dt.date]]:
    out = []
    for name, (m1, d1), (m2, d2), later in TERMS:
        year = start_year + later
        out.append((f"{name} {year}", dt.date(year, m1, d1), dt.date(year, m2, d2)))
    return out


def seed_terms(demo: Demo) -> None:
    """This school year's terms and last year's, for every school."""
    year = school_year(demo.today)
    for school in demo.schools.values():
        for start_year in (year - 1, year):
            for name, starts, ends in terms_of(start_year):
                Term.objects.create(school=school, name=name, starts=starts, ends=ends)
