"""The small helpers the risk assessment's templates share (hc09): the severity and likelihood
choices and their labels. The panel on a visit's page is `safeguarding.panels.risk_panel`."""

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
