"""The family's plain words (hc08, hc23): the letter and the home copy say why we visit the same
way, and the grammar follows how many children the visit is about."""

from __future__ import annotations

import pytest

from tests.factories import make_pupil
from visits import family_words
from visits.enums import Reason
from visits.models import VisitReason

pytestmark = pytest.mark.django_db


def _with_reasons(cast, *reasons):
    visit = cast.make_visit()
    VisitReason.objects.filter(visit=visit).delete()
    VisitReason.objects.bulk_create([VisitReason(visit=visit, reason=r) for r in reasons])
    return visit


def test_hc08_one_child_is_spoken_of_in_the_singular(cast):
    # Arrange
    visit = _with_reasons(cast, Reason.WELFARE_CHECK, Reason.NEW_STARTER)

    # Act
    words = family_words.plain_reasons(visit, [cast.pupil])

    # Assert
    assert words == [
        f"to see how {cast.pupil.first_name} is getting on",
        f"to meet you and {cast.pupil.first_name} at home before {cast.pupil.first_name} starts school",
    ]


def test_hc08_several_children_are_spoken_of_in_the_plural(cast):
    # Arrange
    visit = _with_reasons(cast, Reason.WELFARE_CHECK, Reason.NEW_STARTER, Reason.OFF_SICK)
    pupils = [cast.pupil, make_pupil(cast.household, "Maya"), make_pupil(cast.household, "Jacob")]

    # Act
    words = family_words.plain_reasons(visit, pupils)

    # Assert
    names = f"{cast.pupil.first_name}, Maya and Jacob"
    assert words == [
        f"to see how {names} are getting on",
        f"to meet you and {names} at home before they start school",
        f"to see how {names} are and keep them in touch with school",
    ]


def test_hc08_the_same_words_are_said_once_and_no_pupil_reads_your_child(cast):
    # Arrange: two reasons with the same words for the family
    visit = _with_reasons(cast, Reason.ATTENDANCE, Reason.TERM_TIME_HOLIDAY)

    # Act
    words = family_words.plain_reasons(visit, [])

    # Assert
    assert words == ["to talk with you about your child's attendance at school"]


def test_hc08_every_reason_has_words_for_the_family():
    assert set(family_words.LETTER_REASONS) == set(Reason.values)
