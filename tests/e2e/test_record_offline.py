"""The Record of Home Visit on a touch tablet at 768x1024 when the signal drops (issue 5): the
visitor says who is present, types part of the record (kept as a draft at school), loses the
signal, finishes and sends it; the tablet holds it and says so, keeps every value in its storage,
and sends it by itself when the signal is back. Nothing is lost. Also the hc15 branch: no
responsible adult present. Screenshots of each state go to test-artifacts/screenshots/record-*.png.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD, make_cast
from visits import lifecycle
from visits.enums import AdultAuthority, Status
from visits.models import RecordDraft, Visit, VisitRecord

from .conftest import PORTRAIT
from .test_roles_login import sign_in

pytestmark = pytest.mark.browser

OFFLINE = "No signal: kept on this tablet, will send when back"


def stored(page: Page, key: str) -> dict | None:
    raw = page.evaluate("key => window.localStorage.getItem(key)", key)
    return json.loads(raw) if raw else None


def test_record_typed_offline_is_held_on_the_tablet_and_sent_when_the_signal_returns(
    tablet: Page, server: str, screenshots
):
    # Arrange: a visit under way; its lead visitor signs in on the tablet.
    page = tablet
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS)
    key = f"hv-record:{visit.code}:{cast.visitor.pk}"
    status = page.get_by_test_id("record-status")
    sign_in(page, server, cast.visitor.username, PASSWORD)

    # Act 1: who is present (hc15).
    page.goto(f"{server}/visits/{visit.code}/present/")
    page.get_by_test_id("choice-adult_authority-parental_responsibility").tap()
    page.get_by_label("Their name").fill("Pat Parent")
    page.get_by_label("Their relationship to the child").fill("Mother")
    page.screenshot(path=screenshots / "record-present.png", full_page=True)
    page.get_by_role("button", name="Continue").tap()

    # Act 2: part of the record, with the signal; the draft reaches the school.
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/record/$"))
    expect(page.get_by_label("Adult spoken to")).to_have_value("Pat Parent")
    page.get_by_label("Who was seen").fill("Mother and Sam")
    page.get_by_test_id("choice-child_seen-yes").tap()
    page.get_by_label("Outcome of the visit").fill("Talked about getting up on time.")
    expect(status).to_have_text(re.compile(r"^Saved to school \d\d:\d\d$"))
    page.screenshot(path=screenshots / "record-saved-to-school.png", full_page=True)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.screenshot(path=screenshots / "record-landscape.png")
    page.set_viewport_size(PORTRAIT)
    assert RecordDraft.objects.get(visit=visit).data["people_seen"] == "Mother and Sam"

    # Act 3: the signal drops; the visitor finishes the record and sends it.
    page.context.set_offline(True)
    expect(status).to_have_text(OFFLINE)
    page.get_by_label("Outcome of the visit").fill("Talked about getting up on time. Agreed an alarm clock.")
    expect(status).to_have_text(re.compile(rf"^(Saved on this tablet|{OFFLINE})$"))
    page.screenshot(path=screenshots / "record-saved-on-tablet.png", full_page=True)
    page.get_by_label("Action required (optional)").fill("Ring on Friday.")
    page.get_by_test_id("choice-child_protection_concern-no").tap()
    page.get_by_test_id("choice-follow_up_wanted-yes").tap()
    page.get_by_label("What we agreed with the family (optional)").fill("Sam at school by 08:45.")
    page.get_by_label("Notes (optional)").fill("Dog shut in the kitchen.")
    page.get_by_test_id("send-record").tap()

    # Assert: held on the tablet, and it says so; every value is in the tablet's storage.
    expect(status).to_have_text(OFFLINE)
    page.screenshot(path=screenshots / "record-no-signal.png", full_page=True)
    held = stored(page, key)
    assert held is not None and held["pending"] is True
    assert held["data"] == {
        "adult_spoken_to": "Pat Parent",
        "adult_relationship": "Mother",
        "adult_authority": "parental_responsibility",
        "people_seen": "Mother and Sam",
        "child_seen": "yes",
        "outcome": "Talked about getting up on time. Agreed an alarm clock.",
        "action_required": "Ring on Friday.",
        "child_protection_concern": "no",
        "concern_details": "",
        "incident_kind": "",
        "incident_at": "",
        "incident_details": "",
        "follow_up_wanted": "yes",
        "agreed_with_family": "Sam at school by 08:45.",
        "notes": "Dog shut in the kitchen.",
    }
    assert "bluebell" not in json.dumps(held)  # the code word never reaches the tablet's storage
    assert not VisitRecord.objects.filter(visit=visit).exists()

    # Act 4: the signal is back.
    page.context.set_offline(False)

    # Assert: sent by itself, then the visit page says what is next; the school has every value.
    expect(status).to_have_text("Sent")
    page.screenshot(path=screenshots / "record-sent.png", full_page=True)
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/$"))
    expect(page.locator(".alert-success").first).to_contain_text(
        "Record saved. Next: the parent's signature, then Left the property."
    )
    page.screenshot(path=screenshots / "record-visit-page.png", full_page=True)
    record = VisitRecord.objects.get(visit=visit)
    assert (
        record.adult_spoken_to,
        record.adult_relationship,
        record.adult_authority,
        record.people_seen,
        record.child_seen,
        record.outcome,
        record.action_required,
        record.child_protection_concern,
        record.incident_kind,
        record.follow_up_wanted,
        record.agreed_with_family,
        record.notes,
        record.written_by,
    ) == (
        "Pat Parent",
        "Mother",
        AdultAuthority.PARENTAL_RESPONSIBILITY,
        "Mother and Sam",
        True,
        "Talked about getting up on time. Agreed an alarm clock.",
        "Ring on Friday.",
        False,
        "",
        True,
        "Sam at school by 08:45.",
        "Dog shut in the kitchen.",
        cast.visitor,
    )
    assert stored(page, key) is None  # cleared only now the school has the record
    assert not RecordDraft.objects.filter(visit=visit).exists()
    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS


def test_hc15_no_responsible_adult_ends_the_visit_not_conducted_on_the_tablet(tablet: Page, server: str, screenshots):
    # Arrange
    page = tablet
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS)
    sign_in(page, server, cast.second.username, PASSWORD)

    # Act: no responsible adult; the warning; the confirmation.
    page.goto(f"{server}/visits/{visit.code}/present/")
    page.get_by_test_id("choice-adult_authority-none").tap()
    page.get_by_role("button", name="Continue").tap()
    expect(page.get_by_test_id("no-adult-warning")).to_contain_text("Do not go in.")
    page.screenshot(path=screenshots / "record-no-adult-warning.png", full_page=True)
    page.get_by_role("button", name="End the visit: not conducted").tap()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Say whether you saw the child.")
    page.get_by_test_id("choice-child_seen-no").tap()
    page.get_by_role("button", name="End the visit: not conducted").tap()

    # Assert
    expect(page).to_have_url(re.compile(rf"/visits/{visit.code}/$"))
    expect(page.locator(".alert-success").first).to_contain_text("Visit ended as not conducted")
    page.screenshot(path=screenshots / "record-not-conducted.png", full_page=True)
    visit.refresh_from_db()
    record = VisitRecord.objects.get(visit=visit)
    assert (visit.status, record.conducted, record.adult_authority, record.child_seen) == (
        Status.COMPLETED,
        False,
        AdultAuthority.NONE,
        False,
    )


def test_record_reload_restores_the_newer_of_the_tablet_and_the_school_copy(tablet: Page, server: str, screenshots):
    # Arrange: the school cannot be reached for drafts (the page itself still loads).
    page = tablet
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS)
    key = f"hv-record:{visit.code}:{cast.visitor.pk}"
    status = page.get_by_test_id("record-status")
    sign_in(page, server, cast.visitor.username, PASSWORD)
    page.route("**/record/draft/", lambda route: route.abort())
    page.goto(f"{server}/visits/{visit.code}/record/")

    # Act 1: typing that reaches only the tablet; then the page is reloaded.
    page.get_by_label("Who was seen").fill("Grandmother only")
    page.get_by_test_id("choice-child_seen-no").tap()
    expect(status).to_have_text(OFFLINE)
    assert not RecordDraft.objects.filter(visit=visit).exists()
    page.reload()

    # Assert 1: the tablet's copy is the newer and fills the form.
    expect(page.get_by_label("Who was seen")).to_have_value("Grandmother only")
    expect(page.locator("#id_child_seen_1")).to_be_checked()
    expect(status).to_have_text("Saved on this tablet")
    page.screenshot(path=screenshots / "record-restored-from-tablet.png", full_page=True)

    # Act 2: the school can be reached again; the restored copy goes up as the draft.
    page.unroute("**/record/draft/")
    expect(status).to_have_text(re.compile(r"^Saved to school \d\d:\d\d$"))
    assert RecordDraft.objects.get(visit=visit).data["people_seen"] == "Grandmother only"

    # Act 3: the tablet's copy is made older than the school's (typed elsewhere since), and reloaded.
    lifecycle.save_draft(visit, cast.visitor, {"people_seen": "Mother and Sam (typed on the other tablet)"})
    page.evaluate(
        "key => { const e = JSON.parse(localStorage.getItem(key)); e.saved_at = 0; localStorage.setItem(key, JSON.stringify(e)); }",
        key,
    )
    page.reload()

    # Assert 2: the school's copy is the newer and is what the form shows.
    expect(page.get_by_label("Who was seen")).to_have_value("Mother and Sam (typed on the other tablet)")
    expect(status).to_have_text(re.compile(r"^Saved to school \d\d:\d\d$"))


def test_record_with_a_problem_shows_it_by_its_field_and_keeps_the_tablet_copy(tablet: Page, server: str, screenshots):
    # Arrange
    page = tablet
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS)
    key = f"hv-record:{visit.code}:{cast.visitor.pk}"
    sign_in(page, server, cast.visitor.username, PASSWORD)
    page.goto(f"{server}/visits/{visit.code}/record/")

    # Act: a concern ticked yes without saying what it is, and most of the record missing.
    page.get_by_label("Who was seen").fill("Mother")
    page.get_by_test_id("choice-child_protection_concern-yes").tap()
    page.get_by_test_id("send-record").tap()

    # Assert: the summary and each field say what to fix; the typing is on the page and the tablet.
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("Say what the concern is")
    expect(summary).to_contain_text("Write the outcome of the visit.")
    expect(page.locator("#id_concern_details")).to_have_class(re.compile(r"is-invalid"))
    expect(page.get_by_label("Who was seen")).to_have_value("Mother")
    expect(page.get_by_test_id("record-status")).to_have_text("Not sent yet: check the form. Kept on this tablet.")
    page.screenshot(path=screenshots / "record-errors.png", full_page=True)
    held = stored(page, key)
    assert held is not None and held["data"]["people_seen"] == "Mother" and held["pending"] is False
    assert not VisitRecord.objects.filter(visit=visit).exists()


def test_record_typed_after_the_session_ended_is_kept_and_the_visitor_told(tablet: Page, server: str, screenshots):
    # Arrange: the record form open; then the session ends (signed out elsewhere, or timed out).
    page = tablet
    cast = make_cast()
    visit = cast.make_visit(Status.IN_PROGRESS)
    key = f"hv-record:{visit.code}:{cast.visitor.pk}"
    status = page.get_by_test_id("record-status")
    sign_in(page, server, cast.visitor.username, PASSWORD)
    page.goto(f"{server}/visits/{visit.code}/record/")
    page.context.clear_cookies()

    # Act
    page.get_by_label("Who was seen").fill("Mother")
    expect(status).to_contain_text("Not saved to school: sign in again")
    page.get_by_test_id("send-record").tap()

    # Assert: nothing claimed as saved; the typing stays on the tablet.
    expect(status).to_contain_text("Not sent: sign in again")
    page.screenshot(path=screenshots / "record-signed-out.png")
    assert stored(page, key)["data"]["people_seen"] == "Mother"
    assert not RecordDraft.objects.filter(visit=visit).exists()
    assert not VisitRecord.objects.filter(visit=visit).exists()
