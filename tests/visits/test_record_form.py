"""The Record of Home Visit on the tablet (issue 5): who is present (hc15), the record form
(hc20), the concern (hc21) and incident (hc22) it makes, and who may use each page, at the
lifecycle and at the view level."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from safeguarding.models import Concern, ConcernSource, Incident
from tests.factories import CAST_ROLES
from visits import access, lifecycle
from visits.enums import AdultAuthority, EventKind, Status
from visits.exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.models import Visit, VisitEvent, VisitRecord

VISITORS = ("visitor", "second")
# Those who see the visit but do not write its record (403) and those who do not see it (404).
SEE_NOT_WRITE = ("office", "lead", "deputy", "head")
HIDDEN = tuple(r for r in CAST_ROLES if r not in VISITORS + SEE_NOT_WRITE)

FIELDS = {
    "adult_spoken_to": "Pat Parent",
    "adult_relationship": "Mother",
    "adult_authority": AdultAuthority.PARENTAL_RESPONSIBILITY,
    "people_seen": "Mother and Sam",
    "child_seen": True,
    "outcome": "Talked about mornings; agreed an alarm clock.",
    "action_required": "Attendance officer to ring on Friday.",
    "follow_up_wanted": True,
    "agreed_with_family": "Sam will be at school by 08:45 every day.",
    "notes": "Dog kept in the kitchen.",
}
FORM = {
    "adult_spoken_to": "Pat Parent",
    "adult_relationship": "Mother",
    "adult_authority": "parental_responsibility",
    "people_seen": "Mother and Sam",
    "child_seen": "yes",
    "outcome": "Talked about mornings; agreed an alarm clock.",
    "action_required": "Attendance officer to ring on Friday.",
    "child_protection_concern": "no",
    "concern_details": "",
    "incident_kind": "",
    "incident_at": "",
    "incident_details": "",
    "follow_up_wanted": "yes",
    "agreed_with_family": "Sam will be at school by 08:45 every day.",
    "notes": "Dog kept in the kitchen.",
}


def kinds(visit: Visit) -> list[str]:
    return list(VisitEvent.objects.filter(visit=visit).values_list("kind", flat=True))


def minutes_ago(n: int) -> dt.datetime:
    return (timezone.now() - dt.timedelta(minutes=n)).replace(second=0, microsecond=0)


# --- lifecycle: the not-conducted branch (hc15) ---------------------------------------------------


def test_hc15_no_adult_ends_not_conducted(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "arrived")

    # Act
    record = lifecycle.end_not_conducted(visit, cast.visitor, child_seen=False, note="Older sister answered.")

    # Assert
    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED
    assert visit.left_at is not None and visit.completed_at is not None
    stored = VisitRecord.objects.get(visit=visit)
    assert stored == record
    assert (stored.conducted, stored.adult_authority, stored.child_seen) == (False, AdultAuthority.NONE, False)
    assert "No responsible adult present" in stored.people_seen
    assert stored.outcome.startswith("Visit not conducted")
    assert stored.notes == "Older sister answered."
    assert kinds(visit)[-3:] == [EventKind.OUTCOME_RECORDED, EventKind.LEFT, EventKind.COMPLETED]
    completed = VisitEvent.objects.filter(visit=visit, kind=EventKind.COMPLETED).get()
    assert completed.note == "Not conducted: no responsible adult present."


def test_hc15_not_conducted_keeps_an_earlier_left_event(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "left")

    lifecycle.end_not_conducted(visit, cast.second, child_seen=True)

    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED
    assert kinds(visit).count(EventKind.LEFT) == 1
    assert VisitRecord.objects.get(visit=visit).people_seen.endswith("The child was seen.")


@pytest.mark.parametrize("role", [r for r in CAST_ROLES if r not in VISITORS])
def test_hc15_only_the_visitors_end_a_visit_as_not_conducted(cast, role):
    visit = cast.make_visit(Status.IN_PROGRESS)
    before = kinds(visit)

    with pytest.raises(NotPermitted):
        lifecycle.end_not_conducted(visit, getattr(cast, role), child_seen=False)

    visit.refresh_from_db()
    assert (visit.status, visit.left_at, kinds(visit)) == (Status.IN_PROGRESS, None, before)
    assert not VisitRecord.objects.filter(visit=visit).exists()


@pytest.mark.parametrize("state", [Status.REQUESTED, Status.AUTHORISED, Status.COMPLETED])
def test_hc01_not_conducted_refused_unless_under_way(cast, state):
    visit = cast.make_visit(state)
    before = (kinds(visit), VisitRecord.objects.filter(visit=visit).count())

    with pytest.raises(TransitionNotAllowed):
        lifecycle.end_not_conducted(visit, cast.visitor, child_seen=False)

    assert (kinds(visit), VisitRecord.objects.filter(visit=visit).count()) == before
    assert Visit.objects.get(pk=visit.pk).status == state


def test_hc15_not_conducted_note_too_long_is_refused(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)

    with pytest.raises(PreconditionFailed):
        lifecycle.end_not_conducted(visit, cast.visitor, child_seen=False, note="x" * 2001)

    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS


# --- lifecycle: submitting the record (hc14, hc20) --------------------------------------------------


def test_hc20_submit_record_completes_once_left_is_logged(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "left")

    result = lifecycle.submit_record(visit, cast.visitor, FIELDS)

    assert result.completed is True
    assert visit.status == Status.COMPLETED
    assert VisitRecord.objects.get(visit=visit).agreed_with_family == FIELDS["agreed_with_family"]
    assert kinds(visit)[-2:] == [EventKind.OUTCOME_RECORDED, EventKind.COMPLETED]


def test_hc14_submit_record_before_leaving_keeps_the_visit_under_way(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)

    result = lifecycle.submit_record(visit, cast.visitor, FIELDS)

    assert result.completed is False
    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS
    assert VisitRecord.objects.filter(visit=visit).count() == 1
    assert EventKind.COMPLETED not in kinds(visit)


def test_hc20_record_may_be_rewritten_while_under_way(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.submit_record(visit, cast.visitor, FIELDS)

    lifecycle.submit_record(visit, cast.second, {**FIELDS, "outcome": "Second thoughts."})

    record = VisitRecord.objects.get(visit=visit)
    assert (record.outcome, record.written_by) == ("Second thoughts.", cast.second)


@pytest.mark.parametrize(
    "state",
    [Status.DRAFT, Status.REQUESTED, Status.SENT_BACK, Status.DECLINED, Status.CANCELLED, Status.AUTHORISED],
)
def test_hc01_record_refused_unless_in_progress(cast, state):
    visit = cast.make_visit(state)
    before = kinds(visit)

    with pytest.raises(TransitionNotAllowed):
        lifecycle.submit_record(visit, cast.visitor, FIELDS)

    assert not VisitRecord.objects.filter(visit=visit).exists()
    assert kinds(visit) == before


def test_hc01_completed_record_cannot_be_rewritten(cast):
    visit = cast.make_visit(Status.COMPLETED)
    outcome = VisitRecord.objects.get(visit=visit).outcome

    with pytest.raises(TransitionNotAllowed):
        lifecycle.submit_record(visit, cast.visitor, {**FIELDS, "outcome": "Changed afterwards."})

    assert VisitRecord.objects.get(visit=visit).outcome == outcome


# --- the concern (hc21) and the incident (hc22) a record makes --------------------------------------


def test_hc21_concern_yes_makes_one_concern_however_often_rewritten(cast, django_capture_on_commit_callbacks):
    visit = cast.make_visit(Status.IN_PROGRESS)
    fields = {**FIELDS, "child_protection_concern": True, "concern_details": "Bruise on Sam's arm."}

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.submit_record(visit, cast.visitor, fields)
        lifecycle.submit_record(visit, cast.visitor, {**fields, "outcome": "Rewritten."})

    concerns = Concern.objects.filter(visit=visit)
    assert [(c.source, c.details) for c in concerns] == [(ConcernSource.RECORD, "Bruise on Sam's arm.")]
    assert {m.to[0] for m in mail.outbox} == {cast.lead.email, cast.deputy.email}


def test_hc21_concern_no_makes_no_concern(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)

    lifecycle.submit_record(visit, cast.visitor, FIELDS)

    assert not Concern.objects.filter(visit=visit).exists()


def test_hc22_accusation_on_the_record_makes_an_incident_and_emails_the_head(cast, django_capture_on_commit_callbacks):
    visit = cast.make_visit(Status.IN_PROGRESS)
    at = minutes_ago(20)
    fields = {**FIELDS, "incident_kind": "accusation", "incident_at": at, "incident_details": "Said I pushed him."}

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.submit_record(visit, cast.visitor, fields)

    incident = Incident.objects.get(visit=visit)
    assert (incident.kind, incident.occurred_at, incident.details, incident.reported_by) == (
        "accusation",
        at,
        "Said I pushed him.",
        cast.visitor,
    )
    recipients = {address for m in mail.outbox for address in m.to}
    assert cast.head.email in recipients
    assert {cast.lead.email, cast.deputy.email} <= recipients
    assert cast.office.email not in recipients
    assert EventKind.INCIDENT in kinds(visit)


def test_hc22_threat_on_the_record_goes_to_the_leads_not_the_head(cast, django_capture_on_commit_callbacks):
    visit = cast.make_visit(Status.IN_PROGRESS)
    fields = {**FIELDS, "incident_kind": "threat", "incident_at": minutes_ago(5), "incident_details": "Shouted."}

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.submit_record(visit, cast.visitor, fields)

    assert Incident.objects.filter(visit=visit, kind="threat").count() == 1
    recipients = {address for m in mail.outbox for address in m.to}
    assert recipients == {cast.lead.email, cast.deputy.email}


def test_hc22_rewriting_the_record_corrects_its_incident_and_makes_no_second(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    fields = {**FIELDS, "incident_kind": "injury", "incident_at": minutes_ago(10), "incident_details": "Tripped."}
    lifecycle.submit_record(visit, cast.visitor, fields)
    corrected_at = minutes_ago(25)

    lifecycle.submit_record(
        visit, cast.visitor, {**fields, "incident_at": corrected_at, "incident_details": "Tripped on the step."}
    )

    incident = Incident.objects.get(visit=visit)
    assert (incident.occurred_at, incident.details, incident.from_record) == (
        corrected_at,
        "Tripped on the step.",
        True,
    )


def test_hc22_a_correction_tells_the_leads_again_only_when_the_kind_changes(cast, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    fields = {**FIELDS, "incident_kind": "threat", "incident_at": minutes_ago(10), "incident_details": "Shouted."}
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.submit_record(visit, cast.visitor, fields)
    mail.outbox.clear()

    # Act: the words corrected, then the kind
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.submit_record(visit, cast.visitor, {**fields, "incident_details": "Shouted and swore."})
    after_words = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.submit_record(visit, cast.visitor, {**fields, "incident_kind": "accusation"})

    # Assert: one incident, now an accusation, and the head told of it
    assert after_words == 0
    assert Incident.objects.get(visit=visit).kind == "accusation"
    assert cast.head.email in {address for m in mail.outbox for address in m.to}


def test_hc22_once_reviewed_a_changed_incident_on_the_record_is_a_new_one(cast):
    from safeguarding import concerns

    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    fields = {**FIELDS, "incident_kind": "threat", "incident_at": minutes_ago(10), "incident_details": "Shouted."}
    lifecycle.submit_record(visit, cast.visitor, fields)
    concerns.review_incident(Incident.objects.get(visit=visit), cast.lead, "Spoke to both visitors.")

    # Act
    lifecycle.submit_record(visit, cast.visitor, {**fields, "incident_details": "Shouted, then threw a cup."})

    # Assert: the reviewed one stands as the lead saw it; the change is new for the leads
    reviewed, new = Incident.objects.filter(visit=visit).order_by("id")
    assert (reviewed.details, reviewed.reviewed_at is not None) == ("Shouted.", True)
    assert (new.details, new.reviewed_at) == ("Shouted, then threw a cup.", None)


def test_hc22_incident_already_reported_from_the_visit_page_is_not_doubled(cast):
    from safeguarding import concerns

    visit = cast.make_visit(Status.IN_PROGRESS)
    at = minutes_ago(15)
    concerns.report_incident(visit, cast.visitor, "threat", at, "Shouted at us.")

    lifecycle.submit_record(
        visit, cast.visitor, {**FIELDS, "incident_kind": "threat", "incident_at": at, "incident_details": "Shouted."}
    )

    assert Incident.objects.filter(visit=visit).count() == 1


def test_hc22_incident_refused_by_safeguarding_leaves_no_record(cast):
    # Arrange: a time the incident service refuses (in the future), got past the form.
    visit = cast.make_visit(Status.IN_PROGRESS)
    later = timezone.now() + dt.timedelta(hours=2)
    fields = {**FIELDS, "incident_kind": "threat", "incident_at": later, "incident_details": "Shouted."}

    # Act
    with pytest.raises(PreconditionFailed):
        lifecycle.submit_record(visit, cast.visitor, fields)

    # Assert: the record and the incident stand or fall together.
    assert not VisitRecord.objects.filter(visit=visit).exists()
    assert not Incident.objects.filter(visit=visit).exists()


# --- the pages, by actor ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", CAST_ROLES)
@pytest.mark.parametrize("name", ["visits:present", "visits:record"])
def test_record_pages_by_actor(cast, login, role, name):
    visit = cast.make_visit(Status.IN_PROGRESS)
    expected = 200 if role in VISITORS else 403 if role in SEE_NOT_WRITE else 404

    response = login(getattr(cast, role)).get(reverse(name, args=[visit.code]))

    assert response.status_code == expected


@pytest.mark.parametrize("role", CAST_ROLES)
def test_hc20_sending_the_record_by_actor(cast, login, role):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    expected = 302 if role in VISITORS else 403 if role in SEE_NOT_WRITE else 404

    # Act
    response = login(getattr(cast, role)).post(reverse("visits:record", args=[visit.code]), FORM)

    # Assert
    assert response.status_code == expected
    assert VisitRecord.objects.filter(visit=visit).exists() == (role in VISITORS)


@pytest.mark.parametrize("role", CAST_ROLES)
def test_hc15_ending_as_not_conducted_by_actor(cast, login, role):
    visit = cast.make_visit(Status.IN_PROGRESS)
    expected = 302 if role in VISITORS else 403 if role in SEE_NOT_WRITE else 404
    data = {"adult_authority": "none", "confirm_not_conducted": "1", "child_seen": "no"}

    response = login(getattr(cast, role)).post(reverse("visits:present", args=[visit.code]), data)

    assert response.status_code == expected
    status = Visit.objects.get(pk=visit.pk).status
    assert status == (Status.COMPLETED if role in VISITORS else Status.IN_PROGRESS)


def test_record_pages_need_signing_in(cast, client):
    visit = cast.make_visit(Status.IN_PROGRESS)

    responses = [client.get(reverse(n, args=[visit.code])) for n in ("visits:present", "visits:record")]

    assert [r.status_code for r in responses] == [302, 302]
    assert all("/login/" in r["Location"] or "login" in r["Location"] for r in responses)


# --- who is present (hc15), through the pages ------------------------------------------------------


def test_hc15_responsible_adult_goes_on_to_the_record_prefilled(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)

    response = client.post(
        reverse("visits:present", args=[visit.code]),
        {"adult_authority": "delegated", "adult_spoken_to": "Gran Jones", "adult_relationship": "Grandmother"},
    )
    page = client.get(reverse("visits:record", args=[visit.code]))

    assert response.status_code == 302 and response["Location"] == reverse("visits:record", args=[visit.code])
    html = page.content.decode()
    assert 'value="Gran Jones"' in html and 'value="Grandmother"' in html
    assert 'value="delegated" autocomplete="off" checked' in html
    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS


def test_hc15_responsible_adult_needs_a_name_and_relationship(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.visitor).post(
        reverse("visits:present", args=[visit.code]), {"adult_authority": "parental_responsibility"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Write the name of the adult you are speaking to." in html
    assert "Write how they are related to the child." in html
    assert not visit.record_drafts.exists()


def test_hc15_no_adult_shows_the_warning_first_and_changes_nothing(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    before = kinds(visit)

    response = login(cast.visitor).post(reverse("visits:present", args=[visit.code]), {"adult_authority": "none"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Do not go in." in html and "even if a child invites you in" in html
    assert "Child alone" in html
    assert "End the visit: not conducted" in html
    assert (Visit.objects.get(pk=visit.pk).status, kinds(visit)) == (Status.IN_PROGRESS, before)


def test_hc15_no_adult_confirmed_ends_the_visit_not_conducted(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.visitor).post(
        reverse("visits:present", args=[visit.code]),
        {"adult_authority": "none", "confirm_not_conducted": "1", "child_seen": "yes", "note": "Boy at window."},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.code])
    visit.refresh_from_db()
    record = VisitRecord.objects.get(visit=visit)
    assert (visit.status, record.conducted, record.child_seen, record.notes) == (
        Status.COMPLETED,
        False,
        True,
        "Boy at window.",
    )


def test_hc15_confirmation_must_say_whether_the_child_was_seen(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.visitor).post(
        reverse("visits:present", args=[visit.code]), {"adult_authority": "none", "confirm_not_conducted": "1"}
    )

    assert response.status_code == 200
    assert "Say whether you saw the child." in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS


# --- the record form (hc20), through the pages ------------------------------------------------------


def test_hc20_record_saved_before_leaving_says_signature_then_left(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)

    response = client.post(reverse("visits:record", args=[visit.code]), FORM, follow=True)

    assert "Record saved. Next: the parent&#x27;s signature, then Left the property." in response.content.decode()
    record = VisitRecord.objects.get(visit=visit)
    assert (record.people_seen, record.child_seen, record.follow_up_wanted, record.conducted) == (
        "Mother and Sam",
        True,
        True,
        True,
    )
    assert record.agreed_with_family == FORM["agreed_with_family"]
    assert Visit.objects.get(pk=visit.pk).status == Status.IN_PROGRESS


def test_hc20_record_sent_after_leaving_completes_the_visit(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "left")

    response = login(cast.second).post(reverse("visits:record", args=[visit.code]), FORM, follow=True)

    assert "Record saved. The visit is complete." in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).status == Status.COMPLETED


def test_hc20_record_errors_show_by_their_fields_with_a_summary_and_keep_what_was_typed(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    data = {**FORM, "outcome": "", "child_seen": "", "child_protection_concern": "yes", "concern_details": " "}

    response = login(cast.visitor).post(reverse("visits:record", args=[visit.code]), data)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Please check 3 things before sending" in html
    for message in (
        "Write the outcome of the visit.",
        "Say whether you saw the child.",
        "Say what the concern is: it goes to the safeguarding leads.",
    ):
        assert html.count(message) == 2  # in the summary and by its field
    assert "Dog kept in the kitchen." in html
    assert not VisitRecord.objects.filter(visit=visit).exists()


@pytest.mark.parametrize(
    ("incident", "message"),
    [
        ({"incident_kind": "threat"}, "Say when the incident happened."),
        ({"incident_kind": "threat", "incident_at": "2026-13-45T99:00"}, "Enter the date and time it happened"),
        ({"incident_kind": "injury", "incident_at": "__past__"}, "Say what happened."),
        ({"incident_details": "Something happened."}, "Choose what kind of incident it was"),
        ({"incident_kind": "robbery"}, "Choose what kind of incident it was, or no incident."),
        ({"incident_kind": "threat", "incident_at": "__future__", "incident_details": "x"}, "cannot be in the future"),
        ({"incident_kind": "threat", "incident_at": "2020-01-01T10:00", "incident_details": "x"}, "before the visit"),
    ],
    ids=["no-time", "bad-time", "no-details", "no-kind", "unknown-kind", "future", "long-before"],
)
def test_hc22_incident_problems_are_field_errors_not_500(cast, login, incident, message):
    visit = cast.make_visit(Status.IN_PROGRESS)
    at = incident.get("incident_at")
    if at == "__past__":
        incident = {**incident, "incident_at": timezone.localtime(minutes_ago(5)).strftime("%Y-%m-%dT%H:%M")}
    elif at == "__future__":
        later = timezone.localtime(timezone.now() + dt.timedelta(hours=3))
        incident = {**incident, "incident_at": later.strftime("%Y-%m-%dT%H:%M")}

    response = login(cast.visitor).post(reverse("visits:record", args=[visit.code]), {**FORM, **incident})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not VisitRecord.objects.filter(visit=visit).exists()
    assert not Incident.objects.filter(visit=visit).exists()


def test_hc22_incident_sent_with_the_record_form(cast, login, django_capture_on_commit_callbacks):
    visit = cast.make_visit(Status.IN_PROGRESS)
    at = timezone.localtime(minutes_ago(30))
    data = {
        **FORM,
        "incident_kind": "accusation",
        "incident_at": at.strftime("%Y-%m-%dT%H:%M"),
        "incident_details": "Father said I hit Sam.",
    }

    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.visitor).post(reverse("visits:record", args=[visit.code]), data)

    assert response.status_code == 302
    incident = Incident.objects.get(visit=visit)
    assert (incident.kind, incident.occurred_at, incident.details) == ("accusation", at, "Father said I hit Sam.")
    assert cast.head.email in {address for m in mail.outbox for address in m.to}


def test_hc21_concern_from_the_record_form(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    data = {**FORM, "child_protection_concern": "yes", "concern_details": "Sam said he is often hungry."}

    login(cast.visitor).post(reverse("visits:record", args=[visit.code]), data)
    login(cast.visitor).post(reverse("visits:record", args=[visit.code]), data)

    assert list(Concern.objects.filter(visit=visit).values_list("details", flat=True)) == [
        "Sam said he is often hungry."
    ]


def test_hc20_concern_details_dropped_when_the_answer_is_no(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    login(cast.visitor).post(reverse("visits:record", args=[visit.code]), {**FORM, "concern_details": "typed then no"})

    assert VisitRecord.objects.get(visit=visit).concern_details == ""
    assert not Concern.objects.filter(visit=visit).exists()


@pytest.mark.parametrize("state", [Status.AUTHORISED, Status.COMPLETED])
def test_hc01_record_pages_send_the_visitor_back_unless_under_way(cast, login, state):
    visit = cast.make_visit(state)
    client = login(cast.visitor)
    records = VisitRecord.objects.filter(visit=visit).count()

    pages = [client.get(reverse(n, args=[visit.code])) for n in ("visits:present", "visits:record")]
    post = client.post(reverse("visits:record", args=[visit.code]), {**FORM, "outcome": "Forged."})

    detail = reverse("visits:detail", args=[visit.code])
    assert [(r.status_code, r["Location"]) for r in [*pages, post]] == [(302, detail)] * 3
    assert VisitRecord.objects.filter(visit=visit).count() == records
    assert not VisitRecord.objects.filter(visit=visit, outcome="Forged.").exists()


def test_hc20_rewriting_prefills_the_form_from_the_record(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.submit_record(visit, cast.visitor, FIELDS)

    html = login(cast.second).get(reverse("visits:record", args=[visit.code])).content.decode()

    assert "Sending it again replaces it." in html
    assert "Talked about mornings; agreed an alarm clock." in html
    assert 'name="child_seen" id="id_child_seen_0" value="yes" autocomplete="off" checked' in html


# --- the record sent by record.js (JSON answers) ----------------------------------------------------


def test_record_sent_by_the_script_gets_a_json_answer(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    url = reverse("visits:record", args=[visit.code])

    invalid = client.post(url, {**FORM, "outcome": ""}, HTTP_ACCEPT="application/json")
    sent = client.post(url, FORM, HTTP_ACCEPT="application/json")

    assert (invalid.status_code, invalid.json()) == (400, {"ok": False, "invalid": True})
    assert sent.status_code == 200
    assert sent.json() == {
        "ok": True,
        "redirect": reverse("visits:detail", args=[visit.code]),
        "message": "Record saved. Next: the parent's signature, then Left the property.",
    }
    assert VisitRecord.objects.filter(visit=visit).count() == 1


def test_record_sent_by_the_script_after_completion_is_refused_in_json(cast, login):
    visit = cast.make_visit(Status.COMPLETED)

    response = login(cast.visitor).post(
        reverse("visits:record", args=[visit.code]), FORM, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 409
    assert response.json()["ok"] is False and "completed" in response.json()["error"]


# --- the record card on the visit page --------------------------------------------------------------


def card(visit: Visit, user) -> str:
    visit = Visit.objects.select_related("school").get(pk=visit.pk)
    return render_to_string("visits/tablet/_record_card.html", {"visit": visit, "can": access.VisitAccess(user, visit)})


def test_record_card_offers_the_visitors_the_presence_step(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)

    assert reverse("visits:present", args=[visit.code]) in card(visit, cast.visitor)
    assert reverse("visits:present", args=[visit.code]) not in card(visit, cast.office)
    assert reverse("visits:present", args=[visit.code]) not in card(visit, cast.lead)


def test_hc25_record_card_keeps_what_was_seen_from_the_office(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "left")
    lifecycle.submit_record(visit, cast.visitor, FIELDS)

    shown = {role: card(visit, getattr(cast, role)) for role in ("visitor", "lead", "head", "office")}

    for role in ("visitor", "lead", "head"):
        assert "Talked about mornings" in shown[role], role
    assert "Talked about mornings" not in shown["office"]
    assert "Mother and Sam" not in shown["office"]
    assert "Written by" in shown["office"]


def test_mp02_record_card_offers_a_follow_up_once_completed(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "left")
    lifecycle.submit_record(visit, cast.visitor, FIELDS)

    html = card(visit, cast.visitor)

    assert reverse("visits:follow_up", args=[visit.code]) in html
    assert "Book a follow-up" in html


def test_record_card_says_to_log_left_when_the_record_is_in_first(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.submit_record(visit, cast.visitor, {**FIELDS, "follow_up_wanted": False})

    html = card(visit, cast.visitor)

    assert "Record saved. The visit completes when you log <strong>Left the property</strong>." in html
    assert reverse("visits:record", args=[visit.code]) in html
    assert "Book a follow-up" not in html


@pytest.mark.parametrize("name", ["visits:present", "visits:record"])
def test_hc17_urgent_controls_stay_in_reach_on_the_record_pages(cast, login, name):
    visit = cast.make_visit(Status.IN_PROGRESS)

    html = login(cast.visitor).get(reverse(name, args=[visit.code])).content.decode()

    assert 'data-testid="urgent-bar"' in html
    assert reverse("safeguarding:urgent", args=[visit.code, "child-alone"]) in html
    assert reverse("safeguarding:urgent", args=[visit.code, "danger"]) in html


def test_hc17_no_adult_warning_keeps_the_child_alone_control_in_reach(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.visitor).post(reverse("visits:present", args=[visit.code]), {"adult_authority": "none"})

    assert reverse("safeguarding:urgent", args=[visit.code, "child-alone"]) in response.content.decode()


@pytest.mark.parametrize(("name", "detail"), [("visits:present", "who is present"), ("visits:record", "record form")])
def test_hc25_opening_a_record_page_is_in_the_audit_trail(cast, login, name, detail):
    from visits.models import AuditEntry

    visit = cast.make_visit(Status.IN_PROGRESS)

    login(cast.visitor).get(reverse(name, args=[visit.code]))

    entries = AuditEntry.objects.filter(object_code=str(visit.code), action="view", detail=detail)
    assert [(e.user_id, e.school_id) for e in entries] == [(cast.visitor.pk, cast.school.pk)]


def test_hc15_presence_step_prefills_the_adult_of_a_written_record(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.submit_record(visit, cast.visitor, FIELDS)

    html = login(cast.second).get(reverse("visits:present", args=[visit.code])).content.decode()

    assert 'value="Pat Parent"' in html and 'value="Mother"' in html
    assert 'value="parental_responsibility" autocomplete="off" checked' in html


# --- leaving with the record written completes the visit (hc14, hc20) -----------------------------


def test_hc14_hc20_visitor_leaving_after_the_record_completes_the_visit(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.submit_record(visit, cast.second, FIELDS)

    lifecycle.record_step(visit, cast.second, "left")

    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED
    assert visit.completed_at >= visit.left_at
    assert kinds(visit)[-2:] == [EventKind.LEFT, EventKind.COMPLETED]


def test_hc14_office_logging_the_leaving_call_does_not_complete_the_visit(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.submit_record(visit, cast.visitor, FIELDS)

    lifecycle.record_step(visit, cast.office, "left")

    visit.refresh_from_db()
    assert (visit.status, visit.left_at is not None) == (Status.IN_PROGRESS, True)


def test_hc14_leaving_before_the_record_leaves_the_visit_under_way(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.visitor).post(reverse("visits:left", args=[visit.code]), follow=True)

    visit.refresh_from_db()
    assert visit.status == Status.IN_PROGRESS
    assert "so the visit is complete" not in response.content.decode()


def test_hc14_leaving_page_says_the_visit_is_complete_when_the_record_is_in(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.submit_record(visit, cast.visitor, FIELDS)

    response = login(cast.visitor).post(reverse("visits:left", args=[visit.code]), follow=True)

    assert "The record was already written, so the visit is complete." in response.content.decode()
