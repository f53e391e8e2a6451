"""`{% visit_panels "main" visit can %}` and `{% household_panels "household" household %}`: the
panels apps built on visits show on its pages (`visits.hooks`), without those pages loading
anything of theirs."""

from __future__ import annotations

from django import template

from visits import hooks

register = template.Library()


@register.simple_tag(takes_context=True)
def visit_panels(context, slot: str, visit, can):
    return hooks.render_panels(slot, context, visit, can)


@register.simple_tag(takes_context=True)
def household_panels(context, slot: str, household):
    return hooks.render_household_panels(slot, context, household)
