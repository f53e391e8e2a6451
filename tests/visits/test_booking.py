"""Booking visits: the Home Visit Form as a web form, edits, follow-ups (mp02), new-starter visits
(mp03) and the appointment letter (hc08)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests import clock
from tests.factories import make_household, make_pupil, make_user
from tests.race import race
from visits import lifecycle
from visits.enums import Reason, Role, Status, VisitType
from visits.forms import VisitForm, add_lifecycle_errors
from visits.models import Visit, VisitEvent

NEW = reverse("visits:new")


def tomorrow() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=1)


def form_data(cast, **overrides) -> dict:
    """A valid Home Visit Form for the cast's household, tomorrow 10:00-11:00, in pairs."""
    data = {
        "lead_visitor": cast.visitor.pk,
        "lead_visitor_role": "Family support worker",
        "second_visitor": cast.second.pk,
        "second_visitor_role": "Class teacher",
        "contact": cast.household.contacts.first().pk,
        "person_visited": "",
        "address_line1": "12 New Road",
        "address_line2": "",
        "town": "Manchester",
        "postcode": "M14 5AB",
        "pupils": [cast.pupil.pk],
        "visit_type": VisitType.PLANNED,
        "reasons": [Reason.ATTENDANCE, Reason.DISCUSS_AT_HOME],
        "reason_detail": "Attendance 82% this term.",
        "purpose": "Agree an attendance plan with mum.",
        "why_not_in_school": "Mum cannot come in: caring for a baby.",
        "visit_date": tomorrow().strftime("%d/%m/%Y"),
        "start_time": "10:00",
        "end_time": "11:00",
        "informed": "yes",
        "not_informed_exception": "",
        "appointment_method": "phone",
        "people_to_see": "Mum and the pupil",
        "briefing": "Dog in the garden.",
        "code_word": "pinecone",
        "comments": "Park on the main road.",
        "submit": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def new_url(cast) -> str:
    return f"{NEW}?household={cast.household.code}"


def post_new(client, cast, **overrides):
    return client.post(new_url(cast), form_data(cast, **overrides))


def errors_of(response) -> dict:
    return {name: list(errs) for name, errs in response.context["form"].errors.items()}


# --- starting the form --------------------------------------------------------------------------


def test_booking_form_prefills_the_address_from_the_household(cast, login):
    # Act
    response = login(cast.office).get(new_url(cast))

    # Assert
    form = response.context["form"]
    assert response.status_code == 200
    assert form["address_line1"].value() == cast.household.address_line1
    assert form["postcode"].value() == cast.household.postcode
    assert list(form.fields["pupils"].queryset) == [cast.pupil]
    assert "Send to the safeguarding lead" in response.content.decode()


def test_booking_picker_searches_only_the_users_school_households(cast, login):
    # Arrange
    make_household(cast.school, name="Okafor family")
    make_household(cast.other_school, name="Okafor family (Mount)")

    # Act
    response = login(cast.office).get(NEW, {"q": "okafor"})

    # Assert
    names = [h.name for h in response.context["households"]]
    assert response.status_code == 200
    assert names == ["Okafor family"]


def test_booking_user_of_two_schools_chooses_the_school_first(cast, login):
    # Arrange
    from visits.models import Membership

    Membership.objects.create(user=cast.office, school=cast.other_school, role=Role.OFFICE)

    # Act
    response = login(cast.office).get(NEW)

    # Assert
    assert response.context["school"] is None
    assert response.context["households"] == []
    assert [s.name for s in response.context["schools"]] == ["Holy Cross", "Mount"]


# --- save as draft, submit ------------------------------------------------------------------------


def test_hc09_booking_walks_the_requester_to_the_visit_risk_review(cast, login):
    # Act
    client = login(cast.office)
    response = post_new(client, cast)

    # Assert: the lead cannot authorise until the risk is reviewed, so that is the next page
    visit = Visit.objects.get()
    assert response["Location"] == reverse("safeguarding:risk_review", args=[visit.code])
    page = client.get(response["Location"])
    assert "Next: review the household&#x27;s risk assessment for this visit" in page.content.decode()


def test_booking_save_as_draft_creates_a_draft_with_every_field(cast, login):
    # Act
    response = post_new(login(cast.office), cast, submit=None, draft="1")

    # Assert
    visit = Visit.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("safeguarding:risk_review", args=[visit.code])
    assert visit.status == Status.DRAFT
    assert visit.requested_by == cast.office
    assert visit.person_visited == str(cast.household.contacts.first())
    assert visit.address_line1 == "12 New Road"
    assert timezone.localtime(visit.scheduled_start).strftime("%d/%m/%Y %H:%M") == (
        tomorrow().strftime("%d/%m/%Y") + " 10:00"
    )
    assert timezone.localtime(visit.expected_end).strftime("%H:%M") == "11:00"
    assert sorted(visit.reasons.values_list("reason", flat=True)) == ["attendance", "discuss_at_home"]
    assert list(visit.pupils.all()) == [cast.pupil]
    assert (visit.lead_visitor, visit.second_visitor, visit.code_word) == (cast.visitor, cast.second, "pinecone")
    assert visit.family_informed is True
    assert visit.comments == "Park on the main road."


def test_booking_submit_sends_the_request_to_the_lead(cast, login, django_capture_on_commit_callbacks):
    # Act
    with django_capture_on_commit_callbacks(execute=True):
        post_new(login(cast.office), cast)

    # Assert
    visit = Visit.objects.get()
    assert visit.status == Status.REQUESTED
    assert sorted(m.to[0] for m in mail.outbox) == [cast.deputy.email, cast.lead.email]


def test_hc03_emergency_request_emails_every_lead_at_once_marked_urgent(
    cast, login, django_capture_on_commit_callbacks
):
    # Arrange
    extra_lead = make_user("lead2.hc", cast.school, Role.LEAD)

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        post_new(
            login(cast.office),
            cast,
            visit_type=VisitType.EMERGENCY,
            why_not_in_school="",
            informed="no",
            not_informed_exception="emergency_safeguarding",
        )

    # Assert
    visit = Visit.objects.get()
    assert visit.visit_type == VisitType.EMERGENCY
    assert visit.status == Status.REQUESTED
    assert sorted(m.to[0] for m in mail.outbox) == sorted([cast.lead.email, cast.deputy.email, extra_lead.email])
    assert all(m.subject.startswith("URGENT: emergency home visit request") for m in mail.outbox)
    assert all("pinecone" not in m.body for m in mail.outbox)


def test_hc03_emergency_visit_may_start_now(cast, login):
    # Arrange: an emergency visit in ten minutes' time (the suite's pinned school morning) needs no
    # "why not in school".
    start = timezone.localtime() + dt.timedelta(minutes=10)

    # Act
    post_new(
        login(cast.office),
        cast,
        visit_type=VisitType.EMERGENCY,
        why_not_in_school="",
        visit_date=start.strftime("%d/%m/%Y"),
        start_time=start.strftime("%H:%M"),
        end_time=(start + dt.timedelta(hours=1)).strftime("%H:%M"),
    )

    # Assert
    assert Visit.objects.get().visit_type == VisitType.EMERGENCY


# --- validation a secretary understands -------------------------------------------------------


def test_booking_planned_visit_in_the_past_is_refused_on_the_date(cast, login):
    # Act
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = post_new(login(cast.office), cast, visit_date=yesterday.strftime("%d/%m/%Y"))

    # Assert
    assert response.status_code == 200
    assert errors_of(response)["visit_date"][0].startswith("This date and time has already passed.")
    assert Visit.objects.count() == 0


def test_booking_end_before_start_is_refused_on_the_end_time(cast, login):
    # Act
    response = post_new(login(cast.office), cast, start_time="14:00", end_time="13:30")

    # Assert
    assert errors_of(response) == {"end_time": ["The visit must end after it starts (14:00)."]}
    assert Visit.objects.count() == 0


def test_booking_british_date_format_is_required(cast, login):
    # Act
    response = post_new(login(cast.office), cast, visit_date="2026-13-45", start_time="9.30")

    # Assert
    errors = errors_of(response)
    assert errors["visit_date"] == ["Enter the date as dd/mm/yyyy, for example 24/11/2026."]
    assert errors["start_time"][0].startswith("Enter the time as HH:MM")


@pytest.mark.parametrize("who", ["other_visitor", "office", "bystander_left"])
def test_hc06_visitor_who_is_not_visiting_staff_here_is_refused(cast, login, who):
    # Arrange
    if who == "bystander_left":
        cast.bystander.memberships.update(is_active=False)
        person = cast.bystander
    else:
        person = getattr(cast, who)

    # Act
    response = post_new(login(cast.office), cast, lead_visitor=person.pk)

    # Assert
    assert errors_of(response) == {"lead_visitor": ["The lead visitor must be visiting staff at Holy Cross."]}
    assert Visit.objects.count() == 0


def test_booking_visitor_already_booked_names_the_clashing_visit_time(cast, login):
    # Arrange: the second visitor is on an authorised visit 10:30-11:30 tomorrow.
    start = timezone.make_aware(dt.datetime.combine(tomorrow(), dt.time(10, 30)))
    cast.make_visit(Status.AUTHORISED, start=start, second_visitor=cast.bystander)

    # Act: a new visit 10:00-11:00 with visitor (lead on the other visit) and second.
    response = post_new(login(cast.office), cast)

    # Assert
    day = tomorrow().strftime("%d/%m/%Y")
    assert errors_of(response) == {
        "lead_visitor": [
            f"Visitor Hc is already booked for another visit on {day} from 10:30 to 11:30. "
            "Choose another time or another visitor."
        ]
    }


def test_booking_cancelled_or_declined_visits_do_not_clash(cast, login):
    # Arrange
    start = timezone.make_aware(dt.datetime.combine(tomorrow(), dt.time(10, 0)))
    cast.make_visit(Status.CANCELLED, start=start)
    cast.make_visit(Status.DECLINED, start=start)

    # Act
    response = post_new(login(cast.office), cast)

    # Assert
    assert response.status_code == 302
    assert Visit.objects.filter(status=Status.REQUESTED).count() == 1


def test_hc06_lone_visit_without_reason_is_refused_where_pairs_are_required(cast, login):
    # Act
    response = post_new(login(cast.office), cast, second_visitor="", second_visitor_role="")

    # Assert
    assert errors_of(response) == {
        "lone_visit_reason": [
            "Holy Cross requires visits in pairs: choose who goes with the lead visitor, or say why this visit must "
            "be made alone."
        ]
    }


def test_hc06_lone_visit_with_reason_is_saved_for_the_lead_to_approve(cast, login):
    # Act
    post_new(login(cast.office), cast, second_visitor="", lone_visit_reason="Two staff may escalate.")

    # Assert
    visit = Visit.objects.get()
    assert visit.is_lone_visit is True
    assert visit.lone_visit_reason == "Two staff may escalate."
    assert "This is a lone visit: confirm that you approve lone working." in (lifecycle.authorisation_blockers(visit))


def test_hc06_outside_agency_worker_as_second_visitor(cast, login):
    # Act
    post_new(
        login(cast.office),
        cast,
        second_visitor="",
        second_visitor_role="Family support",
        agency_worker_name="Jo Smith",
        agency_worker_organisation="Early Help",
        agency_worker_phone="0161 496 0111",
    )

    # Assert
    visit = Visit.objects.get()
    assert (visit.agency_worker_name, visit.agency_worker_organisation) == ("Jo Smith", "Early Help")
    assert visit.is_lone_visit is False


def test_hc06_staff_and_agency_worker_together_are_refused(cast, login):
    # Act
    response = post_new(login(cast.office), cast, agency_worker_name="Jo Smith", agency_worker_organisation="EH")

    # Assert
    assert errors_of(response) == {
        "agency_worker_name": ["Choose a second member of staff or an outside-agency worker, not both."]
    }


def test_hc13_evening_visit_needs_explicit_confirmation(cast, login):
    # Act
    response = post_new(login(cast.office), cast, start_time="16:30", end_time="17:30")

    # Assert
    errors = errors_of(response)
    assert list(errors) == ["evening_confirmed"]
    assert errors["evening_confirmed"][0].startswith("This visit starts or ends after 17:00.")
    assert "This is an evening visit." in response.content.decode()
    assert Visit.objects.count() == 0


def test_hc13_confirmed_evening_visit_is_flagged_for_the_lead(cast, login):
    # Act
    post_new(login(cast.office), cast, start_time="17:15", end_time="18:00", evening_confirmed="on")

    # Assert
    visit = Visit.objects.get()
    assert visit.evening_confirmed is True
    assert visit.is_evening is True
    assert any("evening visit is necessary" in b for b in lifecycle.authorisation_blockers(visit))


def test_hc13_daytime_visit_drops_a_stray_evening_confirmation(cast, login):
    # Act
    post_new(login(cast.office), cast, evening_confirmed="on")

    # Assert
    assert Visit.objects.get().evening_confirmed is False


def test_hc05_planned_visit_needs_why_not_in_school(cast, login):
    # Act
    response = post_new(login(cast.office), cast, why_not_in_school="  ")

    # Assert
    assert errors_of(response) == {
        "why_not_in_school": ["For a planned visit, say why a meeting in school is not suitable."]
    }


def test_hc02_family_not_told_needs_the_exception(cast, login):
    # Act
    response = post_new(login(cast.office), cast, informed="no")

    # Assert
    assert errors_of(response) == {"not_informed_exception": ["Choose why the family will not be told in advance."]}


def test_hc02_unannounced_visit_records_the_exception(cast, login):
    # Act
    post_new(login(cast.office), cast, informed="no", not_informed_exception="poor_attendance")

    # Assert
    visit = Visit.objects.get()
    assert (visit.family_informed, visit.not_informed_exception) == (False, "poor_attendance")


def test_booking_person_visited_typed_name_or_a_contact_is_required(cast, login):
    # Act
    response = post_new(login(cast.office), cast, contact="", person_visited="")

    # Assert
    assert errors_of(response) == {
        "person_visited": ["Choose a contact of the household or type the name of the person."]
    }


def test_booking_pupil_of_another_household_is_refused(cast, login):
    # Arrange
    other_pupil = make_pupil(make_household(cast.school))

    # Act
    response = post_new(login(cast.office), cast, pupils=[other_pupil.pk])

    # Assert
    assert list(errors_of(response)) == ["pupils"]
    assert Visit.objects.count() == 0


def test_mp01_slt_member_required_where_the_school_requires_it(cast, login):
    # Arrange
    cast.school.slt_discussion_required = True
    cast.school.save()

    # Act
    missing = post_new(login(cast.office), cast)
    named = post_new(login(cast.office), cast, slt_consulted=cast.head.pk)

    # Assert
    assert errors_of(missing) == {
        "slt_consulted": ["Name the member of SLT the visit was discussed with: this school requires it."]
    }
    assert named.status_code == 302
    assert Visit.objects.get().slt_consulted == cast.head


def test_mp01_slt_field_hidden_where_the_school_does_not_require_it(cast, login):
    # Act
    response = login(cast.office).get(new_url(cast))

    # Assert
    assert "slt_consulted" not in response.context["form"].fields


def test_booking_lifecycle_validation_errors_land_on_the_form_fields(cast):
    # Arrange
    form = VisitForm(form_data(cast), school=cast.school, household=cast.household)
    assert form.is_valid(), form.errors
    exc = ValidationError(
        {
            "second_visitor": "The second visitor must be visiting staff at this school.",
            "expected_end": "The expected end must be after the start of the visit.",
            "household": "Choose a household of this school.",
        }
    )

    # Act
    add_lifecycle_errors(form, exc)

    # Assert
    assert form.errors == {
        "second_visitor": ["The second visitor must be visiting staff at this school."],
        "end_time": ["The expected end must be after the start of the visit."],
        "__all__": ["Choose a household of this school."],
    }


# --- editing, resubmitting ----------------------------------------------------------------------


def edit_data(cast, visit, **overrides) -> dict:
    """The edit form as the page would post it back unchanged, with `overrides` applied."""
    start = timezone.localtime(visit.scheduled_start)
    current = {
        "visit_date": start.strftime("%d/%m/%Y"),
        "start_time": start.strftime("%H:%M"),
        "end_time": timezone.localtime(visit.expected_end).strftime("%H:%M"),
        "reasons": list(visit.reasons.values_list("reason", flat=True)),
        "submit": None,
    }
    for name in (
        "address_line1",
        "purpose",
        "reason_detail",
        "why_not_in_school",
        "lead_visitor_role",
        "second_visitor_role",
        "person_visited",
        "code_word",
        "people_to_see",
        "briefing",
        "comments",
        "appointment_method",
    ):
        current[name] = getattr(visit, name)
    return form_data(cast, **{**current, **overrides})


def test_booking_edit_form_shows_the_saved_values(cast, login):
    # Arrange
    visit = cast.make_visit(Status.DRAFT)

    # Act
    response = login(cast.office).get(reverse("visits:edit", args=[visit.code]))

    # Assert
    form = response.context["form"]
    assert form["visit_date"].value() == timezone.localtime(visit.scheduled_start).date()
    assert form["code_word"].value() == "bluebell"
    assert "Save and send to the safeguarding lead" in response.content.decode()


def test_booking_edit_and_resubmit_a_sent_back_request(cast, login, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.SENT_BACK)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.office).post(
            reverse("visits:edit", args=[visit.code]),
            edit_data(cast, visit, purpose="Agree a plan; the lead asked for the EWO to be told.", submit="1"),
        )

    # Assert
    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.status == Status.REQUESTED
    assert visit.purpose == "Agree a plan; the lead asked for the EWO to be told."
    kinds = list(VisitEvent.objects.filter(visit=visit).values_list("kind", flat=True))
    assert kinds[-2:] == ["edited", "requested"]
    assert sorted(m.to[0] for m in mail.outbox) == [cast.deputy.email, cast.lead.email]


def test_booking_edit_sent_back_without_sending_keeps_it_sent_back(cast, login):
    # Arrange
    visit = cast.make_visit(Status.SENT_BACK)

    # Act
    login(cast.office).post(reverse("visits:edit", args=[visit.code]), edit_data(cast, visit, save="1"))

    # Assert
    visit.refresh_from_db()
    assert visit.status == Status.SENT_BACK


def test_hc01_edit_page_of_an_authorised_visit_warns_before_saving(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    response = login(cast.office).get(reverse("visits:edit", args=[visit.code]))

    # Assert
    assert "Changing these details sends the visit back to the safeguarding lead" in response.content.decode()


def test_hc01_editing_an_authorised_visit_returns_it_to_the_queue(cast, login):
    # Arrange: a visit tomorrow at 10:00, so 11:00 that day is ahead at any hour.
    visit = cast.make_visit(Status.AUTHORISED, start=clock.today_at(10, days=1))

    # Act
    response = login(cast.office).post(
        reverse("visits:edit", args=[visit.code]), edit_data(cast, visit, start_time="11:00", end_time="12:00")
    )

    # Assert
    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.status == Status.REQUESTED
    assert visit.authorised_at is None
    assert timezone.localtime(visit.scheduled_start).strftime("%H:%M") == "11:00"
    assert VisitEvent.objects.filter(visit=visit, kind="returned_to_queue").count() == 1


def test_booking_edit_does_not_clash_with_itself(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(cast.office).post(
        reverse("visits:edit", args=[visit.code]), edit_data(cast, visit, comments="Ring first.")
    )

    # Assert
    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.comments == "Ring first."


def test_booking_edit_of_a_completed_visit_is_refused_with_a_message(cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)

    # Act
    response = login(cast.office).get(reverse("visits:edit", args=[visit.code]))

    # Assert
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.code])


@pytest.mark.parametrize("who", ["visitor", "head"])
def test_booking_edit_refused_403_for_those_who_see_but_may_not_change(cast, login, who):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(getattr(cast, who)).post(
        reverse("visits:edit", args=[visit.code]), edit_data(cast, visit, comments="Sneaky.")
    )

    # Assert
    visit.refresh_from_db()
    assert response.status_code == 403
    assert visit.comments == ""


@pytest.mark.parametrize("who", ["bystander", "other_office", "other_lead"])
def test_hc25_booking_edit_is_404_for_outsiders(cast, login, who):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(getattr(cast, who)).post(reverse("visits:edit", args=[visit.code]), edit_data(cast, visit))

    # Assert
    assert response.status_code == 404


def test_booking_detail_shows_edit_button_only_when_editable(cast, login):
    # Arrange
    draft = cast.make_visit(Status.DRAFT)
    done = cast.make_visit(Status.COMPLETED)
    client = login(cast.office)

    # Act
    draft_page = client.get(reverse("visits:detail", args=[draft.code])).content.decode()
    done_page = client.get(reverse("visits:detail", args=[done.code])).content.decode()

    # Assert
    assert reverse("visits:edit", args=[draft.code]) in draft_page
    assert reverse("visits:edit", args=[done.code]) not in done_page
    assert reverse("visits:follow_up", args=[done.code]) in done_page
    assert reverse("visits:follow_up", args=[draft.code]) not in draft_page


# --- permissions for the booking form ------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "lead", "deputy", "head"])
def test_booking_allowed_roles_can_book(cast, login, who):
    # Act
    response = post_new(login(getattr(cast, who)), cast, submit=None, draft="1")

    # Assert
    assert response.status_code == 302
    assert Visit.objects.get().requested_by == getattr(cast, who)


def test_booking_trust_admin_gets_404(cast, login):
    # Act
    response = post_new(login(cast.trust_admin), cast)

    # Assert
    assert response.status_code == 404
    assert Visit.objects.count() == 0


@pytest.mark.parametrize("who", ["other_office", "other_lead"])
def test_hc25_booking_for_another_schools_household_is_404(cast, login, who):
    # Act
    get = login(getattr(cast, who)).get(new_url(cast))
    post = post_new(login(getattr(cast, who)), cast)

    # Assert
    assert (get.status_code, post.status_code) == (404, 404)
    assert Visit.objects.count() == 0


def test_booking_malformed_household_code_is_404(cast, login):
    # Act
    response = login(cast.office).get(NEW, {"household": "not-a-uuid"})

    # Assert
    assert response.status_code == 404


# --- follow-up (mp02) -----------------------------------------------------------------------------


def test_mp02_follow_up_is_prefilled_from_the_completed_visit(cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)
    when = timezone.localtime(visit.scheduled_start).strftime("%d/%m/%Y")

    # Act
    response = login(cast.office).get(reverse("visits:follow_up", args=[visit.code]))

    # Assert
    form = response.context["form"]
    assert response.status_code == 200
    assert form.household == visit.household
    assert form["purpose"].value() == f"Follow-up to the visit on {when}"
    assert form["lead_visitor"].value() == cast.visitor.pk
    assert form["second_visitor"].value() == cast.second.pk
    assert list(form["pupils"].value()) == [cast.pupil.pk]
    assert form["reasons"].value() == ["attendance"]
    assert form["visit_date"].value() is None
    assert form["code_word"].value() not in ("", visit.code_word)  # a new one suggested (hc11)


def test_mp02_follow_up_post_creates_a_new_request_for_the_same_household(cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED, start=timezone.now() - dt.timedelta(days=2))
    day = (timezone.localdate() + dt.timedelta(days=7)).strftime("%d/%m/%Y")

    # Act
    response = login(cast.office).post(
        reverse("visits:follow_up", args=[visit.code]),
        form_data(cast, visit_date=day, code_word="kestrel", purpose="Follow-up to the visit"),
    )

    # Assert
    new_visit = Visit.objects.exclude(pk=visit.pk).get()
    assert response["Location"] == reverse("safeguarding:risk_review", args=[new_visit.code])
    assert new_visit.household == visit.household
    assert new_visit.status == Status.REQUESTED
    assert new_visit.code_word == "kestrel"


def test_mp02_follow_up_of_a_visit_not_completed_is_refused(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    response = login(cast.office).get(reverse("visits:follow_up", args=[visit.code]))

    # Assert
    assert response.status_code == 302
    assert Visit.objects.count() == 1


def test_mp02_follow_up_is_404_for_another_school(cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)

    # Act
    response = login(cast.other_office).get(reverse("visits:follow_up", args=[visit.code]))

    # Assert
    assert response.status_code == 404


# --- new-starter visits (mp03) --------------------------------------------------------------------


def next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=7 - today.weekday())


@pytest.fixture
def reception(cast):
    """Three Reception households; the second has twins."""
    pupils = []
    for name in ("Adams", "Brown", "Cole"):
        household = make_household(cast.school, name=f"{name} family")
        pupil = make_pupil(household, first_name="Ava")
        pupil.year_group = "Reception"
        pupil.save()
        pupils.append(pupil)
        if name == "Brown":
            twin = make_pupil(household, first_name="Ben")
            twin.year_group = "Reception"
            twin.save()
            pupils.append(twin)
    return pupils


def starter_data(cast, pupils, **overrides) -> dict:
    monday = next_monday()
    data = {
        "pupils": [p.pk for p in pupils],
        "date_from": monday.strftime("%d/%m/%Y"),
        "date_to": (monday + dt.timedelta(days=4)).strftime("%d/%m/%Y"),
        "slots": "09:30, 10:30, 13:30",
        "duration": "45",
        "lead_1": cast.visitor.pk,
        "second_1": cast.second.pk,
        "purpose": "Meet the family before they start school.",
        "submit_now": "draft",
        "preview": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


STARTERS = reverse("visits:new_starters")


def test_mp03_new_starter_form_lists_reception_pupils_by_default(cast, login, reception):
    # Act
    response = login(cast.office).get(STARTERS)

    # Assert
    form = response.context["form"]
    assert response.context["year"] == "Reception"
    assert set(form.fields["pupils"].queryset) == set(reception)


def test_mp03_preview_shows_one_visit_per_household_with_clashes_and_saves_nothing(cast, login, reception):
    # Arrange: the lead visitor is already booked on Monday at 09:00-10:00.
    monday = next_monday()
    cast.make_visit(Status.AUTHORISED, start=timezone.make_aware(dt.datetime.combine(monday, dt.time(9, 0))))
    before = Visit.objects.count()

    # Act
    response = login(cast.office).post(STARTERS, starter_data(cast, reception, slots="09:30, 10:30, 16:45"))

    # Assert
    rows = response.context["rows"]
    assert [r.household.name for r in rows] == ["Adams family", "Brown family", "Cole family"]
    assert [len(r.pupils) for r in rows] == [1, 2, 1]
    assert [timezone.localtime(r.start).strftime("%a %H:%M") for r in rows] == ["Mon 09:30", "Mon 10:30", "Mon 16:45"]
    assert rows[0].problems[0] == "Visitor Hc is already booked 09:00-10:00 that day."
    assert rows[1].problems == []
    assert rows[2].problems == ["Ends after 17:00: the policy strongly recommends no evening visits."]
    page = response.content.decode()
    assert "Clash" in page
    assert 'name="confirm"' not in page
    assert Visit.objects.count() == before


def test_mp03_confirm_with_clashes_saves_nothing(cast, login, reception):
    # Arrange
    monday = next_monday()
    cast.make_visit(Status.AUTHORISED, start=timezone.make_aware(dt.datetime.combine(monday, dt.time(9, 0))))
    before = Visit.objects.count()

    # Act
    response = login(cast.office).post(STARTERS, starter_data(cast, reception, preview=None, confirm="1"))

    # Assert
    assert response.status_code == 200
    assert Visit.objects.count() == before


def test_mp03_confirm_creates_one_request_per_household(cast, login, reception):
    # Arrange
    client = login(cast.office)
    preview = client.post(STARTERS, starter_data(cast, reception))
    plan = preview.context["plan"]

    # Act
    response = client.post(STARTERS, starter_data(cast, reception, preview=None, confirm="1", plan=plan))

    # Assert
    assert response.status_code == 302
    visits = list(Visit.objects.order_by("scheduled_start"))
    assert list(client.get(response["Location"]).context["booked"]) == visits
    assert len(visits) == 3
    assert [v.household.name for v in visits] == ["Adams family", "Brown family", "Cole family"]
    assert sorted(p.first_name for p in visits[1].pupils.all()) == ["Ava", "Ben"]
    assert {v.status for v in visits} == {Status.DRAFT}
    assert all(list(v.reasons.values_list("reason", flat=True)) == ["new_starter"] for v in visits)
    assert {v.why_not_in_school for v in visits} == {"New starter visit: meeting the family at home (policy)"}
    assert all(v.code_word and "-" in v.code_word for v in visits)
    assert {(v.lead_visitor, v.second_visitor) for v in visits} == {(cast.visitor, cast.second)}


def test_mp03_confirm_can_send_every_request_to_the_lead(cast, login, reception):
    # Arrange
    client = login(cast.office)
    data = starter_data(cast, reception, submit_now="submit")
    plan = client.post(STARTERS, data).context["plan"]

    # Act
    client.post(STARTERS, {**data, "preview": "", "confirm": "1", "plan": plan})

    # Assert
    assert set(Visit.objects.values_list("status", flat=True)) == {Status.REQUESTED}


def test_mp03_confirm_after_the_inputs_changed_shows_the_new_preview_instead(cast, login, reception):
    # Arrange
    client = login(cast.office)
    plan = client.post(STARTERS, starter_data(cast, reception)).context["plan"]

    # Act
    response = client.post(STARTERS, starter_data(cast, reception, slots="11:00", confirm="1", plan=plan))

    # Assert
    assert response.status_code == 200
    assert response.context["notice"] == (
        "The schedule changed since your preview. Nothing is saved yet: check it below, then create."
    )
    assert 'name="confirm"' in response.content.decode()
    assert Visit.objects.count() == 0


def test_mp03_not_enough_slots_is_explained(cast, login, reception):
    # Arrange: one day, one slot, one pair for three households.
    monday = next_monday().strftime("%d/%m/%Y")

    # Act
    response = login(cast.office).post(
        STARTERS, starter_data(cast, reception, date_from=monday, date_to=monday, slots="09:30")
    )

    # Assert
    assert response.context["problems"] == [
        "There are 3 households to visit but only 1 times for your pairs. "
        "Choose more days, more start times or another pair."
    ]


def test_mp03_bad_time_slot_is_a_form_error(cast, login, reception):
    # Act
    response = login(cast.office).post(STARTERS, starter_data(cast, reception, slots="09:30, half ten"))

    # Assert
    assert response.context["form"].errors == {
        "slots": ["'half ten' is not a time: write times like 09:30, 13:15, separated by commas."]
    }


def test_mp03_new_starters_is_404_for_the_trust_admin(cast, login):
    # Act
    response = login(cast.trust_admin).get(STARTERS)

    # Assert
    assert response.status_code == 404


def test_mp03_pupils_of_another_school_cannot_be_chosen(cast, login, reception):
    # Arrange
    other = make_pupil(make_household(cast.other_school))

    # Act
    response = login(cast.office).post(STARTERS, starter_data(cast, [*reception, other]))

    # Assert
    assert list(response.context["form"].errors) == ["pupils"]
    assert Visit.objects.count() == 0


# --- the appointment letter (hc08) ----------------------------------------------------------------


def test_hc08_letter_has_the_appointment_and_no_internal_details(cast, login):
    # Arrange
    visit = cast.make_visit(
        Status.AUTHORISED,
        code_word="marigold",
        briefing="Father has a history of aggression.",
        comments="Internal: EWO involved.",
        reason_detail="Attendance 82%.",
        people_to_see="Mum only",
    )

    # Act
    response = login(cast.office).get(reverse("visits:letter", args=[visit.code]))

    # Assert
    page = response.content.decode()
    start = timezone.localtime(visit.scheduled_start)
    assert response.status_code == 200
    assert cast.school.name in page and cast.school.phone in page
    assert visit.person_visited in page and visit.postcode in page
    assert start.strftime("%H:%M") in page
    assert "Visitor Hc, Family wellbeing worker" in page
    assert "to talk with you about Sam&#x27;s attendance at school" in page
    for secret in ("marigold", "aggression", "EWO", "82%", "Mum only", "Attendance issues"):
        assert secret not in page


def test_hc08_letter_refused_for_the_head_and_hidden_from_outsiders(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    url = reverse("visits:letter", args=[visit.code])

    # Act
    statuses = {who: login(getattr(cast, who)).get(url).status_code for who in ("head", "bystander", "other_office")}

    # Assert
    assert statuses == {"head": 403, "bystander": 404, "other_office": 404}


def test_hc08_letter_is_audited(cast, login):
    # Arrange
    from visits.models import AuditEntry

    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    login(cast.visitor).get(reverse("visits:letter", args=[visit.code]))

    # Assert
    entry = AuditEntry.objects.filter(object_code=str(visit.code), action="download").get()
    assert (entry.username, entry.detail) == ("visitor.hc", "appointment letter")


# --- hc11 and hc25 on the booking pages -----------------------------------------------------------


def test_hc11_edit_form_hides_the_code_word_from_a_requester_who_may_not_see_it(cast, login):
    # Arrange: the head requested the visit; heads do not see code words (hc11).
    visit = cast.make_visit(Status.SENT_BACK, requester=cast.head, code_word="snowdrop")

    # Act
    page = login(cast.head).get(reverse("visits:edit", args=[visit.code]))
    saved = login(cast.head).post(
        reverse("visits:edit", args=[visit.code]),
        {k: v for k, v in edit_data(cast, visit, comments="Ring first.").items() if k != "code_word"},
    )

    # Assert
    visit.refresh_from_db()
    assert page.status_code == 200
    assert "code_word" not in page.context["form"].fields
    assert "snowdrop" not in page.content.decode()
    assert saved.status_code == 302
    assert (visit.comments, visit.code_word) == ("Ring first.", "snowdrop")


def test_hc11_edit_form_shows_the_code_word_to_the_office(cast, login):
    # Arrange
    visit = cast.make_visit(Status.SENT_BACK, requester=cast.head, code_word="snowdrop")

    # Act
    page = login(cast.office).get(reverse("visits:edit", args=[visit.code]))

    # Assert
    assert page.context["form"]["code_word"].value() == "snowdrop"


def test_hc25_edit_and_follow_up_forms_are_audited_reads(cast, login):
    # Arrange
    from visits.models import AuditEntry

    draft = cast.make_visit(Status.DRAFT)
    done = cast.make_visit(Status.COMPLETED)
    client = login(cast.office)

    # Act
    client.get(reverse("visits:edit", args=[draft.code]))
    client.get(reverse("visits:follow_up", args=[done.code]))

    # Assert
    reads = AuditEntry.objects.filter(action="view", username="office.hc").values_list("object_code", "detail")
    assert set(reads) == {(str(draft.code), "edit form"), (str(done.code), "follow-up form")}


def test_hc08_appointment_method_and_time_are_recorded(cast, login):
    # Act
    post_new(login(cast.office), cast, appointment_method="letter", appointment_made_at="20/11/2026 14:30")

    # Assert
    visit = Visit.objects.get()
    assert visit.appointment_method == "letter"
    assert timezone.localtime(visit.appointment_made_at).strftime("%d/%m/%Y %H:%M") == "20/11/2026 14:30"


def test_hc08_appointment_time_in_a_foreign_format_is_explained(cast, login):
    # Act
    response = post_new(login(cast.office), cast, appointment_made_at="2026-11-20 2pm")

    # Assert
    assert errors_of(response) == {
        "appointment_made_at": ["Enter the date and time as dd/mm/yyyy HH:MM, for example 20/11/2026 14:30."]
    }


def test_booking_visitor_booked_between_checking_and_saving_is_caught_under_the_lock(cast):
    # Arrange: the form is checked, then someone else books the lead visitor at that time.
    from visits.bookings import visitors_booked_meanwhile

    form = VisitForm(form_data(cast), school=cast.school, household=cast.household)
    assert form.is_valid(), form.errors
    start = timezone.make_aware(dt.datetime.combine(tomorrow(), dt.time(10, 15)))
    cast.make_visit(Status.REQUESTED, start=start, second_visitor=cast.bystander)

    # Act
    booked = visitors_booked_meanwhile(form)

    # Assert
    assert booked is True
    assert list(form.errors) == ["lead_visitor"]
    assert "from 10:15 to 11:15" in form.errors["lead_visitor"][0]


@pytest.mark.postgres
def test_booking_race_two_people_book_the_same_visitor_at_once_one_wins(cast, _flush_despite_append_only_triggers):
    """Two office staff book the same pair for the same hour at the same moment: each form is
    valid on its own; the row lock on the visitors makes the second one see the first's visit."""
    from visits.bookings import book

    # Arrange
    other_household = make_household(cast.school)
    other_pupil = make_pupil(other_household)
    plans = [(cast.household, cast.pupil), (other_household, other_pupil)]

    def booking(household, pupil):
        def go(ready) -> str:
            data = form_data(cast, pupils=[pupil.pk], contact="", person_visited="A parent")
            form = VisitForm(data, school=cast.school, household=household)
            valid = form.is_valid()
            ready()
            visit = book(form, cast.office, submit=False) if valid else None
            return "booked" if visit else "; ".join(f"{k}: {v[0]}" for k, v in form.errors.items())

        return go

    # Act
    outcomes = [f.value if f.won else repr(f.error) for f in race(*(booking(*plan) for plan in plans))]

    # Assert
    assert sorted(outcomes)[0] == "booked"
    assert sorted(outcomes)[1].startswith("lead_visitor: Visitor Hc is already booked for another visit on")
    assert Visit.objects.count() == 1


def test_mp03_visitor_booked_between_preview_check_and_saving_saves_nothing(cast, login, reception, monkeypatch):
    # Arrange: the second planning (under the lock) meets a visit booked meanwhile.
    from visits import bookings

    client = login(cast.office)
    data = starter_data(cast, reception)
    plan = client.post(STARTERS, data).context["plan"]
    calls = []
    real_plan = bookings.plan_new_starters

    def plan_with_a_booking_in_between(form):
        calls.append(1)
        if len(calls) == 2:
            start = timezone.make_aware(dt.datetime.combine(next_monday(), dt.time(9, 30)))
            cast.make_visit(Status.REQUESTED, start=start)
        return real_plan(form)

    monkeypatch.setattr(bookings, "plan_new_starters", plan_with_a_booking_in_between)

    # Act
    response = client.post(STARTERS, {**data, "preview": "", "confirm": "1", "plan": plan})

    # Assert
    assert response.status_code == 200
    assert response.context["problems"] == [
        "Nothing was saved.",
        "One of these visitors was booked for something else meanwhile: preview again.",
    ]
    assert Visit.objects.exclude(reasons__reason=Reason.ATTENDANCE).count() == 0


def test_mp03_preview_query_count_does_not_grow_with_the_households(cast, login):
    # Arrange
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def reception_pupils(n: int) -> list:
        pupils = []
        for _ in range(n):
            pupil = make_pupil(make_household(cast.school))
            pupil.year_group = "Reception"
            pupil.save()
            pupils.append(pupil)
        return pupils

    client = login(cast.office)
    one = reception_pupils(1)
    five = reception_pupils(4) + one

    # Act
    with CaptureQueriesContext(connection) as small:
        client.post(STARTERS, starter_data(cast, one))
    with CaptureQueriesContext(connection) as large:
        response = client.post(STARTERS, starter_data(cast, five))

    # Assert
    assert len(response.context["rows"]) == 5
    assert len(large) == len(small)


def test_hc13_visit_page_flags_an_evening_visit_confirmed_by_the_requester(cast, login):
    # Arrange
    post_new(login(cast.office), cast, start_time="17:15", end_time="18:00", evening_confirmed="on")
    visit = Visit.objects.get()

    # Act
    page = login(cast.lead).get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert
    assert "Evening visit: confirmed by the requester" in page
    assert "Evening visit: I confirm it is necessary" in page


def test_mp03_page_lists_new_starter_visits_still_to_happen(cast, login, reception):
    # Arrange
    client = login(cast.office)
    data = starter_data(cast, reception)
    plan = client.post(STARTERS, data).context["plan"]
    client.post(STARTERS, {**data, "preview": "", "confirm": "1", "plan": plan})

    # Act
    page = client.get(STARTERS).content.decode()

    # Assert
    assert "New-starter visits still to happen" in page
    assert all(name in page for name in ("Adams family", "Brown family", "Cole family"))
