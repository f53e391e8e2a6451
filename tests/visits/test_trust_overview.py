"""The trust administrator's numbers: right, and nothing but numbers (hc25)."""

from django.urls import reverse

from visits.enums import Status


def test_trust_overview_counts_each_visit_once_whatever_the_staff_count(cast, login):
    # Arrange: seven staff at the school, visits in three states.
    cast.make_visit(Status.REQUESTED)
    cast.make_visit(Status.REQUESTED)
    cast.make_visit(Status.IN_PROGRESS)
    cast.make_visit(Status.COMPLETED)

    # Act
    response = login(cast.trust_admin).get(reverse("visits:trust"))

    # Assert
    row = next(r for r in response.context["rows"] if r.pk == cast.school.pk)
    assert (row.waiting, row.open_visits, row.on_the_road, row.completed) == (2, 3, 1, 1)
    assert row.staff == 8


def test_hc25_trust_overview_shows_no_pupil_or_household_details(cast, login):
    cast.make_visit(Status.REQUESTED)
    body = login(cast.trust_admin).get(reverse("visits:trust")).content.decode()
    assert cast.household.name not in body
    assert cast.pupil.last_name not in body
