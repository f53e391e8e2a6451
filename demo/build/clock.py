"""The demo's times: the plan's `At`, `Ago` and `Upcoming` made instants, and the clock set to the
moment each step would have happened, so that timelines read true."""

from __future__ import annotations

import datetime as dt
from contextlib import ExitStack, contextmanager
from unittest import mock

from django.utils import timezone

from demo.data import Ago, At, Upcoming, When


@contextmanager
def clock(at: dt.datetime):
    """Let the services stamp their steps at `at` (the moment the step would have happened)."""
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


@contextmanager
def stamped(at: dt.datetime, fields):
    """`clock`, and `at` for the rows whose `fields` are stamped by `default=timezone.now`: that
    default is bound at import, where `clock` cannot reach it (and such rows are written once: no
    fixing them afterwards)."""
    with clock(at), ExitStack() as stack:
        for field in fields:
            stack.enter_context(mock.patch.object(field, "_get_default", lambda: at))
        yield


def _weekday(day: dt.date, step: int) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=step)
    return day


def school_day(today: dt.date, days: int) -> dt.date:
    """`days` school days (Mon-Fri) from today: 0 is today if a weekday, else the next Monday."""
    day = _weekday(today, 1)
    step = 1 if days > 0 else -1
    for _ in range(abs(days)):
        day = _weekday(day + dt.timedelta(days=step), step)
    return day


def instant(when: When, *, now: dt.datetime, today: dt.date) -> dt.datetime:
    """The moment the plan's `when` names, built at `now` (whose local date is `today`)."""
    if isinstance(when, At):
        day = school_day(today, when.days)
        return timezone.make_aware(dt.datetime.combine(day, dt.time(when.hour, when.minute)))
    if isinstance(when, Ago):
        return now - when.delta
    if isinstance(when, Upcoming):
        at = instant(when.at, now=now, today=today)
        return at if at > now else now + when.or_from_now
    raise TypeError(f"not a time of the plan: {when!r}")
