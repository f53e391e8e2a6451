"""The suite's clock: every test runs at a known instant, never at the hour CI happens to run.

`tests/conftest.py` travels every test to `SCHOOL_MORNING` (the clock then runs on from there, so
waits and timeouts behave), unless the test asks for another instant with
`@pytest.mark.clock(instant)`. Tests about time pin their own instants from `AWKWARD_INSTANTS`:
the factories and the lifecycle must work at each of them (`tests/test_any_hour.py`).

Factories read the time through `now()`, which refuses to run on the real clock: a builder that
mixes the real hour with fixed times ("tomorrow at 10:00" booked at 02:07) is how the suite once
failed every night.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from time_machine import escape_hatch

LONDON = ZoneInfo("Europe/London")


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A wall-clock time in London (Python resolves the ambiguous hour at a clock change to the
    first of the two, as `fold=0` says)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


# The default: a term-time Wednesday, mid-morning, in winter time (GMT).
SCHOOL_MORNING = london(2026, 11, 11, 11, 0)

# The instants a clock bug shows at, each named for what it tries.
AWKWARD_INSTANTS = {
    "just after midnight": london(2026, 11, 12, 0, 5),
    "one minute before ten": london(2026, 11, 12, 9, 59),
    "the evening cut-off (17:00, the default)": london(2026, 11, 12, 17, 0),
    "ten to midnight": london(2026, 11, 12, 23, 50),
    "clocks go forward (29 March 2026, 01:00 GMT)": dt.datetime(2026, 3, 29, 1, 0, tzinfo=dt.UTC),
    "clocks go back (25 October 2026, 02:00 BST)": dt.datetime(2026, 10, 25, 1, 0, tzinfo=dt.UTC),
}


class RealClockError(RuntimeError):
    """A test builder read the time while no instant was set."""


def now() -> dt.datetime:
    """The current instant for a factory or fixture: only ever a pinned one."""
    if not escape_hatch.is_travelling():
        raise RealClockError(
            "a test builder read the real clock: run it under the suite's pinned clock "
            "(tests/conftest.py) or pin an instant with @pytest.mark.clock(...)"
        )
    return timezone.now()


def today_at(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    """`hour:minute` London time on the (pinned) day, `days` later."""
    day = timezone.localtime(now()).date() + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)
