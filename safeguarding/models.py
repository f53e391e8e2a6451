"""What the safeguarding app keeps: alerts (hc18, hc19), diary feeds (hc12), the lone-working risk
assessment (hc09-hc11), concerns and incidents (hc17, hc21, hc22) and CPOMS entries (hc24).

An `Alert` is one email-worthy alarm on one visit, made and sent by `manage.py send_alerts`:
unique constraints make an overdue visit one alert and each code-word raise one alert, however
many servers run the command at once, and `sent_at` is set in the same transaction that sent it,
under a row lock taken with SKIP LOCKED, so no alert goes out twice.

A `CalendarFeed` is a secret, revocable iCalendar URL. Only a hash of its token is stored: a
stolen database backup does not open anyone's diary.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from visits.enums import IncidentKind  # beside the Record of Home Visit, which names it too
from visits.models import School, User, Visit, VisitEvent


class AlertKind(models.TextChoices):
    OVERDUE = "overdue", "Overdue"
    CODE_WORD = "code_word", "Code word used"
    NOT_SET_OFF = "not_set_off", "Not set off"
    NOT_BACK = "not_back", "Not back at school"
    STILL_OPEN = "still_open", "Still open at the end of the day"
    ESCALATED_LEADS = "escalated_leads", "Unacknowledged: to every lead"
    ESCALATED_HEAD = "escalated_head", "Unacknowledged: to the head"


class Alert(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=20, choices=AlertKind.choices)
    # The event this alert is about (a code-word raise, a deadline passed, a rung of the ladder):
    # one alert per event. The first kind, overdue, is one per visit and has none.
    event = models.OneToOneField(VisitEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="alert")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "kind"], condition=Q(kind="overdue"), name="alert_one_overdue_per_visit"
            ),
            models.CheckConstraint(
                condition=Q(kind="overdue", event__isnull=True) | (~Q(kind="overdue") & Q(event__isnull=False)),
                name="alert_event_unless_overdue",
            ),
        ]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(sent_at__isnull=True), name="alert_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} alert for visit {self.visit_id}"


class FeedScope(models.TextChoices):
    SCHOOL = "school", "Whole school"
    VISITOR = "visitor", "My visits"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class CalendarFeed(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="calendar_feeds")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="calendar_feeds")
    scope = models.CharField(max_length=10, choices=FeedScope.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "school"])]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} feed of {self.school} ({self.owner})"

    @classmethod
    def issue(cls, owner: User, school: School, scope: str) -> tuple[CalendarFeed, str]:
        """A new feed and its token: shown once, never stored."""
        token = secrets.token_urlsafe(32)
        feed = cls.objects.create(owner=owner, school=school, scope=scope, token_hash=hash_token(token))
        return feed, token

    @classmethod
    def live_for_token(cls, token: str) -> CalendarFeed | None:
        return (
            cls.objects.select_related("owner", "school")
            .filter(token_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )


# --- the lone-working risk assessment (hc09, hc10, hc11; HC Appendix 2) ----------------------------


class WrittenOnce(models.Model):
    """Rows that are written once and never changed or deleted: assessment versions and their
    rows, and the steps taken on a concern. On PostgreSQL a trigger refuses UPDATE and DELETE
    too (migration 0003), whatever code tries, and the app's database role may not change them
    (homevisits/db_roles.py)."""

    append_only = True

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are written once and never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are written once and never deleted.")


class Severity(models.IntegerChoices):
    """How bad the harm would be, with the controls in place."""

    MINOR = 1, "Minor harm or distress"
    SERIOUS = 2, "Serious injury"
    MAJOR = 3, "Major injury may occur"


class Likelihood(models.IntegerChoices):
    """How likely the harm is, with the controls in place."""

    REMOTE = 1, "Remote possibility"
    POSSIBLE = 2, "Possible"
    LIKELY = 3, "Likely"


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"

    @classmethod
    def rank(cls, level: str) -> int:
        return [cls.LOW, cls.MEDIUM, cls.HIGH].index(level)


# Severity x likelihood -> risk level: the one matrix (hc09). Rows are severities, columns
# likelihoods. A major harm that is only a remote possibility stays Low, as the policy's own
# template rates its hazards (Appendix 2: "Major injury may occur", "Remote possibility", "Low").
RISK_MATRIX: dict[int, dict[int, str]] = {
    Severity.MINOR: {
        Likelihood.REMOTE: RiskLevel.LOW,
        Likelihood.POSSIBLE: RiskLevel.LOW,
        Likelihood.LIKELY: RiskLevel.MEDIUM,
    },
    Severity.SERIOUS: {
        Likelihood.REMOTE: RiskLevel.LOW,
        Likelihood.POSSIBLE: RiskLevel.MEDIUM,
        Likelihood.LIKELY: RiskLevel.HIGH,
    },
    Severity.MAJOR: {
        Likelihood.REMOTE: RiskLevel.LOW,
        Likelihood.POSSIBLE: RiskLevel.HIGH,
        Likelihood.LIKELY: RiskLevel.HIGH,
    },
}


def risk_level(severity: int, likelihood: int) -> str:
    return RISK_MATRIX[severity][likelihood]


def highest_level(levels) -> str:
    levels = list(levels)
    return max(levels, key=RiskLevel.rank) if levels else RiskLevel.LOW


class HazardFields(models.Model):
    """One row of the assessment table: what the policy's Appendix 2 has in each column."""

    position = models.PositiveSmallIntegerField(default=0)
    hazard = models.CharField(max_length=200)
    people_at_risk = models.CharField(max_length=200, default="Member of staff may be harmed")
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    likelihood = models.PositiveSmallIntegerField(choices=Likelihood.choices)
    controls = models.TextField()

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    @property
    def level(self) -> str:
        return risk_level(self.severity, self.likelihood)

    def get_level_display(self) -> str:
        return RiskLevel(self.level).label


class RiskTemplateRow(HazardFields):
    """A row of a school's hazard template, which every new assessment starts from. Edited by the
    school's safeguarding leads; a school with no rows gets the five hazards of Appendix 2."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="risk_template_rows")

    class Meta(HazardFields.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(severity__in=[1, 2, 3]), name="template_severity_valid"),
            models.CheckConstraint(condition=Q(likelihood__in=[1, 2, 3]), name="template_likelihood_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.hazard} ({self.school})"


class RiskAssessment(WrittenOnce):
    """One version of a household's lone-working risk assessment.

    A version never changes once written: editing the assessment writes a new version, so a
    visit's review keeps showing what was assessed for it, and later visits see the newest
    (MP: "referred to for subsequent visits"). `level` is the highest row level, stored when the
    version is written so that lists need no extra queries.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey("visits.Household", on_delete=models.PROTECT, related_name="risk_assessments")
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    level = models.CharField(max_length=10, choices=RiskLevel.choices)
    summary = models.TextField(blank=True, help_text="What changed, or anything else the visitors should know.")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["household", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["household", "version"], name="risk_assessment_version_unique"),
        ]

    def __str__(self) -> str:
        return f"Risk assessment v{self.version} of {self.household}"


class RiskRow(HazardFields, WrittenOnce):
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="rows")

    class Meta(HazardFields.Meta):
        constraints = [
            models.CheckConstraint(condition=Q(severity__in=[1, 2, 3]), name="risk_row_severity_valid"),
            models.CheckConstraint(condition=Q(likelihood__in=[1, 2, 3]), name="risk_row_likelihood_valid"),
        ]

    def __str__(self) -> str:
        return self.hazard


class RiskReview(models.Model):
    """The household's assessment as reviewed for one visit (hc09): which version, by whom, when,
    and whether it was changed. A visit can be authorised only while its review points at the
    household's newest version."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="risk_review")
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.PROTECT, related_name="reviews")
    changed = models.BooleanField(help_text="False: reviewed with no change.")
    reviewed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Risk review of visit {self.visit_id}"


# --- concerns and incidents (hc17, hc21, hc22) -------------------------------------------------------


class ConcernKind(models.TextChoices):
    CHILD_PROTECTION = "child_protection", "Child protection concern"
    CHILD_ALONE = "child_alone", "Child alone or unsupervised"
    IMMEDIATE_DANGER = "immediate_danger", "Immediate danger (999)"


class ConcernSource(models.TextChoices):
    RECORD = "record", "Record of Home Visit"
    URGENT = "urgent", "Urgent button during the visit"
    STAFF = "staff", "Raised by staff"


class ConcernStatus(models.TextChoices):
    OPEN = "open", "Open: not yet acknowledged"
    ACKNOWLEDGED = "acknowledged", "Acknowledged: action under way"
    CLOSED = "closed", "Closed"

    @classmethod
    def unresolved(cls) -> frozenset[str]:
        return frozenset({cls.OPEN, cls.ACKNOWLEDGED})


class Concern(models.Model):
    """A child protection concern raised about a visit's pupils. It stays in the leads' inbox
    until a lead closes it with a reason; every step is a `ConcernAction`."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="concerns")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="concerns")
    pupils = models.ManyToManyField("visits.Pupil", related_name="concerns")
    kind = models.CharField(max_length=20, choices=ConcernKind.choices)
    source = models.CharField(max_length=10, choices=ConcernSource.choices, default=ConcernSource.STAFF)
    urgent = models.BooleanField(default=False)
    details = models.TextField()
    raised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=ConcernStatus.choices, default=ConcernStatus.OPEN)
    acknowledged_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="concern_acknowledged_has_who_when",
            ),
            models.CheckConstraint(
                condition=~Q(status="closed")
                | (Q(closed_at__isnull=False, closed_by__isnull=False) & ~Q(close_reason="")),
                name="concern_closed_has_reason",
            ),
            # One concern per Record of Home Visit, however often the record is rewritten.
            models.UniqueConstraint(fields=["visit"], condition=Q(source="record"), name="concern_one_per_record"),
        ]
        indexes = [models.Index(fields=["school", "status", "raised_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.school})"

    # The states templates ask about, as flags: a template never compares a status string.
    @property
    def is_open(self) -> bool:
        return self.status == ConcernStatus.OPEN

    @property
    def is_acknowledged(self) -> bool:
        return self.status == ConcernStatus.ACKNOWLEDGED

    @property
    def is_closed(self) -> bool:
        return self.status == ConcernStatus.CLOSED


class ConcernActionKind(models.TextChoices):
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    REFERRAL_CSC = "referral_csc", "Referral to children's social care"
    EARLY_HELP = "early_help", "Early help"
    POLICE = "police", "Police"
    OTHER = "other", "Other action"
    CLOSED = "closed", "Closed"

    @classmethod
    def recordable(cls) -> list[tuple[str, str]]:
        """Actions a lead records by hand (acknowledging and closing have their own buttons)."""
        return [(k, v) for k, v in cls.choices if k not in {cls.ACKNOWLEDGED, cls.CLOSED}]


class ConcernAction(WrittenOnce):
    """One step taken on a concern, with time and who (hc21). Append-only."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="actions")
    kind = models.CharField(max_length=20, choices=ConcernActionKind.choices)
    reference = models.CharField(max_length=60, blank=True)
    note = models.TextField(blank=True)
    by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on concern {self.concern_id}"


class Incident(models.Model):
    """An incident on a visit (hc22), with the time it happened as well as the time it was
    recorded. An accusation against a visitor goes to the head teacher at once."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="incidents")
    kind = models.CharField(max_length=20, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField()
    details = models.TextField()
    reported_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)
    # Written on the Record of Home Visit (hc22) rather than reported from the visit's page: the
    # record may be corrected while the visit is under way, and its one incident with it.
    from_record = models.BooleanField(default=False)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewed_at__isnull=True) | (Q(reviewed_by__isnull=False) & ~Q(review_note="")),
                name="incident_review_has_note",
            ),
        ]
        indexes = [models.Index(fields=["school", "reviewed_at", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.school})"


# --- CPOMS (hc24) -----------------------------------------------------------------------------------


class CpomsEntry(models.Model):
    """A completed visit recorded on CPOMS: by whom, when, and the CPOMS reference."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="cpoms")
    reference = models.CharField(max_length=60)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"CPOMS {self.reference}"
