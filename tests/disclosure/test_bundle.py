"""The subject-access bundle holds every record about the person and none about anyone else
(issue 17): two families with unique strings, the JSON and the PDF's text (pdftotext) read for
each; third-party values marked for redaction are absent; another school's data is never found."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import time

import pytest

from disclosure import finder, services
from disclosure.bundle import REDACTED
from tests.disclosure.builders import (
    TAG_FIELDS,
    THIRD_PARTY_FIELDS,
    other_school_family,
    second_family,
    visit_with_everything,
)
from tests.factories import make_pupil
from visits.models import Contact

pytestmark = [pytest.mark.postgres]


def pdf_text(data: bytes) -> str:
    """The PDF's text as poppler reads it (poppler-utils: `scripts/syslibs.py test` installs it)."""
    command = [shutil.which("pdftotext") or "/usr/bin/pdftotext", "-layout", "-", "-"]
    return subprocess.run(command, input=data, capture_output=True, check=True).stdout.decode()  # noqa: S603 (our own bytes)


@pytest.fixture
def families(cast):
    """The subject (cast.pupil) on a visit with a sibling; another family of the same school with
    its own visit; a family of the other school."""
    sibling = make_pupil(cast.household, "SIBLINGNAME")
    mine = visit_with_everything(cast, cast.household, [cast.pupil, sibling], "SUBJ")
    other_household, other_pupil = second_family(cast, "OTHERFAM")
    visit_with_everything(cast, other_household, [other_pupil], "OTHERFAM")
    other_school_family(cast, "ELSEWHERE")
    return {"visit": mine, "sibling": sibling, "other_pupil": other_pupil}


def _request(cast, subject, **extra):
    fields = {
        "requester_name": "Pat Requester",
        "relationship": "parent",
        "received_on": dt.date(2026, 11, 2),
        "identity_check": "known",
    } | extra
    return services.record_request(cast.lead, cast.school, subject, **fields)


def _keys(dossier, *labels):
    return [i.key for i in dossier.items() if i.label in labels]


def test_the_bundle_holds_every_record_about_the_pupil_and_none_about_others(cast, families):
    # Arrange: the lead holds back only the sibling's name (unticking the other suggestions).
    sar = _request(cast, cast.pupil)
    found = services.dossier(sar)
    sibling_keys = _keys(found, "Another pupil on this visit", "Another pupil named on the concern")
    services.mark_redactions(cast.lead, sar, sibling_keys)

    # Act
    services.build_request_bundle(cast.lead, sar)
    sar.refresh_from_db()
    data = bytes(sar.bundle_json).decode()
    text = pdf_text(bytes(sar.bundle_pdf))

    # Assert: every one of the subject's strings in both; none of the other families'; the
    # sibling's name redacted; the code word never.
    for output in (data, text):
        for field in (*TAG_FIELDS, *THIRD_PARTY_FIELDS):
            assert f"SUBJ-{field}" in output.replace("\n", ""), field
        assert "OTHERFAM" not in output
        assert "ELSEWHERE" not in output
        assert "SIBLINGNAME" not in output
        assert "bluebell" not in output
        assert cast.pupil.last_name in output
    assert REDACTED in data and "[redacted: third" in text
    # The documents kept of the visit are listed (by title, with their fingerprint), not attached.
    assert "Record of Home Visit of the visit on" in data
    assert json.loads(data)["format"] == "home-visits/disclosure/1"


def test_third_party_data_is_held_back_by_default(cast, families):
    # Arrange: no marks saved: the suggestions stand.
    sar = _request(cast, cast.pupil)

    # Act
    services.build_request_bundle(cast.lead, sar)
    sar.refresh_from_db()
    data = bytes(sar.bundle_json).decode()
    text = pdf_text(bytes(sar.bundle_pdf))

    # Assert: the other adults, the agency worker, who was seen, the incident's words about staff.
    for output in (data, text):
        for field in (*THIRD_PARTY_FIELDS, "INCIDENT"):
            assert f"SUBJ-{field}" not in output, field
        assert "SIBLINGNAME" not in output
        assert "SUBJ-OUTCOME" in output


def test_a_contact_finds_the_visits_they_were_on_and_nothing_else(cast, families):
    # Arrange: the person visited on the subject's visit is a contact of the household by name.
    contact = Contact.objects.create(
        household=cast.household,
        first_name="SUBJ-PERSONVISITED".split("-")[0],
        last_name="x",
        relationship="Aunt",
        parental_responsibility=False,
    )
    visit = families["visit"]
    visit.contact = contact
    visit.save(update_fields=["contact"])

    # Act
    found = finder.find(cast.school, contact)
    values = " ".join(i.value for i in found.items())

    # Assert: the visit is theirs; the pupils on it are someone else's data (suggested).
    assert "SUBJ-OUTCOME" in values
    assert "OTHERFAM" not in values
    assert set(_keys(found, "Another pupil on this visit")) <= set(found.suggested)


def test_another_schools_data_is_never_found(cast, families):
    # Arrange: the other school's pupil, looked for from this school.
    _, elsewhere_pupil, _ = other_school_family(cast, "ELSE2")

    # Act
    found = finder.find(cast.school, elsewhere_pupil)

    # Assert: nothing but the person's own details.
    assert [s.entries for s in found.sections if s.key == "visits"] == [[]]
    assert "ELSE2-PURPOSE" not in " ".join(i.value for i in found.items())


def test_audit_entries_about_the_person_are_found_without_staff_names(cast, families, login):
    # Arrange: the office reads the visit page.
    login(cast.office).get(f"/visits/{families['visit'].code}/")

    # Act
    found = finder.find(cast.school, cast.pupil)
    audit = [s for s in found.sections if s.key == "audit"][0].entries[0]

    # Assert
    assert any("Viewed" in i.value for i in audit.items)
    assert not any(cast.office.username in i.value for i in audit.items)


def test_bundle_build_time_for_a_pupil_with_20_visits(cast):
    """Measured for the note: the bundle of a pupil with 20 completed visits, each with its record,
    concern, action, incident and signature."""
    for n in range(20):
        visit_with_everything(cast, cast.household, [cast.pupil], f"V{n:02d}")
    sar = _request(cast, cast.pupil)

    started = time.perf_counter()
    built = services.build_request_bundle(cast.lead, sar)
    seconds = time.perf_counter() - started

    print(f"\nbundle of 20 visits: {seconds:.2f} s, PDF {built.pdf_bytes // 1024} KB")
    assert seconds < 30


def test_a_visit_found_after_the_marks_were_saved_has_its_third_parties_held_back(cast, families):
    # Arrange: the lead saves marks holding nothing back; then a new visit is recorded.
    sar = _request(cast, cast.pupil)
    services.mark_redactions(cast.lead, sar, [])
    visit_with_everything(cast, cast.household, [cast.pupil], "LATER")

    # Act
    services.build_request_bundle(cast.lead, sar)
    sar.refresh_from_db()
    data = bytes(sar.bundle_json).decode()

    # Assert: the earlier visit as marked (nothing held back), the later one as suggested.
    assert "SUBJ-PEOPLESEEN" in data
    assert "LATER-OUTCOME" in data and "LATER-PEOPLESEEN" not in data
