"""The PDFs with long, realistic data (hc08, hc09, hc23, hc24): every document flows onto further
pages without losing a word, and every page keeps the school's name, its page number and (for the
school's own documents) the OFFICIAL-SENSITIVE marking.

`long_visit` is also what the PNGs looked at for issue 6 were drawn from:
`pdftoppm -png -r 60 test-artifacts/pdf/long-<kind>.pdf`.
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from PIL import Image, ImageDraw

from tests.factories import Cast, make_pupil
from tests.visits.test_pdf import RECORD, embedded_things, full_visit, keep, page_texts, pdf_text, squash
from visits import pdf
from visits.enums import AdultAuthority, IncidentKind, Status
from visits.models import ParentSignature, Visit


def words(n: int, what: str) -> str:
    """`n` numbered sentences about `what`, with a paragraph break every tenth."""
    return "".join(
        f"{what.capitalize()} sentence {i}: the family's circumstances, what was said and what happens next."
        + ("\n\n" if i % 10 == 9 else " ")
        for i in range(n)
    ).strip()


def signature_png() -> bytes:
    """A signature as the tablet's pad hands it over: a dark stroke on a transparent PNG."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20 + x * 4, 120 + int(40 * ((x % 25) - 12) / 12) * (-1) ** (x // 25)) for x in range(140)]
    draw.line(points, fill=(10, 20, 60, 255), width=5, joint="curve")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


RECORD_LONG = RECORD | {
    "people_seen": "Pat Parent (mother), Sam, Ali and Jo, and Grandma Rose, who lives with them.",
    "outcome": words(24, "outcome"),
    "action_required": words(12, "action"),
    "notes": words(8, "note"),
    "agreed_with_family": words(9, "agreed"),
    "adult_spoken_to": "Pat Parent",
    "adult_relationship": "Mother",
    "adult_authority": AdultAuthority.PARENTAL_RESPONSIBILITY,
    "incident_kind": IncidentKind.THREAT,
    "incident_details": "Uncle Bob shouted at us on the doorstep.",
}


def long_visit(cast: Cast) -> Visit:
    """A completed visit with everything long: comments, reasons, conditions, the record, five
    pupils, two visitors, a second address line, a changed risk assessment with long controls,
    the parent's captured signature and a CPOMS entry."""
    from safeguarding.concerns import record_on_cpoms

    pupils = [cast.pupil] + [make_pupil(cast.household, name) for name in ("Ali", "Jo", "Maximilian", "Rose")]
    visit = full_visit(
        cast,
        Status.COMPLETED,
        record=RECORD_LONG | {"incident_at": timezone.now() - dt.timedelta(minutes=5)},
        conditions=words(5, "condition"),
        risk_change={"controls": words(4, "control")},
        pupils=pupils,
        comments=words(40, "comment"),
        reason_detail=words(6, "reason"),
        address_line2="Flat 12, Riverside Court, Upper Chorlton Road",
    )
    ParentSignature.objects.create(
        visit=visit, image=signature_png(), width=600, height=200, signer_name="Pat Parent", captured_by=cast.visitor
    )
    record_on_cpoms(visit, cast.lead, "CP-2026-004711")
    return Visit.objects.select_related("school", "household", "lead_visitor", "second_visitor").get(pk=visit.pk)


@pytest.fixture
def rendered(cast) -> dict[str, tuple[Visit, bytes]]:
    visit = long_visit(cast)
    out = {}
    for kind in pdf.DOCUMENTS:
        content, _ = pdf.render_document(kind, visit)
        keep(f"long-{kind}.pdf", content)
        out[kind] = content
    return {"visit": visit} | out


# What each document must hold in full, however long: (document, the visit's or record's field).
LONG_TEXT = [
    ("form", "comments"),
    ("form", "reason_detail"),
    ("form", "authorisation_conditions"),
    ("record", "record.outcome"),
    ("record", "record.action_required"),
    ("record", "record.notes"),
    ("record", "record.agreed_with_family"),
    ("home_copy", "record.agreed_with_family"),
]


@pytest.mark.parametrize(("kind", "field"), LONG_TEXT)
def test_hc23_long_text_flows_onto_further_pages_whole(rendered, kind, field):
    visit = rendered["visit"]
    value = visit
    for part in field.split("."):
        value = getattr(value, part)

    # The page header and footer come between a page's last line and the next page's first.
    text = re.sub(r"Holy Cross|OFFICIAL-SENSITIVE|Page \d+ of \d+", "", pdf_text(rendered[kind]))
    assert squash(value) in squash(text), field


@pytest.mark.parametrize("kind", ["form", "home_copy", "record", "risk_assessment", "letter"])
def test_hc23_every_page_has_school_page_number_and_marking(rendered, kind):
    pages = page_texts(rendered[kind])
    internal = pdf.DOCUMENTS[kind].internal

    for n, page in enumerate(pages, 1):
        assert "Holy Cross" in page, (kind, n)
        assert f"Page {n} of {len(pages)}" in page, (kind, n)
        assert page.count("OFFICIAL-SENSITIVE") == (2 if internal else 0), (kind, n)


def test_hc23_long_documents_take_the_pages_they_need(rendered):
    # The long comments and record push the form and the record over a page; the family's copy
    # and the letter stay short enough for one sheet.
    counts = {kind: len(page_texts(rendered[kind])) for kind in pdf.DOCUMENTS}

    assert counts["form"] >= 2 and counts["record"] >= 2 and counts["risk_assessment"] >= 2
    assert counts["letter"] == 1
    # The parent's signature is drawn on the two documents that carry it, and nowhere else.
    # (pypdf lists an image on every page that shares the resources it is drawn from.)
    drawn = {kind: embedded_things(rendered[kind])["images"] > 0 for kind in pdf.DOCUMENTS}
    assert drawn == {"form": True, "home_copy": True, "record": False, "risk_assessment": False, "letter": False}


def test_hc24_record_prints_adult_incident_agreement_and_cpoms_entry(rendered):
    text = pdf_text(rendered["record"])

    for expected in [
        "Adult spoken to Pat Parent (Mother) Parent or carer with parental responsibility",
        "Who was seen Pat Parent (mother), Sam, Ali and Jo, and Grandma Rose, who lives with them.",
        "Incident on the visit Yes: Threat or abuse towards the visitor",
        "reported to the safeguarding leads (the details are in the incident, not on this record)",
        "What we agreed with the family Agreed sentence 0:",
        "reference CP-2026-004711",
    ]:
        assert expected in text, expected
    # The incident's and the concern's own words stay in the incident and the concern.
    assert "Uncle Bob" not in text


def test_hc23_home_copy_of_long_visit_keeps_only_what_the_family_may_keep(rendered):
    visit = rendered["visit"]
    text = pdf_text(rendered["home_copy"])

    assert "Agreed sentence 8:" in text
    for pupil in visit.pupils.all():
        assert f"{pupil.first_name} {pupil.last_name}" in text
    for secret in ["Comment sentence", "Outcome sentence", "Action sentence", "Note sentence", "Condition sentence"]:
        assert secret not in text, secret
    for secret in ["Reason sentence", "Control sentence", "Uncle Bob", "CP-2026", "bluebell", "Grandma Rose"]:
        assert secret not in text, secret


def test_hc23_page_header_and_footer_never_overlap_the_text(rendered):
    """Every line of text sits inside its page's margins or in the margin boxes: the body text
    between 22mm and 20mm from the top and bottom, the header and footer outside it."""
    from pypdf import PdfReader

    for kind in pdf.DOCUMENTS:
        reader = PdfReader(io.BytesIO(rendered[kind]))
        for n, page in enumerate(reader.pages, 1):
            height = float(page.mediabox.height)
            body_ys, margin_ys = [], []

            def visit_text(text, cm, tm, font_dict, font_size, body_ys=body_ys, margin_ys=margin_ys, height=height):
                if not text.strip():
                    return
                y = height - (tm[5] * cm[3] + cm[5])  # distance from the top, in points
                if text.strip() == "Holy Cross":
                    return  # the page header, or the letterhead under it
                is_margin = re.fullmatch(r"\s*(OFFICIAL-SENSITIVE|Page \d+ of \d+)\s*", text)
                (margin_ys if is_margin else body_ys).append(y)

            page.extract_text(visitor_text=visit_text)
            top, bottom = 22 * 72 / 25.4, height - 20 * 72 / 25.4
            assert body_ys and all(top <= y <= bottom + 1 for y in body_ys), (kind, n)
            assert all(y < top or y > bottom for y in margin_ys), (kind, n)
