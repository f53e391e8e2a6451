"""Subject access and leavers through the pages: who may (the school's leads and deputies), who may
not (the head, the office, visiting staff, governors, the trust administrator, the other school:
404), every step's audit row in fixed words, the forms' refusals in words, and the lists' clocks."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from disclosure import services
from disclosure.models import Leaver, SubjectAccessRequest
from tests.clock import london
from tests.disclosure.builders import visit_with_everything
from tests.disclosure.test_bundle import pdf_text
from tests.factories import make_household, make_pupil
from visits.enums import AuditAction
from visits.models import AuditEntry, Term

pytestmark = [pytest.mark.postgres]

REFUSED = ("office", "visitor", "bystander", "head", "trust_admin", "other_office", "other_lead", "other_head")


def _new_request(client, cast, **change):
    data = {
        "requester_name": "Pat Requester",
        "relationship": "parent",
        "received_on": "02/11/2026",
        "identity_check": "photo_id",
    } | change
    return client.post(reverse("disclosure:request_new", args=["pupil", cast.pupil.code]), data)


def _rows(since: int) -> list[tuple[str, str, str]]:
    return list(AuditEntry.objects.filter(id__gt=since).order_by("id").values_list("action", "object_type", "detail"))


def _last_id() -> int:
    return AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_a_lead_takes_a_request_through_every_step_and_each_is_audited(cast, login):
    # Arrange
    visit_with_everything(cast, cast.household, [cast.pupil], "STEP")
    client = login(cast.lead)
    start = _last_id()

    # Act: record, view, mark, build, download both, close.
    response = _new_request(client, cast)
    sar = SubjectAccessRequest.objects.get()
    page = client.get(reverse("disclosure:request", args=[sar.code]))
    keys = [k for k in services.dossier(sar).suggested][:1]
    client.post(reverse("disclosure:request_redactions", args=[sar.code]), {"redact": keys})
    client.post(reverse("disclosure:request_build", args=[sar.code]))
    pdf = client.get(reverse("disclosure:pdf_request_bundle", args=[sar.code]))
    data = client.get(reverse("disclosure:json_request_bundle", args=[sar.code]))
    closed = client.post(reverse("disclosure:request_close", args=[sar.code]), {"sent_on": "11/11/2026"})
    sar.refresh_from_db()

    # Assert
    assert response.status_code == 302 and page.status_code == 200
    assert b"STEP-OUTCOME" in page.content
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert json.loads(data.content)["about"]["request"]["due_on"] == "2026-12-02"
    assert closed.status_code == 302 and sar.is_closed and sar.redactions == keys
    assert sar.bundle_pdf_sha256 and sar.redactions_by == cast.lead
    assert _rows(start) == [
        (AuditAction.CREATE, "subjectaccessrequest", "subject access request recorded"),
        (AuditAction.VIEW, "subjectaccessrequest", "subject access request"),
        (AuditAction.UPDATE, "subjectaccessrequest", "redactions marked"),
        (AuditAction.EXPORT, "subjectaccessrequest", "subject access bundle built"),
        (AuditAction.DOWNLOAD, "subjectaccessrequest", "subject access bundle pdf"),
        (AuditAction.DOWNLOAD, "subjectaccessrequest", "subject access bundle json"),
        (AuditAction.UPDATE, "subjectaccessrequest", "subject access request sent and closed"),
    ]


@pytest.mark.parametrize("actor", REFUSED + ("governor",))
def test_only_the_schools_leads_open_a_request_others_get_404(cast, login, actor):
    # Arrange
    sar = services.record_request(
        cast.lead,
        cast.school,
        cast.pupil,
        requester_name="Pat",
        relationship="parent",
        received_on=dt.date(2026, 11, 2),
        identity_check="known",
    )
    urls = [
        reverse("disclosure:request", args=[sar.code]),
        reverse("disclosure:request_new", args=["pupil", cast.pupil.code]),
        reverse("disclosure:leaver_new", args=[cast.pupil.code]),
    ]
    client = login(getattr(cast, actor))

    # Act
    statuses = {url: client.get(url).status_code for url in urls}
    built = client.post(reverse("disclosure:request_build", args=[sar.code])).status_code

    # Assert: the head included (the concerns and the redaction are the DSL's, see disclosure.who)
    assert set(statuses.values()) == {404}
    assert built == 404
    sar.refresh_from_db()
    assert not sar.is_built


def test_the_deputy_may_and_the_lists_show_only_the_own_schools(cast, login):
    # Arrange: a request at each school.
    services.record_request(
        cast.lead,
        cast.school,
        cast.pupil,
        requester_name="Here Person",
        relationship="parent",
        received_on=dt.date(2026, 11, 2),
        identity_check="known",
    )
    other_pupil = make_pupil(make_household(cast.other_school), "Far")
    services.record_request(
        cast.other_lead,
        cast.other_school,
        other_pupil,
        requester_name="There Person",
        relationship="parent",
        received_on=dt.date(2026, 11, 2),
        identity_check="known",
    )

    # Act
    mine = login(cast.deputy).get(reverse("disclosure:requests")).content.decode()
    theirs = login(cast.other_lead).get(reverse("disclosure:requests")).content.decode()

    # Assert
    assert "Here Person" in mine and "There Person" not in mine
    assert "There Person" in theirs and "Here Person" not in theirs


def test_the_search_finds_only_the_own_schools_people(cast, login):
    # Arrange
    far = make_pupil(make_household(cast.other_school), "Zebedee")
    near = make_pupil(cast.household, "Zebedee")

    # Act
    page = login(cast.lead).get(reverse("disclosure:requests"), {"q": "zebedee"}).content.decode()

    # Assert
    assert str(near.code) in page and str(far.code) not in page


@pytest.mark.clock(london(2026, 12, 10, 10, 0))
def test_the_list_shows_days_left_and_overdue_in_words(cast, login):
    # Arrange: one due 02/12/2026 (overdue on 10/12), one due 08/01/2027.
    for received in (dt.date(2026, 11, 2), dt.date(2026, 12, 8)):
        services.record_request(
            cast.lead,
            cast.school,
            cast.pupil,
            requester_name=f"R {received:%d}",
            relationship="parent",
            received_on=received,
            identity_check="known",
        )

    # Act
    page = login(cast.lead).get(reverse("disclosure:requests")).content.decode()

    # Assert
    assert "Overdue by 8 days" in page and 'data-testid="overdue"' in page
    assert "29 days left" in page


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"received_on": "31/02/2026"}, "received_on", "Enter the date as dd/mm/yyyy"),
        ({"received_on": "12/11/2026"}, "received_on", "cannot be in the future"),
        ({"requester_name": ""}, "requester_name", "Enter who made the request."),
        ({"relationship": "contact"}, "relationship", "Select a valid choice"),
        ({"identity_check": ""}, "identity_check", "Choose how their identity was checked."),
        ({"requester_name": "Pat\x00Smith"}, "requester_name", "hidden control character"),
    ],
)
def test_bad_input_on_a_new_request_is_answered_on_the_form(cast, login, change, field, words):
    # Act
    response = _new_request(login(cast.lead), cast, **change)

    # Assert
    assert response.status_code == 200
    assert words in str(response.context["form"].errors[field])
    assert not SubjectAccessRequest.objects.exists()


def test_a_request_cannot_close_before_its_bundle_is_made(cast, login):
    # Arrange
    client = login(cast.lead)
    _new_request(client, cast)
    sar = SubjectAccessRequest.objects.get()

    # Act
    response = client.post(reverse("disclosure:request_close", args=[sar.code]), {"sent_on": "11/11/2026"}, follow=True)

    # Assert
    sar.refresh_from_db()
    assert not sar.is_closed
    assert "Build the bundle first" in response.content.decode()


# --- leavers -------------------------------------------------------------------------------------------


def test_a_pupil_leaves_the_file_is_made_sent_and_confirmed_each_step_audited(cast, login):
    # Arrange: the autumn term runs to 18/12/2026.
    Term.objects.create(school=cast.school, name="Autumn 2026", starts=dt.date(2026, 9, 2), ends=dt.date(2026, 12, 18))
    visit_with_everything(cast, cast.household, [cast.pupil], "LEAVE")
    client = login(cast.lead)
    start = _last_id()

    # Act
    client.post(
        reverse("disclosure:leaver_new", args=[cast.pupil.code]),
        {"left_on": "10/11/2026", "next_school": "St Anne's", "starts_on": "16/11/2026"},
    )
    leaver = Leaver.objects.get()
    listing = client.get(reverse("disclosure:leavers")).content.decode()
    client.post(reverse("disclosure:leaver_build", args=[leaver.code]))
    pdf = client.get(reverse("disclosure:pdf_leaver_file", args=[leaver.code]))
    client.post(reverse("disclosure:leaver_sent", args=[leaver.code]), {"sent_on": "11/11/2026", "sent_how": "cpoms"})
    awaiting = client.get(reverse("disclosure:leavers")).content.decode()
    client.post(reverse("disclosure:leaver_received", args=[leaver.code]), {"received_on": "11/11/2026"})
    leaver.refresh_from_db()

    # Assert: due the 5th school day after Tuesday 10/11: Wed, Thu, Fri, Mon, Tue 17/11.
    assert leaver.due_on == dt.date(2026, 11, 17)
    assert "4 school days left" in listing
    assert pdf.content.startswith(b"%PDF") and leaver.file_sha256
    assert 'data-testid="awaiting"' in awaiting
    assert leaver.is_received and leaver.sent_how == "cpoms"
    assert [r for r in _rows(start) if r[0] != AuditAction.LIST] == [
        (AuditAction.CREATE, "leaver", "pupil leaving recorded"),
        (AuditAction.EXPORT, "leaver", "pupil file built"),
        (AuditAction.DOWNLOAD, "leaver", "pupil file pdf"),
        (AuditAction.UPDATE, "leaver", "pupil file sent"),
        (AuditAction.UPDATE, "leaver", "pupil file receipt confirmed"),
    ]


def test_a_leavers_file_goes_whole_to_the_next_schools_lead(cast, login):
    # Arrange: a visit naming other adults and an outside-agency worker (third parties to the pupil).
    visit_with_everything(cast, cast.household, [cast.pupil], "WHOLE")
    client = login(cast.lead)
    client.post(
        reverse("disclosure:leaver_new", args=[cast.pupil.code]),
        {"left_on": "10/11/2026", "next_school": "St Anne's", "starts_on": "16/11/2026"},
    )
    leaver = Leaver.objects.get()

    # Act
    client.post(reverse("disclosure:leaver_build", args=[leaver.code]))
    text = pdf_text(client.get(reverse("disclosure:pdf_leaver_file", args=[leaver.code])).content)

    # Assert: nothing held back from the next school's lead, and the file says so.
    assert "WHOLE-PERSONVISITED" in text and "WHOLE-AGENCYWORKER" in text
    assert "[redacted" not in text
    assert "Shown in full" in text


@pytest.mark.clock(london(2026, 11, 23, 10, 0))
def test_an_unsent_file_past_its_5_school_days_shows_overdue_and_no_terms_is_said(cast, login):
    # Arrange: no terms recorded; left Monday 09/11, due Monday 16/11.
    services.record_leaver(cast.lead, cast.school, cast.pupil, left_on=dt.date(2026, 11, 9), next_school="Far")

    # Act
    page = login(cast.lead).get(reverse("disclosure:leavers")).content.decode()

    # Assert: Tue 17 to Mon 23: 5 school days late.
    assert "Overdue by 5 school days" in page
    assert 'data-testid="no-terms"' in page


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"left_on": "", "next_school": "X"}, "left_on", "Enter the date."),
        ({"left_on": "10/11/2026", "next_school": ""}, "next_school", "Enter the name of the next school."),
        ({"left_on": "10/11/2026", "next_school": "X", "starts_on": "01/11/2026"}, "starts_on", "before they left"),
        ({"left_on": "2026-11-10", "next_school": "X"}, "left_on", "dd/mm/yyyy"),
    ],
)
def test_bad_input_on_a_leaver_is_answered_on_the_form(cast, login, data, field, words):
    response = login(cast.lead).post(reverse("disclosure:leaver_new", args=[cast.pupil.code]), data)

    assert response.status_code == 200
    assert words in str(response.context["form"].errors[field])
    assert not Leaver.objects.exists()


def test_a_file_cannot_be_recorded_sent_before_it_is_made_nor_received_before_sent(cast, login):
    # Arrange
    leaver = services.record_leaver(cast.lead, cast.school, cast.pupil, left_on=dt.date(2026, 11, 9), next_school="Far")
    client = login(cast.lead)

    # Act
    sent = client.post(
        reverse("disclosure:leaver_sent", args=[leaver.code]),
        {"sent_on": "11/11/2026", "sent_how": "cpoms"},
        follow=True,
    )
    received = client.post(
        reverse("disclosure:leaver_received", args=[leaver.code]), {"received_on": "11/11/2026"}, follow=True
    )
    services.build_leaver_file(cast.lead, leaver)
    no_how = client.post(reverse("disclosure:leaver_sent", args=[leaver.code]), {"sent_on": "11/11/2026"})

    # Assert
    leaver.refresh_from_db()
    assert not leaver.is_sent and not leaver.is_received
    assert "Make the file first" in sent.content.decode()
    assert "Record the file as sent first" in received.content.decode()
    assert no_how.status_code == 400 and "Choose how the file was sent." in no_how.content.decode()


def test_the_records_menu_shows_the_entries_to_leads_only(cast, login):
    lead_page = login(cast.lead).get(reverse("disclosure:requests")).content.decode()
    head_page = login(cast.head).get(reverse("visits:overview")).content.decode()

    assert reverse("disclosure:leavers") in lead_page
    assert reverse("disclosure:requests") not in head_page


def test_a_bundle_made_before_the_marks_changed_cannot_be_sent(cast, login, pinned_clock):
    # Arrange: made, then a mark saved a minute later.
    visit_with_everything(cast, cast.household, [cast.pupil], "STALE")
    client = login(cast.lead)
    _new_request(client, cast)
    sar = SubjectAccessRequest.objects.get()
    services.build_request_bundle(cast.lead, sar)
    pinned_clock.shift(dt.timedelta(minutes=1))
    services.mark_redactions(cast.lead, sar, [])

    # Act
    page = client.get(reverse("disclosure:request", args=[sar.code])).content.decode()
    response = client.post(reverse("disclosure:request_close", args=[sar.code]), {"sent_on": "11/11/2026"}, follow=True)

    # Assert
    sar.refresh_from_db()
    assert 'data-testid="stale"' in page
    assert not sar.is_closed and "make it again" in response.content.decode()
