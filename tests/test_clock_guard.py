"""The suite never reads the wall clock: every test runs at a known instant, and the builders
refuse to run without one (so the night failures of issue 11 cannot come back)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from time_machine import escape_hatch

from tests import clock
from visits.enums import Status


def test_every_test_runs_at_the_pinned_school_morning():
    # Assert: the clock reads the suite's instant, not the hour CI runs at.
    assert escape_hatch.is_travelling()
    assert clock.SCHOOL_MORNING <= timezone.now() < clock.SCHOOL_MORNING + dt.timedelta(minutes=5)


@pytest.mark.clock(clock.AWKWARD_INSTANTS["just after midnight"])
def test_a_test_may_pin_its_own_instant():
    # Assert
    assert timezone.localtime().strftime("%H:%M") in {"00:05", "00:06"}


def test_builders_refuse_the_real_clock(cast, monkeypatch):
    # Arrange: as if no instant were pinned (a session fixture, say, or the pin removed).
    monkeypatch.setattr(escape_hatch, "is_travelling", lambda: False)

    # Act / Assert
    with pytest.raises(clock.RealClockError, match="real clock"):
        cast.make_visit(Status.REQUESTED)
    with pytest.raises(clock.RealClockError):
        clock.today_at(10)


def test_the_default_visit_is_ahead_of_now_and_on_its_day_at_every_awkward_instant(cast, pinned_clock):
    # The factories' default start: after now, and less than a day after, at each instant.
    for instant in clock.AWKWARD_INSTANTS.values():
        # Act
        pinned_clock.move_to(instant)
        visit = cast.make_visit(Status.REQUESTED)

        # Assert
        assert timezone.now() < visit.scheduled_start <= timezone.now() + dt.timedelta(hours=1)
