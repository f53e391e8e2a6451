"""The CPOMS panel of a visit's page (hc24): where it stands, and for the leads the way in."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def completed_ago(at: dt.datetime | None) -> str:
    """How long a completed visit has waited for CPOMS, in whole school days' words."""
    if at is None:
        return ""
    days = (timezone.localdate() - timezone.localdate(at)).days
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"
