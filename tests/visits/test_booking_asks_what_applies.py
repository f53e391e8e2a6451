"""Booking that asks only what applies (issue 16, item 7): fields needed only after an answer
(`visits.request_fields.SHOWN_WHEN`) are shown by the page as the answers change and checked by the
form from the same statement; a code word is suggested; job roles come from the staff profile."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from tests.visits.test_booking import form_data, new_url, post_new
from visits import code_word, request_fields
from visits.enums import AppointmentMethod, NotInformedException, Role, VisitType
from visits.forms import VisitForm
from visits.models import Membership, Visit
from visits.request_fields import AGENCY, ALONE, SHOWN_WHEN, STAFF

# The answers a condition may name: the form's own fields, and "evening", worked out from the times.
ANSWERS = {"second_person", "informed", "visit_type", "appointment_method", "evening"}


def bound(cast, **overrides) -> VisitForm:
    return VisitForm(form_data(cast, **overrides), school=cast.school, household=cast.household)


def errors(form: VisitForm) -> dict[str, list[str]]:
    form.is_valid()
    return {name: list(errs) for name, errs in form.errors.items()}


# --- the one statement ------------------------------------------------------------------------------


def test_every_condition_names_an_answer_the_form_asks_and_every_needed_field_is_on_the_form(cast):
    # Arrange
    form = VisitForm(school=cast.school, household=cast.household)

    # Assert
    assert {c.answer for conditions in SHOWN_WHEN.values() for c in conditions} <= ANSWERS
    assert set(SHOWN_WHEN) <= set(form.fields) | {"slt_consulted"}
    assert {"second_person", "informed", "visit_type", "appointment_method"} <= set(form.fields)


def test_the_page_carries_each_condition_as_the_statement_says(cast, login):
    # Act
    page = login(cast.office).get(new_url(cast)).content.decode()

    # Assert: each field needed only after an answer sits in a box with its condition.
    boxes = {}
    for piece in page.split('data-shown-when="')[1:]:
        condition, inside = piece.split('"', 1)
        boxes[re.search(r'name="(\w+)"', inside).group(1)] = json.loads(condition.replace("&quot;", '"'))
    assert boxes == {name: json.loads(request_fields.shown_when_attr(name)) for name in SHOWN_WHEN}
    assert "js/booking.js" in page
    assert not re.search(r"data-shown-when=\"[^\"]*\"[^>]*\shidden", page)  # without JavaScript: all shown
    assert 'data-evening-cutoff="17:00"' in page


def test_needed_reads_every_condition_of_a_field():
    # Assert
    told_by_phone = {"informed": "yes", "appointment_method": AppointmentMethod.PHONE}
    assert request_fields.needed("appointment_made_at", told_by_phone)
    assert not request_fields.needed("appointment_made_at", {**told_by_phone, "appointment_method": "none"})
    assert not request_fields.needed("appointment_made_at", {**told_by_phone, "informed": "no"})
    assert request_fields.needed("purpose", {})  # no condition: always


# --- who goes with the lead visitor (hc06) ----------------------------------------------------------


def test_hc06_with_a_second_member_of_staff_the_agency_and_lone_fields_are_dropped(cast, login):
    # Act: an agency worker and a lone reason typed, then "a second member of staff" chosen.
    post_new(
        login(cast.office),
        cast,
        second_person=STAFF,
        agency_worker_name="Jo Smith",
        agency_worker_organisation="Early Help",
        agency_worker_phone="0161 496 0111",
        lone_visit_reason="Nobody else free.",
    )

    # Assert
    visit = Visit.objects.get()
    assert visit.second_visitor == cast.second
    assert (visit.agency_worker_name, visit.agency_worker_organisation, visit.agency_worker_phone) == ("", "", "")
    assert visit.lone_visit_reason == ""


def test_hc06_an_agency_worker_needs_a_name_and_an_organisation_and_the_staff_choice_is_dropped(cast):
    # Act
    refused = errors(bound(cast, second_person=AGENCY))
    form = bound(cast, second_person=AGENCY, agency_worker_name="Jo Smith", agency_worker_organisation="Early Help")

    # Assert
    assert refused == {
        "agency_worker_name": ["Enter the outside-agency worker's name."],
        "agency_worker_organisation": ["Enter the outside agency's name."],
    }
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["second_visitor"], form.cleaned_data["second_visitor_role"]) == (None, "")


def test_hc06_a_second_member_of_staff_chosen_but_not_named_is_asked_for(cast):
    # Act
    found = errors(bound(cast, second_person=STAFF, second_visitor=""))

    # Assert
    assert found == {
        "second_visitor": ["Choose the second member of staff, or say above that someone else or no one goes."]
    }


def test_hc06_a_lone_visit_needs_its_reason_and_drops_the_second_visitor(cast):
    # Act
    refused = errors(bound(cast, second_person=ALONE))
    form = bound(cast, second_person=ALONE, lone_visit_reason="Two staff may escalate.")

    # Assert
    assert list(refused) == ["lone_visit_reason"]
    assert refused["lone_visit_reason"][0].startswith("Holy Cross requires visits in pairs")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["second_visitor"] is None
    assert form.lifecycle_fields()["second_visitor"] is None


def test_hc06_the_edit_form_starts_from_who_goes(cast):
    # Arrange
    pair = cast.make_visit()
    agency = cast.make_visit(second_visitor=None, agency_worker_name="Jo", agency_worker_organisation="EH")

    # Act
    def answer(visit):
        return VisitForm(school=cast.school, household=visit.household, visit=visit)["second_person"].value()

    # Assert
    assert (answer(pair), answer(agency)) == (STAFF, AGENCY)


# --- telling the family (hc02, hc08), why not in school (hc05), evening (hc13) -------------------------------


def test_hc02_told_drops_the_exception_and_not_told_asks_for_it_and_drops_the_appointment(cast):
    # Act
    told = bound(cast, informed="yes", not_informed_exception=NotInformedException.POOR_ATTENDANCE)
    not_told = errors(bound(cast, informed="no", not_informed_exception=""))
    unannounced = bound(
        cast,
        informed="no",
        not_informed_exception=NotInformedException.POOR_ATTENDANCE,
        appointment_method=AppointmentMethod.PHONE,
        appointment_made_at="01/11/2026 10:00",
    )

    # Assert
    assert told.is_valid(), told.errors
    assert told.cleaned_data["not_informed_exception"] == ""
    assert not_told == {"not_informed_exception": ["Choose why the family will not be told in advance."]}
    assert unannounced.is_valid(), unannounced.errors
    assert (unannounced.cleaned_data["appointment_method"], unannounced.cleaned_data["appointment_made_at"]) == (
        "",
        None,
    )


def test_hc08_when_the_appointment_was_made_applies_only_to_an_appointment(cast):
    # Act: no appointment, and a date left in the field below it (good or not).
    typo = bound(cast, appointment_method=AppointmentMethod.NONE, appointment_made_at="not a date")
    good = bound(cast, appointment_method=AppointmentMethod.NONE, appointment_made_at="01/11/2026 10:00")
    phoned = bound(cast, appointment_method=AppointmentMethod.PHONE, appointment_made_at="not a date")

    # Assert: what was left in a field that does not apply is dropped, not judged.
    assert typo.is_valid(), typo.errors
    assert good.is_valid(), good.errors
    assert (typo.cleaned_data["appointment_made_at"], good.cleaned_data["appointment_made_at"]) == (None, None)
    assert list(errors(phoned)) == ["appointment_made_at"]


def test_a_control_character_left_in_a_field_that_does_not_apply_is_still_refused(cast):
    # Act
    found = errors(bound(cast, second_person=STAFF, lone_visit_reason="Left\x00over"))

    # Assert
    assert list(found) == ["lone_visit_reason"]


def test_hc05_an_emergency_visit_is_not_asked_why_not_in_school_and_a_planned_one_is(cast):
    # Act
    emergency = bound(cast, visit_type=VisitType.EMERGENCY, why_not_in_school="Left over from before.")
    planned = errors(bound(cast, visit_type=VisitType.PLANNED, why_not_in_school="  "))

    # Assert
    assert emergency.is_valid(), emergency.errors
    assert emergency.cleaned_data["why_not_in_school"] == ""
    assert planned == {"why_not_in_school": ["For a planned visit, say why a meeting in school is not suitable."]}


def test_hc13_the_evening_confirmation_applies_only_to_an_evening_slot(cast):
    # Act
    day = bound(cast, evening_confirmed="on")
    evening = errors(bound(cast, start_time="16:30", end_time="17:30"))

    # Assert
    assert day.is_valid(), day.errors
    assert day.cleaned_data["evening_confirmed"] is False
    assert list(evening) == ["evening_confirmed"]
    assert evening["evening_confirmed"][0].startswith("This visit starts or ends after 17:00.")


def test_fields_needed_only_after_an_answer_are_marked_but_not_required_by_themselves(cast):
    # Arrange
    form = VisitForm(school=cast.school, household=cast.household)

    # Assert: marked * on the page...
    assert all(form.fields[name].required for name in request_fields.REQUIRED_WHEN_SHOWN if name in form.fields)
    # ...but a form whose answers do not need them is valid without them.
    form = bound(cast, lone_visit_reason="", agency_worker_name="", not_informed_exception="")
    assert form.is_valid(), form.errors


# --- the code word (hc11) --------------------------------------------------------------------------------


def test_hc11_a_suggested_code_word_is_two_different_words_of_the_list():
    # Act
    words = [code_word.suggest() for _ in range(200)]

    # Assert
    for word in words:
        first, second = word.split("-")
        assert first != second
        assert {first, second} <= set(code_word.SUGGESTED_WORDS)
        assert len(word) <= Visit._meta.get_field("code_word").max_length
    assert len(set(words)) > 150  # random, not a fixed few


def test_hc11_the_word_list_is_plain_words_easy_to_say():
    # Assert
    assert len(code_word.SUGGESTED_WORDS) == len(set(code_word.SUGGESTED_WORDS)) >= 60
    assert all(re.fullmatch(r"[a-z]{3,10}", w) for w in code_word.SUGGESTED_WORDS)


def test_hc11_a_suggestion_is_never_in_what_is_printed_for_the_family(monkeypatch):
    # Arrange: the dice say otter, lantern (in the address), then otter twice, then maple, lantern.
    rolls = iter(["otter", "lantern", "otter", "otter", "maple", "lantern"])
    monkeypatch.setattr(code_word.secrets, "choice", lambda seq: next(rolls))

    # Act
    word = code_word.suggest(avoid="Otter Lantern Cottage, 1 Mill Lane")

    # Assert
    assert word == "maple-lantern"


def test_hc11_the_booking_form_suggests_a_code_word_that_passes_the_forms_checks(cast, login):
    # Arrange
    client = login(cast.office)

    # Act
    suggested = client.get(new_url(cast)).context["form"]["code_word"].value()
    client.post(new_url(cast), form_data(cast, code_word=suggested))

    # Assert
    assert re.fullmatch(r"[a-z]+-[a-z]+", suggested)
    assert Visit.objects.get().code_word == suggested


def test_hc11_the_suggestion_can_be_changed(cast, login):
    # Act
    post_new(login(cast.office), cast, code_word="Red Kite")

    # Assert
    assert Visit.objects.get().code_word == "Red Kite"


# --- job roles from the staff profile (hc06) -------------------------------------------------------------


def test_hc06_each_visitors_option_carries_their_profiles_job_title(cast, login):
    # Arrange
    cast.second.job_title = "Attendance officer"
    cast.second.save(update_fields=["job_title"])

    # Act
    page = login(cast.office).get(new_url(cast)).content.decode()

    # Assert
    assert f'value="{cast.second.pk}" data-job-title="Attendance officer"' in page
    assert 'data-job-title-of="id_second_visitor"' in page


def test_hc06_visiting_staff_booking_lead_the_visit_with_their_job_title_prefilled(cast, login):
    # Arrange: the visitor may book (they view the school's households).
    Membership.objects.create(user=cast.visitor, school=cast.school, role=Role.OFFICE)
    cast.visitor.job_title = "Family support worker"
    cast.visitor.save(update_fields=["job_title"])

    # Act
    form = login(cast.visitor).get(new_url(cast)).context["form"]

    # Assert
    assert form["lead_visitor"].value() == cast.visitor.pk
    assert form["lead_visitor_role"].value() == "Family support worker"


def test_hc06_a_role_left_blank_is_the_profiles_job_title_and_a_typed_one_is_kept(cast, login):
    # Arrange
    cast.second.job_title = "Attendance officer"
    cast.second.save(update_fields=["job_title"])
    client = login(cast.office)

    # Act
    post_new(client, cast, second_visitor_role="")
    post_new(client, cast, second_visitor_role="Class teacher", visit_date="01/02/2027")

    # Assert
    assert list(Visit.objects.order_by("id").values_list("second_visitor_role", flat=True)) == [
        "Attendance officer",
        "Class teacher",
    ]


def test_hc06_staff_set_their_own_job_title_on_their_profile(cast, login):
    # Act
    login(cast.visitor).post(
        reverse("accounts:profile"), {"job_title": "  Family   support worker ", "mobile": "", "description": ""}
    )

    # Assert
    cast.visitor.refresh_from_db()
    assert cast.visitor.job_title == "Family support worker"


@pytest.mark.parametrize("name", ["second_visitor", "lead_visitor"])
def test_hc06_an_option_without_a_job_title_carries_none(cast, name):
    # Arrange
    cast.second.job_title = ""
    cast.second.save(update_fields=["job_title"])

    # Act
    html = str(VisitForm(school=cast.school, household=cast.household)[name])

    # Assert
    assert f'value="{cast.second.pk}">' in html
