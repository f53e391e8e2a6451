"""The Record of Home Visit (hc20), its draft on the tablet, the visit not conducted for want of a
responsible adult (hc15), and the parent's signature (hc23): all by the visitors, all only while
the visit is under way (hc01)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from .. import audit, signals
from .. import code_word as code_words
from ..enums import AdultAuthority, AuditAction, EventKind
from ..exceptions import PreconditionFailed, TransitionNotAllowed
from ..models import ParentSignature, RecordDraft, User, Visit, VisitRecord
from ..signature import CleanSignature
from .core import append_event, lock, refresh_caller_copy
from .road import check_under_way, complete_when_done, lock_under_way, log_step_locked
from .steps import NOT_SENT, Sent, keep, refuse_repeat, step_time

RECORD_FIELDS = frozenset(
    {
        "conducted",
        "people_seen",
        "child_seen",
        "outcome",
        "action_required",
        "child_protection_concern",
        "concern_details",
        "adult_spoken_to",
        "adult_relationship",
        "adult_authority",
        "incident_kind",
        "incident_at",
        "incident_details",
        "follow_up_wanted",
        "agreed_with_family",
        "notes",
    }
)
# What the copy left at the home prints of the record (hc11: never the code word).
FAMILY_FIELDS = ("agreed_with_family",)
WRITE_REFUSALS = {
    "refuse_who": "Only the visitors on this visit may write its record.",
    "refuse_when": "You cannot record an outcome: the visit is {status}.",
}


def write_record(visit: Visit, actor: User, fields: dict[str, Any]) -> VisitRecord:
    """Write (or rewrite) the Record of Home Visit. Only a visitor, only while the visit is under
    way: an outcome cannot be recorded for a visit that was never authorised and started (hc01)."""
    with transaction.atomic():
        locked = lock(visit)
        return _write_record_locked(locked, actor, fields)


def _write_record_locked(
    locked: Visit, actor: User, fields: dict[str, Any], *, at: datetime | None = None, note: str = ""
) -> VisitRecord:
    unknown = set(fields) - RECORD_FIELDS
    if unknown:
        raise ValueError(f"not record fields: {sorted(unknown)}")
    check_under_way(locked, actor, **WRITE_REFUSALS)
    record = VisitRecord.objects.filter(visit=locked).first() or VisitRecord(visit=locked)
    for name, value in fields.items():
        setattr(record, name, value)
    record.written_by = actor
    record.written_at = timezone.now()
    record.full_clean(exclude=["visit"])
    family = {
        name: code_words.FAMILY_FIELD_ERROR
        for name in FAMILY_FIELDS
        if code_words.contains(getattr(record, name), locked.code_word)
    }
    if family:
        raise ValidationError(family)
    record.save()
    # The event at the time it was sent on the tablet (`lifecycle.steps`); `written_at` stays the
    # school's time, which the drafts' versions are compared against.
    append_event(locked, actor, EventKind.OUTCOME_RECORDED, at=at, note=note)
    audit.record(actor, AuditAction.UPDATE, locked, detail="record of visit written")
    # The record is written: the drafts of it (the author's and the other visitor's) are done.
    RecordDraft.objects.filter(visit=locked).delete()
    signals.record_written.send(sender=VisitRecord, record=record, actor=actor)
    return record


# Bounds on a draft: what a record can hold, with room for the form's own keys.
DRAFT_MAX_BYTES = 64 * 1024


def record_version(record: VisitRecord | None) -> str:
    """Which writing of the record a page was made from ("" before the first): its draft says so,
    so that a draft typed over an older writing never lands on a newer one."""
    return record.written_at.isoformat() if record is not None and record.written_at else ""


def save_draft(
    visit: Visit, actor: User, data: dict[str, Any], *, based_on: str | None = None, sent: Sent = NOT_SENT
) -> RecordDraft:
    """Keep what a visitor has typed of the record so far (issue 5: a dropped connection loses
    nothing). Only record fields, as short strings; only the visitors, only while the visit is
    under way. Replaces the author's previous draft.

    `based_on` is the `record_version` the page was made from (None: the caller does not say).
    A draft is refused once the record has been written since (issue 13: an autosave in flight
    while the record is sent never survives over it); without `based_on`, once any record is
    written. Checked under the row lock the record's writing takes.

    `sent`: who is present (hc15), sent from the tablet with its key and time (`lifecycle.steps`);
    a repeat is `AlreadyDone`."""
    if not isinstance(data, dict):
        raise PreconditionFailed(["The draft was not readable."])
    kept = {k: v for k, v in data.items() if k in RECORD_FIELDS and isinstance(v, str | bool | None)}
    if len(json.dumps(kept)) > DRAFT_MAX_BYTES:
        raise PreconditionFailed(["The draft is too long to keep."])
    with transaction.atomic():
        locked = lock_under_way(
            visit,
            actor,
            refuse_who="Only the visitors on this visit may keep a draft of its record.",
            refuse_when="This visit is {status}: its record can no longer be drafted.",
        )
        refuse_repeat(locked, sent, "Who is present")
        record = VisitRecord.objects.filter(visit=locked).only("written_at").first()
        if record is not None and based_on != record_version(record):
            when = timezone.localtime(record.written_at).strftime("%H:%M")
            raise TransitionNotAllowed(
                f"The record was sent at {when}, after this page was opened: this older draft was not kept. "
                "Open the record again to see it."
            )
        now = timezone.now()
        draft, _ = RecordDraft.objects.update_or_create(
            visit=locked, author=actor, defaults={"data": kept, "saved_at": now}
        )
        keep(locked, actor, "present", sent, step_time(locked, sent, now)[0], now)
    return draft


def draft_of(visit: Visit, actor: User) -> RecordDraft | None:
    """The actor's own server draft of the visit's record, if any (the other visitor's is theirs)."""
    return RecordDraft.objects.filter(visit=visit, author=actor).first()


@dataclass(frozen=True)
class RecordResult:
    record: VisitRecord
    completed: bool  # the visit completed with this record ("left the property" was logged)


def submit_record(visit: Visit, actor: User, fields: dict[str, Any], *, sent: Sent = NOT_SENT) -> RecordResult:
    """The visitor sends the Record of Home Visit from the tablet (hc20).

    In one transaction: the record is written (or rewritten), with its receivers (a concern for a
    "yes" to child protection, hc21; an incident, hc22); then, if "left the property" is already
    logged (hc14), the visit completes. Otherwise it stays under way until the visitors log
    leaving, which completes it. Refusals (NotPermitted, TransitionNotAllowed; a django
    ValidationError for a record that does not hold together) write nothing. `sent`: the tablet's
    key and time (`lifecycle.steps`); a repeat is `AlreadyDone`."""
    with transaction.atomic():
        locked = lock(visit)
        refuse_repeat(locked, sent, "The record")
        now = timezone.now()
        at, said = step_time(locked, sent, now)
        record = _write_record_locked(locked, actor, fields, at=at, note=said)
        keep(locked, actor, "record", sent, at, now)
        completed = complete_when_done(locked, actor)
    refresh_caller_copy(visit, locked)
    return RecordResult(record, completed)


NOT_CONDUCTED_NOTE_MAX = 2000
NOT_CONDUCTED = "Not conducted: no responsible adult present."


def end_not_conducted(
    visit: Visit, actor: User, *, child_seen: bool, note: str = "", sent: Sent = NOT_SENT
) -> VisitRecord:
    """hc15: no responsible adult was present, so the visitors did not go ahead.

    In one transaction, under one row lock: a Record of Home Visit saying the visit was not
    conducted (adult authority "none", plain words for who was seen and the outcome, the
    visitor's note), "left the property" logged if it was not yet (hc14), and the visit
    completed. Refusals (NotPermitted, TransitionNotAllowed, PreconditionFailed) write nothing.
    `sent`: the tablet's key and time (`lifecycle.steps`); a repeat is `AlreadyDone`."""
    note = (note or "").strip()
    if len(note) > NOT_CONDUCTED_NOTE_MAX:
        raise PreconditionFailed([f"The note is too long (at most {NOT_CONDUCTED_NOTE_MAX:,} characters)."])
    with transaction.atomic():
        locked = lock_under_way(
            visit,
            actor,
            refuse_who="Only the visitors on this visit may end it as not conducted.",
            refuse_when="You cannot end this visit as not conducted: it is {status}.",
        )
        refuse_repeat(locked, sent, "The visit ended as not conducted")
        now = timezone.now()
        at, said = step_time(locked, sent, now)
        seen = "The child was seen." if child_seen else "The child was not seen."
        record = _write_record_locked(
            locked,
            actor,
            {
                "conducted": False,
                "adult_authority": AdultAuthority.NONE,
                "adult_spoken_to": "",
                "adult_relationship": "",
                "people_seen": f"No responsible adult present. {seen}",
                "child_seen": child_seen,
                "outcome": "Visit not conducted: no parent or carer, or adult they delegated, was present.",
                "child_protection_concern": False,
                "concern_details": "",
                "incident_kind": "",
                "incident_at": None,
                "incident_details": "",
                "action_required": "",
                "agreed_with_family": "",
                "notes": note,
            },
            at=at,
            note=said,
        )
        keep(locked, actor, "not_conducted", sent, at, now)
        if locked.left_at is None:
            # With the record written, leaving completes the visit (at the tablet's time too).
            log_step_locked(
                locked,
                actor,
                "left",
                note="No responsible adult present: visit not conducted.",
                completion_note=NOT_CONDUCTED,
                sent=Sent(at=sent.at),
            )
        else:
            complete_when_done(locked, actor, note=NOT_CONDUCTED)
    refresh_caller_copy(visit, locked)
    return record


def record_signature(
    visit: Visit,
    actor: User,
    *,
    signer_name: str,
    image: CleanSignature | None = None,
    declined_reason: str = "",
    sent: Sent = NOT_SENT,
) -> ParentSignature:
    """hc23: the parent's signature (a PNG cleaned by `visits.signature.clean_data_url`), or the reason
    they did not sign. Only the visitors, only while the visit is under way; signing again
    replaces the earlier one. The image never reaches the timeline or the audit trail. `sent`: the
    tablet's key and time (`lifecycle.steps`): a repeat is `AlreadyDone`, the time the tablet's."""
    signer_name = " ".join((signer_name or "").split())[:150]
    declined_reason = (declined_reason or "").strip()[:2000]
    problems = []
    if not signer_name:
        problems.append("Enter the name of the parent or guardian.")
    if (image is None) == (not declined_reason):
        problems.append("Either the parent signs, or say why they did not.")
    if problems:
        raise PreconditionFailed(problems)
    with transaction.atomic():
        locked = lock_under_way(
            visit,
            actor,
            refuse_who="Only the visitors on this visit may take the parent's signature.",
            refuse_when="The parent signs during the visit: this one is {status}.",
        )
        refuse_repeat(locked, sent, "The parent's signature")
        now = timezone.now()
        at, said = step_time(locked, sent, now)
        signature, _ = ParentSignature.objects.update_or_create(
            visit=locked,
            defaults={
                "image": image.png if image else None,
                "width": image.width if image else 0,
                "height": image.height if image else 0,
                "signer_name": signer_name,
                "declined_reason": "" if image else declined_reason,
                "captured_by": actor,
                "captured_at": at,
            },
        )
        kind = "parent signed" if image else "parent did not sign"
        append_event(locked, actor, EventKind.SIGNED if image else EventKind.NOT_SIGNED, at=at, note=said)
        keep(locked, actor, "signature", sent, at, now)
        audit.record(actor, AuditAction.UPDATE, locked, detail=kind)
        signals.parent_signed.send(sender=ParentSignature, visit=locked, actor=actor)
    return signature
