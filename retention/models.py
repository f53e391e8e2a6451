"""What the retention app keeps (issue 17): each school's retention periods, and one row per visit
with its retention date, its review (kept, on legal hold) and its erasure.

A visit's row is the only place that says "this visit was erased": on PostgreSQL the narrow
exceptions to the timeline's and the concern steps' append-only triggers (migration 0002) read it,
and `erased_at` once set can never be cleared or moved (a trigger, same migration).
"""

from __future__ import annotations

import uuid

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from visits.models import School, User, Visit

# IRMS Information Management Toolkit for Schools: child protection files, the pupil's date of
# birth + 25 years; a school may keep longer, never shorter.
CP_YEARS_DEFAULT = 25
# Other visit records: the toolkit's entry for correspondence about a pupil's absence (authorised
# or unauthorised), "current academic year + 2 years": most reasons for a visit are attendance.
OTHER_YEARS_DEFAULT = 2


class RetentionPolicy(models.Model):
    """One school's retention periods. Without a row the toolkit's defaults apply."""

    school = models.OneToOneField(School, on_delete=models.CASCADE, related_name="retention_policy")
    cp_years = models.PositiveSmallIntegerField(
        "Years after the youngest pupil's date of birth (child protection records)",
        default=CP_YEARS_DEFAULT,
        validators=[MinValueValidator(CP_YEARS_DEFAULT), MaxValueValidator(100)],
    )
    other_years = models.PositiveSmallIntegerField(
        "Years after the end of the school year of the visit (other visit records)",
        default=OTHER_YEARS_DEFAULT,
        validators=[MinValueValidator(OTHER_YEARS_DEFAULT), MaxValueValidator(50)],
    )
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "retention policies"
        constraints = [
            models.CheckConstraint(condition=Q(cp_years__gte=CP_YEARS_DEFAULT), name="retention_cp_years_at_least_25"),
            models.CheckConstraint(
                condition=Q(other_years__gte=OTHER_YEARS_DEFAULT), name="retention_other_years_at_least_2"
            ),
        ]

    def __str__(self) -> str:
        return f"Retention at {self.school}"


class Basis(models.TextChoices):
    CHILD_PROTECTION = "child_protection", "Child protection record: date of birth + years"
    OTHER = "other", "Other visit record: school year + years"


class Review(models.TextChoices):
    """Where a visit's record stands: not yet due, due (in the lead's queue), kept to a new review
    date, on legal hold, or erased."""

    RETAINED = "retained", "Within its retention period"
    DUE = "due", "Due for review"
    KEPT = "kept", "Kept until a later review"
    HELD = "held", "On legal hold"
    ERASED = "erased", "Erased"


class VisitRetention(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="retention")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    basis = models.CharField(max_length=20, choices=Basis.choices)
    retain_until = models.DateField()
    computed_at = models.DateTimeField(default=timezone.now)
    review = models.CharField(max_length=10, choices=Review.choices, default=Review.RETAINED)
    due_since = models.DateField(null=True, blank=True)
    # Kept: the lead's reason and the date it comes back to the queue.
    kept_reason = models.TextField(blank=True)
    review_after = models.DateField(null=True, blank=True)
    # Legal hold (the Independent Inquiry into Child Sexual Abuse, any inquiry or claim).
    hold_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["retain_until", "id"]
        indexes = [models.Index(fields=["school", "review", "retain_until"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(review="erased") & Q(erased_at__isnull=False))
                | (~Q(review="erased") & Q(erased_at__isnull=True)),
                name="retention_erased_has_time",
            ),
            models.CheckConstraint(condition=~Q(review="held") | ~Q(hold_reason=""), name="retention_hold_has_reason"),
            models.CheckConstraint(
                condition=~Q(review="kept") | (~Q(kept_reason="") & Q(review_after__isnull=False)),
                name="retention_kept_has_reason_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Retention of visit {self.visit_id}"

    # Flags for templates (a template never compares a status string).
    @property
    def is_due(self) -> bool:
        return self.review == Review.DUE

    @property
    def is_held(self) -> bool:
        return self.review == Review.HELD

    @property
    def is_kept(self) -> bool:
        return self.review == Review.KEPT

    @property
    def is_erased(self) -> bool:
        return self.review == Review.ERASED

    @property
    def is_child_protection(self) -> bool:
        return self.basis == Basis.CHILD_PROTECTION


class DecisionKind(models.TextChoices):
    KEPT = "kept", "Kept"
    HELD = "held", "Put on legal hold"
    RELEASED = "released", "Legal hold lifted"
    ERASED = "erased", "Erased"


class RetentionDecision(models.Model):
    """Each step a lead took on a record's review, with their reason: the record's own history,
    beside the audit trail (which carries no typed words)."""

    retention = models.ForeignKey(VisitRetention, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=10, choices=DecisionKind.choices)
    reason = models.TextField(blank=True)
    review_after = models.DateField(null=True, blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.retention_id}"
