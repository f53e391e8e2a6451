"""The visitor's own signature on the Home Visit Form and the Record (hc23, issue 16): drawn on the
tablet's pad by the member of staff signed in, each for themselves, once set off; checked as the
parent's is; printed on the staff member's line of the form, the Record and the family's copy.
And the form's words: where the family's copy is, and the visit's actual times beside the slot."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.matrix.signature import _drawn
from tests.visits.test_pdf import download, embedded_things, full_visit, keep, page_texts, pdf_text
from visits import lifecycle, pdf, signature, staff_signatures
from visits.enums import AuditAction, Status
from visits.exceptions import NotPermitted
from visits.models import AuditEntry, ParentSignature, StaffSignature, Visit


def url(visit: Visit) -> str:
    return reverse("visits:staff_signature", args=[visit.code])


def signatures(visit: Visit) -> list[tuple[str, int]]:
    return sorted((s.signer.username, len(bytes(s.image))) for s in StaffSignature.objects.filter(visit=visit))


# --- signing ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "second"])
def test_hc23_a_visitor_signs_for_themselves_and_the_signature_is_kept_re_encoded(cast, login, who):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(getattr(cast, who))

    # Act
    page = client.get(url(visit))
    response = client.post(url(visit), {"signature": _drawn(), "signer_name": "Someone Else"})

    # Assert: saved for the person signed in (a typed name is ignored), and audited without the image.
    assert page.status_code == 200 and 'id="sig-canvas"' in page.content.decode()
    assert response.status_code == 302 and response["Location"] == reverse("visits:detail", args=[visit.code])
    kept = StaffSignature.objects.get(visit=visit)
    assert kept.signer == getattr(cast, who)
    assert bytes(kept.image).startswith(signature.PNG_MAGIC)
    rows = AuditEntry.objects.filter(object_code=str(visit.code), detail=staff_signatures.AUDIT_DETAIL)
    assert [(r.action, r.username) for r in rows] == [(AuditAction.UPDATE, getattr(cast, who).username)]
    assert AuditEntry.objects.filter(object_code=str(visit.code), detail="staff signature page").count() == 1


def test_hc23_each_visitor_signs_once_and_signing_again_replaces_their_own(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    login(cast.visitor).post(url(visit), {"signature": _drawn()})
    login(cast.visitor).post(url(visit), {"signature": _drawn()})
    login(cast.second).post(url(visit), {"signature": _drawn()})

    # Assert
    assert [name for name, _ in signatures(visit)] == sorted([cast.visitor.username, cast.second.username])


def test_hc23_a_visitor_may_sign_after_the_visit_is_complete(cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)

    # Act
    response = login(cast.visitor).post(url(visit), {"signature": _drawn()})

    # Assert
    assert response.status_code == 302
    assert [name for name, _ in signatures(visit)] == [cast.visitor.username]


@pytest.mark.parametrize("who, status", [("office", 403), ("lead", 403), ("head", 403), ("other_visitor", 404)])
def test_hc23_nobody_else_signs_as_the_staff_member(cast, login, who, status):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    get = login(getattr(cast, who)).get(url(visit))
    post = login(getattr(cast, who)).post(url(visit), {"signature": _drawn()})

    # Assert
    assert (get.status_code, post.status_code) == (status, status)
    assert signatures(visit) == []


def test_hc23_before_setting_off_the_visitor_is_sent_back_with_the_reason(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    response = login(cast.visitor).post(url(visit), {"signature": _drawn()}, follow=True)

    # Assert
    assert response.redirect_chain[-1][0] == reverse("visits:detail", args=[visit.code])
    assert "set off first" in response.content.decode()
    assert signatures(visit) == []


def test_hc23_the_service_refuses_anyone_not_on_the_visit(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    drawn = signature.clean_data_url(_drawn())

    with pytest.raises(NotPermitted):
        staff_signatures.record_staff_signature(visit, cast.office, drawn)

    assert signatures(visit) == []


@pytest.mark.parametrize(
    "sent, words",
    [
        ("", "Please sign in the box"),
        ("data:image/png;base64,AAAA", "Please sign again."),
        ("data:image/gif;base64,R0lGOD", "Please sign again."),
    ],
)
def test_hc23_an_empty_or_damaged_signature_is_refused_in_the_visitors_words(cast, login, sent, words):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(cast.visitor).post(url(visit), {"signature": sent})

    # Assert
    html = response.content.decode()
    assert response.status_code == 200 and "Nothing was saved." in html
    assert words in html and "Ask the parent" not in html
    assert signatures(visit) == []


def test_hc23_the_visit_page_offers_the_staff_signature_to_the_visitors_at_the_door(cast, login):
    # Arrange: the link sits on the parent's signature card, shown once the visitors arrived.
    road = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(road, cast.visitor, "arrived")
    waiting = cast.make_visit(Status.AUTHORISED)

    # Act
    on_road = login(cast.visitor).get(reverse("visits:detail", args=[road.code])).content.decode()
    not_yet = login(cast.visitor).get(reverse("visits:detail", args=[waiting.code])).content.decode()
    office = login(cast.office).get(reverse("visits:detail", args=[road.code])).content.decode()

    # Assert
    assert url(road) in on_road
    assert url(waiting) not in not_yet
    assert url(road) not in office


# --- the PDFs ----------------------------------------------------------------------------------------


def test_hc23_form_record_and_family_copy_print_the_visitors_signature_on_the_staff_line(cast, login):
    # Arrange: the lead visitor signed on the tablet; the second did not.
    visit = full_visit(cast, Status.COMPLETED)
    staff_signatures.record_staff_signature(visit, cast.visitor, signature.clean_data_url(_drawn()))
    at = timezone.localtime(StaffSignature.objects.get(visit=visit).captured_at)
    client = login(cast.visitor)
    unsigned = full_visit(cast, Status.COMPLETED)

    # Act
    documents = {name: download(client, f"pdf_{name}", visit).content for name in ("form", "record", "home_copy")}
    keep("form-staff-signed.pdf", documents["form"])
    keep("record-staff-signed.pdf", documents["record"])
    blank = pdf_text(download(client, "pdf_form", unsigned).content)

    # Assert: the image, with the signer's name and time; a line by hand for the one who did not.
    for name, content in documents.items():
        text = pdf_text(content)
        assert f"(Staff member) {cast.visitor}, {at:%d/%m/%Y %H:%M}" in text, name
        assert f"(Staff member) {cast.second}" in text, name
        assert embedded_things(content)["images"] >= 1, name
    assert f"(Staff member) {cast.visitor}," not in blank
    assert embedded_things(download(client, "pdf_form", unsigned).content)["images"] == 0


def test_hc23_the_staff_signature_is_drawn_from_this_renders_bytes_and_nothing_else_is_fetched(cast):
    # Arrange
    visit = full_visit(cast, Status.COMPLETED)
    staff_signatures.record_staff_signature(visit, cast.second, signature.clean_data_url(_drawn()))
    fetcher = pdf.OwnFilesFetcher()

    # Act
    pdf.render_document("form", visit, fetcher=fetcher)

    # Assert: the second visitor is the second line.
    assert fetcher.requested == ["hv-image:staff-signature-1"]
    assert fetcher.refused == []


def test_the_form_says_where_the_familys_copy_is_not_that_this_one_is_left(cast, login):
    # Arrange
    visit = full_visit(cast, Status.AUTHORISED)

    # Act
    text = pdf_text(download(login(cast.office), "pdf_form", visit).content)

    # Assert
    assert "The family's copy, to leave at the home, is printed separately." in text
    assert "MUST be left at the home" not in text


def test_the_form_and_record_print_the_actual_times_beside_the_booked_slot_on_one_page(cast, login):
    # Arrange
    visit = full_visit(cast, Status.COMPLETED)
    lifecycle.record_step(visit, cast.office, "back")
    visit.refresh_from_db()
    booked = timezone.localtime(visit.scheduled_start)
    times = {k: timezone.localtime(getattr(visit, f)) for k, f in [("s", "started_at"), ("a", "arrived_at")]}
    times |= {k: timezone.localtime(getattr(visit, f)) for k, f in [("l", "left_at"), ("b", "returned_at")]}
    planned = full_visit(cast, Status.AUTHORISED)
    client = login(cast.visitor)

    # Act
    form = pdf_text(download(client, "pdf_form", visit).content)
    record = pdf_text(download(client, "pdf_record", visit).content)
    before = pdf_text(download(client, "pdf_form", planned).content)

    # Assert
    actual = f"Actual: Set off {times['s']:%H:%M}, Arrived {times['a']:%H:%M}, Left {times['l']:%H:%M}, "
    for text in (form, record):
        assert f"Booked: {booked:%A %d/%m/%Y}, {booked:%H:%M}" in text
        assert actual + f"Back {times['b']:%H:%M}" in text
    assert "Actual: not set off yet" in before
    # Both visitors and the parent signed: the form still fits one page.
    drawn = signature.clean_data_url(_drawn())
    for visitor in (cast.visitor, cast.second):
        staff_signatures.record_staff_signature(visit, visitor, drawn)
    ParentSignature.objects.create(
        visit=visit, image=drawn.png, width=600, height=200, signer_name="Pat Parent", captured_by=cast.visitor
    )
    keep("form-all-signed.pdf", download(client, "pdf_form", visit).content)
    assert len(page_texts(download(client, "pdf_form", visit).content)) == 1


def test_actual_times_name_the_day_when_it_is_not_the_booked_one(cast):
    # Arrange: set off the day after the booked day (a visit set off late, say).
    visit = cast.make_visit(Status.IN_PROGRESS)
    visit.started_at = visit.scheduled_start + timezone.timedelta(days=1)

    # Act
    times = pdf.actual_times(visit)

    # Assert
    assert times == [f"Set off {timezone.localtime(visit.started_at):%d/%m/%Y %H:%M}"]
