"""The two clocks of this app: a subject access request's one calendar month, and a pupil's file
sent to the next school within 5 school days.

- A subject access request (UK GDPR Art. 12(3); the ICO's guidance on time limits): from the day
  it is received to the corresponding calendar date in the next month; where the next month has no
  such date, its last day; where that date falls on a weekend or a bank holiday, the next working
  day. School holidays do not extend it.
- A pupil's safeguarding file (Keeping Children Safe in Education): within 5 school days of the
  pupil leaving for an in-year transfer, within the first 5 days of a new term. Counting school
  days after the day the pupil left gives both: a pupil who leaves at the end of a term reaches
  the 5th school day of the next one. A school day is a weekday inside one of the school's terms
  (`visits.models.Term`) that is not an England bank holiday; with no terms recorded (or past the
  last one recorded), a weekday that is not a bank holiday.

Bank holidays come from the maintained `holidays` package (England: UK, subdivision ENG), which
follows the government's announcements (a one-off bank holiday included) with each release.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import holidays

from visits.models import School, Term

FILE_SCHOOL_DAYS = 5
# A guard on counting forward: no school calendar has 5 school days more than a year apart.
_MAX_DAYS = 400


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: dt.date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: dt.date) -> bool:
    """A weekday that is not an England bank holiday."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def one_calendar_month(received: dt.date) -> dt.date:
    """The corresponding date in the next month, or that month's last day if it has none."""
    year, month = (received.year + 1, 1) if received.month == 12 else (received.year, received.month + 1)
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(received.day, last))


def subject_access_due(received: dt.date) -> dt.date:
    """When a subject access request received on `received` must be answered (ICO): one calendar
    month, moved to the next working day if it falls on a weekend or bank holiday. School holidays
    do not move it."""
    due = one_calendar_month(received)
    while not is_working_day(due):
        due += dt.timedelta(days=1)
    return due


@dataclass(frozen=True)
class SchoolCalendar:
    """A school's school days: its terms (if any are recorded) less weekends and bank holidays."""

    terms: tuple[tuple[dt.date, dt.date], ...]

    @classmethod
    def of(cls, school: School | int) -> SchoolCalendar:
        school_id = school.pk if isinstance(school, School) else school
        rows = Term.objects.filter(school_id=school_id).order_by("starts").values_list("starts", "ends")
        return cls(tuple(rows))

    @property
    def has_terms(self) -> bool:
        return bool(self.terms)

    def beyond_terms(self, day: dt.date) -> bool:
        """After the last term recorded: counted as weekdays less bank holidays."""
        return not self.terms or day > self.terms[-1][1]

    def is_school_day(self, day: dt.date) -> bool:
        if not is_working_day(day):
            return False
        if self.beyond_terms(day):
            return True
        return any(starts <= day <= ends for starts, ends in self.terms)

    def add_school_days(self, start: dt.date, count: int) -> dt.date:
        """The `count`th school day after `start` (`start` itself not counted)."""
        day, found = start, 0
        for _ in range(_MAX_DAYS):
            day += dt.timedelta(days=1)
            if self.is_school_day(day):
                found += 1
                if found == count:
                    return day
        raise ValueError("no school days found in the year after this date")

    def school_days_between(self, after: dt.date, until: dt.date) -> int:
        """School days in (after, until]; negative, counted the other way, when `until` is earlier."""
        if until < after:
            return -self.school_days_between(until, after)
        days = (until - after).days
        return sum(1 for n in range(1, days + 1) if self.is_school_day(after + dt.timedelta(days=n)))


def file_due(calendar_: SchoolCalendar, left_on: dt.date) -> dt.date:
    """When a leaver's safeguarding file must reach the next school: the 5th school day after the
    day they left."""
    return calendar_.add_school_days(left_on, FILE_SCHOOL_DAYS)
