"""The two clocks: a subject access request's one calendar month (ICO), and the 5 school days of a
pupil's file to the next school (Keeping Children Safe in Education)."""

from __future__ import annotations

import datetime as dt

import pytest

from disclosure import dates
from disclosure.dates import SchoolCalendar
from tests.factories import make_school, make_trust
from visits.models import Term

D = dt.date


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (D(2028, 1, 31), D(2028, 2, 29)),  # a leap year: no 31 February, so its last day (a Tuesday)
        (D(2027, 1, 29), D(2027, 3, 1)),  # 29 Feb 2027 does not exist: 28 Feb, a Sunday, so Monday
        (D(2026, 1, 31), D(2026, 3, 2)),  # 28 Feb 2026 is a Saturday: the next working day
        (D(2026, 3, 31), D(2026, 4, 30)),  # no 31 April: the last day of April
        (D(2026, 11, 11), D(2026, 12, 11)),  # the corresponding date (a Friday)
        (D(2026, 12, 15), D(2027, 1, 15)),  # across the year end, over the Christmas holidays
        (D(2026, 11, 25), D(2026, 12, 29)),  # 25 December falls on a Friday: bank holidays 25, 28 Dec
    ],
)
def test_subject_access_is_due_one_calendar_month_from_receipt(received, due):
    assert dates.subject_access_due(received) == due


def test_one_calendar_month_alone_takes_the_last_day_of_a_shorter_month():
    assert dates.one_calendar_month(D(2027, 1, 31)) == D(2027, 2, 28)
    assert dates.one_calendar_month(D(2028, 1, 30)) == D(2028, 2, 29)
    assert dates.one_calendar_month(D(2026, 8, 31)) == D(2026, 9, 30)


@pytest.mark.django_db
def test_school_holidays_do_not_extend_a_subject_access_request():
    # Arrange: received the day before the summer holidays; the school is closed all August.
    received = D(2026, 7, 21)

    # Act / Assert: due 21 August all the same (a Friday, no bank holiday).
    assert dates.subject_access_due(received) == D(2026, 8, 21)


def test_bank_holidays_are_englands():
    assert dates.is_bank_holiday(D(2026, 8, 31))  # the late summer bank holiday (England, not Scotland)
    assert not dates.is_bank_holiday(D(2026, 8, 3))  # Scotland's summer bank holiday only
    assert dates.is_bank_holiday(D(2026, 12, 28))  # Boxing Day, observed on the Monday


def test_with_no_terms_school_days_are_weekdays_less_bank_holidays():
    calendar = SchoolCalendar(())

    # Left on Thursday 24/12/2026: Christmas Friday, the weekend, Boxing Day observed Monday 28th.
    assert calendar.add_school_days(D(2026, 12, 24), 5) == D(2027, 1, 5)
    # An ordinary week: left Monday, due the next Monday.
    assert calendar.add_school_days(D(2026, 11, 9), 5) == D(2026, 11, 16)
    assert calendar.has_terms is False


@pytest.fixture
def school_with_terms(db):
    school = make_school("Terms School", make_trust("Terms Trust"))
    Term.objects.create(school=school, name="Autumn 2026", starts=D(2026, 9, 2), ends=D(2026, 12, 18))
    Term.objects.create(school=school, name="Spring 2027", starts=D(2027, 1, 5), ends=D(2027, 3, 26))
    return school


def test_a_file_for_a_pupil_leaving_in_term_is_due_5_school_days_later(school_with_terms):
    calendar = SchoolCalendar.of(school_with_terms)

    # Left on Wednesday 11/11/2026: Thu, Fri, Mon, Tue, Wed.
    assert dates.file_due(calendar, D(2026, 11, 11)) == D(2026, 11, 18)


def test_a_file_for_a_pupil_leaving_at_the_end_of_term_is_due_on_the_5th_day_of_the_next(school_with_terms):
    calendar = SchoolCalendar.of(school_with_terms)

    # Left on the last day of the autumn term, Friday 18/12/2026: the spring term starts Tuesday
    # 05/01/2027, so Tue, Wed, Thu, Fri, Mon: due Monday 11/01/2027.
    assert dates.file_due(calendar, D(2026, 12, 18)) == D(2027, 1, 11)
    # Two days before the end of term: Thu 17th, Fri 18th, then the first three of January.
    assert dates.file_due(calendar, D(2026, 12, 16)) == D(2027, 1, 7)


def test_term_boundaries_are_school_days_and_the_days_outside_are_not(school_with_terms):
    calendar = SchoolCalendar.of(school_with_terms)

    assert calendar.is_school_day(D(2026, 9, 2))  # the first day of term
    assert calendar.is_school_day(D(2026, 12, 18))  # the last
    assert not calendar.is_school_day(D(2026, 9, 1))  # the day before term
    assert not calendar.is_school_day(D(2026, 10, 3))  # a Saturday in term
    assert not calendar.is_school_day(D(2027, 1, 4))  # the day before the spring term


def test_a_bank_holiday_inside_a_term_is_no_school_day(db):
    school = make_school("Summer School", make_trust("Summer Trust"))
    Term.objects.create(school=school, name="Summer 2027", starts=D(2027, 4, 12), ends=D(2027, 7, 21))
    calendar = SchoolCalendar.of(school)

    # Left on Wednesday 28/04/2027: Thu, Fri, (Mon 3 May is the May Day bank holiday), Tue, Wed, Thu.
    assert dates.file_due(calendar, D(2027, 4, 28)) == D(2027, 5, 6)


def test_past_the_last_term_recorded_the_count_goes_on_in_weekdays(school_with_terms):
    calendar = SchoolCalendar.of(school_with_terms)

    # After 26/03/2027 no term is recorded: weekdays less bank holidays (Good Friday, Easter Monday 2027
    # are 26 and 29 March; 26 March is also the term's last day, a bank holiday, so no school day).
    assert calendar.beyond_terms(D(2027, 3, 30))
    assert dates.file_due(calendar, D(2027, 3, 25)) == D(2027, 4, 5)


def test_school_days_between_counts_both_ways(school_with_terms):
    calendar = SchoolCalendar.of(school_with_terms)

    assert calendar.school_days_between(D(2026, 12, 17), D(2027, 1, 6)) == 3  # Fri 18, Tue 5, Wed 6
    assert calendar.school_days_between(D(2027, 1, 6), D(2026, 12, 17)) == -3
    assert calendar.school_days_between(D(2026, 12, 19), D(2026, 12, 20)) == 0
