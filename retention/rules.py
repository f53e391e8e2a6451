"""Retention dates (issue 17): which basis a visit's record falls under and the date it may be
reviewed for erasure, from the school's periods (`RetentionPolicy`, defaults from the IRMS
Information Management Toolkit for Schools).

- **Child protection related** (DOB + 25 years by default): the visit raised a concern (any kind),
  had an incident, its Record of Home Visit says "child protection concern", it was an emergency
  visit, or one of its reasons is a welfare one (a welfare check on an absent child, collecting or
  dropping off a child because of a welfare concern). The date runs from the date of birth of the
  visit's youngest pupil (the last to reach the age), never earlier than the other basis' date.
- **Other visit records** (school year + 2 years by default): 31 August ending the school year in
  which the visit was (or was to be) made, plus the years.

`refresh(visit)` recomputes a visit's row when its basis may have changed (a concern raised later,
an incident, a record rewritten, its pupils or reasons changed: signals in `apps.py`); the daily
`retention_review` recomputes once more each row before it enters the queue.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from safeguarding.models import Concern, Incident
from visits.enums import Reason, Status, VisitType
from visits.models import Pupil, School, Visit, VisitReason, VisitRecord

from .models import CP_YEARS_DEFAULT, OTHER_YEARS_DEFAULT, Basis, RetentionPolicy, Review, VisitRetention

# hc04 reasons that are welfare (safeguarding) reasons in themselves.
CHILD_PROTECTION_REASONS = frozenset({Reason.WELFARE_CHECK, Reason.COLLECT_DROP_CHILD})
# The states in which a visit's record is finished and may come up for review.
REVIEWABLE = Status.terminal()


def periods(school: School | int) -> tuple[int, int]:
    """(child protection years, other years) of the school: its own, else the toolkit's."""
    school_id = school.pk if isinstance(school, School) else school
    row = RetentionPolicy.objects.filter(school_id=school_id).values_list("cp_years", "other_years").first()
    return row or (CP_YEARS_DEFAULT, OTHER_YEARS_DEFAULT)


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def school_year_end(day: dt.date) -> dt.date:
    """31 August ending the school year (1 September to 31 August) that `day` falls in."""
    return dt.date(day.year if day.month < 9 else day.year + 1, 8, 31)


def dated(visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """`visits` with what their retention date is made of, in the one query: whether anything
    makes the record child protection related (`cp_*`), and the youngest pupil's date of birth."""
    of_visit = OuterRef("pk")
    return visits.annotate(
        cp_concern=Exists(Concern.objects.filter(visit=of_visit)),
        cp_incident=Exists(Incident.objects.filter(visit=of_visit)),
        cp_record=Exists(
            VisitRecord.objects.filter(visit=of_visit).filter(Q(child_protection_concern=True) | ~Q(incident_kind=""))
        ),
        cp_reason=Exists(VisitReason.objects.filter(visit=of_visit, reason__in=CHILD_PROTECTION_REASONS)),
        youngest_born=Subquery(
            Pupil.objects.filter(visits=of_visit).order_by("-date_of_birth").values("date_of_birth")[:1]
        ),
    )


def is_child_protection(visit: Visit) -> bool:
    """Of a visit from `dated()`."""
    return visit.visit_type == VisitType.EMERGENCY or any(
        (visit.cp_concern, visit.cp_incident, visit.cp_record, visit.cp_reason)
    )


def retention_for(visit: Visit, years: tuple[int, int] | None = None) -> tuple[str, dt.date]:
    """(basis, retain until) for a visit from `dated()`, with the school's periods (`years`, else
    read)."""
    cp_years, other_years = years or periods(visit.school_id)
    visit_day = timezone.localtime(visit.scheduled_start).date()
    other = add_years(school_year_end(visit_day), other_years)
    if not is_child_protection(visit):
        return Basis.OTHER, other
    youngest = visit.youngest_born or visit_day
    return Basis.CHILD_PROTECTION, max(add_years(youngest, cp_years), other)


def refresh(visit: Visit | int, years: tuple[int, int] | None = None) -> VisitRetention | None:
    """Recompute the visit's retention row (made when missing, for a finished visit). An erased
    record stays as it is; a record due for review whose new date is ahead leaves the queue; a
    kept or held one keeps its decision and gets the new date."""
    visit = dated(Visit.objects.filter(pk=visit.pk if isinstance(visit, Visit) else visit)).first()
    if visit is None:
        return None
    row = VisitRetention.objects.filter(visit=visit).first()
    if row is not None and row.is_erased:
        return row
    if row is None and visit.status not in REVIEWABLE:
        return None
    basis, until = retention_for(visit, years)
    if row is None:
        return VisitRetention.objects.create(visit=visit, school_id=visit.school_id, basis=basis, retain_until=until)
    changed = (row.basis, row.retain_until) != (basis, until)
    row.basis, row.retain_until, row.computed_at = basis, until, timezone.now()
    if row.is_due and until > timezone.localdate():
        row.review, row.due_since = Review.RETAINED, None
        changed = True
    if changed:
        row.save(update_fields=["basis", "retain_until", "computed_at", "review", "due_since"])
    return row


def refresh_later(visit_id: int) -> None:
    """After the change commits (a signal's handler): recompute the visit's row."""
    transaction.on_commit(lambda: refresh(visit_id), robust=True)


def review_queue(school_ids: list[int]) -> QuerySet[VisitRetention]:
    """Records due for review at these schools: the oldest retention date first."""
    return VisitRetention.objects.filter(school_id__in=school_ids, review=Review.DUE)
