"""What a PDF may load and say (hc11, hc23): the fetcher serves our own files and nothing else,
typed text is printed as text, and the copy left at the home never holds the code word, the risk
assessment or a concern."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import models
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.visits.test_pdf import RECORD, embedded_things, full_visit, keep, pdf_text, squash
from visits import pdf
from visits.enums import IncidentKind
from visits.models import School, User, Visit, VisitRecord

# --- the fetcher ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:8000/visits/today/",
        "https://example.org/logo.png",
        "data:image/png;base64,iVBORw0KGgo=",
        "data:text/css,body{}",
        "ftp://127.0.0.1/x",
        "hv-static:../homevisits/settings.py",
        "hv-static:/etc/passwd",
        "hv-static:css/../../homevisits/settings.py",
        "hv-static:css/missing.css",
        "hv-static:js/board.js",
        "hv-image:parent-signature",
    ],
)
def test_fetcher_refuses_everything_but_our_files(url):
    fetcher = pdf.OwnFilesFetcher()

    with pytest.raises(pdf.RefusedURL):
        fetcher.fetch(url)

    assert fetcher.refused == [url]


def test_fetcher_serves_our_static_files_and_this_renders_images():
    fetcher = pdf.OwnFilesFetcher(images={"parent-signature": (b"\x89PNG\r\n\x1a\n", "image/png")})

    css = fetcher.fetch("hv-static:css/app.css")
    image = fetcher.fetch("hv-image:parent-signature")

    assert css.content_type == "text/css" and len(css.read()) > 0
    assert image.content_type == "image/png" and image.read() == b"\x89PNG\r\n\x1a\n"
    assert fetcher.refused == []


# --- payloads through every free-text field -------------------------------------------------------------


class Recorder(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (the http.server name)
        Recorder.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    """A real server on 127.0.0.1 that records every request: nothing may reach it."""
    Recorder.hits = []
    server = HTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


PAYLOADS = [
    '<img src="file:///etc/passwd">',
    '<link rel=attachment href="file:///etc/passwd">',
    '<img src="http://127.0.0.1:{port}/img.png">',
    '<link rel=stylesheet href="http://127.0.0.1:{port}/s.css">',
    '<style>@import "http://127.0.0.1:{port}/i.css";</style>',
    '<object data="http://127.0.0.1:{port}/o"></object>',
    '<a rel=attachment href="file:///etc/hostname">x</a>',
    "<svg><image href='http://127.0.0.1:{port}/svg'/></svg>",
    "url(http://127.0.0.1:{port}/u) data:text/html,<b>x</b>",
]

VISIT_TEXT = [
    "person_visited",
    "address_line1",
    "address_line2",
    "town",
    "comments",
    "reason_detail",
    "briefing",
    "purpose",
    "why_not_in_school",
    "people_to_see",
    "lead_visitor_role",
    "second_visitor_role",
]
RECORD_TEXT = [
    "people_seen",
    "outcome",
    "action_required",
    "notes",
    "concern_details",
    "adult_spoken_to",
    "adult_relationship",
    "incident_details",
    "agreed_with_family",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hc23_payloads_in_every_free_text_field_fetch_and_attach_nothing(cast, listener, payload):
    # Arrange: the payload in every field a person types, the risk assessment and the school's
    # and people's names included.
    payload = payload.format(port=listener)
    School.objects.filter(pk=cast.school.pk).update(name=payload, address=payload)
    User.objects.filter(pk__in=[cast.visitor.pk, cast.second.pk, cast.lead.pk]).update(last_name=payload)
    cast.household.name = payload
    cast.household.save()
    cast.pupil.first_name = payload
    cast.pupil.save()
    risk = {"hazard": payload, "people_at_risk": payload, "controls": payload}
    record = RECORD | dict.fromkeys(RECORD_TEXT, payload) | {"child_protection_concern": True}
    record |= {"incident_kind": IncidentKind.THREAT, "incident_at": timezone.now()}
    visit = full_visit(cast, record=record, conditions=payload, risk_change=risk, **dict.fromkeys(VISIT_TEXT, payload))

    for kind in pdf.DOCUMENTS:
        # Act
        fetcher = pdf.OwnFilesFetcher()
        content, _ = pdf.render_document(kind, visit, fetcher=fetcher)
        keep(f"payload-{kind}.pdf", content)

        # Assert: nothing asked for, nothing reached the listener, nothing embedded or linked,
        # and the payload printed as the text it is.
        assert fetcher.requested == [], kind
        assert Recorder.hits == [], kind
        assert embedded_things(content) == {"embedded_files": 0, "annotations": 0, "images": 0}, kind
        assert squash(payload) in squash(pdf_text(content)), kind


# --- the home copy never holds what the family may not keep (hc11, hc23) ---------------------------------

# What the family's papers print of the visit and its record; every other text field of the two is
# the school's alone. A field added to either model is secret until it is added here on purpose.
FAMILY_FIELDS = {
    "person_visited",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "lead_visitor_role",
    "second_visitor_role",
    "agency_worker_name",
    "agency_worker_organisation",
    "agreed_with_family",
}


def text_fields(model) -> list[str]:
    """The free-text fields of `model` (no choices: those print their fixed labels)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField) and not f.choices
    ]


SECRET_VISIT_FIELDS = [f for f in text_fields(Visit) if f not in FAMILY_FIELDS]
SECRET_RECORD_FIELDS = [f for f in text_fields(VisitRecord) if f not in FAMILY_FIELDS]
FAMILY_KINDS = ("home_copy", "letter")


def test_hc11_secret_fields_cover_the_briefing_code_word_and_record():
    # The property test below is only as good as this list: the fields it must cover are in it.
    for field in ["code_word", "briefing", "comments", "authorisation_conditions", "decision_note", "purpose"]:
        assert field in SECRET_VISIT_FIELDS
    for field in ["outcome", "action_required", "notes", "concern_details", "incident_details", "people_seen"]:
        assert field in SECRET_RECORD_FIELDS
    assert "agreed_with_family" not in SECRET_RECORD_FIELDS


@pytest.fixture
def completed_with_concern(cast) -> tuple[Visit, dict[str, str]]:
    """A completed visit with a concern and a changed risk assessment, and the text of its home
    copy and letter as they are."""
    record = RECORD | {
        "child_protection_concern": True,
        "concern_details": "Bruise on the left arm.",
        "agreed_with_family": "Sam will walk to school with his cousin from Monday.",
    }
    visit = full_visit(cast, record=record, risk_change={"controls": "Keep the dog shut in the kitchen."})
    return visit, {kind: pdf_text(pdf.render_document(kind, visit)[0]) for kind in FAMILY_KINDS}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(code_word=st.text(st.characters(codec="ascii", categories=["L", "N", "P"]), min_size=4, max_size=40))
def test_hc11_home_copy_and_letter_never_hold_code_word_risk_or_concern(completed_with_concern, code_word):
    # Arrange: the code word in every text field of the visit and its record that the family may
    # not keep (in this in-memory copy of the visit).
    visit, baseline = completed_with_concern
    assume(all(code_word not in text for text in baseline.values()))
    visit.code_word = code_word
    for field in SECRET_VISIT_FIELDS:
        if field != "code_word":
            setattr(visit, field, f"{field}: {code_word}")
    for field in SECRET_RECORD_FIELDS:
        setattr(visit.record, field, f"Concern: {code_word}")
    risk_rows = list(visit.risk_review.assessment.rows.all())

    for kind in FAMILY_KINDS:
        # Act
        text = pdf_text(pdf.render_document(kind, visit)[0])

        # Assert: not a word changed: no secret field reaches the family's papers at all ...
        assert text == baseline[kind], kind
        assert code_word not in text, kind
        assert "Bruise" not in text and "Concern" not in text, kind
        assert "Keep the dog shut" not in text and "OFFICIAL-SENSITIVE" not in text, kind
        assert all(row.hazard not in text for row in risk_rows), kind
    # ... while what was agreed with the family is on the copy they keep.
    assert "Sam will walk to school with his cousin from Monday." in baseline["home_copy"]
