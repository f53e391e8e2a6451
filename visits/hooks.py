"""What the visit pages offer apps built on visits, so that visits names none of them.

- Panels on a visit's page, in two slots: "main" (below the visit's details) and "side" (beside
  the actions). Safeguarding shows its risk, concerns, lead's summary, decision and CPOMS panels
  here (`visits/templatetags/visit_panels.py` renders a slot).
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
from .models import Visit

PANEL_SLOTS = ("main", "side")


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    # (the page's template context, the visit, the viewer's VisitAccess) -> the panel's context.
    context: Callable[[Any, Visit, VisitAccess], dict]


PANELS: dict[str, list[Panel]] = {slot: [] for slot in PANEL_SLOTS}


def register_panel(slot: str, panel: Panel) -> None:
    """Show `panel` in `slot` of every visit page, after those registered before it. Once per name."""
    if slot not in PANELS:
        raise ValueError(f"no panel slot {slot!r}: one of {PANEL_SLOTS}")
    if any(p.name == panel.name for p in PANELS[slot]):
        return
    PANELS[slot].append(panel)


def render_panels(slot: str, context: Any, visit: Visit, can: VisitAccess) -> SafeString:
    """The panels of `slot`, rendered in order as inclusion tags are: from their own context, with
    the page's CSRF token (and no second run of the context processors). Each template escapes
    what it shows."""
    token = {"csrf_token": context.get("csrf_token")}
    return mark_safe(  # noqa: S308 - joined output of autoescaped templates
        "".join(
            render_to_string(panel.template, {**panel.context(context, visit, can), **token}) for panel in PANELS[slot]
        )
    )


AfterBooking = Callable[[HttpRequest, Visit], HttpResponse | None]
AFTER_BOOKING: list[AfterBooking] = []


def register_after_booking(step: AfterBooking) -> None:
    if step not in AFTER_BOOKING:
        AFTER_BOOKING.append(step)
