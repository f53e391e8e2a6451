"""Erasure (issue 17): no personal value of the erased record is left in any table of the
database, while the audit trail, the timeline's shape and the counts by status, reason and type
hold; a record on legal hold is never erased; PostgreSQL lets the app's role blank a timeline only
for a visit marked erased, and nothing else."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from psycopg2 import sql

from retention import decisions, erasure, rules
from retention.models import Review, VisitRetention
from safeguarding import concerns
from safeguarding.models import Concern, ConcernActionKind, Incident
from tests import clock
from tests.factories import drawn_png
from visits import lifecycle, moves, stored_documents
from visits.enums import AuditAction, EventKind, IncidentKind, Status
from visits.models import (
    AuditEntry,
    ParentSignature,
    RecordDraft,
    StaffSignature,
    StoredDocument,
    Visit,
    VisitEvent,
    VisitReason,
    VisitRecord,
)
from visits.signature import clean_png
from visits.staff_signatures import record_staff_signature

pytestmark = pytest.mark.postgres

# Every personal value the test writes, each unique in the database.
VISIT_VALUES = {
    "person_visited": "Zqperson Visitedname",
    "address_line1": "17 Zqaddress Lane",
    "address_line2": "Zqline Two",
    "town": "Zqtown",
    "comments": "Zqcomments about the family",
    "purpose": "Zqpurpose of the visit",
    "reason_detail": "Zqreason detail",
    "why_not_in_school": "Zqwhynot meeting",
    "people_to_see": "Zqpeople to see",
    "briefing": "Zqbriefing for visitors",
    "code_word": "zqcodeword",
}
RECORD_VALUES = {
    "adult_spoken_to": "Zqadult Spokento",
    "adult_relationship": "Zqrelation",
    "people_seen": "Zqpeopleseen and baby",
    "outcome": "Zqoutcome agreed",
    "action_required": "Zqaction required",
    "concern_details": "Zqconcern bruise seen",
    "incident_details": "Zqincident dog bit",
    "agreed_with_family": "Zqagreed with family",
    "notes": "Zqnotes private",
}
OTHER_VALUES = {
    "signer": "Zqsigner Parentname",
    "extension": "Zqextension reason",
    "draft": "Zqdraft outcome typed",
    "reference": "ZQREF-4242",
    "action_note": "Zqaction note to social care",
    "close": "Zqclose reason",
    "review": "Zqreview of incident",
}
EVERY_VALUE = [*VISIT_VALUES.values(), *RECORD_VALUES.values(), *OTHER_VALUES.values()]


def build_full_record(cast) -> Visit:
    """A completed visit with every kind of personal value: request, record, signatures, a draft,
    a concern (with steps), an incident (reviewed), a timeline note and stored documents."""
    visit = cast.make_visit(Status.IN_PROGRESS, postcode="ZQ9 9QZ", **VISIT_VALUES)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.extend(visit, cast.visitor, moves.EXTEND_BY[0], OTHER_VALUES["extension"])
    lifecycle.record_signature(visit, cast.visitor, signer_name=OTHER_VALUES["signer"], image=clean_png(drawn_png()))
    record_staff_signature(visit, cast.visitor, clean_png(drawn_png()))
    lifecycle.record_step(visit, cast.visitor, "left")
    fields = dict(
        RECORD_VALUES, child_seen=True, child_protection_concern=True, adult_authority="parental_responsibility"
    )
    fields.update(incident_kind=IncidentKind.THREAT, incident_at=clock.now())
    lifecycle.write_record(visit, cast.visitor, fields)
    visit.refresh_from_db()
    if visit.status != Status.COMPLETED:
        lifecycle.transition(visit, cast.visitor, "complete")
    RecordDraft.objects.create(visit=visit, author=cast.second, data={"outcome": OTHER_VALUES["draft"]})
    concern = Concern.objects.get(visit=visit)
    concerns.acknowledge(concern, cast.lead)
    concerns.record_action(
        concern,
        cast.lead,
        ConcernActionKind.REFERRAL_CSC,
        reference=OTHER_VALUES["reference"],
        note=OTHER_VALUES["action_note"],
    )
    concerns.close(concern, cast.lead, OTHER_VALUES["close"])
    concerns.review_incident(Incident.objects.get(visit=visit), cast.lead, OTHER_VALUES["review"])
    stored_documents.keep_all(visit, ["form", "home_copy", "record"], "Completed", cast.lead)
    for document in StoredDocument.objects.filter(visit=visit):
        stored_documents.pdf_of(document)
    row = rules.refresh(visit)
    row.review = Review.DUE
    row.save(update_fields=["review"])
    visit.refresh_from_db()
    return visit


def text_columns() -> list[tuple[str, str, str]]:
    """(table, column, type) of every text, character, JSON and bytea column of the schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type IN"
            " ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea', 'USER-DEFINED', 'ARRAY')"
            " AND table_name IN (SELECT table_name FROM information_schema.tables"
            "   WHERE table_schema = 'public' AND table_type = 'BASE TABLE')"
        )
        return cursor.fetchall()


def hits(value: str) -> dict[str, int]:
    """Where `value` is found in the database: {"table.column": rows}, case-insensitive."""
    found = {}
    with connection.cursor() as cursor:
        for table, column, kind in text_columns():
            ident = sql.Identifier(column)
            if kind == "bytea":
                where = sql.SQL("position(convert_to(%s, 'UTF8') in {}) > 0").format(ident)
                needle = value
            else:
                where = sql.SQL("{}::text ILIKE %s").format(ident)
                needle = f"%{value}%"
            cursor.execute(sql.SQL("SELECT count(*) FROM {} WHERE ").format(sql.Identifier(table)) + where, [needle])
            if count := cursor.fetchone()[0]:
                found[f"{table}.{column}"] = count
    return found


def counts() -> dict:
    """Report-style counts: visits by status, type and reason."""
    return {
        "status": Counter(Visit.objects.values_list("status", flat=True)),
        "type": Counter(Visit.objects.values_list("visit_type", flat=True)),
        "reason": Counter(VisitReason.objects.values_list("reason", flat=True)),
        "concern kinds": Counter(Concern.objects.values_list("kind", flat=True)),
        "incident kinds": Counter(Incident.objects.values_list("kind", flat=True)),
    }


def test_erasure_leaves_no_personal_value_of_the_record_in_any_table(cast):
    # Arrange
    visit = build_full_record(cast)
    present = {value: hits(value) for value in EVERY_VALUE}
    trail = list(AuditEntry.objects.order_by("id").values_list("id", "action", "object_code", "detail", "username"))
    timeline = list(VisitEvent.objects.filter(visit=visit).values_list("id", "kind", "at", "actor_id", "from_status"))
    before = counts()

    # Act
    started = time.perf_counter()
    erasure.erase(visit, cast.lead)
    took = time.perf_counter() - started

    # Assert: every value was somewhere before, and is nowhere after.
    assert {value: bool(found) for value, found in present.items()} == dict.fromkeys(EVERY_VALUE, True)
    left = {value: found for value in EVERY_VALUE if (found := hits(value))}
    assert left == {}
    # The audit trail: every row as it was, and one more, the erasure's (fixed words, by the lead).
    after_trail = list(
        AuditEntry.objects.order_by("id").values_list("id", "action", "object_code", "detail", "username")
    )
    assert after_trail[: len(trail)] == trail
    erased_rows = [row for row in after_trail[len(trail) :] if row[1] == AuditAction.ERASE]
    assert [(r[2], r[4]) for r in erased_rows] == [(str(visit.code), cast.lead.username)]
    # The timeline's shape: the same events, kinds, times and actors.
    assert (
        list(VisitEvent.objects.filter(visit=visit).values_list("id", "kind", "at", "actor_id", "from_status"))
        == timeline
    )
    assert counts() == before
    print(f"erasure of one visit: {took * 1000:.0f} ms")
    assert took < 5, took


def test_erasure_keeps_the_skeleton_and_empties_the_rest(cast):
    # Arrange
    visit = build_full_record(cast)

    # Act
    erasure.erase(visit, cast.lead)

    # Assert
    visit.refresh_from_db()
    record = VisitRecord.objects.get(visit=visit)
    assert (visit.status, visit.school_id, visit.lead_visitor_id, visit.second_visitor_id) == (
        Status.COMPLETED,
        cast.school.pk,
        cast.visitor.pk,
        cast.second.pk,
    )
    assert [getattr(visit, f) for f in VISIT_VALUES] == [""] * len(VISIT_VALUES)
    assert (visit.postcode, visit.contact_id, visit.pupils.count()) == ("", None, 0)
    assert [getattr(record, f) for f in RECORD_VALUES] == [""] * len(RECORD_VALUES)
    assert (record.child_protection_concern, record.incident_kind) == (True, IncidentKind.THREAT)
    signature = ParentSignature.objects.get(visit=visit)
    assert (bytes(signature.image), signature.signer_name) == (b"", "")
    assert [bytes(s.image) for s in StaffSignature.objects.filter(visit=visit)] == [b""]
    assert RecordDraft.objects.filter(visit=visit).count() == 0
    assert set(StoredDocument.objects.filter(visit=visit).values_list("size", flat=True)) != set()
    assert all(d.erased_at and not bytes(d.content) for d in StoredDocument.objects.filter(visit=visit))
    assert set(VisitEvent.objects.filter(visit=visit).values_list("note", flat=True)) == {""}
    assert Concern.objects.get(visit=visit).kind == "child_protection"
    assert VisitRetention.objects.get(visit=visit).is_erased


def test_erasure_is_idempotent_one_audit_row(cast):
    # Arrange
    visit = build_full_record(cast)
    erasure.erase(visit, cast.lead)
    rows = AuditEntry.objects.filter(action=AuditAction.ERASE).count()

    # Act
    again = erasure.erase(visit, cast.deputy)

    # Assert
    assert again.is_erased and again.erased_by_id == cast.lead.pk
    assert AuditEntry.objects.filter(action=AuditAction.ERASE).count() == rows == 1


def test_a_record_on_legal_hold_is_never_erased(cast):
    # Arrange
    visit = build_full_record(cast)
    decisions.hold(visit.retention, cast.lead, "The inquiry asked schools to keep such records.")

    # Act
    with pytest.raises(erasure.ErasureRefused, match="legal hold"):
        erasure.erase(visit, cast.lead)

    # Assert
    visit.refresh_from_db()
    assert visit.purpose == VISIT_VALUES["purpose"]
    assert VisitRetention.objects.get(visit=visit).is_held
    assert not AuditEntry.objects.filter(action=AuditAction.ERASE).exists()


def test_a_visit_not_finished_cannot_be_erased(cast):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act / Assert
    with pytest.raises(erasure.ErasureRefused, match="finished"):
        erasure.erase(visit, cast.lead)
    assert Visit.objects.get(pk=visit.pk).purpose != ""


# --- PostgreSQL: the one narrow exception to the append-only timeline -----------------------------

APP_ROLE = settings.DATABASE_APP_ROLE or "homevisits_test_app"


@pytest.fixture
def as_app_role(cast):
    """This connection acts as the app's role (SET ROLE: its grants, not the owner's), inside the
    test's transaction; the grants are given first."""
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(
                "DO $$ BEGIN CREATE ROLE {} LOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
            ).format(sql.Identifier(APP_ROLE))
        )
    call_command("grant_app_role", APP_ROLE)

    def _as_app():
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(APP_ROLE)))

    return _as_app


def _refused(statement: str, params=None) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError:
        return True
    return False


def test_erasure_works_as_the_app_role(cast, as_app_role):
    # Arrange
    visit = build_full_record(cast)
    as_app_role()

    # Act
    erasure.erase(visit, cast.lead)

    # Assert
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone()[0] == APP_ROLE
    assert set(VisitEvent.objects.filter(visit=visit).values_list("note", flat=True)) == {""}
    assert hits(OTHER_VALUES["extension"]) == {}


def test_the_app_role_still_cannot_change_a_timeline_except_an_erased_visits_notes(cast, as_app_role):
    # Arrange
    kept = build_full_record(cast)
    gone = build_full_record(cast)
    erasure.erase(gone, cast.lead)
    as_app_role()

    # Act
    refusals = {
        "blank a kept visit's notes": _refused("SELECT retention_blank_notes(%s)", [kept.pk]),
        "update the timeline directly": _refused(
            "UPDATE visits_visitevent SET note = '' WHERE visit_id = %s", [gone.pk]
        ),
        "delete an erased visit's events": _refused("DELETE FROM visits_visitevent WHERE visit_id = %s", [gone.pk]),
        "unmark an erasure": _refused(
            "UPDATE retention_visitretention SET erased_at = NULL, review = 'due' WHERE visit_id = %s", [gone.pk]
        ),
        "update the trail": _refused("UPDATE visits_auditentry SET detail = ''"),
    }

    # Assert
    assert refusals == dict.fromkeys(refusals, True)
    assert VisitEvent.objects.filter(visit=kept).exclude(note="").exists()


def test_the_owner_too_may_only_blank_the_notes_of_an_erased_visit(cast):
    # Arrange
    kept = build_full_record(cast)
    gone = build_full_record(cast)
    erasure.erase(gone, cast.lead)

    # Act
    refusals = {
        "blank a kept visit's notes": _refused("UPDATE visits_visitevent SET note = '' WHERE visit_id = %s", [kept.pk]),
        "change an erased visit's event kind": _refused(
            "UPDATE visits_visitevent SET kind = %s WHERE visit_id = %s", [EventKind.EXTENDED, gone.pk]
        ),
        "write a note on an erased visit": _refused(
            "UPDATE visits_visitevent SET note = 'x' WHERE visit_id = %s", [gone.pk]
        ),
        "delete an erased visit's events": _refused("DELETE FROM visits_visitevent WHERE visit_id = %s", [gone.pk]),
        "change a concern step's kind": _refused("UPDATE safeguarding_concernaction SET kind = 'police'"),
    }
    allowed = not _refused("UPDATE visits_visitevent SET note = '' WHERE visit_id = %s", [gone.pk])

    # Assert
    assert refusals == dict.fromkeys(refusals, True)
    assert allowed


def test_only_a_lead_of_the_school_may_erase_or_decide(cast):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)
    row = rules.refresh(visit)

    # Act / Assert
    for person in (cast.office, cast.head, cast.other_lead):
        with pytest.raises(erasure.ErasureRefused, match="lead or deputy"):
            erasure.erase(visit, person)
        with pytest.raises(decisions.DecisionRefused, match="lead or deputy"):
            decisions.hold(row, person, "Inquiry.")
    assert VisitRetention.objects.get(pk=row.pk).review == Review.RETAINED
