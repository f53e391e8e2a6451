"""The queue's template helpers: a risk level's badge colour. The lead's panels on the visit page
(summary and decision card) are `safeguarding.panels`."""

from __future__ import annotations

from django import template

register = template.Library()


LEVEL_CLASSES = {"low": "text-bg-success", "medium": "text-bg-warning", "high": "text-bg-danger"}


@register.filter
def level_class(level: str) -> str:
    """The Bootstrap badge for a risk level: green, amber, red."""
    return LEVEL_CLASSES.get(level, "text-bg-secondary")
