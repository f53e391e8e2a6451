"""What the visit pages offer apps built on visits, so that visits names none of them.

- Panels on a visit's page, in three slots: "main" (below the visit's details), "side" (beside
  the actions) and "urgent" (the tablet's bar while the visitors are out, hc17). Safeguarding
  shows its risk, concerns, lead's summary, decision and CPOMS panels and the urgent controls
  here (`visits/templatetags/visit_panels.py` renders a slot).
- Panels on a household's page, in the slot "household" (safeguarding: the link to its risk
  assessment, hc09).
- The next step after a request is booked: the first registered step that answers takes the
  requester there (safeguarding: the risk review, hc09); otherwise the visit's page.

Apps register in their `AppConfig.ready`. The lifecycle's and access's own hooks
(`lifecycle.register_authorisation_check`, `access.register_need`) live with what they extend.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from .access import VisitAccess
from .models import Household, Visit

# slot -> what its panels are about: a visit (with the viewer's VisitAccess), or a household.
VISIT_SLOTS = ("main", "side", "urgent")
HOUSEHOLD_SLOTS = ("household",)
PANEL_SLOTS = VISIT_SLOTS + HOUSEHOLD_SLOTS


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    # (the page's template context, then what the slot is about: the visit and the viewer's
    # VisitAccess, or the household) -> the panel's context.
    context: Callable[..., dict]


PANELS: dict[str, list[Panel]] = {slot: [] for slot in PANEL_SLOTS}


def register_panel(slot: str, panel: Panel) -> None:
    """Show `panel` in `slot` of every visit page, after those registered before it. Once per name."""
    if slot not in PANELS:
        raise ValueError(f"no panel slot {slot!r}: one of {PANEL_SLOTS}")
    if any(p.name == panel.name for p in PANELS[slot]):
        return
    PANELS[slot].append(panel)


def _render(slot: str, context: Any, *about: Any) -> SafeString:
    """The panels of `slot`, rendered in order as inclusion tags are: from their own context, with
    the page's CSRF token (and no second run of the context processors). Each template escapes
    what it shows."""
    token = {"csrf_token": context.get("csrf_token")}
    return mark_safe(  # noqa: S308 - joined output of autoescaped templates
        "".join(render_to_string(panel.template, {**panel.context(context, *about), **token}) for panel in PANELS[slot])
    )


def render_panels(slot: str, context: Any, visit: Visit, can: VisitAccess) -> SafeString:
    """A visit page's slot."""
    if slot not in VISIT_SLOTS:
        raise ValueError(f"{slot!r} is not a slot of the visit page: one of {VISIT_SLOTS}")
    return _render(slot, context, visit, can)


def render_household_panels(slot: str, context: Any, household: Household) -> SafeString:
    """A household page's slot."""
    if slot not in HOUSEHOLD_SLOTS:
        raise ValueError(f"{slot!r} is not a slot of the household page: one of {HOUSEHOLD_SLOTS}")
    return _render(slot, context, household)


AfterBooking = Callable[[HttpRequest, Visit], HttpResponse | None]
AFTER_BOOKING: list[AfterBooking] = []


def register_after_booking(step: AfterBooking) -> None:
    if step not in AFTER_BOOKING:
        AFTER_BOOKING.append(step)
