"""hc11: the code word never reaches the family or the timeline (issue 13, item 8).

What the family reads (the letter, the copy left at the home) and what everyone who sees the visit
reads (its timeline) refuse text holding the visit's code word, however it is spaced or cased."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.visits.test_booking import form_data
from tests.visits.test_record_form import FIELDS, FORM
from visits import code_word, lifecycle
from visits.enums import Status
from visits.exceptions import PreconditionFailed
from visits.models import VisitEvent, VisitRecord

CODE_WORD = "amber-kestrel"


@pytest.mark.parametrize("text", ["amber-kestrel", "Amber Kestrel", "AMBERKESTREL", "say amber_kestrel now"])
def test_hc11_the_code_word_is_found_however_it_is_written(text):
    # Assert
    assert code_word.contains(text, CODE_WORD)


def test_hc11_other_words_and_a_visit_without_a_code_word_find_nothing():
    # Assert
    assert not code_word.contains("amber light, a kestrel overhead", CODE_WORD)
    assert not code_word.contains("anything", "")


def test_hc11_withheld_text_never_holds_the_code_word_itself():
    # Act: a code word that is one of the stand-in words.
    shown = code_word.withheld("we said shown twice", "shown")

    # Assert
    assert "shown" not in shown.lower()
    assert code_word.withheld("nothing to hide", CODE_WORD) == "nothing to hide"


def test_hc11_agreed_with_family_holding_the_code_word_is_refused_by_the_service(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, code_word=CODE_WORD)

    # Act
    with pytest.raises(ValidationError) as refused:
        lifecycle.write_record(visit, cast.visitor, {**FIELDS, "agreed_with_family": "Ring if Amber Kestrel."})

    # Assert: nothing written.
    assert "agreed_with_family" in refused.value.message_dict
    assert not VisitRecord.objects.filter(visit=visit).exists()


def test_hc11_agreed_with_family_holding_the_code_word_is_an_error_on_the_form(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, code_word=CODE_WORD)

    # Act
    response = login(cast.visitor).post(
        reverse("visits:record", args=[visit.code]), {**FORM, "agreed_with_family": "amberkestrel"}
    )

    # Assert: the page again, the error by the field, nothing saved.
    assert response.status_code == 200
    assert code_word.FAMILY_FIELD_ERROR in response.context["form"].errors["agreed_with_family"]
    assert not VisitRecord.objects.filter(visit=visit).exists()


@pytest.mark.parametrize("action", ["decline", "send_back"])
def test_hc11_a_lead_note_holding_the_code_word_is_refused(cast, action):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, code_word=CODE_WORD)

    # Act
    with pytest.raises(PreconditionFailed, match="code word"):
        lifecycle.transition(visit, cast.lead, action, note="Too risky; amber kestrel is a poor code word.")

    # Assert
    visit.refresh_from_db()
    assert visit.status == Status.REQUESTED


def test_hc11_a_cancel_note_holding_the_code_word_is_refused(cast):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED, code_word=CODE_WORD)

    # Act / Assert
    with pytest.raises(PreconditionFailed, match="code word"):
        lifecycle.transition(visit, cast.office, "cancel", note="Cancelled; Amber Kestrel no longer needed.")


def test_hc11_the_timeline_withholds_a_note_holding_the_code_word_as_a_last_net(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, code_word=CODE_WORD)

    # Act: a note written straight to the timeline (no service refused it first).
    lifecycle.log_event(visit, cast.office, "concern_raised", note="amber kestrel")

    # Assert
    notes = list(VisitEvent.objects.filter(visit=visit).values_list("note", flat=True))
    assert not any(code_word.contains(n, CODE_WORD) for n in notes)


def test_hc11_a_code_word_in_the_address_printed_for_the_family_is_refused_on_the_form(cast, login):
    # Act
    response = login(cast.office).post(
        reverse("visits:new") + f"?household={cast.household.code}",
        form_data(cast, code_word="Larkhill", address_line1="4 Larkhill Road"),
    )

    # Assert
    assert response.status_code == 200
    assert "Choose another code word" in " ".join(response.context["form"].errors["code_word"])
