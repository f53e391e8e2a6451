"""Who is out, and where each of them is now (hc12, hc14): each person once.

The board lists visits; the office also needs the people. A member of staff (or an outside-agency
worker) is out from "Set off" until "Back at school": on the way, at the address, or left it and
not yet back. Someone on more than one visit that is still open is shown once, at the newest, with
the others named: they cannot be at two addresses at once, so the office rings them (set-off
refuses it since issue 13, but visits set off before that, or logged by the office for a visitor
who forgot, can still say so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone

from .enums import Status
from .models import User, Visit


@dataclass
class Whereabouts:
    name: str
    mobile: str
    visit: Visit  # the newest open visit they set off on
    where: str  # "At 12 Larkhill Road since 10:03", "On the way to ...", "Left ... at 11:02, not back yet"
    since: dt.datetime
    also: list[Visit] = field(default_factory=list)  # other open visits they are still on

    @property
    def in_two_places(self) -> bool:
        return bool(self.also)


def is_out(visit: Visit) -> bool:
    """Set off, and neither back at school nor gone home (a completed visit's visitors may still
    be driving back)."""
    return (
        visit.started_at is not None
        and visit.returned_at is None
        and visit.not_returning_at is None
        and visit.moved_on_at is None
        and visit.status in (Status.IN_PROGRESS, Status.COMPLETED)
    )


def leaving_today(visit: Visit, now: dt.datetime | None = None) -> bool:
    """Authorised for today (school time) and not set off yet: the visitors leave later today."""
    return (
        visit.status == Status.AUTHORISED
        and visit.started_at is None
        and timezone.localdate(visit.scheduled_start) == timezone.localdate(now or timezone.now())
    )


def code_word_needed(visit: Visit, now: dt.datetime | None = None) -> bool:
    """hc11: the code word may be needed at the school end now: its visitors are on the road (set
    off, not back), or leave today. Not for tomorrow's visits, nor once everyone is back."""
    return is_out(visit) or leaving_today(visit, now)


def where(visit: Visit) -> tuple[str, dt.datetime]:
    """Where the people of an open visit are now, in the office's words, and since when."""

    def hhmm(at: dt.datetime) -> str:
        return timezone.localtime(at).strftime("%H:%M")

    place = visit.address_line1
    if visit.left_at is not None:
        return f"Left {place} at {hhmm(visit.left_at)}, not back yet", visit.left_at
    if visit.arrived_at is not None:
        return f"At {place} since {hhmm(visit.arrived_at)}", visit.arrived_at
    return f"On the way to {place} (set off {hhmm(visit.started_at)})", visit.started_at


def people_out(visits: Iterable[Visit]) -> list[Whereabouts]:
    """Everyone out on `visits` (with their visitors loaded), each once, the longest out first."""
    people: dict[object, Whereabouts] = {}
    for visit in sorted((v for v in visits if is_out(v)), key=lambda v: (v.started_at, v.pk)):
        text, since = where(visit)
        staff: list[User] = [u for u in (visit.lead_visitor, visit.second_visitor) if u is not None]
        keys: list[tuple[object, str, str]] = [(("user", u.pk), str(u), u.mobile) for u in staff]
        if visit.agency_worker_name:
            name = f"{visit.agency_worker_name} ({visit.agency_worker_organisation})"
            keys.append((("agency", visit.agency_worker_name.lower()), name, visit.agency_worker_phone))
        for key, name, mobile in keys:
            earlier = people.get(key)
            if earlier is None:
                people[key] = Whereabouts(name, mobile, visit, text, since)
            else:
                # Newer set-off: that is where they said they went. An earlier visit they have not
                # left is still open at its address: flagged. One they left, they went on from.
                still_there = [v for v in [*earlier.also, earlier.visit] if v.left_at is None]
                people[key] = Whereabouts(name, mobile, visit, text, since, still_there)
    return sorted(people.values(), key=lambda p: (not p.in_two_places, p.visit.started_at, p.name))
