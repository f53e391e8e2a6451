"""The lead's decisions on a record due for review (issue 17): keep it to a later review date, put
it on legal hold, lift a hold. Erasure is `retention.erasure`. Each locks the record's row,
checks the state it must be in, writes the decision (with the lead's reason) and an audit row
(fixed words: never the reason typed)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from visits import audit
from visits.enums import AuditAction
from visits.models import User

from .models import DecisionKind, RetentionDecision, Review, VisitRetention
from .who import may_review

# A kept record comes back to the queue at the latest after this many years.
LONGEST_KEEP_YEARS = 10


class DecisionRefused(Exception):
    """The record is not in a state for this decision: `str()` says why, in words for the lead."""


def _locked(row: VisitRetention, by: User) -> VisitRetention:
    if not may_review(by, row.school_id):
        raise DecisionRefused("Only a safeguarding lead or deputy of the visit's school may decide on its record.")
    return VisitRetention.objects.select_for_update().select_related("visit").get(pk=row.pk)


def _decide(locked: VisitRetention, by: User, kind: str, reason: str, review_after: dt.date | None = None) -> None:
    now = timezone.now()
    locked.decided_by, locked.decided_at = by, now
    locked.save()
    RetentionDecision.objects.create(
        retention=locked, kind=kind, reason=reason, review_after=review_after, by=by, at=now
    )
    audit.record(by, AuditAction.UPDATE, locked.visit, detail=f"retention: {DecisionKind(kind).label.lower()}")


def keep(row: VisitRetention, by: User, reason: str, review_after: dt.date) -> VisitRetention:
    """Keep a due record until `review_after`, when it comes back to the queue."""
    with transaction.atomic():
        locked = _locked(row, by)
        if not locked.is_due:
            raise DecisionRefused("Only a record due for review can be kept: this one is not in the queue now.")
        locked.review, locked.kept_reason, locked.review_after, locked.due_since = (
            Review.KEPT,
            reason,
            review_after,
            None,
        )
        _decide(locked, by, DecisionKind.KEPT, reason, review_after)
    return locked


def hold(row: VisitRetention, by: User, reason: str) -> VisitRetention:
    """Legal hold (the Independent Inquiry into Child Sexual Abuse, any inquiry or claim): never
    erased, never back in the queue, until a lead lifts the hold."""
    with transaction.atomic():
        locked = _locked(row, by)
        if locked.is_erased:
            raise DecisionRefused("This record has been erased: there is nothing left to hold.")
        if locked.is_held:
            raise DecisionRefused("This record is already on legal hold.")
        locked.review, locked.hold_reason = Review.HELD, reason
        _decide(locked, by, DecisionKind.HELD, reason)
    return locked


def release(row: VisitRetention, by: User, reason: str) -> VisitRetention:
    """Lift a legal hold: the record is due for review again if its date has passed."""
    with transaction.atomic():
        locked = _locked(row, by)
        if not locked.is_held:
            raise DecisionRefused("This record is not on legal hold.")
        today = timezone.localdate()
        due = locked.retain_until <= today
        locked.review = Review.DUE if due else Review.RETAINED
        locked.due_since = today if due else None
        locked.hold_reason = ""
        _decide(locked, by, DecisionKind.RELEASED, reason)
    return locked
