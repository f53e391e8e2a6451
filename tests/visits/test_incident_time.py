"""hc22: when an incident may have happened, asked in one place (`Visit.incident_time_error`) by the
record's form and by the incident service alike."""

import datetime as dt

import pytest

from tests import clock
from visits.models import CLOCK_SLACK, Visit


@pytest.mark.parametrize(
    ("offset", "problem"),
    [
        (dt.timedelta(0), None),
        (CLOCK_SLACK - dt.timedelta(minutes=1), None),  # the tablet's clock a little fast
        (CLOCK_SLACK + dt.timedelta(minutes=1), "cannot be in the future"),
    ],
)
def test_hc22_an_incident_time_may_not_be_in_the_future_beyond_the_slack(offset, problem):
    # Arrange
    visit = Visit(scheduled_start=clock.now() - dt.timedelta(hours=1))

    # Act
    error = visit.incident_time_error(clock.now() + offset)

    # Assert
    assert (error is None) if problem is None else (problem in error)


def test_hc22_an_incident_time_a_day_before_the_visit_is_refused():
    # Arrange
    visit = Visit(scheduled_start=clock.now() - dt.timedelta(hours=1))

    # Act
    early = visit.incident_time_error(visit.scheduled_start - dt.timedelta(days=1, minutes=1))
    same_day = visit.incident_time_error(visit.scheduled_start - dt.timedelta(hours=2))

    # Assert
    assert "before the visit" in early
    assert same_day is None
