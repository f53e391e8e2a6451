"""Concerns, incidents and CPOMS (hc17, hc21, hc22, hc24): the only code that writes them.

Each function checks who (through `visits.access`), locks the row it changes so that two leads
acting at once are served one after the other (the second is told what the first did), writes
the change and its step (`ConcernAction`, written once), a timeline event on the visit with fixed
words only (the timeline is seen by everyone on the visit; what was written stays on the concern),
and an audit entry, and queues its emails on commit. Emails say who and what kind, never the
content (hc11, hc25). Refusals raise `visits.exceptions` errors and write nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from visits import audit, lifecycle, moves, notify
from visits import code_word as code_words
from visits.enums import AuditAction, EventKind, Role, Status
from visits.exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.models import Pupil, User, Visit, VisitRecord

from .models import (
    Concern,
    ConcernAction,
    ConcernActionKind,
    ConcernKind,
    ConcernSource,
    ConcernStatus,
    CpomsEntry,
    Incident,
    IncidentKind,
)
from .who import may_handle_concerns, may_raise_concern, may_record_cpoms, may_report_incident, may_see_incident

log = logging.getLogger(__name__)

DETAILS_MAX = 10_000
REFERENCE_MAX = 60


def _clean_reference(raw: str, *, required: bool, what: str) -> str:
    reference = " ".join((raw or "").split())
    if required and not reference:
        raise PreconditionFailed([f"Enter the {what}."])
    if len(reference) > REFERENCE_MAX or not all(c.isalnum() or c in " /-_.:#" for c in reference):
        raise PreconditionFailed(
            [f"The {what} is letters, digits, spaces and / - _ . : # only, up to {REFERENCE_MAX}."]
        )
    return reference


def _clean_text(raw: str, what: str, *, required: bool = True) -> str:
    text = (raw or "").strip()
    if required and not text:
        raise PreconditionFailed([f"Write the {what}."])
    if len(text) > DETAILS_MAX:
        raise PreconditionFailed([f"The {what} is too long (at most {DETAILS_MAX:,} characters)."])
    return text


def _context(obj, visit: Visit, actor: User | None, url: str) -> dict:
    return {
        "school": visit.school.name,
        "actor": str(actor) if actor else "Someone",
        "kind": obj.get_kind_display(),
        "urgent": getattr(obj, "urgent", False),
        "url": url,
    }


# --- concerns (hc17, hc21) ------------------------------------------------------------------------


def raise_concern(
    visit: Visit,
    actor: User,
    kind: str,
    details: str,
    *,
    urgent: bool = False,
    source: str = ConcernSource.STAFF,
    pupils: Iterable[Pupil] | None = None,
) -> Concern:
    """Raise a concern about the visit's pupils to the school's safeguarding leads.

    Urgent concerns (a child alone, immediate danger) are emailed to every lead at once, and an
    immediate danger to the office too; every open concern is in the leads' inbox and counted in
    their navigation until a lead closes it."""
    if kind not in ConcernKind.values:
        raise PreconditionFailed(["Choose what kind of concern this is."])
    details = _clean_text(details, "concern")
    if not may_raise_concern(actor, visit):
        raise NotPermitted("You may not raise a concern on this visit.")
    if visit.status not in moves.CONCERN_STATES:
        raise TransitionNotAllowed("This request is still a draft: speak to the safeguarding lead directly.")
    urgent = urgent or kind in {ConcernKind.CHILD_ALONE, ConcernKind.IMMEDIATE_DANGER}
    with transaction.atomic():
        visit_pupils = list(visit.pupils.all())
        chosen = visit_pupils if pupils is None else [p for p in pupils if p in visit_pupils]
        concern = Concern.objects.create(
            school_id=visit.school_id,
            visit=visit,
            kind=kind,
            source=source,
            urgent=urgent,
            details=details,
            raised_by=actor,
        )
        concern.pupils.set(chosen or visit_pupils)
        lifecycle.log_event(
            visit, actor, EventKind.CONCERN_RAISED, note=("Urgent: " if urgent else "") + concern.get_kind_display()
        )
        audit.record(actor, AuditAction.CREATE, concern, detail=kind)
        concern_pk = concern.pk
        transaction.on_commit(lambda: _tell_concern(concern_pk), robust=True)
    return concern


# A second press of an urgent control within this time (a double tap, both visitors pressing it)
# tells the leads nothing new: it is answered with the first raise instead of a second alarm.
URGENT_REPEAT_WINDOW = dt.timedelta(minutes=10)


def raise_urgent(visit: Visit, actor: User, kind: str, details: str) -> tuple[Concern, bool]:
    """hc17: the tablet's urgent controls ("child alone", "immediate danger"). Raises the urgent
    concern, or answers with the one raised moments ago (the bool: a new one was raised).

    `details` are fixed words with `{time}` for the time of the press, never anything typed. The
    visit row is locked first, so both visitors pressing at once raise one concern and one set of
    emails; under the lock the state is read again, so a visit completed or withdrawn a moment ago
    is refused."""
    with transaction.atomic():
        status = Visit.objects.select_for_update(of=("self",)).values_list("status", flat=True).get(pk=visit.pk)
        if status not in moves.URGENT_STATES:
            raise TransitionNotAllowed(f"The visit is now {Status(status).label.lower()}.")
        recent = (
            Concern.objects.filter(
                visit=visit,
                kind=kind,
                source=ConcernSource.URGENT,
                raised_at__gte=timezone.now() - URGENT_REPEAT_WINDOW,
            )
            .order_by("-raised_at")
            .first()
        )
        if recent is not None:
            return recent, False
        when = timezone.localtime().strftime("%H:%M")
        concern = raise_concern(visit, actor, kind, details.format(time=when), urgent=True, source=ConcernSource.URGENT)
        if kind == ConcernKind.IMMEDIATE_DANGER:
            # On the office's board at once, as an alarm with the police script (not only by email).
            lifecycle.raise_from_tablet(
                visit, actor, EventKind.DANGER, note="Immediate danger: 999 shown on the tablet."
            )
    return concern, True


def _tell_concern(concern_pk: int) -> None:
    concern = Concern.objects.select_related("visit__school", "raised_by").get(pk=concern_pk)
    roles = set(Role.safeguarding())
    if concern.kind == ConcernKind.IMMEDIATE_DANGER:
        roles.add(Role.OFFICE)
    context = _context(concern, concern.visit, concern.raised_by, reverse("safeguarding:concern", args=[concern.code]))
    notify.send("concern_raised", notify.school_emails(concern.school_id, roles), context)


def concern_from_record(sender, record: VisitRecord, actor: User, **kwargs) -> None:
    """hc21: "Child protection concern? yes" on the Record of Home Visit makes a concern, once per
    record (the record may be rewritten). Connected to `visits.signals.record_written`, which is
    sent inside the record's transaction, so both commit or neither does."""
    if not record.child_protection_concern:
        return
    if Concern.objects.filter(visit_id=record.visit_id, source=ConcernSource.RECORD).exists():
        return
    raise_concern(
        record.visit,
        actor,
        ConcernKind.CHILD_PROTECTION,
        record.concern_details,
        source=ConcernSource.RECORD,
    )


def concern_for_update(concern: Concern, actor: User) -> Concern:
    locked = Concern.objects.select_for_update(of=("self",)).select_related("visit").get(pk=concern.pk)
    if not may_handle_concerns(actor, locked.school_id):
        raise NotPermitted("Only the school's safeguarding leads may act on a concern.")
    return locked


def _step(concern: Concern, actor: User, kind: str, *, reference: str = "", note: str = "") -> ConcernAction:
    action = ConcernAction.objects.create(concern=concern, kind=kind, reference=reference, note=note, by=actor)
    audit.record(actor, AuditAction.UPDATE, concern, detail=kind)
    return action


def _said_by(concern: Concern, status: str) -> str:
    if status == ConcernStatus.CLOSED:
        who, when = concern.closed_by, concern.closed_at
    else:
        who, when = concern.acknowledged_by, concern.acknowledged_at
    return f"{who} at {timezone.localtime(when):%H:%M on %d/%m/%Y}" if who and when else "another lead"


def acknowledge(concern: Concern, actor: User) -> Concern:
    """A lead takes the concern on: it stops alerting, and stays open until closed."""
    with transaction.atomic():
        locked = concern_for_update(concern, actor)
        if locked.status != ConcernStatus.OPEN:
            raise TransitionNotAllowed(
                f"This concern was already acknowledged by {_said_by(locked, ConcernStatus.ACKNOWLEDGED)}."
            )
        _acknowledge(locked, actor)
    return locked


def _acknowledge(locked: Concern, actor: User) -> None:
    locked.status = ConcernStatus.ACKNOWLEDGED
    locked.acknowledged_by = actor
    locked.acknowledged_at = timezone.now()
    locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
    _step(locked, actor, ConcernActionKind.ACKNOWLEDGED)


def record_action(concern: Concern, actor: User, kind: str, *, reference: str = "", note: str = "") -> ConcernAction:
    """Record what was done (a referral to children's social care, early help, the police, other)
    with its reference number. Acknowledges an open concern on the way."""
    if kind not in dict(ConcernActionKind.recordable()):
        raise PreconditionFailed(["Choose what was done."])
    reference = _clean_reference(reference, required=False, what="reference number")
    note = _clean_text(note, "note", required=kind == ConcernActionKind.OTHER)
    with transaction.atomic():
        locked = concern_for_update(concern, actor)
        if locked.status == ConcernStatus.CLOSED:
            raise TransitionNotAllowed(f"This concern was closed by {_said_by(locked, ConcernStatus.CLOSED)}.")
        if locked.status == ConcernStatus.OPEN:
            _acknowledge(locked, actor)
        return _step(locked, actor, kind, reference=reference, note=note)


def close(concern: Concern, actor: User, reason: str) -> Concern:
    """Close the concern with a reason: it leaves the inbox; its history stays."""
    reason = _clean_text(reason, "reason for closing")
    with transaction.atomic():
        locked = concern_for_update(concern, actor)
        if locked.status == ConcernStatus.CLOSED:
            raise TransitionNotAllowed(f"This concern was already closed by {_said_by(locked, ConcernStatus.CLOSED)}.")
        if locked.status == ConcernStatus.OPEN:
            _acknowledge(locked, actor)
        locked.status = ConcernStatus.CLOSED
        locked.closed_by = actor
        locked.closed_at = timezone.now()
        locked.close_reason = reason
        locked.save(update_fields=["status", "closed_by", "closed_at", "close_reason"])
        _step(locked, actor, ConcernActionKind.CLOSED, note=reason)
    return locked


# --- incidents (hc22) -----------------------------------------------------------------------------


def _checked_incident(visit: Visit, actor: User, kind: str, occurred_at: dt.datetime | None, details: str) -> str:
    """What report_incident and a correction both refuse, in words for the visitor; the details
    cleaned."""
    if kind not in IncidentKind.values:
        raise PreconditionFailed(["Choose what kind of incident this is."])
    details = _clean_text(details, "account of what happened")
    if occurred_at is None:
        raise PreconditionFailed(["Enter when it happened."])
    if problem := visit.incident_time_error(occurred_at):
        raise PreconditionFailed([problem])
    if not may_report_incident(actor, visit):
        raise NotPermitted("You may not report an incident on this visit.")
    if visit.status not in moves.INCIDENT_STATES:
        raise TransitionNotAllowed(f"Nobody has been out on this visit: it is {visit.get_status_display().lower()}.")
    return details


def report_incident(
    visit: Visit, actor: User, kind: str, occurred_at: dt.datetime, details: str, *, from_record: bool = False
) -> Incident:
    """Record an incident with the time it happened. An accusation against a visitor is emailed to
    the head teacher and the leads at once; other incidents to the leads."""
    details = _checked_incident(visit, actor, kind, occurred_at, details)
    with transaction.atomic():
        incident = Incident.objects.create(
            school_id=visit.school_id,
            visit=visit,
            kind=kind,
            occurred_at=occurred_at,
            details=details,
            reported_by=actor,
            from_record=from_record,
        )
        lifecycle.log_event(visit, actor, EventKind.INCIDENT, note=incident.get_kind_display())
        audit.record(actor, AuditAction.CREATE, incident, detail=kind)
        incident_pk = incident.pk
        transaction.on_commit(lambda: _tell_incident(incident_pk), robust=True)
    return incident


def incident_from_record(sender, record: VisitRecord, actor: User, **kwargs) -> None:
    """hc22: an incident written on the Record of Home Visit becomes an Incident for the leads (an
    accusation for the head too). Connected to `visits.signals.record_written`, inside the record's
    transaction: a refusal here (a time in the future, say) leaves no record either.

    The record has one incident. Rewriting the record (allowed while the visit is under way)
    corrects it while no lead has reviewed it, and tells the leads again only if its kind changed;
    once reviewed, a changed incident is a new one for the leads. The same incident already
    reported from the visit's page (same kind, same time) is not reported twice."""
    if not record.incident_kind:
        return
    kind, occurred_at, details = record.incident_kind, record.incident_at, record.incident_details
    visit = record.visit
    existing = Incident.objects.select_for_update().filter(visit_id=visit.pk, from_record=True).order_by("-id").first()
    if existing is None:
        if Incident.objects.filter(visit_id=visit.pk, kind=kind, occurred_at=occurred_at).exists():
            return
        report_incident(visit, actor, kind, occurred_at, details, from_record=True)
        return
    details = _checked_incident(visit, actor, kind, occurred_at, details)
    if (existing.kind, existing.occurred_at, existing.details) == (kind, occurred_at, details):
        return
    if existing.reviewed_at is not None:
        report_incident(visit, actor, kind, occurred_at, details, from_record=True)
        return
    kind_changed = existing.kind != kind
    existing.kind, existing.occurred_at, existing.details = kind, occurred_at, details
    existing.save(update_fields=["kind", "occurred_at", "details"])
    lifecycle.log_event(
        visit, actor, EventKind.INCIDENT, note=f"{existing.get_kind_display()} (corrected on the record)"
    )
    audit.record(actor, AuditAction.UPDATE, existing, detail=kind)
    if kind_changed:
        incident_pk = existing.pk
        transaction.on_commit(lambda: _tell_incident(incident_pk), robust=True)


def _tell_incident(incident_pk: int) -> None:
    incident = Incident.objects.select_related("visit__school", "reported_by").get(pk=incident_pk)
    roles = set(Role.safeguarding())
    if incident.kind == IncidentKind.ACCUSATION:
        roles.add(Role.HEAD)
    context = _context(
        incident, incident.visit, incident.reported_by, reverse("safeguarding:incident", args=[incident.code])
    )
    context["accusation"] = incident.kind == IncidentKind.ACCUSATION
    notify.send("incident_reported", notify.school_emails(incident.school_id, roles), context)


def review_incident(incident: Incident, actor: User, note: str) -> Incident:
    """A lead (or the head) records that the incident was looked at and what follows."""
    note = _clean_text(note, "note on what follows")
    with transaction.atomic():
        locked = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
        if not may_see_incident(actor, locked.school_id):
            raise NotPermitted("You may not review this incident.")
        if locked.reviewed_at is not None:
            when = timezone.localtime(locked.reviewed_at).strftime("%H:%M on %d/%m/%Y")
            raise TransitionNotAllowed(f"This incident was already reviewed by {locked.reviewed_by} at {when}.")
        locked.reviewed_by = actor
        locked.reviewed_at = timezone.now()
        locked.review_note = note
        locked.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
        audit.record(actor, AuditAction.UPDATE, locked, detail="reviewed")
    return locked


# --- CPOMS (hc24) ---------------------------------------------------------------------------------


# The words that stand in for a piece of staff writing that holds the code word (hc11).
_WITHHELD = (
    "(not copied: it contains the visit's code word; read the Record of Home Visit in Home Visits)",
    "(not copied: read it in Home Visits)",
    "(not copied)",
    "-",
    "",
)


def _staff_text(text: str, code_word: str) -> str:
    """hc11: what staff typed, on one line, unless it holds the code word: then left out whole."""
    return code_words.withheld(" ".join((text or "").split()), code_word, _WITHHELD)


def cpoms_summary(visit: Visit) -> str:
    """A plain-text summary of a completed visit to paste into CPOMS (hc24): when, who, why, what
    happened and what follows. Never the code word (hc11): a piece of staff writing that holds it
    is left out with a note saying so."""
    from visits.enums import VisitType

    record = getattr(visit, "record", None)

    def typed(text: str) -> str:
        return _staff_text(text, visit.code_word)

    def yes_no(value: bool) -> str:
        return "yes" if value else "no"

    start, end = timezone.localtime(visit.scheduled_start), timezone.localtime(visit.expected_end)
    kind = "emergency visit" if visit.visit_type == VisitType.EMERGENCY else "planned visit"
    staff = [f"{visit.lead_visitor} ({typed(visit.lead_visitor_role)})"]
    if visit.second_visitor_id:
        staff.append(f"{visit.second_visitor} ({typed(visit.second_visitor_role)})")
    elif visit.agency_worker_name:
        role = typed(visit.second_visitor_role) or "outside agency"
        staff.append(f"{visit.agency_worker_name} ({role}, {visit.agency_worker_organisation})")
    pupil_rows = list(visit.pupils.all())
    pupils = ", ".join(f"{p} ({p.year_group})" if p.year_group else str(p) for p in pupil_rows)
    reasons = [r.get_reason_display() for r in visit.reasons.all()]
    lines = [
        f"Home visit: {visit.household}",
        f"Pupil{'s' if len(pupil_rows) != 1 else ''}: {pupils}",
        f"Date: {start:%A %d/%m/%Y}, {start:%H:%M} to {end:%H:%M} ({kind})",
        f"Person visited: {visit.person_visited}, at {visit.address}",
        f"Staff: {'; '.join(staff)}",
    ]
    if not visit.second_visitor_id and not visit.agency_worker_name:
        lines.append(f"Lone visit, because: {typed(visit.lone_visit_reason)}")
    lines.append(f"Reason{'s' if len(reasons) != 1 else ''} for the visit: {'; '.join(reasons)}")
    if visit.reason_detail.strip():
        lines.append(f"Reason in detail: {typed(visit.reason_detail)}")
    lines.append(f"Purpose: {typed(visit.purpose)}")
    if visit.authorised_at:
        lines.append(
            f"Authorised by: {visit.authorised_by} on {timezone.localtime(visit.authorised_at):%d/%m/%Y at %H:%M}"
        )

    def when(at: dt.datetime) -> str:
        local = timezone.localtime(at)
        return f"{local:%H:%M}" if local.date() == start.date() else f"{local:%d/%m/%Y %H:%M}"

    steps = [
        ("set off", visit.started_at),
        ("arrived", visit.arrived_at),
        ("left the property", visit.left_at),
        ("back at school", visit.returned_at),
    ]
    if any(at for _, at in steps):
        lines.append("Times: " + ", ".join(f"{label} {when(at)}" for label, at in steps if at))
    if record is None:
        lines.append("Outcome: no Record of Home Visit was written.")
    else:
        lines += [
            "Visit carried out: " + ("yes" if record.conducted else "no, no responsible adult was present"),
            f"People seen: {typed(record.people_seen)}",
            f"Child seen: {yes_no(record.child_seen)}",
            f"Outcome: {typed(record.outcome)}",
            f"Action required: {typed(record.action_required) or 'none'}",
            "Child protection concern: "
            + ("yes, passed to the safeguarding leads as a concern" if record.child_protection_concern else "no"),
            f"Follow-up visit wanted: {yes_no(record.follow_up_wanted)}",
        ]
        if record.notes.strip():
            lines.append(f"Notes: {typed(record.notes)}")
        lines.append(f"Record written by: {record.written_by} on {timezone.localtime(record.written_at):%d/%m/%Y}")
    if visit.completed_at:
        lines.append(f"Visit completed: {timezone.localtime(visit.completed_at):%d/%m/%Y at %H:%M}")
    return "\n".join(lines)


def record_on_cpoms(visit: Visit, actor: User, reference: str) -> CpomsEntry:
    """hc24: mark a completed visit as recorded on CPOMS, with the CPOMS reference."""
    reference = _clean_reference(reference, required=True, what="CPOMS reference")
    if code_words.contains(reference, visit.code_word):
        raise PreconditionFailed(["Enter the CPOMS reference only."])
    with transaction.atomic():
        locked = lifecycle.lock_for_change(visit)
        if not may_record_cpoms(actor, locked):
            raise NotPermitted("Only a safeguarding lead of the school may record a visit on CPOMS.")
        if locked.status != Status.COMPLETED:
            raise TransitionNotAllowed(
                f"Only a completed visit is recorded on CPOMS: this one is {locked.get_status_display().lower()}."
            )
        existing = CpomsEntry.objects.filter(visit=locked).select_related("recorded_by").first()
        if existing is not None:
            when = timezone.localtime(existing.recorded_at).strftime("%d/%m/%Y")
            raise TransitionNotAllowed(
                f"Already recorded on CPOMS by {existing.recorded_by} on {when} (reference {existing.reference})."
            )
        entry = CpomsEntry.objects.create(visit=locked, reference=reference, recorded_by=actor)
        lifecycle.log_event(locked, actor, EventKind.CPOMS_RECORDED, note=f"CPOMS reference: {reference}")
    return entry
