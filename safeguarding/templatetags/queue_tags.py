"""The lead's panels on the visit page (hc01, hc07, hc09, hc10, hc21): what they need to decide a
request on one screen, and the decision card itself."""

from __future__ import annotations

from django import template

register = template.Library()


LEVEL_CLASSES = {"low": "text-bg-success", "medium": "text-bg-warning", "high": "text-bg-danger"}


@register.filter
def level_class(level: str) -> str:
    """The Bootstrap badge for a risk level: green, amber, red."""
    return LEVEL_CLASSES.get(level, "text-bg-secondary")
