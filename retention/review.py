"""The daily review (`manage.py retention_review`, issue 17): fills each school's review queue.

1. Every finished visit (completed, declined, cancelled) without a retention row gets one, dated
   by `rules.retention_for`.
2. Each record whose retention date has come is dated once more (its basis may have changed
   since) and, if still past, enters the queue ("due").
3. Each record kept by a lead whose new review date has come enters the queue again.
Held and erased records are never touched. Running it twice the same day changes nothing the
second time. Work goes in batches of `BATCH` visits, one query to date a batch.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from django.db import transaction
from django.utils import timezone

from visits.models import Visit

from .models import Review, VisitRetention
from .rules import REVIEWABLE, dated, periods, retention_for

BATCH = 500


@dataclass
class Counts:
    dated: int = 0
    redated: int = 0
    now_due: int = 0
    back_from_kept: int = 0
    due: int = 0
    held: int = 0

    def line(self) -> str:
        return ", ".join(f"{f.name.replace('_', ' ')} {getattr(self, f.name)}" for f in fields(self))


def _batches(ids: list[int]):
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def _date_new(school_ids: list[int], years: dict[int, tuple[int, int]]) -> int:
    missing = list(
        Visit.objects.filter(school_id__in=school_ids, status__in=REVIEWABLE, retention__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    made = 0
    for ids in _batches(missing):
        rows = []
        for visit in dated(Visit.objects.filter(pk__in=ids)):
            basis, until = retention_for(visit, years[visit.school_id])
            rows.append(VisitRetention(visit=visit, school_id=visit.school_id, basis=basis, retain_until=until))
        made += len(VisitRetention.objects.bulk_create(rows, ignore_conflicts=True))
    return made


def _queue_past(school_ids: list[int], years: dict[int, tuple[int, int]], today: dt.date, counts: Counts) -> None:
    past = list(
        VisitRetention.objects.filter(school_id__in=school_ids, review=Review.RETAINED, retain_until__lte=today)
        .order_by("pk")
        .values_list("visit_id", flat=True)
    )
    now = timezone.now()
    for ids in _batches(past):
        with transaction.atomic():
            rows = {r.visit_id: r for r in VisitRetention.objects.select_for_update().filter(visit_id__in=ids)}
            unchanged = []  # most: dated right already, one UPDATE for the batch
            for visit in dated(Visit.objects.filter(pk__in=ids)):
                row = rows[visit.pk]
                if row.review != Review.RETAINED:
                    continue  # decided while this ran
                basis, until = retention_for(visit, years[visit.school_id])
                if (basis, until) == (row.basis, row.retain_until):
                    unchanged.append(row.pk)
                    continue
                counts.redated += 1
                row.basis, row.retain_until, row.computed_at = basis, until, now
                if until <= today:
                    row.review, row.due_since = Review.DUE, today
                    counts.now_due += 1
                row.save(update_fields=["basis", "retain_until", "computed_at", "review", "due_since"])
            counts.now_due += VisitRetention.objects.filter(pk__in=unchanged).update(
                review=Review.DUE, due_since=today, computed_at=now
            )


def run(today: dt.date | None = None, school_ids: list[int] | None = None) -> Counts:
    """Fill the queue of these schools (all when None) as of `today` (the school's date now)."""
    today = today or timezone.localdate()
    if school_ids is None:
        from visits.models import School

        school_ids = list(School.objects.values_list("pk", flat=True))
    years = {school_id: periods(school_id) for school_id in school_ids}
    counts = Counts()
    counts.dated = _date_new(school_ids, years)
    _queue_past(school_ids, years, today, counts)
    counts.back_from_kept = VisitRetention.objects.filter(
        school_id__in=school_ids, review=Review.KEPT, review_after__lte=today
    ).update(review=Review.DUE, due_since=today)
    scoped = VisitRetention.objects.filter(school_id__in=school_ids)
    counts.due = scoped.filter(review=Review.DUE).count()
    counts.held = scoped.filter(review=Review.HELD).count()
    return counts
