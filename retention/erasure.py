"""Erasure of one visit's record (issue 17): every personal value goes, an anonymous skeleton stays.

What goes (emptied, or deleted where the row is nothing but personal data):
- the visit: the person visited and the contact link, the address, the purpose, reason detail,
  why not in school, comments, people to see, briefing, code word, lone-visit reason, the outside
  agency worker, the lead's conditions, decision note and high-risk reason and controls, and its
  links to pupils (the skeleton names no child);
- the Record of Home Visit: every free-text field (adult spoken to, who was seen, outcome, ...);
- the parent's signature (image, signer's name, reason for not signing) and the staff's images;
- the record drafts (deleted);
- the visit's concerns and incidents: their text, the lead's notes and references on them, and
  their links to pupils;
- the timeline's notes (on PostgreSQL through `retention_blank_notes`, the one narrow exception
  to the timeline's append-only trigger: migration retention 0002);
- its stored documents (`visits.stored_documents.erase`).

What stays: school, household link (its own row is the school's current register, not this
record), status, dates and times, type, reasons, flags, staff, the timeline's events (kind, time,
actor), alarms, risk review link, concern and incident kinds, sources and dates, the CPOMS entry,
and the audit trail, whose rows never carry personal values. Counts by status, reason, type and
the timeline's shape are the same before and after.

One transaction, the visit and its retention row locked (`SELECT ... FOR UPDATE`); a second call
finds the record erased and does nothing (idempotent).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from safeguarding.models import Concern, ConcernAction, Incident
from visits import audit, stored_documents
from visits.enums import AuditAction
from visits.models import ParentSignature, RecordDraft, StaffSignature, User, Visit, VisitEvent, VisitRecord

from .models import DecisionKind, RetentionDecision, Review, VisitRetention
from .rules import REVIEWABLE, refresh
from .who import may_review

# Words put where the database insists on some text (a declined signature's reason, a closed
# concern's reason, a reviewed incident's note): fixed words, never the erased value.
ERASED = "Erased"

VISIT_TEXT = [
    "person_visited",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "comments",
    "purpose",
    "reason_detail",
    "why_not_in_school",
    "people_to_see",
    "briefing",
    "code_word",
    "lone_visit_reason",
    "agency_worker_name",
    "agency_worker_organisation",
    "agency_worker_phone",
    "authorisation_conditions",
    "decision_note",
    "high_risk_reason",
    "high_risk_controls",
]
RECORD_TEXT = [
    "adult_spoken_to",
    "adult_relationship",
    "people_seen",
    "outcome",
    "action_required",
    "concern_details",
    "incident_details",
    "agreed_with_family",
    "notes",
]


class ErasureRefused(Exception):
    """The record may not be erased (on legal hold, not finished, not due): `str()` says why."""


def erase(visit: Visit, by: User) -> VisitRetention:
    """Erase the visit's record (see the module's docstring), audited as "Erased" by `by`.

    Refuses a record on legal hold, a visit not yet finished, and a record with no retention row
    (the daily review makes one for every finished visit). Returns the retention row."""
    if not may_review(by, visit.school_id):
        raise ErasureRefused("Only a safeguarding lead or deputy of the visit's school may erase its record.")
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        row = VisitRetention.objects.select_for_update().filter(visit=locked).first()
        if row is None:
            row = refresh(locked)
        if row is not None and row.is_erased:
            return row
        if row is None or locked.status not in REVIEWABLE:
            raise ErasureRefused("Only a finished visit (completed, declined or cancelled) can be erased.")
        if row.is_held:
            raise ErasureRefused("This record is on legal hold: lift the hold before it can be erased.")
        now = timezone.now()
        # Marked first: the database's exception for blanking the timeline reads this mark.
        row.review, row.erased_at, row.erased_by = Review.ERASED, now, by
        row.save(update_fields=["review", "erased_at", "erased_by"])
        counts = _erase_rows(locked)
        RetentionDecision.objects.create(retention=row, kind=DecisionKind.ERASED, by=by, at=now)
        audit.record(by, AuditAction.ERASE, locked, detail=_detail(counts))
    return row


def _erase_rows(visit: Visit) -> dict[str, int]:
    counts: dict[str, int] = {}
    Visit.objects.filter(pk=visit.pk).update(**dict.fromkeys(VISIT_TEXT, ""), contact=None, updated_at=timezone.now())
    visit.pupils.clear()
    counts["record"] = VisitRecord.objects.filter(visit=visit).update(**dict.fromkeys(RECORD_TEXT, ""))
    counts["signatures"] = _erase_signatures(visit)
    counts["drafts"] = RecordDraft.objects.filter(visit=visit).delete()[0]
    counts["concerns"] = _erase_concerns(visit)
    counts["incidents"] = Incident.objects.filter(visit=visit, reviewed_at__isnull=True).update(details="")
    counts["incidents"] += Incident.objects.filter(visit=visit, reviewed_at__isnull=False).update(
        details="", review_note=ERASED
    )
    counts["notes"] = _blank_notes(visit)
    counts["documents"] = _erase_documents(visit)
    return counts


def _erase_signatures(visit: Visit) -> int:
    # The parent's: a signed one keeps an empty image (not NULL), a declined one fixed words, so
    # the row still says signed or declined (the constraint hc23_signature_or_reason).
    parent = ParentSignature.objects.filter(visit=visit)
    done = parent.filter(image__isnull=False).update(image=b"", width=0, height=0, signer_name="")
    done += parent.filter(image__isnull=True).update(declined_reason=ERASED, signer_name="")
    return done + StaffSignature.objects.filter(visit=visit).update(image=b"", width=0, height=0)


def _erase_concerns(visit: Visit) -> int:
    concerns = Concern.objects.filter(visit=visit)
    for concern in concerns:
        concern.pupils.clear()
    done = concerns.filter(close_reason="").update(details="")
    return done + concerns.exclude(close_reason="").update(details="", close_reason=ERASED)


def _blank_notes(visit: Visit) -> int:
    """The timeline's notes and the notes and references of the steps taken on its concerns. On
    PostgreSQL both tables are append-only: `retention_blank_notes` (run with its owner's rights)
    may set only those columns to '' and only for a visit marked erased (migration 0002)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT retention_blank_notes(%s)", [visit.pk])
            return cursor.fetchone()[0]
    # SQLite (the demo): no triggers; the models refuse save(), a queryset update is the way.
    done = VisitEvent.objects.filter(visit=visit).exclude(note="").update(note="")
    steps = ConcernAction.objects.filter(concern__visit=visit)
    return done + steps.exclude(note="", reference="").update(note="", reference="")


def _erase_documents(visit: Visit) -> int:
    """Every stored version's PDF, HTML snapshot and images emptied, the rows kept."""
    return stored_documents.erase(visit)


def _detail(counts: dict[str, int]) -> str:
    """The audit row's words: what was erased, as counts of kinds of rows, never their values."""
    parts = ", ".join(f"{k} {v}" for k, v in counts.items())
    return f"retention erasure: visit details, {parts}"[:200]
