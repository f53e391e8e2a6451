"""The PDFs of a visit (hc08, hc09, hc23, hc24): every label and value, read back with pypdf.

The helpers at the top (a visit with every field filled, the text of a PDF) are shared with
test_pdf_security.py and test_pdf_access.py.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from tests.factories import Cast, review_risk
from visits import lifecycle, pdf
from visits.enums import Reason, Status
from visits.models import Visit
from visits.signature import CleanSignature
from visits.who import forget_object_perms, forget_roles

RECORD = {
    "conducted": True,
    "people_seen": "Pat Parent and Sam",
    "child_seen": True,
    "outcome": "Sam will come back on Monday; mother to ring the office each morning.",
    "action_required": "Attendance officer to check the register daily for two weeks.",
    "child_protection_concern": False,
    "follow_up_wanted": True,
    "notes": "Sam showed us his new bike.",
}


def full_visit(
    cast: Cast,
    status: str = Status.COMPLETED,
    *,
    record: dict | None = None,
    conditions: str = "Ring the office on arrival.",
    risk_change: dict | None = None,
    pupils: list | None = None,
    **fields,
) -> Visit:
    """A visit of `cast.school` with the form's free-text fields filled, brought to `status`
    (authorised, in progress or completed) through the lifecycle, its risk assessment reviewed."""
    fields = {
        "comments": "Mother works nights: knock loudly.",
        "reason_detail": "Absent for nine days this half term.",
        "briefing": "Older brother has been aggressive to staff before.",
        **fields,
    }
    visit = lifecycle.create_request(
        cast.office,
        cast.school,
        cast.household,
        _fields(cast, fields),
        pupils=pupils or [cast.pupil],
        reasons=[Reason.ATTENDANCE, Reason.WELFARE_CHECK],
    )
    lifecycle.transition(visit, cast.office, "submit")
    review_risk(visit, cast.office, **(risk_change or {}))
    lifecycle.transition(visit, cast.lead, "authorise", conditions=conditions, approve_lone_working=True)
    if status in {Status.IN_PROGRESS, Status.COMPLETED}:
        lifecycle.transition(visit, cast.visitor, "start")
    if status == Status.COMPLETED:
        lifecycle.record_step(visit, cast.visitor, "arrived")
        lifecycle.record_step(visit, cast.visitor, "left")
        lifecycle.write_record(visit, cast.visitor, record or RECORD)
        lifecycle.transition(visit, cast.visitor, "complete")
    for user in cast.users().values():
        forget_object_perms(user)
        forget_roles(user)
    return Visit.objects.select_related("school", "household", "lead_visitor", "second_visitor").get(pk=visit.pk)


def _fields(cast: Cast, overrides: dict) -> dict:
    from tests.factories import visit_fields

    return visit_fields(cast.visitor, overrides.pop("second_visitor", cast.second), **overrides)


def pdf_text(content: bytes) -> str:
    """All the text of the PDF, pages joined, runs of whitespace made one space."""
    reader = PdfReader(io.BytesIO(content))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in reader.pages)).strip()


def page_texts(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def embedded_things(content: bytes) -> dict[str, int]:
    """What a PDF could smuggle: embedded files, annotations (file attachments, links), images."""
    reader = PdfReader(io.BytesIO(content))
    names = reader.trailer["/Root"].get("/Names")
    embedded = 1 if names is not None and "/EmbeddedFiles" in names.get_object() else 0
    annotations = 0
    images = 0
    for page in reader.pages:
        annotations += len(page.get("/Annots") or [])
        images += len(page.images)
    return {"embedded_files": embedded, "annotations": annotations, "images": images}


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdf"


def download(client, name: str, visit: Visit):
    return client.get(reverse(f"visits:{name}", args=[visit.code]))


def keep(filename: str, content: bytes) -> None:
    """Keep the PDF under test-artifacts/pdf/ (git-ignored) for `pdftoppm -png` and a look."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / filename).write_bytes(content)


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y")


def hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


# --- the Home Visit Form, school copy (hc23) -----------------------------------------------------------


def test_hc23_form_school_copy_has_every_field_of_the_printed_form(cast, login):
    # Arrange
    visit = full_visit(cast, Status.AUTHORISED)

    # Act
    response = download(login(cast.visitor), "pdf_form", visit)
    text = pdf_text(response.content)
    keep("form.pdf", response.content)

    # Assert: the labels of HC Appendix 1, in its words ...
    for label in [
        "Home Visit Form",
        "Name of Staff Member(s) carrying out the visit",
        "Job Role",
        "Name of Person being visited",
        "Visited Home Address",
        "Pupil Name",
        "Reason for calling",
        "Date and Time",
        "Comments",
        "(Staff member)",
        "Authorisation of visit by Safeguarding Lead",
        "(Safeguarding Lead)",
        "(Parent/Guardian)",
        "Keep at school. The family's copy, to leave at the home, is printed separately.",  # issue 16
    ]:
        assert label in text, label
    # ... and the values, the authorisation block filled from the lead's decision.
    start = timezone.localtime(visit.scheduled_start)
    for value in [
        str(cast.visitor),
        str(cast.second),
        "Family wellbeing worker",
        "Teacher",
        "Pat Parent",
        "1 Test Street",
        "Manchester",
        "M14 5AB",
        f"{cast.pupil.first_name} {cast.pupil.last_name} (Year 3)",
        "Attendance issues or concerns",
        "Establish an absent child is safe (welfare check)",
        "Absent for nine days this half term.",
        f"{start:%A} {start:%d/%m/%Y}, {start:%H:%M} to {hhmm(visit.expected_end)}",
        "Mother works nights: knock loudly.",
        f"Name: {cast.lead}",
        f"Date: {local(visit.authorised_at)}",
        f"Time: {hhmm(visit.authorised_at)}",
        "Conditions: Ring the office on arrival.",
    ]:
        assert value in text, value
    # Every page: school name, marking, page numbers.
    pages = page_texts(response.content)
    assert all("Holy Cross" in p and p.count("OFFICIAL-SENSITIVE") == 2 for p in pages)
    assert [f"Page {n} of {len(pages)}" in p for n, p in enumerate(pages, 1)] == [True] * len(pages)
    # Internal: never the code word or the briefing (the form as printed has no place for them).
    assert "bluebell" not in text
    assert "aggressive" not in text


def test_hc23_form_names_file_by_date_and_pupil_initials(cast, login):
    visit = full_visit(cast, Status.AUTHORISED)

    response = download(login(cast.lead), "pdf_form", visit)

    day = timezone.localtime(visit.scheduled_start).date()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="home-visit-form-{day:%Y-%m-%d}-{cast.pupil.initials}.pdf"'
    )


def test_hc23_form_prints_captured_parent_signature_instead_of_the_line(cast):
    # Arrange: a 2x1 PNG, as issue 5's signature pad will hand over.
    visit = full_visit(cast, Status.AUTHORISED)
    fetcher = pdf.OwnFilesFetcher()

    # Act
    content, _ = pdf.render_document("form", visit, signature=TINY_PNG, fetcher=fetcher)
    without, _ = pdf.render_document("form", visit)

    # Assert: the image is drawn from this render's own bytes, and nothing else was fetched.
    assert embedded_things(content)["images"] == 1
    assert embedded_things(without)["images"] == 0
    assert fetcher.requested == ["hv-image:parent-signature"]
    assert fetcher.refused == []


def test_hc23_form_and_home_copy_print_the_signature_captured_on_the_tablet(cast, login):
    # Arrange: a signature as issue 5 keeps it (re-encoded PNG bytes), through the lifecycle, which
    # keeps the documents that print it as new versions (issue 17).
    visit = full_visit(cast, Status.IN_PROGRESS)
    lifecycle.record_signature(
        visit, cast.visitor, signer_name="Pat Parent", image=CleanSignature(png=TINY_PNG, width=2, height=1)
    )
    client = login(cast.visitor)

    # Act
    form = download(client, "pdf_form", visit).content
    home = download(client, "pdf_home_copy", visit).content

    # Assert
    assert embedded_things(form)["images"] == embedded_things(home)["images"] == 1
    assert "Name: Pat Parent Date:" in pdf_text(form) and "Name: Pat Parent Date:" in pdf_text(home)


def test_hc23_form_long_text_flows_onto_a_second_page(cast, login):
    # Arrange: comments far longer than one page, ending with a word we can find.
    long = " ".join(f"Sentence {n} about the family's circumstances and what was agreed." for n in range(160))
    visit = full_visit(cast, Status.AUTHORISED, comments=long + " ENDOFCOMMENTS")

    # Act
    response = download(login(cast.office), "pdf_form", visit)
    pages = page_texts(response.content)
    keep("form-long.pdf", response.content)

    # Assert: more than one page, numbered, and every word still there (nothing cut off).
    assert len(pages) >= 2
    assert f"Page {len(pages)} of {len(pages)}" in pages[-1]
    text = pdf_text(response.content)
    assert "Sentence 0 about" in text and "Sentence 159 about" in text and "ENDOFCOMMENTS" in text
    assert "is printed separately." in pages[0]


# --- the copy left at the home (hc23) ------------------------------------------------------------------


def test_hc23_home_copy_holds_what_the_family_may_keep(cast, login):
    # Arrange
    visit = full_visit(cast, Status.AUTHORISED)

    # Act
    response = download(login(cast.visitor), "pdf_home_copy", visit)
    text = pdf_text(response.content)
    keep("home-copy.pdf", response.content)

    # Assert
    start = timezone.localtime(visit.scheduled_start)
    for expected in [
        "Home visit: your copy",
        "Who visited",
        f"{cast.visitor}, Family wellbeing worker",
        f"{cast.second}, Teacher",
        "Visit to",
        "Pat Parent",
        "1 Test Street, Manchester, M14 5AB",
        "Date and time",
        f"{start:%A} {start.day} {start:%B %Y}, {start:%H:%M}",
        "Pupil",
        f"{cast.pupil.first_name} {cast.pupil.last_name}",
        "Why we visited",
        f"to talk with you about {cast.pupil.first_name}'s attendance at school, and to see how "
        f"{cast.pupil.first_name} is getting on",
        "What we agreed",
        "(Staff member)",
        "(Parent/Guardian)",
        "Telephone 0161 496 0000",
        "please ring Holy Cross on 0161 496 0000",
    ]:
        assert expected in text, expected
    # Never the internal things (hc11, hc23).
    for secret in [
        "bluebell",
        "OFFICIAL-SENSITIVE",
        "Mother works nights",
        "aggressive",
        "Ring the office on arrival",
        "Absent for nine days",
        "Talk about attendance and agree a plan",
        "caring for a baby",
    ]:
        assert secret not in text, secret
    assert len(page_texts(response.content)) == 1


def test_hc23_home_copy_prints_what_was_agreed_once_the_record_says_it(cast, login):
    # Arrange: the same visit before the record (lines to write by hand) and after it.
    agreed = "Sam will walk to school with his cousin.\nMum will ring the office if he is ill."
    visit = full_visit(cast, Status.IN_PROGRESS)
    client = login(cast.visitor)
    before = pdf_text(download(client, "pdf_home_copy", visit).content)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.write_record(visit, cast.visitor, RECORD | {"agreed_with_family": agreed})

    # Act
    response = download(client, "pdf_home_copy", visit)
    after = pdf_text(response.content)
    keep("home-copy-agreed.pdf", response.content)

    # Assert: the agreement under its heading, and none of the record's other words.
    assert "What we agreed (Staff member)" in before.replace("Signed ", "")
    assert (
        "What we agreed Sam will walk to school with his cousin. Mum will ring the office if he is ill. Signed" in after
    )
    for secret in [RECORD["outcome"], RECORD["action_required"], RECORD["notes"], RECORD["people_seen"]]:
        assert secret not in after


def test_hc23_weasyprint_progress_lines_stay_out_of_the_log():
    """WeasyPrint logs "Step 2 - Fetching and parsing CSS" three times at import, at INFO, and
    every rendering step after it: LOGGING keeps `weasyprint.progress` at WARNING."""
    import subprocess
    import sys

    code = (
        "import django; django.setup(); import logging; import weasyprint; "
        "weasyprint.HTML(string='<p>x</p>').write_pdf(); "
        "logging.getLogger('weasyprint').warning('still warns')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "homevisits.settings", "LOG_LEVEL": "INFO"}
    root = Path(__file__).resolve().parents[2]
    # Our own interpreter and fixed code: nothing untrusted runs.
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=root, timeout=120
    )

    assert done.returncode == 0, done.stderr
    assert "Step " not in done.stderr
    assert "still warns" in done.stderr


def test_hc23_home_copy_is_legible_at_a5(cast):
    """Printed on A5 the page shrinks to 70.7%: the body text must still be at least 9pt, and
    nothing on the page (the page header and footer included) under 7.5pt."""
    visit = full_visit(cast, Status.AUTHORISED)

    content, _ = pdf.render_document("home_copy", visit)

    sizes = font_sizes(content)
    assert min(sizes) * 0.707 >= 7.5  # the page header and footer, the school's telephone
    body = sorted(sizes)[len(sizes) // 2]
    assert body * 0.707 >= 9


def font_sizes(content: bytes) -> list[float]:
    reader = PdfReader(io.BytesIO(content))
    sizes: list[float] = []

    def visit_text(text, cm, tm, font_dict, font_size):
        if text.strip():
            sizes.append(font_size * tm[0] * cm[0] if tm[0] and cm[0] else font_size)

    for page in reader.pages:
        page.extract_text(visitor_text=visit_text)
    return sizes


# --- the Record of Home Visit (hc24) ---------------------------------------------------------------------


def test_hc24_record_has_the_record_outcome_timeline_and_cpoms_reminder(cast, login):
    # Arrange
    visit = full_visit(cast)

    # Act
    response = download(login(cast.lead), "pdf_record", visit)
    text = pdf_text(response.content)
    keep("record.pdf", response.content)

    # Assert
    visit.refresh_from_db()
    for expected in [
        "Record of Home Visit",
        "Name of Staff Member(s) carrying out the visit",
        "Job Role",
        "Name of Person being visited",
        "Visited Home Address",
        "Pupil Name",
        "Reason for calling",
        "Date and Time",
        "Visit carried out Yes",
        "Who was seen Pat Parent and Sam",
        "Child seen Yes",
        "Outcome of home visit Sam will come back on Monday; mother to ring the office each morning.",
        "Action required Attendance officer to check the register daily for two weeks.",
        "Child protection concern No",
        "Follow-up visit wanted Yes",
        "Notes Sam showed us his new bike.",
        f"Written by {cast.visitor}",
        f"Requested {timezone.localtime(visit.requested_at):%d/%m/%Y %H:%M}, {cast.office}",
        f"Authorised {timezone.localtime(visit.authorised_at):%d/%m/%Y %H:%M}, {cast.lead}",
        f"Arrived {timezone.localtime(visit.arrived_at):%d/%m/%Y %H:%M}",
        f"Left the property {timezone.localtime(visit.left_at):%d/%m/%Y %H:%M}",
        "Visit and outcomes must be recorded onto the Child Protection Online Management System (CPOMS).",
        "Recorded on CPOMS by",
        str(cast.visitor),
        "Pat Parent",
        "M14 5AB",
    ]:
        assert expected in text, expected
    assert "OFFICIAL-SENSITIVE" in text
    assert "bluebell" not in text


def test_hc24_record_says_a_concern_was_raised_but_not_what_it_is(cast, login):
    record = RECORD | {"child_protection_concern": True, "concern_details": "Bruise on the left arm, unexplained."}
    visit = full_visit(cast, record=record)

    text = pdf_text(download(login(cast.lead), "pdf_record", visit).content)

    assert "Child protection concern Yes: passed to the safeguarding leads" in text
    assert "Bruise" not in text


# --- the Lone Working Risk Assessment (hc09) -------------------------------------------------------------


def test_hc09_risk_assessment_prints_the_reviewed_table(cast, login):
    # Arrange: the school's template rows, as reviewed for this visit.
    visit = full_visit(cast, Status.AUTHORISED)
    review = visit.risk_review
    rows = list(review.assessment.rows.all())

    # Act
    response = download(login(cast.visitor), "pdf_risk_assessment", visit)
    text = pdf_text(response.content)
    keep("risk-assessment.pdf", response.content)

    # Assert
    for label in ["Lone Working Risk Assessment", "Hazards", "People", "Severity of harm", "Likelihood", "Risk Level"]:
        assert label in text, label
    assert "Controls" in text
    assert rows
    for row in rows:
        for value in [row.hazard, row.people_at_risk, row.get_severity_display(), row.get_likelihood_display()]:
            assert squash(value) in squash(text), value
        # A table cell's lines come out between its neighbours' lines (a hyphenated word may be
        # split at its hyphen): every word, then.
        assert [w for w in re.split(r"[\s-]+", row.controls) if w not in text] == [], row.hazard
    assert f"Version {review.assessment.version}" in text
    assert f"By {review.reviewed_by}, {timezone.localtime(review.reviewed_at):%d/%m/%Y %H:%M}" in text
    assert f"Overall risk level {review.assessment.get_level_display()}" in text
    assert "OFFICIAL-SENSITIVE" in text
    assert "bluebell" not in text


def squash(value: str) -> str:
    return re.sub(r"\s+", "", value)


# --- the appointment letter (hc08) -----------------------------------------------------------------------


def test_hc08_letter_pdf_uses_the_letter_wording(cast, login):
    # Arrange
    visit = full_visit(cast, Status.AUTHORISED)

    # Act
    response = download(login(cast.office), "pdf_letter", visit)
    text = pdf_text(response.content)
    keep("letter.pdf", response.content)

    # Assert
    start = timezone.localtime(visit.scheduled_start)
    for expected in [
        "Home visit appointment",
        "Dear Pat Parent,",
        f"We would like to visit you at home to talk with you about {cast.pupil.first_name}'s attendance at school",
        f"Date {start:%A} {start.day} {start:%B %Y}",
        f"Time {start:%H:%M} to about {hhmm(visit.expected_end)}",
        f"Who will visit {cast.visitor}, Family wellbeing worker",
        "ring the school office on 0161 496 0000",
        "Yours sincerely,",
    ]:
        assert expected in text, expected
    for secret in ["bluebell", "OFFICIAL-SENSITIVE", "Mother works nights", "aggressive"]:
        assert secret not in text
    day = start.date()
    assert response["Content-Disposition"] == (
        f'inline; filename="appointment-letter-{day:%Y-%m-%d}-{cast.pupil.initials}.pdf"'
    )


# A 2x1 RGB PNG.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000010802000000"
    "7b40e8dd0000000f4944415478da63f8cfc0f09f0100070a02fe8f30d4c50000000049454e44ae426082"
)
