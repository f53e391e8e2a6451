"""Documents kept as they were (issue 17, part 3): `visits.stored_documents`.

Each PDF is kept when it becomes true (hc23: the Home Visit Form at authorisation, the copy for the
home at set off and when the parent signs, the Record at completion; hc09: the risk assessment as
reviewed for the visit), as a new version only when its own content changes, and a download serves
the stored bytes: never re-rendered from today's data.
"""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import Cast, review_risk
from tests.matrix.signature import _drawn
from tests.visits.test_pdf import full_visit, pdf_text
from visits import lifecycle, signature, staff_signatures, stored_documents
from visits.enums import AuditAction, Status
from visits.models import AuditEntry, StoredDocument, Visit

pytestmark = [pytest.mark.postgres]


def kept(visit: Visit) -> list[tuple[str, int, str]]:
    return [(k.kind, k.version, k.occasion) for k in stored_documents.versions(visit)]


def version_url(visit: Visit, document: StoredDocument) -> str:
    return reverse("visits:pdf_version", args=[visit.code, document.code])


def download(client, kind: str, visit: Visit):
    return client.get(reverse(f"visits:pdf_{kind}", args=[visit.code]))


def drawn():
    return signature.clean_data_url(_drawn())


def refuse_to_render(*args, **kwargs):
    raise AssertionError("a kept version was rendered again")


# --- kept at the moments ----------------------------------------------------------------------------


def test_hc23_each_document_is_kept_at_the_moment_it_becomes_true(cast: Cast):
    # Act: requested, authorised, set off, arrived, left, record written (completes the visit).
    visit = cast.make_visit(Status.COMPLETED)

    # Assert
    assert kept(visit) == [
        ("form", 1, "Authorised"),
        ("form", 2, "Completed"),
        ("home_copy", 1, "Set off"),
        ("record", 1, "Record written"),
        ("record", 2, "Completed"),
        ("risk_assessment", 1, "Authorised"),
    ]
    form = stored_documents.newest(visit, "form")
    assert form.made_by == cast.visitor and stored_documents.versions(visit, "form")[0].made_by == cast.lead
    # Only the HTML was made at the moment: no PDF rendered inside the request.
    assert {(k.size, k.sha256, k.rendered_at) for k in stored_documents.versions(visit)} == {(0, "", None)}
    assert all(len(k.snapshot_sha256) == 64 for k in stored_documents.versions(visit))


def test_nothing_is_kept_before_the_visit_is_authorised(cast: Cast):
    assert kept(cast.make_visit(Status.REQUESTED)) == []


def test_no_new_version_when_nothing_changed(cast: Cast):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)
    before = kept(visit)

    # Act: every moment again, with nothing of the documents changed.
    for moment in stored_documents.MOMENTS:
        assert stored_documents.keep_moment(visit, moment, cast.lead) == [], moment

    # Assert
    assert kept(visit) == before


def test_hc01_a_document_that_fails_to_render_never_refuses_the_step_that_made_it_true(cast: Cast, login):
    # Arrange: an authorised visit, and a template that breaks at set off.
    visit = cast.make_visit(Status.AUTHORISED)
    kept_before = kept(visit)

    # Act: the visitor sets off while the copy for the home cannot be rendered.
    with mock.patch("visits.pdf.render_html", side_effect=RuntimeError("broken template")):
        lifecycle.transition(visit, cast.visitor, lifecycle.Action.START)

    # Assert: the visitor is on the road; nothing was kept at that moment...
    visit.refresh_from_db()
    assert visit.status == Status.IN_PROGRESS
    assert kept(visit) == kept_before
    # ...and the copy for the home is kept at its first download instead.
    response = download(login(cast.visitor), "home_copy", visit)
    assert response.status_code == 200
    assert ("home_copy", 1, stored_documents.FIRST_DOWNLOADED) in kept(visit)


# --- a new version when its own content changes -----------------------------------------------------


def test_hc23_a_staff_signature_makes_new_versions_of_the_documents_that_print_it(cast: Cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    staff_signatures.record_staff_signature(visit, cast.visitor, drawn())

    # Assert: the form and the copy for the home print it (no record yet).
    assert kept(visit) == [
        ("form", 1, "Authorised"),
        ("form", 2, "Staff member signed"),
        ("home_copy", 1, "Set off"),
        ("home_copy", 2, "Staff member signed"),
        ("risk_assessment", 1, "Authorised"),
    ]
    assert stored_documents.newest(visit, "form").made_by == cast.visitor


def test_hc23_the_parents_signature_makes_a_new_copy_for_the_home(cast: Cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    unsigned = download(client, "home_copy", visit).content

    # Act
    lifecycle.record_signature(visit, cast.visitor, signer_name="Robin Signer", image=drawn())
    signed = download(client, "home_copy", visit).content

    # Assert
    assert [v for v in kept(visit) if v[0] == "home_copy"] == [
        ("home_copy", 1, "Set off"),
        ("home_copy", 2, "Parent signed"),
    ]
    assert "Robin Signer" in pdf_text(signed) and "Robin Signer" not in pdf_text(unsigned)
    # The first version is still served as it was.
    first = stored_documents.versions(visit, "home_copy").get(version=1)
    assert client.get(version_url(visit, first)).content == unsigned


def test_a_parent_who_did_not_sign_is_said_so(cast: Cast):
    visit = cast.make_visit(Status.IN_PROGRESS)

    lifecycle.record_signature(visit, cast.visitor, signer_name="Pat Parent", declined_reason="Would not sign.")

    # The form prints why; the copy for the home leaves the line to sign, as before.
    assert ("form", 2, "Parent did not sign") in kept(visit)


def test_hc20_a_corrected_record_is_a_new_version_and_the_same_record_again_is_not(cast: Cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    fields = {"people_seen": "Mother", "child_seen": True, "outcome": "Plan agreed."}
    lifecycle.write_record(visit, cast.visitor, fields)

    # Act
    lifecycle.write_record(visit, cast.visitor, fields)
    lifecycle.write_record(visit, cast.visitor, fields | {"outcome": "Plan agreed; Sam back on Monday."})

    # Assert
    assert [v for v in kept(visit) if v[0] == "record"] == [
        ("record", 1, "Record written"),
        ("record", 2, "Record written"),
    ]


def test_hc09_a_new_version_of_the_risk_assessment_is_kept_when_the_visit_is_authorised_again(cast: Cast):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act: a new version of the household's assessment sends the visit back; the lead authorises again.
    review_risk(visit, cast.office, control="Ring the office on arrival, and again on leaving.")
    visit.refresh_from_db()
    assert visit.status == Status.REQUESTED
    lifecycle.transition(visit, cast.lead, "authorise", approve_lone_working=True, confirm_evening=True)

    # Assert
    assert [v for v in kept(visit) if v[0] == "risk_assessment"] == [
        ("risk_assessment", 1, "Authorised"),
        ("risk_assessment", 2, "Authorised"),
    ]
    first, second = stored_documents.versions(visit, "risk_assessment")
    assert first.snapshot_sha256 != second.snapshot_sha256


def test_hc14_back_at_school_after_completion_is_a_new_form_and_record(cast: Cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)

    # Act: the office takes the visitors' call that they are back.
    lifecycle.record_step(visit, cast.office, "back")
    form = pdf_text(download(login(cast.lead), "form", visit).content)

    # Assert
    assert ("form", 3, "Back at school") in kept(visit) and ("record", 3, "Back at school") in kept(visit)
    assert "Back 11:00" in form
    assert stored_documents.newest(visit, "record").made_by == cast.office


# --- a download serves the stored bytes ---------------------------------------------------------------


def test_hc23_a_kept_document_is_unchanged_by_later_edits_elsewhere(cast: Cast, login):
    # Arrange: the form kept and downloaded once.
    visit = full_visit(cast, Status.COMPLETED)
    client = login(cast.lead)
    first = download(client, "form", visit).content
    form = stored_documents.newest(visit, "form")
    assert cast.pupil.first_name in pdf_text(first)

    # Act: the household moves, the pupil's name is corrected, the school's phone changes.
    cast.household.__class__.objects.filter(pk=cast.household.pk).update(address_line1="99 Elsewhere Road")
    cast.pupil.__class__.objects.filter(pk=cast.pupil.pk).update(first_name="Zebedee")
    cast.school.__class__.objects.filter(pk=cast.school.pk).update(phone="0161 000 9999")
    again = download(client, "form", visit).content

    # Assert: the same bytes, the same hashes, no new version.
    assert again == first
    form.refresh_from_db()
    assert form.sha256 == hashlib.sha256(first).hexdigest() and form.size == len(first)
    assert stored_documents.newest(visit, "form").pk == form.pk
    assert "Zebedee" not in pdf_text(again) and "Elsewhere" not in pdf_text(again)


def test_a_kept_version_is_never_rendered_again(cast: Cast, login):
    # Arrange: the Record made at its first download.
    visit = cast.make_visit(Status.COMPLETED)
    client = login(cast.lead)
    first = download(client, "record", visit).content

    # Act: the renderer fails from now on.
    with mock.patch("visits.pdf.html_to_pdf", side_effect=refuse_to_render):
        again = download(client, "record", visit)

    # Assert
    assert again.status_code == 200 and again.content == first


def test_an_older_version_is_made_from_its_kept_html_never_from_todays_data(cast: Cast, login):
    # Arrange: the pupil's name corrected after the form was kept, before any PDF was made.
    visit = cast.make_visit(Status.COMPLETED)
    first = stored_documents.versions(visit, "form").get(version=1)
    cast.pupil.__class__.objects.filter(pk=cast.pupil.pk).update(first_name="Zebedee")

    # Act: nothing may render the visit's documents from its rows now.
    with mock.patch("visits.pdf.render_html", side_effect=refuse_to_render):
        response = login(cast.lead).get(version_url(visit, first))

    # Assert
    text = pdf_text(response.content)
    assert response.status_code == 200
    assert cast.pupil.first_name in text and "Zebedee" not in text
    assert response["Content-Disposition"].endswith('-v1.pdf"')


def test_the_runner_makes_the_pdfs_from_the_stored_html_and_downloads_serve_them(cast: Cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)

    # Act
    call_command("make_documents", verbosity=0)
    with mock.patch("visits.pdf.html_to_pdf", side_effect=refuse_to_render):
        served = {k.code: login(cast.lead).get(version_url(visit, k)).content for k in stored_documents.versions(visit)}

    # Assert
    for version in StoredDocument.objects.filter(visit=visit):
        assert version.size == len(bytes(version.content)) > 1000
        assert version.sha256 == hashlib.sha256(bytes(version.content)).hexdigest()
        assert version.rendered_at is not None
        assert served[version.code] == bytes(version.content)
    assert stored_documents.make_waiting() == 0


# --- the letter, and visits from before --------------------------------------------------------------


def test_hc08_the_letter_is_kept_when_printed_and_again_only_when_it_changed(cast: Cast, login, pinned_clock):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    client = login(cast.office)

    # Act
    first = download(client, "letter", visit).content
    same_day = download(client, "letter", visit).content
    pinned_clock.shift(timedelta(days=1))
    next_day = download(login(cast.office), "letter", visit)

    # Assert: dated the day it is printed, so the next day's is a new version.
    assert same_day == first
    assert next_day.status_code == 200 and "12 November 2026" in pdf_text(next_day.content)
    assert [v for v in kept(visit) if v[0] == "letter"] == [("letter", 1, "Printed"), ("letter", 2, "Printed")]


def test_a_visit_from_before_kept_documents_keeps_one_at_its_first_download(cast: Cast, login):
    # Arrange: a visit whose documents were never kept.
    visit = cast.make_visit(Status.COMPLETED)
    StoredDocument.objects.filter(visit=visit).delete()

    # Act
    content = download(login(cast.lead), "form", visit).content

    # Assert
    assert kept(visit) == [("form", 1, "First downloaded")]
    assert bytes(stored_documents.newest(visit, "form").content) == content


# --- the list on the visit page ----------------------------------------------------------------------


def test_the_visit_page_lists_each_version_with_what_made_it_when_and_who(cast: Cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)

    # Act
    lead = login(cast.lead).get(reverse("visits:detail", args=[visit.code])).content.decode()
    office = login(cast.office).get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert
    assert "Versions kept (6)" in lead
    assert (
        "Home Visit Form (school copy), version 1 (PDF)" in lead
        and "Home Visit Form (school copy), version 2 (PDF)" in lead
    )
    assert f"Authorised &middot; 11/11/2026 11:00 &middot; {cast.lead}" in lead
    assert f"Completed &middot; 11/11/2026 11:00 &middot; {cast.visitor}" in lead
    for document in stored_documents.versions(visit):
        assert version_url(visit, document) in lead
    # The office may not have the record (hc24): its versions are not listed for them.
    assert "Record of Home Visit, version" not in office and "Home Visit Form (school copy), version 2 (PDF)" in office


# --- access and audit of the version URL -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "allowed", "refused"),
    [
        ("form", ("office", "lead", "visitor", "head"), ()),
        ("record", ("lead", "visitor", "head"), ("office",)),
        ("home_copy", ("office", "lead", "visitor"), ("head",)),
    ],
)
def test_hc25_a_kept_version_answers_as_its_kind(cast: Cast, login, kind, allowed, refused):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)
    url = version_url(visit, stored_documents.versions(visit, kind).first())

    # Act / Assert
    for name in allowed:
        assert login(getattr(cast, name)).get(url).status_code == 200, name
    for name in refused:
        assert login(getattr(cast, name)).get(url).status_code == 403, name
    for name in ("bystander", "governor", "other_office", "other_lead", "other_head"):
        assert login(getattr(cast, name)).get(url).status_code == 404, name


def test_hc25_a_version_of_another_visit_is_not_found_under_this_one(cast: Cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    other = cast.make_visit(Status.AUTHORISED)
    others_form = stored_documents.newest(other, "form")

    # Act
    response = login(cast.lead).get(version_url(visit, others_form))

    # Assert
    assert response.status_code == 404


def test_hc25_each_download_of_a_version_writes_one_audit_row(cast: Cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)
    first = stored_documents.versions(visit, "form").get(version=1)
    client = login(cast.office)
    before = AuditEntry.objects.count()

    # Act
    client.get(version_url(visit, first))
    client.get(version_url(visit, first))

    # Assert
    rows = list(AuditEntry.objects.order_by("id")[before:])
    assert [(r.username, r.action, r.object_type, r.object_code, r.detail) for r in rows] == [
        (
            cast.office.username,
            AuditAction.DOWNLOAD,
            "visit",
            str(visit.code),
            "PDF: Home Visit Form (school copy), version 1",
        )
    ] * 2


# --- erasure (retention) ----------------------------------------------------------------------------------


def test_erase_empties_every_version_and_keeps_the_rows(cast: Cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)
    client = login(cast.lead)
    download(client, "form", visit)
    hashes = {(k.kind, k.version): (k.sha256, k.snapshot_sha256) for k in stored_documents.versions(visit)}

    # Act
    erased = stored_documents.erase(visit)

    # Assert
    assert erased == 6
    for version in StoredDocument.objects.filter(visit=visit):
        assert (bytes(version.content), version.html, version.images, version.filename) == (b"", "", {}, "")
        assert version.erased_at is not None and version.made_by is not None
        assert (version.sha256, version.snapshot_sha256) == hashes[(version.kind, version.version)]
        assert stored_documents.pdf_of(version) == b""
    assert stored_documents.erase(visit) == 0
    response = download(client, "form", visit)
    assert response.status_code == 302
    assert "(erased)" in client.get(reverse("visits:detail", args=[visit.code])).content.decode()


def test_the_document_runner_loops_beside_the_alert_runner_and_skips_erased_versions(cast: Cast):
    # Arrange: two visits' documents kept; one visit erased.
    kept_visit = cast.make_visit(Status.AUTHORISED)
    erased_visit = cast.make_visit(Status.AUTHORISED)
    stored_documents.erase(erased_visit)
    out = io.StringIO()

    # Act
    call_command("make_documents", "--loop", "--passes", "1", "--every", "0", stdout=out)

    # Assert: the form and the risk assessment of the kept one; nothing of the erased one.
    assert out.getvalue().strip() == "documents made: 2"
    assert all(k.size > 0 for k in stored_documents.versions(kept_visit))
    assert all(k.size == 0 and k.erased_at for k in stored_documents.versions(erased_visit))
