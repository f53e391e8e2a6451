"""The risk assessment on a visit's page (hc09, hc10) and the small helpers its templates share.

`{% visit_risk_panel visit can %}` shows the level of the version reviewed for the visit, who
reviewed it and when, a warning when the household's assessment has changed since, the controls
the visitors read before setting off, and the lead's hc10 override. Three queries whatever the
number of rows: the review (with its version and reviewer), the newest version, the rows.
"""

from __future__ import annotations

from django import template

from ..models import Likelihood, Severity

register = template.Library()


@register.simple_tag
def severity_choices() -> list[tuple[int, str]]:
    return Severity.choices


@register.simple_tag
def likelihood_choices() -> list[tuple[int, str]]:
    return Likelihood.choices


def _label(choices, value) -> str:
    try:
        return choices(int(value)).label
    except (TypeError, ValueError):
        return ""


@register.filter
def severity_label(value) -> str:
    return _label(Severity, value)


@register.filter
def likelihood_label(value) -> str:
    return _label(Likelihood, value)
