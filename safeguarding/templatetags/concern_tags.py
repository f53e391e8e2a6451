"""The visit page's concerns and incidents panel (hc17, hc21, hc22)."""

from __future__ import annotations

from django import template

register = template.Library()
