"""What changes a subject access request or a leaver, each step with its audit row (fixed words,
never a name or anything typed). Views call these after `disclosure.access` has said who may."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from visits import audit
from visits.enums import AuditAction
from visits.models import Contact, Pupil, School, User

from . import bundle, dates, finder
from .models import Leaver, SubjectAccessRequest


class StepRefused(ValueError):
    """A step that cannot be taken in the request's or leaver's present state (words for the lead)."""


# --- subject access -------------------------------------------------------------------------------


@transaction.atomic
def record_request(user: User, school: School, subject: Pupil | Contact, **fields) -> SubjectAccessRequest:
    kind = {"pupil": subject} if isinstance(subject, Pupil) else {"contact": subject}
    sar = SubjectAccessRequest(school=school, recorded_by=user, recorded_at=timezone.now(), **kind, **fields)
    sar.due_on = dates.subject_access_due(sar.received_on)
    sar.save()
    audit.record(user, AuditAction.CREATE, sar, detail="subject access request recorded")
    return sar


def dossier(sar: SubjectAccessRequest) -> finder.Dossier:
    return finder.find(sar.school, sar.subject)


def marks(sar: SubjectAccessRequest, found: finder.Dossier) -> set[str]:
    """The keys held back: the lead's marks once saved, and the suggested items they have not seen
    (found since); until marks are saved, every item suggested."""
    if not sar.redactions_marked:
        return set(found.suggested)
    return set(sar.redactions) | (set(found.suggested) - set(sar.redactions_seen))


@transaction.atomic
def mark_redactions(user: User, sar: SubjectAccessRequest, keys: list[str]) -> int:
    if sar.is_closed:
        raise StepRefused("This request is closed: its bundle was sent as it was.")
    allowed = dossier(sar).redactable_keys
    sar.redactions, sar.redactions_seen = sorted(set(keys) & allowed), sorted(allowed)
    sar.redactions_marked, sar.redactions_by, sar.redactions_at = True, user, timezone.now()
    sar.save(update_fields=["redactions", "redactions_seen", "redactions_marked", "redactions_by", "redactions_at"])
    audit.record(user, AuditAction.UPDATE, sar, detail="redactions marked")
    return len(sar.redactions)


def _request_facts(sar: SubjectAccessRequest) -> list[tuple[str, str]]:
    return [
        ("Request received", f"{sar.received_on:%d/%m/%Y}"),
        ("Answer due by", f"{sar.due_on:%d/%m/%Y}"),
        ("Made", f"{timezone.localtime():%d/%m/%Y %H:%M}"),
        ("Third-party data", f"Shown as {bundle.REDACTED}"),
    ]


@dataclass(frozen=True)
class Built:
    seconds: float
    pdf_bytes: int


@transaction.atomic
def build_request_bundle(user: User, sar: SubjectAccessRequest) -> Built:
    if sar.is_closed:
        raise StepRefused("This request is closed: its bundle was sent as it was.")
    started = time.perf_counter()
    found = dossier(sar)
    bundle.redact(found, marks(sar, found))
    about = {"request": {"received_on": sar.received_on.isoformat(), "due_on": sar.due_on.isoformat()}}
    made = bundle.build(
        found, title="The information we hold", purpose="subject access", about=about, facts=_request_facts(sar)
    )
    sar.bundle_pdf, sar.bundle_pdf_sha256 = made.pdf, made.pdf_sha256
    sar.bundle_json, sar.bundle_json_sha256 = made.json, made.json_sha256
    sar.built_by, sar.built_at = user, timezone.now()
    sar.save()
    audit.record(user, AuditAction.EXPORT, sar, detail="subject access bundle built")
    return Built(time.perf_counter() - started, len(made.pdf))


@transaction.atomic
def close_request(user: User, sar: SubjectAccessRequest, sent_on: dt.date) -> None:
    if sar.is_closed:
        raise StepRefused("This request is already closed.")
    if not sar.is_built:
        raise StepRefused("Build the bundle first: the request is closed with what was sent.")
    if sar.bundle_is_stale:
        raise StepRefused("What is held back changed after the bundle was made: make it again, then send that.")
    if sent_on < timezone.localtime(sar.built_at).date():
        raise StepRefused("The bundle cannot have been sent before it was built.")
    sar.sent_on, sar.closed_by, sar.closed_at = sent_on, user, timezone.now()
    sar.save(update_fields=["sent_on", "closed_by", "closed_at"])
    audit.record(user, AuditAction.UPDATE, sar, detail="subject access request sent and closed")


# --- leavers -----------------------------------------------------------------------------------------


@transaction.atomic
def record_leaver(user: User, school: School, pupil: Pupil, **fields) -> Leaver:
    if Leaver.objects.filter(pupil=pupil).exists():
        raise StepRefused("This pupil's leaving is already recorded.")
    leaver = Leaver(school=school, pupil=pupil, recorded_by=user, recorded_at=timezone.now(), **fields)
    leaver.due_on = dates.file_due(dates.SchoolCalendar.of(school), leaver.left_on)
    leaver.save()
    audit.record(user, AuditAction.CREATE, leaver, detail="pupil leaving recorded")
    return leaver


@transaction.atomic
def build_leaver_file(user: User, leaver: Leaver) -> Built:
    if leaver.is_sent:
        raise StepRefused("The file has been sent: it is kept as it was sent.")
    started = time.perf_counter()
    # Whole, nothing held back: the file goes from one school's safeguarding lead to the next's
    # (Keeping Children Safe in Education), who needs the family's adults, the other children and
    # what was seen to keep the pupil safe. Redaction is for what the family is given (a subject
    # access bundle), not for a transfer between leads.
    found = finder.find(leaver.school, leaver.pupil)
    facts = [
        ("Pupil left", f"{leaver.left_on:%d/%m/%Y}"),
        ("Next school", leaver.next_school),
        ("Made", f"{timezone.localtime():%d/%m/%Y %H:%M}"),
        ("Other people named", "Shown in full: for the next school's designated safeguarding lead only"),
    ]
    about = {"leaver": {"left_on": leaver.left_on.isoformat(), "next_school": leaver.next_school}}
    made = bundle.build(
        found,
        title="Safeguarding file: home visits",
        purpose="pupil file for the next school",
        about=about,
        facts=facts,
        internal=True,
    )
    leaver.file_pdf, leaver.file_sha256 = made.pdf, made.pdf_sha256
    leaver.built_by, leaver.built_at = user, timezone.now()
    leaver.save()
    audit.record(user, AuditAction.EXPORT, leaver, detail="pupil file built")
    return Built(time.perf_counter() - started, len(made.pdf))


@transaction.atomic
def record_sent(user: User, leaver: Leaver, sent_on: dt.date, how: str) -> None:
    if leaver.is_sent:
        raise StepRefused("The file is already recorded as sent.")
    if not leaver.is_built:
        raise StepRefused("Make the file first: what was sent is kept.")
    leaver.sent_on, leaver.sent_how, leaver.sent_by = sent_on, how, user
    leaver.save(update_fields=["sent_on", "sent_how", "sent_by"])
    audit.record(user, AuditAction.UPDATE, leaver, detail="pupil file sent")


@transaction.atomic
def record_received(user: User, leaver: Leaver, received_on: dt.date) -> None:
    if not leaver.is_sent:
        raise StepRefused("Record the file as sent first.")
    if leaver.is_received:
        raise StepRefused("Receipt is already confirmed.")
    if received_on < leaver.sent_on:
        raise StepRefused("The next school cannot have confirmed receipt before the file was sent.")
    leaver.received_on, leaver.confirmed_by = received_on, user
    leaver.save(update_fields=["received_on", "confirmed_by"])
    audit.record(user, AuditAction.UPDATE, leaver, detail="pupil file receipt confirmed")


# --- the lists' clocks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    due_on: dt.date
    left: int  # days left (negative: overdue by)
    unit: str  # "day" or "school day"

    @property
    def overdue(self) -> bool:
        return self.left < 0

    @property
    def words(self) -> str:
        n = abs(self.left)
        unit = f"{self.unit}{'' if n == 1 else 's'}"
        if self.left < 0:
            return f"Overdue by {n} {unit}"
        if self.left == 0:
            return "Due today"
        return f"{n} {unit} left"


def request_clock(sar: SubjectAccessRequest) -> Clock:
    return Clock(sar.due_on, (sar.due_on - timezone.localdate()).days, "day")


def leaver_clock(leaver: Leaver, calendar_: dates.SchoolCalendar) -> Clock:
    """School days left to the 5th school day; past it, overdue by at least one (a weekend after a
    Friday deadline holds no school day, but the file is late all the same)."""
    today = timezone.localdate()
    left = calendar_.school_days_between(today, leaver.due_on)
    if leaver.due_on < today:
        left = min(left, -1)
    return Clock(leaver.due_on, left, "school day")
