"""Subject access requests and pupils leaving for another school (issue 17, parts 5 and 6).

Both keep what was sent as it was: the bytes, their SHA-256, when and by whom, on the row itself
(in the database beside the records it was made from: one backup, no local files)."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from visits.models import Contact, Pupil, School, User


class Relationship(models.TextChoices):
    SELF = "self", "The pupil themselves"
    PARENT = "parent", "Parent or carer (for the pupil)"
    CONTACT = "contact", "The contact themselves"
    REPRESENTATIVE = "representative", "Someone acting for them (with their written authority)"


class IdentityCheck(models.TextChoices):
    KNOWN = "known", "Known to the school in person"
    PHOTO_ID = "photo_id", "Photo ID seen"
    ADDRESS = "address", "Proof of address seen"
    AUTHORITY = "authority", "Written authority and ID seen"


class SubjectAccessRequest(models.Model):
    """A request by a person (or someone acting for them) for the data the school holds about a
    pupil or a contact (UK GDPR Art. 15): due one calendar month from receipt."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    requester_name = models.CharField("Who asked", max_length=150)
    relationship = models.CharField("Their relationship to the person", max_length=20, choices=Relationship.choices)
    received_on = models.DateField("Date received")
    identity_check = models.CharField("How their identity was checked", max_length=20, choices=IdentityCheck.choices)
    due_on = models.DateField(editable=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    # The lead's redaction marks: the keys of the items held back (`disclosure.finder`), who, when.
    redactions = models.JSONField(default=list, blank=True)
    # The items the lead had before them when saving: one found later (a new visit) that is about
    # someone else is held back as suggested until the lead marks again.
    redactions_seen = models.JSONField(default=list, blank=True)
    redactions_marked = models.BooleanField(default=False)
    redactions_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    redactions_at = models.DateTimeField(null=True, blank=True)
    # The bundle built (and, once closed, sent): a PDF for the family and the same as JSON.
    bundle_pdf = models.BinaryField(null=True, blank=True, editable=False)
    bundle_pdf_sha256 = models.CharField(max_length=64, blank=True)
    bundle_json = models.BinaryField(null=True, blank=True, editable=False)
    bundle_json_sha256 = models.CharField(max_length=64, blank=True)
    built_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    built_at = models.DateTimeField(null=True, blank=True)
    sent_on = models.DateField("Date sent", null=True, blank=True)
    closed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["school", "closed_at", "due_on"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(pupil__isnull=False) & Q(contact__isnull=True))
                | (Q(pupil__isnull=True) & Q(contact__isnull=False)),
                name="sar_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(built_at__isnull=False, sent_on__isnull=False),
                name="sar_closed_was_built_and_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"Subject access request received {self.received_on:%d/%m/%Y}"

    @property
    def subject(self) -> Pupil | Contact:
        return self.pupil or self.contact

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def is_built(self) -> bool:
        return self.built_at is not None

    @property
    def bundle_is_stale(self) -> bool:
        """The marks were saved after the bundle was made: it no longer holds back what they say."""
        return self.is_built and self.redactions_at is not None and self.redactions_at > self.built_at


class SentHow(models.TextChoices):
    CPOMS = "cpoms", "CPOMS transfer"
    MYCONCERN = "myconcern", "MyConcern transfer"
    EGRESS = "egress", "Egress (secure email)"
    BY_HAND = "by_hand", "By hand, signed for"
    OTHER_SECURE = "other_secure", "Another secure transfer"


class Leaver(models.Model):
    """A pupil who left for another school, and their safeguarding file from home visits sent there
    (Keeping Children Safe in Education: within 5 school days)."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    left_on = models.DateField("Date left")
    next_school = models.CharField("Next school", max_length=200)
    starts_on = models.DateField("Date they start there", null=True, blank=True)
    due_on = models.DateField(editable=False)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    file_pdf = models.BinaryField(null=True, blank=True, editable=False)
    file_sha256 = models.CharField(max_length=64, blank=True)
    built_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    built_at = models.DateTimeField(null=True, blank=True)
    sent_on = models.DateField("Date sent", null=True, blank=True)
    sent_how = models.CharField("How it was sent", max_length=20, choices=SentHow.choices, blank=True)
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField("Date the next school confirmed receipt", null=True, blank=True)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["school", "received_on", "due_on"])]
        constraints = [
            models.UniqueConstraint(fields=["pupil"], name="leaver_once_per_pupil"),
            models.CheckConstraint(
                condition=Q(sent_on__isnull=True) | (Q(built_at__isnull=False) & ~Q(sent_how="")),
                name="leaver_sent_was_built_and_says_how",
            ),
            models.CheckConstraint(
                condition=Q(received_on__isnull=True) | Q(sent_on__isnull=False), name="leaver_received_was_sent"
            ),
        ]

    def __str__(self) -> str:
        return f"Pupil left on {self.left_on:%d/%m/%Y}"

    @property
    def is_sent(self) -> bool:
        return self.sent_on is not None

    @property
    def is_received(self) -> bool:
        return self.received_on is not None

    @property
    def is_built(self) -> bool:
        return self.built_at is not None
