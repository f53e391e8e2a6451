"""A school's terms (issue 17): its leads and head list, add and change them; a term ends on or
after it starts and overlaps no other term of the school; another school's terms are not theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from visits.enums import AuditAction
from visits.models import AuditEntry, Term

pytestmark = [pytest.mark.postgres]


def _add(client, school, **data):
    return client.post(reverse("reports:terms") + f"?school={school.pk}", data)


def test_a_lead_adds_a_term(cast, login):
    # Act
    response = _add(login(cast.lead), cast.school, name="Spring 2027", starts="04/01/2027", ends="26/03/2027")

    # Assert
    term = Term.objects.get()
    assert response.status_code == 302
    assert (term.school, term.name, term.starts, term.ends) == (
        cast.school,
        "Spring 2027",
        dt.date(2027, 1, 4),
        dt.date(2027, 3, 26),
    )
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="term").count() == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"name": "Backwards", "starts": "26/03/2027", "ends": "04/01/2027"}, "The last day must be on or after"),
        ({"name": "Overlap", "starts": "01/12/2026", "ends": "10/01/2027"}, "These dates overlap Autumn 2026"),
        ({"name": "Bad", "starts": "32/01/2027", "ends": "26/03/2027"}, "Enter a date as dd/mm/yyyy"),
        ({"name": "  ", "starts": "04/01/2027", "ends": "26/03/2027"}, "Give the term a name"),
        ({"name": "Long", "starts": "04/01/2027", "ends": "26/03/2029"}, "A term lasts at most a year"),
    ],
)
def test_bad_terms_get_words_on_the_form(cast, login, term, data, words):
    # Act
    response = _add(login(cast.head), cast.school, **data)

    # Assert
    assert response.status_code == 400
    assert words in response.content.decode()
    assert Term.objects.count() == 1


def test_the_same_dates_at_another_school_are_no_overlap(cast, login, term):
    # Act
    response = _add(login(cast.other_lead), cast.other_school, name="Autumn", starts="01/09/2026", ends="18/12/2026")

    # Assert
    assert response.status_code == 302
    assert Term.objects.filter(school=cast.other_school).count() == 1


def test_a_lead_changes_a_term_and_the_term_itself_is_no_overlap(cast, login, term):
    # Act
    response = login(cast.deputy).post(
        reverse("reports:term_edit", args=[term.pk]),
        {"name": "Autumn 2026", "starts": "02/09/2026", "ends": "18/12/2026"},
    )

    # Assert
    term.refresh_from_db()
    assert response.status_code == 302 and term.starts == dt.date(2026, 9, 2)


def test_another_schools_term_answers_404(cast, login, term):
    # Act
    client = login(cast.other_lead)
    shown = client.get(reverse("reports:term_edit", args=[term.pk]))
    changed = client.post(
        reverse("reports:term_edit", args=[term.pk]), {"name": "X", "starts": "01/09/2026", "ends": "02/09/2026"}
    )

    # Assert
    term.refresh_from_db()
    assert (shown.status_code, changed.status_code, term.name) == (404, 404, "Autumn 2026")


def test_a_lead_cannot_add_a_term_to_another_school(cast, login):
    # Act: the school in the address is not one of theirs: the first of their own is used.
    _add(login(cast.lead), cast.other_school, name="Sneaky", starts="04/01/2027", ends="26/03/2027")

    # Assert
    assert not Term.objects.filter(school=cast.other_school).exists()
