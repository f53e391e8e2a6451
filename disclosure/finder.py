"""Everything held about one person at one school, for a subject access request or a leaver's
file: the subject's own details, their visits (with the record, the signatures as facts, CPOMS),
concerns, incidents, the documents kept and the audit entries about them.

A pupil's visits are those they are on; a contact's are those where they are the contact or the
person visited, or the adult spoken to on the record (by name, within their own household only).
Nothing of another school is looked at (every query is by `school`), and nothing about anyone
else is added beyond what a record about the subject holds; what a record holds about others
(another pupil on a shared visit, another adult, an outside-agency worker, what an incident says
of a visitor) is an item *suggested* for redaction (`Item.third_party`), which the lead confirms.

Each item has a stable `key` (the object's code and the field), so the lead's redaction marks,
kept on the request as keys, still point at the same items when the bundle is built. The code
word is never included (it is the visitors' safety, not the family's data), nor any signature
image, nor who on the staff read what (the audit entries say when and what, not who).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Prefetch, Q
from django.utils import timezone

from safeguarding.models import Concern, Incident
from visits import pdf, stored_documents
from visits.models import AuditEntry, Contact, Pupil, School, Visit


@dataclass
class Item:
    key: str
    label: str
    value: str
    # Suggested for redaction: data about someone other than the subject (the lead confirms).
    third_party: bool = False
    # The subject's own details and facts about the records are never redacted.
    redactable: bool = True
    redacted: bool = False


@dataclass
class Entry:
    key: str
    title: str
    items: list[Item] = field(default_factory=list)

    def add(self, name: str, label: str, value, *, third_party: bool = False, redactable: bool = True) -> None:
        """One item, if it holds anything (an empty field is left out)."""
        text = _text(value)
        if text:
            self.items.append(Item(f"{self.key}:{name}", label, text, third_party, redactable))


@dataclass
class Section:
    key: str
    title: str
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Dossier:
    school: School
    subject: Pupil | Contact
    subject_kind: str
    sections: list[Section]

    def items(self):
        for section in self.sections:
            for entry in section.entries:
                yield from entry.items

    @property
    def suggested(self) -> list[str]:
        return [i.key for i in self.items() if i.redactable and i.third_party]

    @property
    def redactable_keys(self) -> set[str]:
        return {i.key for i in self.items() if i.redactable}


def _text(value) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _full_name(person) -> str:
    return f"{person.first_name} {person.last_name}"


# --- the subject's visits ----------------------------------------------------------------------------


def visits_of(school: School, subject: Pupil | Contact):
    found = Visit.objects.filter(school=school)
    if isinstance(subject, Pupil):
        found = found.filter(pupils=subject)
    else:
        name = _full_name(subject)
        found = found.filter(household_id=subject.household_id).filter(
            Q(contact=subject) | Q(person_visited__iexact=name) | Q(record__adult_spoken_to__iexact=name)
        )
    return (
        found.distinct()
        .select_related("lead_visitor", "second_visitor", "record__written_by", "parent_signature", "cpoms")
        .prefetch_related("pupils", "reasons", "staff_signatures")
        .order_by("scheduled_start", "id")
    )


def _visit_entry(visit: Visit, subject: Pupil | Contact) -> Entry:
    entry = Entry(f"visit:{visit.code}", f"Home visit on {_text(visit.scheduled_start)}")
    entry.add("when", "Date and time", visit.scheduled_start, redactable=False)
    entry.add("status", "Where it stands", visit.get_status_display(), redactable=False)
    entry.add("type", "Type of visit", visit.get_visit_type_display(), redactable=False)
    entry.add("reasons", "Reasons", "; ".join(r.get_reason_display() for r in visit.reasons.all()), redactable=False)
    entry.add("reason_detail", "Reason (detail)", visit.reason_detail)
    entry.add("purpose", "Purpose", visit.purpose)
    entry.add("why_not_in_school", "Why not a meeting in school", visit.why_not_in_school)
    entry.add("family_informed", "Family told in advance", visit.family_informed, redactable=False)
    entry.add(
        "person_visited",
        "Person visited",
        visit.person_visited,
        third_party=not _same_name(visit.person_visited, _full_name(subject)),
    )
    entry.add("address", "Address", visit.address)
    for pupil in visit.pupils.all():
        if pupil.pk != subject.pk or not isinstance(subject, Pupil):
            entry.add(f"pupil:{pupil.code}", "Another pupil on this visit", _full_name(pupil), third_party=True)
    entry.add("people_to_see", "People to see", visit.people_to_see)
    entry.add("comments", "Comments", visit.comments)
    entry.add("briefing", "Briefing for the visitors", visit.briefing)
    visitors = [f"{u.get_full_name() or u.username} ({role})" for u, role in _visitors(visit)]
    entry.add("visitors", "Visiting staff", "; ".join(visitors))
    if visit.agency_worker_name:
        worker = f"{visit.agency_worker_name}, {visit.agency_worker_organisation}".strip(", ")
        entry.add("agency_worker", "Outside-agency worker", worker, third_party=True)
    entry.add("conditions", "Conditions of the authorisation", visit.authorisation_conditions)
    entry.add("decision_note", "Note on the decision", visit.decision_note)
    entry.add("arrived_at", "Arrived", visit.arrived_at, redactable=False)
    entry.add("left_at", "Left", visit.left_at, redactable=False)
    _record_items(entry, visit, subject)
    _signature_items(entry, visit, subject)
    cpoms = getattr(visit, "cpoms", None) if hasattr(visit, "cpoms") else None
    if cpoms is not None:
        entry.add("cpoms", "Recorded on CPOMS", f"{_text(cpoms.recorded_at)}, reference {cpoms.reference}")
    return entry


def _visitors(visit: Visit):
    yield visit.lead_visitor, visit.lead_visitor_role
    if visit.second_visitor is not None:
        yield visit.second_visitor, visit.second_visitor_role


def _record_items(entry: Entry, visit: Visit, subject) -> None:
    record = getattr(visit, "record", None) if hasattr(visit, "record") else None
    if record is None:
        return
    entry.add("record:conducted", "Visit carried out", record.conducted, redactable=False)
    if record.adult_spoken_to:
        adult = record.adult_spoken_to + (f" ({record.adult_relationship})" if record.adult_relationship else "")
        entry.add(
            "record:adult",
            "Adult spoken to",
            adult,
            third_party=not _same_name(record.adult_spoken_to, _full_name(subject)),
        )
    entry.add("record:people_seen", "Who was seen", record.people_seen, third_party=True)
    entry.add("record:child_seen", "Child seen", record.child_seen, redactable=False)
    entry.add("record:outcome", "Outcome of the visit", record.outcome)
    entry.add("record:action_required", "Action required", record.action_required)
    entry.add("record:concern", "Child protection concern raised", record.child_protection_concern, redactable=False)
    entry.add("record:incident", "Incident on the visit", record.get_incident_kind_display())
    entry.add("record:follow_up", "Follow-up visit wanted", record.follow_up_wanted, redactable=False)
    entry.add("record:agreed", "What we agreed with the family", record.agreed_with_family)
    entry.add("record:notes", "Notes", record.notes)
    author = record.written_by.get_full_name() or record.written_by.username
    entry.add("record:written", "Record written", f"{author}, {_text(record.written_at)}")


def _signature_items(entry: Entry, visit: Visit, subject) -> None:
    signature = getattr(visit, "parent_signature", None) if hasattr(visit, "parent_signature") else None
    if signature is not None:
        entry.add(
            "signature:when", "Parent's signature", "Signed" if signature.signed else "Not signed", redactable=False
        )
        entry.add(
            "signature:name",
            "Signed by" if signature.signed else "Asked to sign",
            signature.signer_name,
            third_party=not _same_name(signature.signer_name, _full_name(subject)),
        )
        entry.add("signature:declined", "Why they did not sign", signature.declined_reason)
    staff = list(visit.staff_signatures.all())
    if staff:
        latest = max(s.captured_at for s in staff)
        fact = f"{len(staff)} member{'s' if len(staff) > 1 else ''} of staff signed, last on {_text(latest)}"
        entry.add("staff_signatures", "Staff signatures", fact, redactable=False)


# --- concerns, incidents, documents, audit ---------------------------------------------------------


def _concern_entry(concern: Concern, subject) -> Entry:
    entry = Entry(f"concern:{concern.code}", f"{concern.get_kind_display()} raised on {_text(concern.raised_at)}")
    entry.add("kind", "Kind", concern.get_kind_display(), redactable=False)
    entry.add("source", "Raised from", concern.get_source_display(), redactable=False)
    entry.add("status", "Where it stands", concern.get_status_display(), redactable=False)
    entry.add("details", "What was raised", concern.details)
    for pupil in concern.pupils.all():
        if pupil.pk != subject.pk or not isinstance(subject, Pupil):
            entry.add(f"pupil:{pupil.code}", "Another pupil named on the concern", _full_name(pupil), third_party=True)
    for action in concern.actions.all():
        text = action.get_kind_display() + (f", reference {action.reference}" if action.reference else "")
        entry.add(f"action:{action.pk}", f"Action on {_text(action.at)}", text)
        entry.add(f"action:{action.pk}:note", "Note on the action", action.note)
    entry.add("close_reason", "Why it was closed", concern.close_reason)
    return entry


def _incident_entry(incident: Incident) -> Entry:
    entry = Entry(f"incident:{incident.code}", f"Incident on {_text(incident.occurred_at)}")
    entry.add("kind", "Kind", incident.get_kind_display(), redactable=False)
    entry.add("occurred_at", "When it happened", incident.occurred_at, redactable=False)
    # What happened to a member of staff is theirs as much as the family's.
    entry.add("details", "What happened", incident.details, third_party=True)
    entry.add("review_note", "The lead's review", incident.review_note, third_party=True)
    return entry


def _documents_entry(visits: list[Visit]) -> Entry:
    """The documents kept of each visit (`visits.stored_documents.versions`): which, which version,
    when and why it was kept, and its fingerprint. By title, not file name (a file name carries
    every pupil's initials); the PDFs themselves are not attached, as they show others unredacted:
    what they say is in this bundle, redacted."""
    entry = Entry("documents", "Documents kept")
    for visit in visits:
        for doc in stored_documents.versions(visit):
            title = pdf.DOCUMENTS[doc.kind].name if doc.kind in pdf.DOCUMENTS else doc.kind
            fingerprint = doc.sha256 or doc.snapshot_sha256
            state = "content erased" if doc.erased_at else f"SHA-256 {fingerprint[:16]}" if fingerprint else ""
            text = f"{title} of the visit on {_text(visit.scheduled_start)}, version {doc.version}, kept "
            text += f"{_text(doc.made_at)} ({doc.occasion})" + (f"; {state}" if state else "")
            entry.add(f"{doc.code}", "Document", text, redactable=False)
    return entry


def _audit_entry(school: School, codes: set[str]) -> Entry:
    """Each day's reads and changes of these records, one line per kind (how many times), in the
    order they happened: when and what, never who on the staff."""
    entry = Entry("audit", "When the school's system recorded these records being read or changed")
    rows = AuditEntry.objects.filter(school_id=school.pk, object_code__in=codes).order_by("at", "id")
    days: dict[tuple, int] = {}
    for row in rows.only("at", "action", "object_type", "detail"):
        what = f"{row.get_action_display()}: {row.object_type}" + (f" ({row.detail})" if row.detail else "")
        key = (f"{timezone.localtime(row.at):%d/%m/%Y}", what)
        days[key] = days.get(key, 0) + 1
    for n, ((day, what), count) in enumerate(days.items()):
        entry.add(f"{n}", day, what + (f", {count} times" if count > 1 else ""), redactable=False)
    return entry


# --- the whole -----------------------------------------------------------------------------------------


def _subject_entry(subject: Pupil | Contact) -> Entry:
    entry = Entry(f"subject:{subject.code}", "The person")
    entry.add("name", "Name", _full_name(subject), redactable=False)
    if isinstance(subject, Pupil):
        entry.add("dob", "Date of birth", subject.date_of_birth, redactable=False)
        entry.add("year_group", "Year group", subject.year_group, redactable=False)
    else:
        entry.add("relationship", "Relationship to the pupils", subject.relationship, redactable=False)
        for name in ("phone", "mobile", "email"):
            entry.add(name, name.capitalize(), getattr(subject, name), redactable=False)
    entry.add("address", "Address held", subject.household.address, redactable=False)
    entry.add("known_risks", "Known risks noted for visitors", subject.household.known_risks)
    return entry


def find(school: School, subject: Pupil | Contact) -> Dossier:
    """Everything `school` holds about `subject` (a pupil or a contact of that school)."""
    visits = list(visits_of(school, subject))
    if isinstance(subject, Pupil):
        concerns = Concern.objects.filter(school=school, pupils=subject)
    else:
        concerns = Concern.objects.filter(school=school, visit__in=visits)
    concerns = list(concerns.distinct().prefetch_related("pupils", Prefetch("actions")).order_by("raised_at", "id"))
    incidents = list(Incident.objects.filter(school=school, visit__in=visits).order_by("occurred_at", "id"))
    codes = {str(subject.code), str(subject.household.code)}
    codes |= {str(v.code) for v in visits} | {str(c.code) for c in concerns} | {str(i.code) for i in incidents}
    sections = [
        Section("subject", "About the person", [_subject_entry(subject)]),
        Section("visits", "Home visits", [_visit_entry(v, subject) for v in visits]),
        Section("concerns", "Concerns", [_concern_entry(c, subject) for c in concerns]),
        Section("incidents", "Incidents on these visits", [_incident_entry(i) for i in incidents]),
        Section("documents", "Documents kept", [_documents_entry(visits)]),
        Section("audit", "Record of access", [_audit_entry(school, codes)]),
    ]
    kind = "pupil" if isinstance(subject, Pupil) else "contact"
    return Dossier(school, subject, kind, sections)
