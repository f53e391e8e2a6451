"""The audit trail (hc25): every read of a visit recorded, nothing in it editable or secret."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from tests.factories import make_user, review_risk
from visits import audit, lifecycle
from visits.enums import AuditAction, Status
from visits.exceptions import NotPermitted
from visits.models import AuditEntry, Visit, VisitEvent


def _entries_for(visit, action: str | None = None):
    qs = AuditEntry.objects.filter(object_code=str(visit.code))
    return qs.filter(action=action) if action else qs


def test_hc25_visit_page_view_writes_one_audit_entry(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    before = set(AuditEntry.objects.values_list("pk", flat=True))
    url = reverse("visits:detail", args=[visit.code])

    # Act
    response = login(cast.visitor).get(url)

    # Assert
    assert response.status_code == 200
    new = list(AuditEntry.objects.exclude(pk__in=before))
    assert [
        (e.user_id, e.username, e.school_id, e.object_type, e.object_code, e.action, e.ip_address, e.path) for e in new
    ] == [
        (
            cast.visitor.pk,
            "visitor.hc",
            cast.school.pk,
            "visit",
            str(visit.code),
            AuditAction.VIEW,
            "127.0.0.1",
            url,
        )
    ]


def test_hc25_refused_visit_page_writes_no_audit_entry_for_the_visit(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    before = _entries_for(visit).count()

    # Act
    responses = [
        login(user).get(reverse("visits:detail", args=[visit.code])).status_code
        for user in (cast.bystander, cast.trust_admin, cast.other_lead)
    ]

    # Assert
    assert responses == [404, 404, 404]
    assert _entries_for(visit).count() == before
    assert _entries_for(visit, AuditAction.VIEW).count() == 0


def test_audit_each_lifecycle_transition_writes_one_transition_entry(cast):
    # Arrange
    visit = cast.make_visit(Status.DRAFT)
    review_risk(visit, cast.office)
    moves = [
        (cast.office, lifecycle.Action.SUBMIT),
        (cast.lead, lifecycle.Action.AUTHORISE),
        (cast.visitor, lifecycle.Action.START),
    ]

    # Act
    counts = []
    for actor, action in moves:
        lifecycle.transition(visit, actor, action)
        counts.append(_entries_for(visit, AuditAction.TRANSITION).count())

    # Assert
    assert counts == [1, 2, 3]
    entries = _entries_for(visit, AuditAction.TRANSITION).order_by("at", "id")
    assert [(e.username, e.detail) for e in entries] == [
        ("office.hc", "draft -> requested"),
        ("lead.hc", "requested -> authorised"),
        ("visitor.hc", "authorised -> in_progress"),
    ]


def test_audit_refused_transition_writes_no_entry(cast):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    before = _entries_for(visit).count()

    # Act
    with pytest.raises(NotPermitted):
        lifecycle.transition(visit, cast.visitor, lifecycle.Action.AUTHORISE)

    # Assert
    assert _entries_for(visit).count() == before


def test_hc11_code_word_never_reaches_the_audit_trail(cast, login):
    # Arrange: a visit whose code word is changed, taken through its whole life and viewed.
    visit = cast.make_visit(Status.DRAFT, code_word="marigold-7731")
    lifecycle.update_request(visit, cast.office, {"code_word": "snowdrop-4412"})
    for actor in (cast.office, cast.lead, cast.visitor, cast.head):
        login(actor).get(reverse("visits:detail", args=[visit.code]))
    visit = cast.make_visit(Status.COMPLETED, code_word="marigold-7731")
    login(cast.office).get(reverse("visits:detail", args=[visit.code]))

    # Act
    written = list(AuditEntry.objects.values_list("detail", "path", "object_code", "username"))

    # Assert
    assert len(written) > 10
    leaks = [row for row in written if any(w in " ".join(row).lower() for w in ("marigold", "snowdrop"))]
    assert leaks == []


def test_audit_entry_save_of_existing_row_raises_value_error(cast):
    # Arrange
    entry = audit.record(cast.lead, AuditAction.VIEW, cast.make_visit(Status.REQUESTED))
    entry.detail = "rewritten"

    # Act / Assert
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    assert AuditEntry.objects.get(pk=entry.pk).detail == ""


def test_audit_entry_delete_raises_value_error(cast):
    # Arrange
    entry = audit.record(cast.lead, AuditAction.VIEW, cast.make_visit(Status.REQUESTED))

    # Act / Assert
    with pytest.raises(ValueError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_visit_event_save_of_existing_row_and_delete_raise_value_error(cast):
    # Arrange
    event = VisitEvent.objects.filter(visit=cast.make_visit(Status.REQUESTED)).first()
    event.note = "rewritten"

    # Act / Assert
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert VisitEvent.objects.get(pk=event.pk).note == ""


def test_audit_entry_survives_deleting_the_user(cast):
    # Arrange
    leaver = make_user("leaver.hc", cast.school, "office")
    visit = cast.make_visit(Status.REQUESTED)
    entry = audit.record(leaver, AuditAction.VIEW, visit)
    leaver_id = leaver.pk

    # Act
    leaver.delete()

    # Assert
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert (kept.user_id, kept.username, kept.object_code) == (leaver_id, "leaver.hc", str(visit.code))


# --- append-only below the application (PostgreSQL triggers) ----------------------------------


def _refused(run) -> bool:
    """Whether the database refuses `run()`; the savepoint keeps the test's transaction usable."""
    try:
        with transaction.atomic():
            run()
    except DatabaseError:
        return True
    return False


def _raw(sql: str, *params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params or None)

    return run


@pytest.mark.postgres
def test_audit_entry_update_and_delete_refused_by_postgres(cast):
    # Arrange
    entry = audit.record(cast.lead, AuditAction.VIEW, cast.make_visit(Status.REQUESTED))
    rows = AuditEntry.objects.filter(pk=entry.pk)

    # Act
    refused = {
        "raw update": _refused(_raw("UPDATE visits_auditentry SET detail = 'x' WHERE id = %s", entry.pk)),
        "raw delete": _refused(_raw("DELETE FROM visits_auditentry WHERE id = %s", entry.pk)),
        "orm update": _refused(lambda: rows.update(username="someone-else")),
        "orm delete": _refused(lambda: rows.delete()),
        "truncate": _refused(_raw("TRUNCATE visits_auditentry")),
    }

    # Assert: refused, while an ordinary table still takes an update (the check can say no).
    assert refused == dict.fromkeys(refused, True)
    assert _refused(lambda: Visit.objects.filter(code=entry.object_code).update(comments="ok")) is False
    kept = AuditEntry.objects.get(pk=entry.pk)
    assert (kept.username, kept.detail) == ("lead.hc", "")


@pytest.mark.postgres
def test_visit_event_update_and_delete_refused_by_postgres(cast):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    event = VisitEvent.objects.filter(visit=visit).order_by("id").first()
    rows = VisitEvent.objects.filter(pk=event.pk)
    count = VisitEvent.objects.filter(visit=visit).count()

    # Act
    refused = {
        "raw update": _refused(_raw("UPDATE visits_visitevent SET note = 'x' WHERE id = %s", event.pk)),
        "raw delete": _refused(_raw("DELETE FROM visits_visitevent WHERE id = %s", event.pk)),
        "orm update": _refused(lambda: rows.update(at=event.at - dt.timedelta(days=1))),
        "orm delete": _refused(lambda: rows.delete()),
    }

    # Assert
    assert refused == dict.fromkeys(refused, True)
    assert VisitEvent.objects.filter(visit=visit).count() == count
    assert VisitEvent.objects.get(pk=event.pk).at == event.at


# --- the audit trail page ---------------------------------------------------------------------


def test_hc25_audit_page_shows_only_the_users_schools_entries(cast, login):
    # Arrange: entries at both schools, made by reading a visit of each.
    ours = cast.make_visit(Status.REQUESTED)
    login(cast.office).get(reverse("visits:detail", args=[ours.code]))
    theirs = audit.record(cast.other_office, AuditAction.VIEW, object_type="visit", school=cast.other_school)

    # Act
    response = login(cast.lead).get(reverse("safeguarding:audit"))

    # Assert
    assert response.status_code == 200
    shown = response.context["page"].rows
    assert {e.school_id for e in shown} == {cast.school.pk}
    assert theirs.pk not in {e.pk for e in shown}
    assert "office.mp" not in response.content.decode()
    assert (cast.office.pk, str(ours.code), AuditAction.VIEW) in {(e.user_id, e.object_code, e.action) for e in shown}


def test_hc25_audit_page_for_other_school_lead_shows_only_theirs(cast, login):
    # Arrange
    ours = audit.record(cast.office, AuditAction.VIEW, cast.make_visit(Status.REQUESTED))
    theirs = audit.record(cast.other_office, AuditAction.LIST, object_type="visit", school=cast.other_school)

    # Act
    shown = login(cast.other_lead).get(reverse("safeguarding:audit")).context["page"].rows

    # Assert
    assert [e.pk for e in shown] == [theirs.pk]
    assert ours.pk not in {e.pk for e in shown}


@pytest.mark.parametrize("role", ["office", "visitor", "bystander", "trust_admin"])
def test_hc25_audit_page_is_404_for_office_and_visitor_roles(cast, login, role):
    # Arrange
    audit.record(cast.lead, AuditAction.VIEW, cast.make_visit(Status.REQUESTED))

    # Act
    response = login(getattr(cast, role)).get(reverse("safeguarding:audit"))

    # Assert
    assert response.status_code == 404
