"""`{% visit_panels "main" visit can %}`: the panels apps built on visits show on its page
(`visits.hooks`), without the visit page loading anything of theirs."""

from __future__ import annotations

from django import template

from visits import hooks

register = template.Library()


@register.simple_tag(takes_context=True)
def visit_panels(context, slot: str, visit, can):
    return hooks.render_panels(slot, context, visit, can)
