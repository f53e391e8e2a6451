"""hc11: the code word is seen by the visitors, the office and the safeguarding leads of the school,
and by nobody else: not on the head's screens, not in an email, not in the timeline or the audit
trail, whatever happens to the visit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from safeguarding import concerns
from safeguarding.models import ConcernKind, IncidentKind
from tests.factories import CAST_ROLES
from visits import lifecycle
from visits.enums import Status
from visits.models import AuditEntry, VisitEvent

CODE_WORD = "periwinkle"
SEES_CODE_WORD = {"office", "lead", "deputy", "visitor", "second"}


@pytest.mark.parametrize("role", CAST_ROLES)
def test_hc11_code_word_on_the_visit_page_only_for_visitors_office_and_leads(cast, login, role):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED, code_word=CODE_WORD)

    # Act
    response = login(getattr(cast, role)).get(reverse("visits:detail", args=[visit.code]))

    # Assert
    shown = CODE_WORD in response.content.decode()
    assert shown == (role in SEES_CODE_WORD)
    if role in {"head"}:
        assert response.status_code == 200  # the head sees the visit, not its code word
    if role not in SEES_CODE_WORD | {"head"}:
        assert response.status_code == 404


def test_hc11_code_word_in_no_email_timeline_or_audit_entry_of_a_whole_visit(cast, django_capture_on_commit_callbacks):
    """Every email a visit's life sends (request, decision, concern, incident, code-word alarm,
    accusation to the head) and every timeline and audit line it writes, without the word."""
    # Arrange
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        visit = cast.make_visit(Status.IN_PROGRESS, code_word=CODE_WORD)
        concerns.raise_concern(visit, cast.visitor, ConcernKind.CHILD_ALONE, f"Child alone; {CODE_WORD} agreed.")
        concerns.report_incident(
            visit, cast.visitor, IncidentKind.ACCUSATION, timezone.now() - dt.timedelta(minutes=5), "Accused."
        )
        lifecycle.raise_code_word_alarm(visit, cast.office)
        lifecycle.record_step(visit, cast.visitor, "arrived")
        lifecycle.record_step(visit, cast.visitor, "left")
        lifecycle.write_record(
            visit,
            cast.visitor,
            {
                "people_seen": "Mother",
                "child_seen": True,
                "outcome": "Seen.",
                "child_protection_concern": True,
                "concern_details": "Worried.",
            },
        )
        lifecycle.transition(visit, cast.visitor, "complete")
        concerns.record_on_cpoms(visit, cast.lead, "CP-1234")

    # Assert
    recipients = {address for message in mail.outbox for address in message.to}
    assert cast.head.email in recipients  # the accusation reached the head: the emails were sent
    assert len(mail.outbox) >= 10
    for message in mail.outbox:
        parts = [message.subject, message.body, *(content for content, _ in message.alternatives)]
        assert all(CODE_WORD not in part for part in parts), message.subject
    assert not VisitEvent.objects.filter(visit=visit, note__icontains=CODE_WORD).exists()
    assert not AuditEntry.objects.filter(detail__icontains=CODE_WORD).exists()
    assert CODE_WORD not in concerns.cpoms_summary(visit)
