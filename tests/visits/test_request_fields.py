"""The fields of a request, written once (`visits.request_fields`), as each rule reads them."""

from visits.forms import VisitForm
from visits.lifecycle import MATERIAL_FIELDS
from visits.models import Visit
from visits.request_fields import AUTHORISED_FIELDS, FOLLOW_UP_FIELDS, FORM_FIELDS, REQUEST_FIELDS


def test_every_request_field_is_a_field_of_the_visit_named_once():
    # Arrange
    names = [f.name for f in REQUEST_FIELDS]
    model_fields = {f.name for f in Visit._meta.get_fields()}

    # Assert
    assert len(names) == len(set(names))
    assert set(names) <= model_fields


def test_the_form_edits_the_fields_marked_on_form():
    # Assert
    assert tuple(VisitForm._meta.fields) == FORM_FIELDS


def test_hc01_the_authorisation_covers_where_who_why_and_the_code_word():
    # Assert: the lifecycle's rule reads the same set.
    assert MATERIAL_FIELDS is AUTHORISED_FIELDS
    assert {"scheduled_start", "expected_end", "household", "lead_visitor", "second_visitor", "code_word"} <= (
        AUTHORISED_FIELDS
    )
    assert {"comments", "briefing", "agency_worker_phone"}.isdisjoint(AUTHORISED_FIELDS)


def test_mp02_a_follow_up_copies_who_and_where_but_not_the_day_purpose_or_code_word():
    # Assert
    assert {"lead_visitor", "second_visitor", "address_line1", "postcode", "contact"} <= set(FOLLOW_UP_FIELDS)
    assert {"scheduled_start", "expected_end", "purpose", "code_word", "briefing"}.isdisjoint(FOLLOW_UP_FIELDS)
