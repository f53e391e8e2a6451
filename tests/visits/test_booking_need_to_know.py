"""Need to know in the booking pages (issue 14, item 5; hc25): "Book a visit", its household picker
and search, and "New-starter visits" show the school's families, so they are for the roles that
see them (`who.BOOKING_ROLES`: the office, the leads, the head). Visiting staff see a family
through the visits they are on; each school's roles answer for that school's households only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import advance, make_household, make_pupil, make_user, visit_fields
from tests.visits.test_booking import form_data, starter_data
from visits import lifecycle, who
from visits.enums import Reason, Role, Status
from visits.models import Visit

NEW = reverse("visits:new")
STARTERS = reverse("visits:new_starters")
VISITING_STAFF = ["visitor", "second", "bystander"]
BOOKING_STAFF = ["office", "lead", "deputy", "head"]


def household_url(household) -> str:
    return f"{NEW}?household={household.code}"


def reception_pupil(cast):
    pupil = make_pupil(cast.household, first_name="Zara")
    pupil.year_group = "Reception"
    pupil.save()
    return pupil


# --- visiting staff are refused, and see nothing of the families ------------------------------------


@pytest.mark.parametrize("who_", VISITING_STAFF)
def test_booking_pages_are_404_for_visiting_staff(cast, login, who_):
    # Arrange: the visitor is on a visit to the family, and the family has a Reception pupil.
    cast.make_visit(Status.AUTHORISED)
    pupil = reception_pupil(cast)
    client = login(getattr(cast, who_))

    # Act
    responses = {
        "picker": client.get(NEW),
        "search by pupil": client.get(NEW, {"q": pupil.last_name}),
        "household": client.get(household_url(cast.household)),
        "new starters": client.get(STARTERS),
        "new starters, year": client.get(STARTERS, {"year": "Reception"}),
    }

    # Assert: no page, and nothing of the family in what came back.
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    for response in responses.values():
        page = response.content.decode()
        assert str(cast.household.code) not in page
        assert cast.household.address_line1 not in page
        assert pupil.last_name not in page


@pytest.mark.parametrize("who_", VISITING_STAFF)
def test_booking_posts_are_404_for_visiting_staff_and_book_nothing(cast, login, who_):
    # Arrange
    pupil = reception_pupil(cast)
    client = login(getattr(cast, who_))

    # Act
    booked = client.post(household_url(cast.household), form_data(cast))
    starters = client.post(STARTERS, starter_data(cast, [pupil], preview=None, confirm="1"))

    # Assert
    assert (booked.status_code, starters.status_code) == (404, 404)
    assert Visit.objects.count() == 0


def test_booking_link_is_not_in_visiting_staffs_menu(cast, login):
    # Act
    visitor_page = login(cast.visitor).get(reverse("visits:mine")).content.decode()
    office_page = login(cast.office).get(reverse("visits:today")).content.decode()

    # Assert
    assert f'href="{NEW}"' not in visitor_page
    assert f'href="{NEW}"' in office_page


def test_booking_rule_is_stated_once_in_who(cast):
    # Act
    may = {name: who.may_book(getattr(cast, name), cast.school.pk) for name in (*BOOKING_STAFF, *VISITING_STAFF)}

    # Assert
    assert may == dict.fromkeys(BOOKING_STAFF, True) | dict.fromkeys(VISITING_STAFF, False)
    assert who.BOOKING_ROLES == {Role.OFFICE, Role.LEAD, Role.DEPUTY_LEAD, Role.HEAD}
    assert who.may_book(cast.trust_admin, cast.school.pk) is False


# --- the roles that book still do --------------------------------------------------------------------


@pytest.mark.parametrize("who_", BOOKING_STAFF)
def test_booking_pages_open_for_the_office_leads_and_head(cast, login, who_):
    # Arrange
    pupil = reception_pupil(cast)
    client = login(getattr(cast, who_))

    # Act
    search = client.get(NEW, {"q": pupil.last_name})
    household = client.get(household_url(cast.household))
    starters = client.get(STARTERS)

    # Assert
    assert (search.status_code, household.status_code, starters.status_code) == (200, 200, 200)
    assert search.context["households"] == [cast.household]
    assert household.context["household"] == cast.household
    assert list(starters.context["form"].fields["pupils"].queryset) == [pupil]


def test_booking_by_the_office_still_books(cast, login):
    # Act
    response = login(cast.office).post(household_url(cast.household), form_data(cast))

    # Assert
    assert response.status_code == 302
    assert Visit.objects.get().requested_by == cast.office


def test_mp02_visitor_may_still_book_a_follow_up_to_a_family_they_visited(cast, login):
    # Arrange: the household is on a visit of theirs, so the follow-up shows nothing new.
    visit = cast.make_visit(Status.COMPLETED)

    # Act
    response = login(cast.visitor).get(reverse("visits:follow_up", args=[visit.code]))

    # Assert
    assert response.status_code == 200
    assert response.context["household"] == cast.household


# --- another school's staff, and one person with a role at each of two schools ----------------------


@pytest.mark.parametrize("who_", ["other_office", "other_lead", "other_head"])
def test_hc25_booking_pages_of_another_school_show_none_of_its_families(cast, login, who_):
    # Arrange
    pupil = reception_pupil(cast)
    client = login(getattr(cast, who_))

    # Act
    household = client.get(household_url(cast.household))
    search = client.get(NEW, {"q": pupil.last_name})
    starters = client.get(STARTERS, {"school": str(cast.school.code)})

    # Assert
    assert household.status_code == 404
    assert search.context["households"] == []
    assert pupil not in starters.context["form"].fields["pupils"].queryset


def test_booking_visitor_at_one_school_and_office_at_another_books_at_the_second_only(cast, login):
    # Arrange: visiting staff at Holy Cross, office at Mount.
    person = make_user("dual.role", cast.school, Role.VISITOR)
    person.memberships.create(school=cast.other_school, role=Role.OFFICE)
    mount_family = make_household(cast.other_school, "Mount family")
    mount_pupil = make_pupil(mount_family)
    holy_cross_pupil = reception_pupil(cast)
    client = login(person)

    # Act
    picker = client.get(NEW)
    search = client.get(NEW, {"q": holy_cross_pupil.last_name})
    holy_cross = client.get(household_url(cast.household))
    mount = client.get(household_url(mount_family))
    starters = client.get(STARTERS, {"school": str(cast.school.code), "year": ""})
    posted = client.post(household_url(cast.household), form_data(cast))

    # Assert: Mount's families, never Holy Cross's.
    assert picker.context["schools"] == [cast.other_school]
    assert picker.context["households"] == [mount_family]
    assert search.context["households"] == []
    assert (holy_cross.status_code, mount.status_code, posted.status_code) == (404, 200, 404)
    assert starters.context["school"] == cast.other_school
    assert list(starters.context["form"].fields["pupils"].queryset) == [mount_pupil]
    assert str(cast.household.code) not in picker.content.decode()
    assert Visit.objects.count() == 0


def test_booking_trust_admin_and_a_superuser_without_a_role_get_404(cast, login):
    # Arrange
    it_person = make_user("it.person", None, is_staff=True, is_superuser=True)

    # Act
    statuses = {
        (name, url): login(user).get(url).status_code
        for name, user in (("trust_admin", cast.trust_admin), ("superuser", it_person))
        for url in (NEW, household_url(cast.household), STARTERS)
    }

    # Assert
    assert set(statuses.values()) == {404}


# --- the other pages a visitor opens show no family outside their visits -----------------------------


@pytest.mark.parametrize(
    "url_name", ["visits:households", "visits:import_upload", "visits:trust", "visits:board", "visits:today"]
)
def test_hc25_school_wide_family_pages_are_404_for_visiting_staff(cast, login, url_name):
    # Act
    response = login(cast.bystander).get(reverse(url_name))

    # Assert
    assert response.status_code == 404


def test_hc25_visitors_own_list_shows_only_their_visits_families(cast, login):
    # Arrange: a visit the bystander is on, and one to another family of the school they are not on.
    theirs = cast.make_visit(Status.AUTHORISED, second_visitor=cast.bystander)
    other_family = make_household(cast.school, "Elsewhere family")
    not_theirs = lifecycle.create_request(
        cast.office,
        cast.school,
        other_family,
        visit_fields(cast.visitor, cast.second),
        pupils=[make_pupil(other_family)],
        reasons=[Reason.ATTENDANCE],
    )
    advance(not_theirs, Status.AUTHORISED, cast)
    client = login(cast.bystander)

    # Act
    page = client.get(reverse("visits:mine")).content.decode()
    other_pdf = client.get(reverse("visits:pdf_form", args=[not_theirs.code]))
    other_page = client.get(reverse("visits:detail", args=[not_theirs.code]))

    # Assert
    assert theirs.household.name in page
    assert other_family.name not in page
    assert (other_pdf.status_code, other_page.status_code) == (404, 404)


def test_hc25_trust_overview_shows_no_family(cast, login):
    # Arrange
    cast.make_visit(Status.AUTHORISED)

    # Act
    page = login(cast.trust_admin).get(reverse("visits:trust")).content.decode()

    # Assert
    assert cast.school.name in page
    assert cast.household.name not in page
    assert cast.household.address_line1 not in page
    assert cast.pupil.last_name not in page
