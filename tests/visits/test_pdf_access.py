"""Who gets which PDF, and when (hc08, hc09, hc23, hc24, hc25): refusals are a message on the
visit page, never a 500; every download is in the audit trail without the code word."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_pupil, review_risk
from tests.visits.test_pdf import RECORD, full_visit
from visits import lifecycle
from visits.enums import AuditAction, Status
from visits.models import AuditEntry


def get(client, name: str, visit):
    return client.get(reverse(f"visits:{name}", args=[visit.code]))


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("pdf_form", Status.REQUESTED, "No PDF yet: the Home Visit Form is printed once the visit is authorised."),
        (
            "pdf_home_copy",
            Status.SENT_BACK,
            "No PDF yet: the copy for the home is printed once the visit is authorised.",
        ),
        ("pdf_record", Status.AUTHORISED, "No PDF yet: the Record of Home Visit has not been written yet."),
        (
            "pdf_risk_assessment",
            Status.DRAFT,
            "No PDF yet: the risk assessment has not been reviewed for this visit yet.",
        ),
        ("pdf_letter", Status.COMPLETED, "No PDF yet: the appointment letter is for a visit still to happen."),
    ],
)
def test_hc23_document_not_there_yet_is_a_message_on_the_visit_page(cast, login, name, status, message):
    # Arrange: a lead may have every document, so only the state refuses.
    visit = cast.make_visit(status)

    # Act
    response = get(login(cast.lead), name, visit)

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.code])
    assert said(response) == [message]
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_code=str(visit.code)).exists()


def test_hc24_record_exists_once_written_before_completion(cast, login):
    # Arrange: written on the tablet, the visit not yet completed.
    visit = full_visit(cast, Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.write_record(visit, cast.visitor, RECORD)

    # Act
    response = get(login(cast.visitor), "pdf_record", visit)

    # Assert
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"


def test_hc23_every_download_is_audited_with_fixed_words(cast, login):
    # Arrange
    visit = full_visit(cast)
    client = login(cast.lead)

    # Act
    statuses = {
        name: get(client, name, visit).status_code for name in ["pdf_form", "pdf_record", "pdf_risk_assessment"]
    }

    # Assert
    assert statuses == {"pdf_form": 200, "pdf_record": 200, "pdf_risk_assessment": 200}
    entries = AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_code=str(visit.code)).order_by("id")
    assert [(e.username, e.detail, e.object_type) for e in entries] == [
        (cast.lead.username, "PDF: Home Visit Form (school copy)", "visit"),
        (cast.lead.username, "PDF: Record of Home Visit", "visit"),
        (cast.lead.username, "PDF: Lone Working Risk Assessment", "visit"),
    ]
    assert all(e.path.startswith(f"/visits/{visit.code}/pdf/") for e in entries)
    assert not AuditEntry.objects.filter(detail__icontains=visit.code_word).exists()


def test_hc25_pdf_of_a_visit_one_may_not_see_is_404(cast, login):
    visit = full_visit(cast)

    outcomes = {
        (who, name): get(login(getattr(cast, who)), name, visit).status_code
        for who in ["bystander", "other_lead"]
        for name in ["pdf_form", "pdf_home_copy", "pdf_record"]
    }

    assert set(outcomes.values()) == {404}


def test_hc23_pdf_refuses_post(cast, login):
    visit = full_visit(cast, Status.AUTHORISED)

    response = login(cast.lead).post(reverse("visits:pdf_form", args=[visit.code]))

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("who", "status", "links"),
    [
        ("visitor", Status.AUTHORISED, ["pdf_form", "pdf_home_copy", "pdf_risk_assessment", "pdf_letter"]),
        ("office", Status.COMPLETED, ["pdf_form", "pdf_home_copy", "pdf_risk_assessment"]),
        ("head", Status.COMPLETED, ["pdf_form", "pdf_record"]),
        ("office", Status.REQUESTED, ["pdf_risk_assessment", "pdf_letter"]),
    ],
)
def test_hc23_visit_page_lists_the_documents_one_may_download_now(cast, login, who, status, links):
    # Arrange
    visit = full_visit(cast, status) if status != Status.REQUESTED else cast.make_visit(status)
    if status == Status.REQUESTED:
        review_risk(visit, cast.office)

    # Act
    html = login(getattr(cast, who)).get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert
    every = ["pdf_form", "pdf_home_copy", "pdf_record", "pdf_risk_assessment", "pdf_letter"]
    shown = [name for name in every if reverse(f"visits:{name}", args=[visit.code]) in html]
    assert shown == links
    # Each one a button a finger can hit on the tablet (at least 48px: `btn-touch`).
    buttons = re.findall(r'<a class="([^"]*)" href="/visits/[^"]+/pdf/', html)
    assert len(buttons) == len(links)
    assert all("btn-touch" in classes.split() for classes in buttons)


# Each document with a visit in a state where it exists, its audit words and its file name's start.
EVERY_DOCUMENT = [
    ("pdf_form", Status.AUTHORISED, "PDF: Home Visit Form (school copy)", "home-visit-form"),
    ("pdf_home_copy", Status.AUTHORISED, "PDF: Home Visit Form (copy for the home)", "home-visit-family-copy"),
    ("pdf_record", Status.COMPLETED, "PDF: Record of Home Visit", "record-of-home-visit"),
    ("pdf_risk_assessment", Status.AUTHORISED, "PDF: Lone Working Risk Assessment", "lone-working-risk-assessment"),
    ("pdf_letter", Status.AUTHORISED, "PDF: appointment letter", "appointment-letter"),
]


@pytest.mark.parametrize(("name", "status", "detail", "prefix"), EVERY_DOCUMENT)
def test_hc23_each_download_is_audited_and_named_by_what_and_when(cast, login, name, status, detail, prefix):
    # Arrange: two pupils, so the file name carries both sets of initials.
    visit = full_visit(cast, status, pupils=[cast.pupil, make_pupil(cast.household, "Ali")])
    initials = "-".join(p.initials for p in visit.pupils.all())
    assert len(initials) == 5

    # Act
    response = get(login(cast.visitor), name, visit)

    # Assert: a PDF named what and when ...
    day = timezone.localtime(visit.scheduled_start).date()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response["Content-Disposition"] == f'inline; filename="{prefix}-{day:%Y-%m-%d}-{initials}.pdf"'
    # ... and one audit entry in fixed words.
    entries = AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_code=str(visit.code))
    assert [(e.username, e.detail) for e in entries] == [(cast.visitor.username, detail)]


@pytest.mark.parametrize(("name", "status", "detail", "prefix"), EVERY_DOCUMENT)
@pytest.mark.parametrize("who", ["bystander", "other_lead", "other_office", "other_visitor"])
def test_hc25_no_pdf_of_a_visit_one_may_not_see_404_and_no_audit(cast, login, who, name, status, detail, prefix):
    visit = full_visit(cast, status)

    response = get(login(getattr(cast, who)), name, visit)

    assert response.status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_code=str(visit.code)).exists()


@pytest.mark.parametrize(
    ("who", "name", "status"),
    [
        ("head", "pdf_home_copy", Status.AUTHORISED),
        ("head", "pdf_risk_assessment", Status.AUTHORISED),
        ("head", "pdf_letter", Status.AUTHORISED),
        ("office", "pdf_record", Status.COMPLETED),
    ],
)
def test_hc23_sees_the_visit_but_not_this_document_403_and_no_audit(cast, login, who, name, status):
    visit = full_visit(cast, status)

    response = get(login(getattr(cast, who)), name, visit)

    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD, object_code=str(visit.code)).exists()
