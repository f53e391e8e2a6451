"""Schools, people, households and visits.

A visit's `status` is written only by `visits.lifecycle`; a database CHECK constraint backs the
rule that matters most (hc01): no started or completed visit without an authorisation.
"""

from __future__ import annotations

import uuid
from datetime import time, timedelta

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from guardian.models import UserObjectPermissionBase

from .enums import (
    AdultAuthority,
    AppointmentMethod,
    AuditAction,
    EventKind,
    IncidentKind,
    NotInformedException,
    Reason,
    Role,
    Status,
    VisitType,
)

uk_phone = RegexValidator(
    r"^\+?[0-9 ()-]{7,20}$",
    "Enter a phone number using digits, spaces and an optional leading +, for example 0161 496 0000.",
)
uk_postcode = RegexValidator(
    r"^[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}$",
    "Enter a UK postcode, for example M14 5AB.",
)


def normalise_postcode(value: str) -> str:
    compact = value.replace(" ", "").upper()
    return f"{compact[:-3]} {compact[-3:]}" if len(compact) > 3 else compact


class Trust(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    """A school of the trust, with the settings where the two policies differ."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    trust = models.ForeignKey(Trust, on_delete=models.PROTECT, related_name="schools")
    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    phone = models.CharField(max_length=20, validators=[uk_phone])
    email = models.EmailField(blank=True)
    address = models.TextField(blank=True)
    # hc06 SETTING: visits in pairs required [yes]. When on, a lone visit needs a reason and
    # the lead's explicit approval of lone working.
    pairs_required = models.BooleanField(default=True)
    # hc13 SETTING: no evening visits; a visit starting or ending after this time is flagged.
    evening_cutoff = models.TimeField(default=time(17, 0))
    # hc19 SETTING: minutes after the expected end before a visit counts as overdue.
    overdue_grace_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(0), MaxValueValidator(240)]
    )
    # hc19 SETTING: minutes from leaving the property to being back at school (or ringing to say
    # they are not coming back today) before the visitors count as not back.
    travel_minutes = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(240)]
    )
    # hc19 SETTING: minutes an alarm may go unacknowledged on the board before it goes to every
    # safeguarding lead of the school, and as long again before it goes to the head.
    acknowledge_minutes = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    # hc19 SETTING: the end of the school's day: a visit still open then is raised (the sweep).
    day_end = models.TimeField(default=time(18, 0))
    # mp01 SETTING: home visits discussed with a member of SLT before authorisation [off].
    slt_discussion_required = models.BooleanField(default=False)
    # Four-eyes rule: may a lead authorise a visit they requested or go on themselves? [no]
    lead_may_authorise_own = models.BooleanField(default=False)
    # Issue 14: leads, deputies, heads and trust admins always sign in with a second factor;
    # this asks it of everyone else at the school too [on].
    second_factor_for_all = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def overdue_grace(self) -> timedelta:
        return timedelta(minutes=self.overdue_grace_minutes)

    @property
    def travel_time(self) -> timedelta:
        return timedelta(minutes=self.travel_minutes)

    @property
    def acknowledge_within(self) -> timedelta:
        return timedelta(minutes=self.acknowledge_minutes)


class User(AbstractUser):
    """A member of staff. What they may do depends on their roles at each school."""

    mobile = models.CharField(
        max_length=20, blank=True, validators=[uk_phone], help_text="Work mobile carried on visits."
    )
    job_title = models.CharField(max_length=100, blank=True)
    # hc18: a description the office can read to the police if the code word is used.
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Membership(models.Model):
    """One role of one person at one school."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "school", "role"], name="membership_unique_role")]
        indexes = [models.Index(fields=["user", "is_active", "role"])]

    def __str__(self) -> str:
        return f"{self.user} - {self.get_role_display()} at {self.school}"


class Household(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="households")
    name = models.CharField(max_length=150, help_text="How the school refers to the household, e.g. 'Okafor family'.")
    address_line1 = models.CharField(max_length=150)
    address_line2 = models.CharField(max_length=150, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10, validators=[uk_postcode])
    # Known risks for visitors (dogs, other animals, people): shown to visitors and leads.
    known_risks = models.TextField(blank=True)
    # The household's key in the school's MIS export: the MIS import matches households by it.
    mis_id = models.CharField(
        "MIS household id", max_length=50, blank=True, help_text="The household's id in the school's MIS export."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["school", "name"]), models.Index(fields=["school", "postcode"])]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "mis_id"], condition=~Q(mis_id=""), name="household_unique_mis_id_per_school"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.postcode = normalise_postcode(self.postcode)
        super().save(*args, **kwargs)

    @property
    def address(self) -> str:
        return ", ".join(p for p in [self.address_line1, self.address_line2, self.town, self.postcode] if p)


class Contact(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="contacts")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    relationship = models.CharField(max_length=50, help_text="Relationship to the pupil(s), e.g. Mother, Grandfather.")
    parental_responsibility = models.BooleanField()
    # hc15: an adult a parent has delegated, whom staff may speak to about the pupil.
    may_discuss_pupil = models.BooleanField(default=True)
    phone = models.CharField(max_length=20, blank=True, validators=[uk_phone])
    mobile = models.CharField(max_length=20, blank=True, validators=[uk_phone])
    email = models.EmailField(blank=True)
    mis_id = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["-parental_responsibility", "last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Pupil(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="pupils")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="pupils")
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    year_group = models.CharField(max_length=20, help_text="e.g. Reception, Year 3.")
    mis_id = models.CharField(max_length=50, blank=True, help_text="The pupil's id in the school's MIS export.")

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "mis_id"], condition=~Q(mis_id=""), name="pupil_unique_mis_id_per_school"
            )
        ]
        indexes = [models.Index(fields=["school", "last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def initials(self) -> str:
        return f"{self.first_name[:1]}{self.last_name[:1]}".upper()


class ImportBatch(models.Model):
    """One upload of the school's MIS export (mp03), kept in the database between the preview and
    the confirmation so that any app server can finish it (no local files). The CSV text is
    emptied once imported: the pupils' data then lives only in the rows it created or updated."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="import_batches")
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True)
    row_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField(null=True, blank=True)
    imported_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["school", "-created_at"])]

    def __str__(self) -> str:
        return f"MIS import {self.filename} ({self.school})"


# A tablet's clock a few minutes ahead of the server's is not an incident "in the future".
CLOCK_SLACK = timedelta(minutes=5)


class Visit(models.Model):
    """A home visit: every field of the Home Visit Form (HC Appendix 1) and what the clauses add.

    `status` and the step fields (`authorised_*`, `started_at`, ...) are written only by
    `visits.lifecycle`.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="visits")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="visits")
    pupils = models.ManyToManyField(Pupil, related_name="visits")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)

    # hc03, hc04, hc05
    visit_type = models.CharField(max_length=20, choices=VisitType.choices, default=VisitType.PLANNED)
    reason_detail = models.TextField("Reason for calling (detail)", blank=True)
    purpose = models.TextField(help_text="What the visit should achieve.")
    why_not_in_school = models.TextField(
        "Why not a meeting in school?",
        blank=True,
        help_text="Required for a planned visit: the policy asks schools to invite the family in first where they can.",
    )
    # hc02, hc08
    family_informed = models.BooleanField("Family told in advance", default=True)
    not_informed_exception = models.CharField(max_length=30, choices=NotInformedException.choices, blank=True)
    appointment_method = models.CharField(max_length=20, choices=AppointmentMethod.choices, blank=True)
    appointment_made_at = models.DateTimeField(null=True, blank=True)
    # Home Visit Form: person being visited, address, date and time, comments
    person_visited = models.CharField("Name of person being visited", max_length=200)
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    address_line1 = models.CharField(max_length=150)
    address_line2 = models.CharField(max_length=150, blank=True)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10, validators=[uk_postcode])
    scheduled_start = models.DateTimeField("Date and time")
    expected_end = models.DateTimeField()
    comments = models.TextField(blank=True)
    # hc07
    people_to_see = models.TextField(blank=True)
    briefing = models.TextField(blank=True, help_text="What the visitors need to know about the family.")
    # hc06: the lead visitor, and a second person who is staff or from an outside agency.
    lead_visitor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="visits_leading")
    lead_visitor_role = models.CharField("Lead visitor's job role", max_length=100)
    second_visitor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="visits_seconding"
    )
    second_visitor_role = models.CharField("Second visitor's job role", max_length=100, blank=True)
    agency_worker_name = models.CharField(max_length=150, blank=True)
    agency_worker_organisation = models.CharField(max_length=150, blank=True)
    agency_worker_phone = models.CharField(max_length=20, blank=True, validators=[uk_phone])
    lone_visit_reason = models.TextField(blank=True)
    # hc11: never on the home copy, in an email or in a log line.
    code_word = models.CharField(max_length=60)
    # mp01
    slt_consulted = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # hc13: the requester confirmed a visit past the school's evening cut-off.
    evening_confirmed = models.BooleanField(default=False)

    # Steps, written by the lifecycle only.
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="visits_requested")
    requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    authorised_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="visits_authorised", editable=False
    )
    authorised_at = models.DateTimeField(null=True, blank=True, editable=False)
    authorisation_conditions = models.TextField(blank=True, editable=False)
    # hc01: a lead declined or cancelled the visit after authorising it. The authorisation is kept
    # (who gave it and when, for the record) but is never live again: the database refuses a
    # started visit whose authorisation was withdrawn.
    authorisation_withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    lone_working_approved = models.BooleanField(default=False, editable=False)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True, editable=False)
    # hc10: a High-risk visit that still goes ahead: why, and the extra controls the lead named.
    high_risk_reason = models.TextField(blank=True, editable=False)
    high_risk_controls = models.TextField(blank=True, editable=False)
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    arrived_at = models.DateTimeField(null=True, blank=True, editable=False)
    left_at = models.DateTimeField(null=True, blank=True, editable=False)
    returned_at = models.DateTimeField(null=True, blank=True, editable=False)
    # hc19: minutes the visitors extended the expected end by from the tablet (remind and extend).
    extended_minutes = models.PositiveSmallIntegerField(default=0, editable=False)
    # hc14: the leaving call said they are not coming back to school today (both policies allow it).
    not_returning_at = models.DateTimeField(null=True, blank=True, editable=False)
    # hc14: after leaving, its visitors set off on another visit: that one's watch takes them on.
    moved_on_at = models.DateTimeField(null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(null=True, blank=True, editable=False)
    cancelled_at = models.DateTimeField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scheduled_start"]
        permissions = [
            ("conduct_visit", "Carry out the visit (visitors)"),
        ]
        constraints = [
            # The state machine's states, and no other (the moves between them: `visits.db_rules`).
            models.CheckConstraint(condition=Q(status__in=Status.values), name="visit_status_known"),
            # hc01, enforced by the database whatever code writes the row.
            models.CheckConstraint(
                condition=~Q(status__in=sorted(Status.started()))
                | Q(authorised_at__isnull=False, authorised_by__isnull=False, authorisation_withdrawn_at__isnull=True),
                name="hc01_started_visit_is_authorised",
            ),
            # hc01: an authorised visit carries its live authorisation (who and when).
            models.CheckConstraint(
                condition=~Q(status=Status.AUTHORISED)
                | Q(authorised_at__isnull=False, authorised_by__isnull=False, authorisation_withdrawn_at__isnull=True),
                name="hc01_authorised_visit_has_authoriser",
            ),
            # hc01: only a declined or cancelled visit has a withdrawn authorisation, and only one
            # that was authorised.
            models.CheckConstraint(
                condition=Q(authorisation_withdrawn_at__isnull=True)
                | Q(status__in=sorted({Status.DECLINED, Status.CANCELLED}), authorised_at__isnull=False),
                name="hc01_withdrawn_authorisation_is_ended",
            ),
            # hc14: the steps on the road come after setting off, and back (or not returning) after
            # leaving the property.
            models.CheckConstraint(
                condition=(
                    Q(arrived_at__isnull=True) | Q(started_at__isnull=False, arrived_at__gte=models.F("started_at"))
                )
                & (Q(left_at__isnull=True) | Q(started_at__isnull=False))
                & (Q(returned_at__isnull=True) | Q(left_at__isnull=False))
                & (Q(not_returning_at__isnull=True) | Q(left_at__isnull=False)),
                name="hc14_steps_in_order",
            ),
            models.CheckConstraint(
                condition=Q(expected_end__gt=models.F("scheduled_start")), name="visit_ends_after_start"
            ),
            # hc14/hc20: completion needs the visitors to have left the property.
            models.CheckConstraint(
                condition=~Q(status=Status.COMPLETED) | Q(left_at__isnull=False, completed_at__isnull=False),
                name="hc14_completed_visit_has_left",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "scheduled_start"]),
            models.Index(fields=["school", "scheduled_start"]),
            models.Index(fields=["household", "scheduled_start"]),
            models.Index(fields=["lead_visitor", "scheduled_start"]),
            models.Index(fields=["second_visitor", "scheduled_start"]),
        ]

    def __str__(self) -> str:
        return f"Visit to {self.household} on {timezone.localtime(self.scheduled_start):%d/%m/%Y %H:%M}"

    @property
    def address(self) -> str:
        return ", ".join(p for p in [self.address_line1, self.address_line2, self.town, self.postcode] if p)

    # The states templates ask about, as flags: a template never compares a status string.
    @property
    def is_requested(self) -> bool:
        return self.status == Status.REQUESTED

    @property
    def is_sent_back(self) -> bool:
        return self.status == Status.SENT_BACK

    @property
    def is_declined(self) -> bool:
        return self.status == Status.DECLINED

    @property
    def is_authorised(self) -> bool:
        return self.status == Status.AUTHORISED

    @property
    def is_in_progress(self) -> bool:
        return self.status == Status.IN_PROGRESS

    @property
    def is_completed(self) -> bool:
        return self.status == Status.COMPLETED

    @property
    def has_started(self) -> bool:
        """Someone set off: in progress or completed (hc01: each needs an authorisation)."""
        return self.status in Status.started()

    @property
    def is_lone_visit(self) -> bool:
        return self.second_visitor_id is None and not self.agency_worker_name

    @property
    def is_lone_against_pairs(self) -> bool:
        """hc06: a lone visit at a school that requires pairs: it needs a reason on the request and
        the lead's approval of lone working to be authorised."""
        return self.is_lone_visit and self.school.pairs_required

    @property
    def visitor_ids(self) -> set[int]:
        return {pk for pk in (self.lead_visitor_id, self.second_visitor_id) if pk}

    @property
    def is_evening(self) -> bool:
        """hc13: starts or ends after the school's evening cut-off (in school time)."""
        cutoff = self.school.evening_cutoff
        start = timezone.localtime(self.scheduled_start)
        end = timezone.localtime(self.expected_end)
        return start.time() >= cutoff or end.time() > cutoff or end.date() > start.date()

    def is_overdue(self, now=None) -> bool:
        """hc19: past the expected end plus the school's grace without leaving the property."""
        if self.status != Status.IN_PROGRESS or self.left_at is not None:
            return False
        now = now or timezone.now()
        return now > self.expected_end + self.school.overdue_grace

    @property
    def version(self) -> str:
        """Which state of the request a page shows (its last save, to the microsecond): a lead's
        decision carries it, and is refused if the request changed since (issue 13)."""
        return self.updated_at.isoformat() if self.updated_at else ""

    def incident_time_error(self, at) -> str | None:
        """hc22: why `at` cannot be when an incident on this visit happened, in words for the
        visitor; None when it can. The record's form and the incident service both ask here."""
        if at > timezone.now() + CLOCK_SLACK:
            return "The time it happened cannot be in the future."
        if at < self.scheduled_start - timedelta(days=1):
            return "The time it happened is before the visit: check the date."
        return None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.scheduled_start and self.expected_end and self.expected_end <= self.scheduled_start:
            errors["expected_end"] = "The expected end must be after the start of the visit."
        if self.visit_type == VisitType.PLANNED and not self.why_not_in_school.strip():
            errors["why_not_in_school"] = "For a planned visit, say why a meeting in school is not suitable."
        if not self.family_informed and not self.not_informed_exception:
            errors["not_informed_exception"] = "Choose why the family will not be told in advance."
        if self.second_visitor_id and self.second_visitor_id == self.lead_visitor_id:
            errors["second_visitor"] = "The second visitor must be a different person."
        if self.second_visitor_id and self.agency_worker_name:
            errors["agency_worker_name"] = "Choose a second member of staff or an outside-agency worker, not both."
        if self.is_lone_visit and not self.lone_visit_reason.strip():
            errors["lone_visit_reason"] = "Add a second visitor, or say why this visit must be made alone."
        if errors:
            raise ValidationError(errors)


class VisitReason(models.Model):
    """hc04: one of the fixed reasons for a visit (a visit has one or more)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="reasons")
    reason = models.CharField(max_length=30, choices=Reason.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "reason"], name="visit_reason_unique")]
        indexes = [models.Index(fields=["reason"])]

    def __str__(self) -> str:
        return self.get_reason_display()


class VisitEvent(models.Model):
    """The visit's timeline: append-only (the model refuses updates; on PostgreSQL a trigger
    refuses UPDATE and DELETE). The actor is kept by id and name so that the event outlives the
    account."""

    # Append-only below the application too: the app's database role may not change it
    # (homevisits/db_roles.py), and a trigger refuses UPDATE and DELETE (migration 0002).
    append_only = True

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(User, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    actor_name = models.CharField(max_length=200, blank=True)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["visit", "at"]), models.Index(fields=["kind", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_status__in=["", *Status.values]) & Q(to_status__in=["", *Status.values]),
                name="visitevent_statuses_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {timezone.localtime(self.at):%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Timeline events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Timeline events are append-only.")


class VisitRecord(models.Model):
    """The Record of Home Visit (HC Appendix 1, hc20): without it a visit cannot complete."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="record")
    conducted = models.BooleanField(default=True, help_text="False when no responsible adult was present.")
    # hc15: the adult spoken to and their authority for the child.
    adult_spoken_to = models.CharField("Adult spoken to", max_length=150, blank=True)
    adult_relationship = models.CharField("Their relationship to the child", max_length=60, blank=True)
    adult_authority = models.CharField(max_length=30, choices=AdultAuthority.choices, blank=True)
    people_seen = models.TextField("Who was seen")
    child_seen = models.BooleanField()
    outcome = models.TextField("Outcome of home visit")
    action_required = models.TextField(blank=True)
    child_protection_concern = models.BooleanField(default=False)
    concern_details = models.TextField(
        blank=True, help_text="What worried you: it goes to the safeguarding leads as a concern."
    )
    # hc22: an incident on the visit, with the time it happened; it goes to the leads (and an
    # accusation to the head) as an Incident.
    incident_kind = models.CharField(max_length=20, choices=IncidentKind.choices, blank=True)
    incident_at = models.DateTimeField("When it happened", null=True, blank=True)
    incident_details = models.TextField(blank=True)
    follow_up_wanted = models.BooleanField(default=False)
    # What the family may keep (the copy left at the home, hc23): in plain words for the parent.
    agreed_with_family = models.TextField(
        "What we agreed with the family",
        blank=True,
        help_text="Printed on the copy left at the home: plain words, nothing the family should not read.",
    )
    notes = models.TextField(blank=True)
    written_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # hc15: no responsible adult present means the visit was not conducted.
            models.CheckConstraint(
                condition=~Q(adult_authority=AdultAuthority.NONE) | Q(conducted=False),
                name="hc15_no_adult_not_conducted",
            ),
        ]

    def __str__(self) -> str:
        return f"Record of {self.visit}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.child_protection_concern and not self.concern_details.strip():
            errors["concern_details"] = "Say what the concern is: it goes to the safeguarding leads."
        if self.adult_authority == AdultAuthority.NONE and self.conducted:
            errors["adult_authority"] = (
                "With no responsible adult present the visit does not go ahead: staff go in only when a parent "
                "or carer is there."
            )
        if self.incident_kind and self.incident_at is None:
            errors["incident_at"] = "Say when the incident happened."
        if self.incident_kind and not self.incident_details.strip():
            errors["incident_details"] = "Say what happened."
        if not self.incident_kind and (self.incident_at or self.incident_details.strip()):
            errors["incident_kind"] = "Choose what kind of incident it was."
        if errors:
            raise ValidationError(errors)


class RecordDraft(models.Model):
    """What a visitor has typed of the Record of Home Visit so far, kept on the server as well as on
    the tablet, so a dropped connection or a flat battery loses nothing. One per visit and author;
    deleted when the record is written."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="record_drafts")
    author = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "author"], name="record_draft_one_per_author")]

    def __str__(self) -> str:
        return f"Draft record of visit {self.visit_id} by {self.author_id}"


class ParentSignature(models.Model):
    """The parent's or guardian's signature on the Home Visit Form (hc23), drawn on the tablet.

    Kept in the database as a PNG we re-encoded ourselves (bounded size, no metadata), never as a
    file on an app server's disk, and served only through a permission-checked view. A parent may
    decline to sign; the reason is kept instead."""

    visit = models.OneToOneField(Visit, on_delete=models.PROTECT, related_name="parent_signature")
    image = models.BinaryField(null=True, blank=True, editable=False)
    width = models.PositiveSmallIntegerField(default=0)
    height = models.PositiveSmallIntegerField(default=0)
    signer_name = models.CharField(max_length=150)
    declined_reason = models.TextField(blank=True)
    captured_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    captured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(image__isnull=False) & Q(declined_reason=""))
                | (Q(image__isnull=True) & ~Q(declined_reason="")),
                name="hc23_signature_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Signature of {self.signer_name}"

    @property
    def signed(self) -> bool:
        return self.image is not None


class TabletStep(models.Model):
    """A step the visitors took on the tablet, by the key the tablet gave it (issue 16: no step lost
    without signal). The tablet queues a step taken without signal and sends it when the signal is
    back, perhaps more than once (a reply lost on a bad signal): the key, unique per visit, makes a
    repeat answer as done and never write the step twice (`visits.lifecycle.steps`).

    `happened_at` is when the step is recorded as taken: the tablet's time within the bounds the
    lifecycle checks, else the time it reached the school; `tablet_at` is what the tablet said
    (None if it said nothing readable); `received_at` is when the school had it."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="tablet_steps")
    key = models.CharField(max_length=64)
    step = models.CharField(max_length=30)
    actor = models.ForeignKey(User, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    happened_at = models.DateTimeField()
    tablet_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["happened_at", "id"]
        constraints = [models.UniqueConstraint(fields=["visit", "key"], name="tabletstep_key_once_per_visit")]

    def __str__(self) -> str:
        return f"{self.step} on visit {self.visit_id} at {timezone.localtime(self.happened_at):%H:%M}"


class StaffSignature(models.Model):
    """A visitor's own signature on the Home Visit Form and the Record of Home Visit (hc23), drawn on
    the tablet by the member of staff signed in: one per visitor per visit, kept as the parent's is
    (a PNG we re-encoded, in the database, never a file)."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="staff_signatures")
    signer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    image = models.BinaryField(editable=False)
    width = models.PositiveSmallIntegerField(default=0)
    height = models.PositiveSmallIntegerField(default=0)
    captured_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["visit", "signer"], name="hc23_one_staff_signature_each")]

    def __str__(self) -> str:
        return f"Signature of {self.signer}"


class Term(models.Model):
    """A school term (or half term) of one school: the school days between `starts` and `ends`,
    both included. Reports run by term; the 5-school-day target of a pupil's file sent to the next
    school counts weekdays inside terms (issue 17)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="terms")
    name = models.CharField(max_length=60, help_text="For example Autumn 2026 or Spring 1 2027.")
    starts = models.DateField()
    ends = models.DateField()

    class Meta:
        ordering = ["school", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["school", "starts"], name="term_one_start_per_school"),
            models.CheckConstraint(condition=Q(ends__gte=models.F("starts")), name="term_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return self.name


class StoredDocument(models.Model):
    """One version of one PDF of a visit, as it was when it became true (issue 17): rendered once,
    kept with its SHA-256 and served from here, never re-rendered from today's data. A new version
    is added only when the document's own content changes; every version is kept.

    `html` and `images` are the document as it was at the moment (`snapshot_sha256` is their hash,
    the content compared for a new version); `content` is the PDF made from them once, later, in the
    database beside the rows it was made from (one backup, one transaction, no local files on
    stateless app servers). Erasure (retention, `visits.stored_documents.erase`) empties `content`,
    `html` and `images` and stamps `erased_at`; the row, its hashes and who made it stay, so the
    list of versions keeps its shape."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="stored_documents")
    kind = models.CharField(max_length=30)
    version = models.PositiveIntegerField()
    # The document as it was at the moment (cheap to make inside the request): the HTML rendered
    # from our template, and the images it draws (signatures), {name: [content type, base64]}.
    # `snapshot_sha256` hashes both: it is the content, and a new version is made only when it
    # changes. The PDF's bytes are made from this snapshot once, later (`visits.stored_documents`).
    html = models.TextField(blank=True, default="", editable=False)
    images = models.JSONField(blank=True, default=dict, editable=False)
    snapshot_sha256 = models.CharField(max_length=64, blank=True, default="")
    # The PDF: empty, with no hash and size 0, until it is made from the snapshot.
    content = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    rendered_at = models.DateTimeField(null=True, blank=True, editable=False)
    filename = models.CharField(max_length=150)
    # What made it: "Authorised", "Set off", "Parent signed", "Completed", ...
    occasion = models.CharField(max_length=100)
    made_at = models.DateTimeField(default=timezone.now)
    made_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["visit", "kind", "version"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "kind", "version"], name="storeddocument_one_per_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="storeddocument_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version} of visit {self.visit_id}"


class VisitUserObjectPermission(UserObjectPermissionBase):
    """Direct foreign-key permission rows (guardian's fast path): requester and visitors."""

    content_object = models.ForeignKey(Visit, on_delete=models.CASCADE)


class AuditEntry(models.Model):
    """Who read or changed what, when, from where. Append-only; survives the user's deletion.

    Carries no code word and no concern text: `detail` is a short, fixed description.
    """

    append_only = True  # as VisitEvent: the app's database role may not change it

    at = models.DateTimeField(default=timezone.now, db_index=True)
    user_id = models.BigIntegerField(null=True)
    username = models.CharField(max_length=150, blank=True)
    school = models.ForeignKey(School, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    object_type = models.CharField(max_length=40)
    object_code = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=20, choices=AuditAction.choices)
    detail = models.CharField(max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # The trail page's filters, each walked in the page's order (safeguarding/audit_trail.py).
            models.Index(fields=["school", "at", "id"], name="audit_school_at"),
            models.Index(fields=["school", "username", "at", "id"], name="audit_school_person_at"),
            models.Index(fields=["school", "object_code", "at", "id"], name="audit_school_object_at"),
            models.Index(fields=["school", "action", "at", "id"], name="audit_school_action_at"),
            models.Index(fields=["object_type", "object_code"]),
            models.Index(fields=["user_id", "-at"]),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.object_type} {self.object_code}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")
