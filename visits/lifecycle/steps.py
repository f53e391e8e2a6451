"""Steps sent from the tablet (issue 16: no step lost without signal).

The tablet queues every step the visitors take (set off, arrived, who is present, left, back, the
record, the parent's signature, the urgent buttons) and sends it when there is signal, perhaps
more than once: a reply lost on a bad signal looks to the tablet like no reply. Each step carries

- a key the tablet made for it (`Sent.key`): the first time, the step is written and its key kept
  (`TabletStep`, unique per visit); every repeat is answered as done (`AlreadyDone`, which the
  views say as a success) and writes nothing, whatever happened to the visit since;
- the time it was taken on the tablet (`Sent.at`): the step is recorded at that time, not when the
  signal came back, within bounds (`step_time`); the time it reached the school is kept beside it
  (`TabletStep.received_at`) and said on the timeline when the two differ.

A step without a key (a browser without JavaScript) is written as before, at the time it arrives.
The key is checked first, under the visit's row lock, so two copies of one step sent at once are
served one after the other and the second finds the first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..exceptions import AlreadyDone, PreconditionFailed
from ..models import TabletStep, User, Visit

# What outbox.js makes: a UUID (crypto.randomUUID) or 32 random hex digits, with or without dashes.
KEY_PATTERN = re.compile(r"^[0-9A-Za-z-]{16,64}$")
# A tablet's clock may run a little ahead of the school's: a time up to this far ahead is the
# tablet's; further ahead, the clock is wrong and the school's time is used.
CLOCK_SKEW = timedelta(minutes=2)
# The oldest step kept at the tablet's time. A visit lasts hours, and a tablet out of signal
# overnight (a rural round, the tablet switched off in a bag) sends its steps the next morning:
# 24 hours keeps those. Older than that is more likely a tablet whose clock is wrong than a step
# kept waiting, and the end-of-day sweep has acted on the visit by then; such a step is kept, at
# the time it reached the school, and the timeline says so.
OLDEST_STEP = timedelta(hours=24)
# Below this gap between the tablet's time and the school's, the timeline does not mention it.
SAY_DELAY_FROM = timedelta(minutes=1)

BAD_KEY = "This step came from the tablet garbled: it was not saved. Take the step again."


@dataclass(frozen=True)
class Sent:
    """What the tablet said about a step: its key ("" for none) and when it was taken there (None
    when it did not say, or said nothing readable)."""

    key: str = ""
    at: datetime | None = None


NOT_SENT = Sent()


def sent_from(data) -> Sent:
    """The key and time a step form posted (`step_key`, `step_at`, filled in by outbox.js). The
    key is checked when the step is taken (`check_key`); an unreadable time is no time."""
    key = str(data.get("step_key", "") or "")[:200].strip()
    raw = str(data.get("step_at", "") or "")[:64].strip()
    try:
        at = parse_datetime(raw) if raw else None
    except ValueError:
        at = None
    if at is not None and timezone.is_naive(at):
        at = None  # outbox.js sends UTC with its offset: a time without one is not its
    return Sent(key=key, at=at)


def check_key(sent: Sent) -> None:
    """A key is what outbox.js makes, or nothing: refused before anything is written."""
    if sent.key and not KEY_PATTERN.match(sent.key):
        raise PreconditionFailed([BAD_KEY])


def replayed(locked: Visit, sent: Sent) -> TabletStep | None:
    """The step already kept under this key for this visit (a repeat), if any. On a held row."""
    if not sent.key:
        return None
    return TabletStep.objects.filter(visit=locked, key=sent.key).first()


def refuse_repeat(locked: Visit, sent: Sent, label: str) -> None:
    """Raise `AlreadyDone` (said as done, never as an error) when this step was kept before."""
    check_key(sent)
    earlier = replayed(locked, sent)
    if earlier is not None:
        when = timezone.localtime(earlier.happened_at).strftime("%H:%M")
        raise AlreadyDone(f"{label} was already saved at {when}.")


def previous_step_at(locked: Visit) -> datetime | None:
    """When the visitors' last step on this visit was recorded: a step sent later is not put
    before it (the time order of the timeline is the order the steps were taken)."""
    stamps = [
        locked.authorised_at,
        locked.started_at,
        locked.arrived_at,
        locked.left_at,
        locked.returned_at,
        locked.not_returning_at,
    ]
    last = TabletStep.objects.filter(visit=locked).order_by("-happened_at").values_list("happened_at", flat=True)
    stamps.append(last.first())
    known = [s for s in stamps if s is not None]
    return max(known) if known else None


def step_time(locked: Visit, sent: Sent, now: datetime) -> tuple[datetime, str]:
    """When the step is recorded as taken, and a note for the timeline ("" when none is needed).

    The tablet's time, unless it is more than `CLOCK_SKEW` ahead of the school's (a wrong clock)
    or older than `OLDEST_STEP` (a wrong clock, or a step too old to be placed): then the time it
    reached the school. Never before the visit's previous step: a tablet slightly behind is put
    just at that step, so the order stays as taken."""
    if sent.at is None:
        return now, ""
    arrived = timezone.localtime(now).strftime("%H:%M")
    if sent.at > now + CLOCK_SKEW or sent.at < now - OLDEST_STEP:
        return (
            now,
            f"The tablet's clock said {timezone.localtime(sent.at):%d/%m %H:%M}: recorded at {arrived}, when it reached school.",
        )
    at = min(sent.at, now)
    previous = previous_step_at(locked)
    if previous is not None and at < previous:
        at = previous
    if now - at >= SAY_DELAY_FROM:
        return at, f"Taken on the tablet at {timezone.localtime(at):%H:%M} without signal; reached school at {arrived}."
    return at, ""


def keep(locked: Visit, actor: User, step: str, sent: Sent, at: datetime, now: datetime) -> TabletStep | None:
    """Keep the step's key (and times), in the step's own transaction: written with it or not at
    all. Nothing for a step sent without a key."""
    if not sent.key:
        return None
    return TabletStep.objects.create(
        visit=locked, key=sent.key, step=step, actor=actor, happened_at=at, tablet_at=sent.at, received_at=now
    )


def joined(*notes: str) -> str:
    return " ".join(n for n in notes if n)


def kept_for(actor: User, visit_code, sent: Sent) -> TabletStep | None:
    """The step this person already sent under this key for this visit, if any: looked up before
    any other check, so that a repeat is answered as done even when the visit has moved on since
    (the record sent, the reply lost, the visit completed by it). Only the sender's own steps."""
    if not sent.key or not KEY_PATTERN.match(sent.key) or not getattr(actor, "is_authenticated", False):
        return None
    return TabletStep.objects.filter(visit__code=visit_code, key=sent.key, actor=actor).first()
