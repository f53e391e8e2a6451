"""Deciding requests together (mp03): the low-risk new-starter visits a lead may authorise in one
go. Each is authorised on its own, under its own row lock, through `lifecycle.transition`, with
no confirmation given on the lead's behalf: nothing passes that the single-visit path would
refuse, and every refusal comes back in words.
"""

from __future__ import annotations

from django.db import transaction

from visits import lifecycle
from visits.enums import Reason
from visits.exceptions import LifecycleError, PreconditionFailed
from visits.models import User, Visit

from . import risk
from .models import RiskLevel


def check_bulk_eligible(visit: Visit) -> None:
    """Refuse (PreconditionFailed) a visit that is not a new starter with a current Low review."""
    reasons = set(visit.reasons.values_list("reason", flat=True))
    review, _, current = risk.review_state(visit)
    if Reason.NEW_STARTER not in reasons:
        raise PreconditionFailed(["only new-starter visits can be authorised together; open this one."])
    if review is not None and current and review.assessment.level != RiskLevel.LOW:
        raise PreconditionFailed(["its risk assessment is not Low; open it to decide."])


def authorise_new_starters(
    actor: User, visits: list[Visit], seen: dict[str, str] | None = None
) -> tuple[int, list[str]]:
    """Authorise each visit in turn; `seen` maps a visit's code to the `Visit.version` the lead's
    queue showed (a request changed since is refused, as a single decision is). Returns how many
    were authorised and, for each refused one, which visit and why."""
    seen = seen or {}
    authorised, refused = 0, []
    for visit in visits:
        try:
            with transaction.atomic():
                # Under the row lock (a risk review takes it too), so the check still holds when
                # the lifecycle authorises.
                locked = lifecycle.lock_for_change(visit)
                check_bulk_eligible(locked)
                lifecycle.transition(
                    locked, actor, lifecycle.Action.AUTHORISE, expected_version=seen.get(str(visit.code), "")
                )
        except LifecycleError as exc:
            refused.append(f"{visit.household.name}, {visit.scheduled_start:%d/%m %H:%M}: {exc}")
        else:
            authorised += 1
    return authorised, refused
