"""Households, contacts and pupils: search, pages, forms, who may and may not (hc25), the audit
trail, and the same number of queries at 1 and 5 rows on the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_household, make_pupil
from visits.enums import AuditAction, Role, Status
from visits.models import AuditEntry, Contact, Household, Membership, Pupil

# --- search -----------------------------------------------------------------------------------------


def _search(client, query: str) -> list[str]:
    response = client.get(reverse("visits:households"), {"q": query})
    assert response.status_code == 200
    return [h.name for h in response.context["page"].rows]


@pytest.fixture
def families(cast):
    okafor = make_household(cast.school, "Okafor family")
    okafor.postcode = "M14 6PL"
    okafor.save()
    Pupil.objects.create(
        school=cast.school,
        household=okafor,
        first_name="Amara",
        last_name="Okafor",
        date_of_birth=dt.date(2019, 4, 23),
        year_group="Year 2",
    )
    brennan = make_household(cast.school, "Brennan family")
    brennan.postcode = "SK4 1HQ"
    brennan.save()
    Pupil.objects.create(
        school=cast.school,
        household=brennan,
        first_name="Niamh",
        last_name="Doyle",
        date_of_birth=dt.date(2021, 11, 21),
        year_group="Reception",
    )
    elsewhere = make_household(cast.other_school, "Okafor family (Mount)")
    return okafor, brennan, elsewhere


@pytest.mark.parametrize(
    "query, expected",
    [
        ("okafor", ["Okafor family"]),  # household surname, any case
        ("BRENNAN", ["Brennan family"]),
        ("amara", ["Okafor family"]),  # pupil first name
        ("niamh doyle", ["Brennan family"]),  # pupil full name, in a household of another surname
        ("doyle", ["Brennan family"]),
        ("M14 6PL", ["Okafor family"]),  # postcode with its space
        ("m146pl", ["Okafor family"]),  # without the space, lower case
        ("SK4", ["Brennan family"]),  # the start of a postcode
        ("nobody", []),
    ],
)
def test_household_search_finds_by_pupil_household_or_postcode(cast, login, families, query, expected):
    # Arrange
    client = login(cast.office)

    # Act
    found = _search(client, query)

    # Assert: never the other school's Okafor family.
    assert found == expected


def test_household_search_by_contact_name(cast, login, families):
    # Arrange
    okafor = families[0]
    Contact.objects.create(
        household=okafor, first_name="Chidi", last_name="Eze", relationship="Uncle", parental_responsibility=False
    )

    # Act
    found = _search(login(cast.lead), "eze")

    # Assert
    assert found == ["Okafor family"]


def test_household_search_writes_no_search_words_to_audit(cast, login, families):
    # Act
    _search(login(cast.office), "Amara")

    # Assert
    entry = AuditEntry.objects.filter(object_type="household", action=AuditAction.LIST).get()
    assert entry.detail == "household search"
    assert "amara" not in str(AuditEntry.objects.values_list()).lower()


def test_household_list_query_count_same_for_1_and_5_rows(cast, login):
    # Arrange: the cast already has one household.
    client = login(cast.office)
    url = reverse("visits:households")
    client.get(url)

    # Act
    with CaptureQueriesContext(connection) as one_row:
        one = client.get(url)
    for i in range(4):
        household = make_household(cast.school, f"Zed family {i}")
        make_pupil(household)
        make_pupil(household, "Jo")
    with CaptureQueriesContext(connection) as five_rows:
        five = client.get(url)

    # Assert
    assert (len(one.context["page"].rows), len(five.context["page"].rows)) == (1, 5)
    assert len(five_rows) == len(one_row)


def test_household_list_paginates_by_name_without_offset(cast, login):
    # Arrange
    client = login(cast.office)
    for i in range(30):
        make_household(cast.school, f"Family {i:02d}")
    expected = list(Household.objects.filter(school=cast.school).order_by("name", "id").values_list("pk", flat=True))

    # Act
    first = client.get(reverse("visits:households"))
    with CaptureQueriesContext(connection) as queries:
        second = client.get(reverse("visits:households"), {"after": first.context["page"].next_cursor})

    # Assert
    rows = [h.pk for h in first.context["page"].rows] + [h.pk for h in second.context["page"].rows]
    assert rows == expected
    assert not [q for q in queries.captured_queries if " OFFSET " in q["sql"].upper()]


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "actor, expected",
    [
        ("office", 200),
        ("lead", 200),
        ("deputy", 200),
        ("head", 200),
        ("visitor", 404),
        ("bystander", 404),
        ("trust_admin", 404),
        ("other_office", 404),
        ("other_lead", 404),
        ("other_head", 404),
    ],
)
def test_hc25_household_page_only_for_office_leads_and_head_of_its_school(cast, login, actor, expected):
    # Act
    response = login(getattr(cast, actor)).get(reverse("visits:household", args=[cast.household.code]))

    # Assert
    assert response.status_code == expected


def test_household_page_head_reads_without_change_links(cast, login):
    # Act
    response = login(cast.head).get(reverse("visits:household", args=[cast.household.code]))
    edit = login(cast.head).get(reverse("visits:household_edit", args=[cast.household.code]))

    # Assert
    assert response.status_code == 200
    assert reverse("visits:household_edit", args=[cast.household.code]) not in response.content.decode()
    assert edit.status_code == 403


def test_hc25_household_of_other_school_is_404_for_every_form(cast, login):
    # Arrange
    client = login(cast.other_office)
    contact = cast.household.contacts.first()
    urls = [
        reverse("visits:household_edit", args=[cast.household.code]),
        reverse("visits:contact_new", args=[cast.household.code]),
        reverse("visits:contact_edit", args=[contact.code]),
        reverse("visits:pupil_new", args=[cast.household.code]),
        reverse("visits:pupil_edit", args=[cast.pupil.code]),
    ]

    # Act
    gets = [client.get(url).status_code for url in urls]
    posts = [client.post(url, {"first_name": "X", "name": "X"}).status_code for url in urls]

    # Assert: nothing changed either.
    assert gets == [404] * 5
    assert posts == [404] * 5
    assert Household.objects.get(pk=cast.household.pk).name == cast.household.name


# --- the household page ------------------------------------------------------------------------


def test_household_page_shows_pupils_contacts_and_visit_outcome(cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)

    # Act
    response = login(cast.office).get(reverse("visits:household", args=[cast.household.code]))

    # Assert
    html = response.content.decode()
    assert cast.pupil.first_name in html and cast.pupil.last_name in html
    assert cast.household.contacts.first().last_name in html
    assert [v.pk for v in response.context["visits"]] == [visit.pk]
    assert timezone.localtime(visit.scheduled_start).strftime("%d/%m/%Y") in html
    assert "Plan agreed." in html  # the Record of Home Visit's outcome, in one line
    assert "Lone-working risk assessment" in html  # a link to the household's assessment (hc09)


def test_household_page_records_view_in_audit(cast, login):
    # Act
    login(cast.lead).get(reverse("visits:household", args=[cast.household.code]))

    # Assert
    entry = AuditEntry.objects.get(object_type="household", action=AuditAction.VIEW)
    assert (entry.object_code, entry.username, entry.school_id) == (
        str(cast.household.code),
        cast.lead.username,
        cast.school.pk,
    )


# --- forms ----------------------------------------------------------------------------------------

HOUSEHOLD = {
    "name": "Adeyemi family",
    "address_line1": "14 Birch Grove",
    "address_line2": "",
    "town": "Manchester",
    "postcode": "m146pl",
    "known_risks": "Large dog, kept in the garden.",
    "mis_id": "",
}


def test_household_create_saves_with_normalised_postcode_and_audit(cast, login):
    # Act
    response = login(cast.office).post(reverse("visits:household_new"), HOUSEHOLD)

    # Assert
    household = Household.objects.get(name="Adeyemi family")
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:household", args=[household.code])
    assert (household.school, household.postcode) == (cast.school, "M14 6PL")
    entry = AuditEntry.objects.get(object_type="household", action=AuditAction.CREATE)
    assert entry.object_code == str(household.code)
    assert "dog" not in entry.detail  # typed text never reaches the trail


def test_household_create_at_two_schools_asks_which_school(cast, login):
    # Arrange: office staff at both schools of the trust.
    Membership.objects.create(user=cast.office, school=cast.other_school, role=Role.OFFICE)
    client = login(cast.office)

    # Act
    missing = client.post(reverse("visits:household_new"), HOUSEHOLD)
    chosen = client.post(reverse("visits:household_new"), HOUSEHOLD | {"school": cast.other_school.pk})

    # Assert
    assert missing.status_code == 200
    assert "Choose the school this household belongs to." in missing.content.decode()
    assert chosen.status_code == 302
    assert Household.objects.get(name="Adeyemi family").school == cast.other_school


def test_household_page_offers_booking_a_visit_for_it(cast, login):
    # Act
    response = login(cast.office).get(reverse("visits:household", args=[cast.household.code]))

    # Assert
    assert f"{reverse('visits:new')}?household={cast.household.code}" in response.content.decode()
    assert response.context["can_book"] is True


def test_household_create_bad_postcode_shows_message_and_saves_nothing(cast, login):
    # Act
    response = login(cast.office).post(reverse("visits:household_new"), HOUSEHOLD | {"postcode": "NOT A CODE"})

    # Assert
    assert response.status_code == 200
    assert "Enter a UK postcode, for example M14 5AB." in response.content.decode()
    assert 'value="14 Birch Grove"' in response.content.decode()  # what was typed is kept
    assert not Household.objects.filter(name="Adeyemi family").exists()


def test_household_create_duplicate_mis_id_is_a_form_error(cast, login):
    # Arrange
    cast.household.mis_id = "H1"
    cast.household.save()

    # Act
    response = login(cast.office).post(reverse("visits:household_new"), HOUSEHOLD | {"mis_id": "H1"})

    # Assert
    assert response.status_code == 200
    assert "already has this MIS household id" in response.content.decode()


def test_household_edit_changes_address(cast, login):
    # Act
    response = login(cast.lead).post(
        reverse("visits:household_edit", args=[cast.household.code]), HOUSEHOLD | {"name": cast.household.name}
    )

    # Assert
    cast.household.refresh_from_db()
    assert response.status_code == 302
    assert (cast.household.address_line1, cast.household.postcode) == ("14 Birch Grove", "M14 6PL")
    assert AuditEntry.objects.filter(object_type="household", action=AuditAction.UPDATE).count() == 1


CONTACT = {
    "first_name": "Funmi",
    "last_name": "Adeyemi",
    "relationship": "Mother",
    "parental_responsibility": "True",
    "may_discuss_pupil": "False",
    "phone": "0161 496 0101",
    "mobile": "+44 7700 900301",
    "email": "funmi@example.com",
}


def test_contact_create_records_responsibility_and_may_discuss(cast, login):
    # Act
    response = login(cast.office).post(reverse("visits:contact_new", args=[cast.household.code]), CONTACT)

    # Assert
    contact = Contact.objects.get(first_name="Funmi")
    assert response.status_code == 302
    assert (contact.household, contact.parental_responsibility, contact.may_discuss_pupil) == (
        cast.household,
        True,
        False,
    )


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("phone", "call me", "Enter a phone number"),
        ("mobile", "=HYPERLINK(1)", "Enter a phone number"),
        ("email", "not-an-email", "Enter an email address"),
        ("parental_responsibility", "", "Choose yes or no."),
        ("relationship", "", "Enter how this adult is related to the pupil"),
    ],
)
def test_contact_create_bad_input_is_a_clear_error(cast, login, field, value, message):
    # Act
    response = login(cast.office).post(
        reverse("visits:contact_new", args=[cast.household.code]), CONTACT | {field: value}
    )

    # Assert
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Contact.objects.filter(first_name="Funmi").exists()


def test_contact_edit_with_bad_phone_keeps_what_was_saved(cast, login):
    # Arrange
    contact = cast.household.contacts.first()
    contact.phone = "0161 496 0000"
    contact.save()

    # Act
    response = login(cast.office).post(
        reverse("visits:contact_edit", args=[contact.code]),
        CONTACT | {"first_name": "Changed", "last_name": contact.last_name, "phone": "ring me"},
    )

    # Assert: the form keeps what was typed, the database keeps what was saved.
    contact.refresh_from_db()
    assert response.status_code == 200
    assert 'value="Changed"' in response.content.decode()
    assert (contact.first_name, contact.phone) == ("Pat", "0161 496 0000")


def test_contact_edit_changes_phone(cast, login):
    # Arrange
    contact = cast.household.contacts.first()

    # Act
    response = login(cast.office).post(
        reverse("visits:contact_edit", args=[contact.code]),
        CONTACT | {"first_name": contact.first_name, "last_name": contact.last_name, "phone": "0113 496 0000"},
    )

    # Assert
    contact.refresh_from_db()
    assert response.status_code == 302
    assert contact.phone == "0113 496 0000"


PUPIL = {"first_name": "Tobi", "last_name": "Adeyemi", "date_of_birth": "12/09/2021", "year_group": "Reception"}


def test_pupil_create_reads_date_of_birth_as_dd_mm_yyyy(cast, login):
    # Act
    response = login(cast.office).post(
        reverse("visits:pupil_new", args=[cast.household.code]), PUPIL | {"mis_id": "P1"}
    )

    # Assert
    pupil = Pupil.objects.get(first_name="Tobi")
    assert response.status_code == 302
    assert (pupil.date_of_birth, pupil.school, pupil.household, pupil.mis_id) == (
        dt.date(2021, 9, 12),
        cast.school,
        cast.household,
        "P1",
    )
    entry = AuditEntry.objects.get(object_type="household", action=AuditAction.UPDATE)
    assert (entry.object_code, entry.detail) == (str(cast.household.code), "pupil added")


@pytest.mark.parametrize(
    "change, message",
    [
        ({"date_of_birth": "2021-09-12"}, "Enter the date of birth as dd/mm/yyyy"),
        ({"date_of_birth": "31/02/2021"}, "Enter the date of birth as dd/mm/yyyy"),
        ({"date_of_birth": "01/01/2099"}, "cannot be in the future"),
        ({"year_group": "Year 99"}, "Select a valid choice"),
        ({"first_name": ""}, "Enter the pupil&#x27;s first name."),
    ],
)
def test_pupil_create_bad_input_is_a_clear_error(cast, login, change, message):
    # Act
    response = login(cast.office).post(reverse("visits:pupil_new", args=[cast.household.code]), PUPIL | change)

    # Assert
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Pupil.objects.filter(last_name="Adeyemi").exists()


def test_pupil_create_duplicate_mis_id_is_a_form_error_not_500(cast, login):
    # Act: the cast's pupil already holds this MIS id at this school.
    response = login(cast.office).post(
        reverse("visits:pupil_new", args=[cast.household.code]), PUPIL | {"mis_id": cast.pupil.mis_id}
    )

    # Assert
    assert response.status_code == 200
    assert "Another pupil of this school already has this MIS id." in response.content.decode()


def test_pupil_edit_keeps_year_group_from_import(cast, login):
    # Arrange: a year group an MIS wrote, not one of the form's choices.
    cast.pupil.year_group = "Y7 Set 2"
    cast.pupil.save()

    # Act
    page = login(cast.office).get(reverse("visits:pupil_edit", args=[cast.pupil.code]))
    response = login(cast.office).post(
        reverse("visits:pupil_edit", args=[cast.pupil.code]),
        PUPIL | {"first_name": "Samuel", "year_group": "Y7 Set 2", "mis_id": cast.pupil.mis_id},
    )

    # Assert
    cast.pupil.refresh_from_db()
    assert page.status_code == 200
    assert 'value="12/09/2021"' not in page.content.decode()  # shows the pupil's own date
    assert response.status_code == 302
    assert (cast.pupil.first_name, cast.pupil.year_group) == ("Samuel", "Y7 Set 2")


def test_households_nav_shown_to_office_not_visitor(cast, login):
    # Act
    office = login(cast.office).get(reverse("visits:households")).content.decode()
    visitor = login(cast.visitor).get(reverse("visits:mine")).content.decode()

    # Assert
    assert reverse("visits:households") in office
    assert reverse("visits:households") not in visitor
