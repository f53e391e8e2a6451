"""The school's own staff pages (issue 14, items 2 and 8): who may, adding someone with a password
link, changing roles, "left the school" and what it does to their visits, a new school."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import staff
from tests.factories import Cast, make_school, make_trust, make_user
from visits import lifecycle, moves
from visits.enums import AuditAction, EventKind, Role, Status
from visits.exceptions import PreconditionFailed
from visits.models import AuditEntry, Membership, School, User, VisitEvent


def _list(cast: Cast) -> str:
    return reverse("accounts:staff_list", args=[cast.school.slug])


def _member(cast: Cast, user: User) -> str:
    return reverse("accounts:staff_member", args=[cast.school.slug, user.username])


def _leave(cast: Cast, user: User) -> str:
    return reverse("accounts:staff_leave", args=[cast.school.slug, user.username])


def _roles(school: School, user: User) -> set[str]:
    return set(Membership.objects.filter(school=school, user=user, is_active=True).values_list("role", flat=True))


NEW_PERSON = {
    "username": "new.person",
    "first_name": "Nia",
    "last_name": "Person",
    "email": "nia.person@example.org",
    "job_title": "Learning mentor",
    "mobile": "07700 900555",
    "description": "Tall, short grey hair, red coat; blue Fiesta.",
    "roles": ["visitor"],
}


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", ["head", "trust_admin"])
def test_staff_list_opens_for_head_and_trust_admin(cast, login, actor):
    # Act
    response = login(getattr(cast, actor)).get(_list(cast))

    # Assert
    assert response.status_code == 200
    page = response.content.decode()
    assert "Visitor Hc" in page and "Office Hc" in page
    assert "Visitor Mp" not in page  # the other school's staff
    assert AuditEntry.objects.filter(action=AuditAction.LIST, detail="staff list", school=cast.school).count() == 1


@pytest.mark.parametrize("actor", ["office", "lead", "deputy", "visitor", "bystander", "other_head", "other_lead"])
def test_staff_pages_are_404_to_everyone_else(cast, login, actor):
    # Arrange
    client = login(getattr(cast, actor))
    urls = [
        _list(cast),
        reverse("accounts:staff_add", args=[cast.school.slug]),
        _member(cast, cast.visitor),
        reverse("accounts:school_settings", args=[cast.school.slug]),
    ]

    # Act
    statuses = [client.get(url).status_code for url in urls]
    left = client.post(_leave(cast, cast.visitor)).status_code

    # Assert
    assert statuses == [404, 404, 404, 404]
    assert left == 404
    assert _roles(cast.school, cast.visitor) == {Role.VISITOR}


def test_staff_list_is_refused_to_anonymous(client, cast):
    response = client.get(_list(cast))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_head_of_another_school_cannot_reach_staff_by_this_schools_url_either(cast, login):
    # Arrange: the other school's head, asking for its own school's page with this school's person.
    url = reverse("accounts:staff_member", args=[cast.other_school.slug, cast.visitor.username])

    # Act
    response = login(cast.other_head).get(url)

    # Assert: a person of another school is not found at theirs.
    assert response.status_code == 404


def test_trust_admin_of_another_trust_gets_404(cast, login):
    # Arrange
    elsewhere = make_school("Elsewhere", make_trust("Other Trust"))
    admin = make_user("admin.other", elsewhere, Role.TRUST_ADMIN)

    # Act
    response = login(admin).get(_list(cast))

    # Assert
    assert response.status_code == 404


def test_school_is_found_by_its_code_too(cast, login):
    response = login(cast.head).get(reverse("accounts:staff_list", args=[str(cast.school.code)]))

    assert response.status_code == 200


def test_staff_home_takes_a_head_straight_to_their_school(cast, login):
    response = login(cast.head).get(reverse("accounts:staff"))

    assert response.status_code == 302
    assert response["Location"] == _list(cast)


def test_staff_home_lists_the_trust_admins_schools(cast, login):
    response = login(cast.trust_admin).get(reverse("accounts:staff"))

    assert response.status_code == 200
    assert "Holy Cross" in response.content.decode() and "Mount" in response.content.decode()


def test_staff_home_is_404_for_office(cast, login):
    assert login(cast.office).get(reverse("accounts:staff")).status_code == 404


def test_staff_list_costs_the_same_queries_for_1_and_5_more_people(cast, login):
    # Arrange
    client = login(cast.head)
    client.get(_list(cast))
    make_user("extra.one", cast.school, Role.VISITOR)
    with CaptureQueriesContext(connection) as one:
        client.get(_list(cast))
    for n in range(5):
        make_user(f"extra.more{n}", cast.school, Role.OFFICE, Role.VISITOR)

    # Act
    with CaptureQueriesContext(connection) as six:
        response = client.get(_list(cast))

    # Assert
    assert "Extra More4" in response.content.decode()
    assert len(six) == len(one), [q["sql"] for q in six.captured_queries]


def test_staff_pages_ask_for_the_second_factor_again_after_15_minutes(cast, login, pinned_clock):
    # Arrange
    client = login(cast.head)
    pinned_clock.shift(16 * 60)

    # Act
    response = client.get(_list(cast))

    # Assert
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:second_factor"))


# --- adding a member of staff ----------------------------------------------------------------------


def test_head_adds_a_member_of_staff_who_gets_a_password_link(cast, login, client, django_capture_on_commit_callbacks):
    # Arrange
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.head).post(reverse("accounts:staff_add", args=[cast.school.slug]), NEW_PERSON)

    # Assert: the person, their role, no password of anyone's typing, an audit row.
    assert response.status_code == 302
    person = User.objects.get(username="new.person")
    assert (person.mobile, person.description, person.job_title) == (
        "07700 900555",
        NEW_PERSON["description"],
        "Learning mentor",
    )
    assert not person.has_usable_password()
    assert _roles(cast.school, person) == {Role.VISITOR}
    entry = AuditEntry.objects.get(action=AuditAction.CREATE, object_type="user", object_code=str(person.pk))
    assert (entry.username, entry.school_id, entry.detail) == ("head.hc", cast.school.pk, "staff added: visitor")
    # The password link, to the new person only; the leads told.
    welcome = [m for m in mail.outbox if m.to == ["nia.person@example.org"]]
    assert len(welcome) == 1
    told = sorted(m.to[0] for m in mail.outbox if "Staff or settings changed" in m.subject)
    assert told == ["deputy.hc@example.org", "lead.hc@example.org"]
    # The link sets a password, once.
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", welcome[0].body).group(1)
    client.logout()
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(set_url, {"new_password1": "Kettle-Harbour-93", "new_password2": "Kettle-Harbour-93"})
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("Kettle-Harbour-93")
    assert client.get(link, follow=True).context["validlink"] is False


def test_trust_admin_may_give_the_trust_admin_role(cast, login):
    # Act
    response = login(cast.trust_admin).post(
        reverse("accounts:staff_add", args=[cast.school.slug]), {**NEW_PERSON, "roles": ["trust_admin"]}
    )

    # Assert
    assert response.status_code == 302
    assert _roles(cast.school, User.objects.get(username="new.person")) == {Role.TRUST_ADMIN}


def test_head_may_not_give_the_trust_admin_role(cast, login):
    # Act
    response = login(cast.head).post(
        reverse("accounts:staff_add", args=[cast.school.slug]), {**NEW_PERSON, "roles": ["trust_admin"]}
    )

    # Assert
    assert response.status_code == 200
    assert "only a trust administrator" in response.content.decode()
    assert not User.objects.filter(username="new.person").exists()


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"username": "office.hc"}, "username", "That username is taken"),
        ({"username": "bad name!"}, "username", "Enter a valid username"),
        ({"email": ""}, "email", "Enter their work e-mail"),
        ({"email": "visitor.hc@example.org"}, "email", "Another account already uses this e-mail"),
        ({"mobile": "call me"}, "mobile", "Enter a phone number"),
        ({"first_name": "Ni\x00a"}, "first_name", "hidden control character"),
        ({"description": "Red coat\x07"}, "description", "hidden control character"),
        ({"roles": []}, "roles", "Choose at least one role"),
        ({"roles": ["ruler"]}, "roles", "Choose roles from the list"),
    ],
)
def test_adding_staff_with_bad_input_gives_a_form_error(cast, login, change, field, words):
    # Arrange
    people = User.objects.count()

    # Act
    response = login(cast.head).post(reverse("accounts:staff_add", args=[cast.school.slug]), {**NEW_PERSON, **change})

    # Assert
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field]), errors
    assert User.objects.count() == people


# --- roles ---------------------------------------------------------------------------------------


def test_head_gives_a_role_audited_and_the_leads_told(cast, login, django_capture_on_commit_callbacks):
    # Arrange
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.head).post(_member(cast, cast.visitor), {"roles": ["visitor", "office"]})

    # Assert
    assert response.status_code == 302
    assert _roles(cast.school, cast.visitor) == {Role.VISITOR, Role.OFFICE}
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_code=str(cast.visitor.pk), detail="role given: office"
    ).exists()
    told = sorted(m.to[0] for m in mail.outbox)
    assert told == ["deputy.hc@example.org", "lead.hc@example.org"]
    assert "Office staff" in mail.outbox[0].body


def test_a_role_ended_is_kept_as_history_and_given_again(cast, login):
    # Arrange
    client = login(cast.head)
    client.post(_member(cast, cast.office), {"roles": ["office", "visitor"]})

    # Act
    client.post(_member(cast, cast.office), {"roles": ["office"]})

    # Assert
    assert _roles(cast.school, cast.office) == {Role.OFFICE}
    assert Membership.objects.filter(user=cast.office, school=cast.school, role=Role.VISITOR, is_active=False).exists()


def test_nobody_gives_themselves_a_role(cast, login):
    # Act
    response = login(cast.head).post(_member(cast, cast.head), {"roles": ["head", "lead"]})

    # Assert
    assert response.status_code == 200
    assert "cannot give yourself a role" in response.content.decode()
    assert _roles(cast.school, cast.head) == {Role.HEAD}


def test_the_last_head_may_not_remove_their_own_head_role(cast, login):
    # Arrange: the head is office staff too, so a role would be left.
    Membership.objects.create(user=cast.head, school=cast.school, role=Role.OFFICE)

    # Act
    response = login(cast.head).post(_member(cast, cast.head), {"roles": ["office"]})

    # Assert
    assert response.status_code == 200
    assert "only head" in response.content.decode()
    assert _roles(cast.school, cast.head) == {Role.HEAD, Role.OFFICE}


def test_a_head_may_remove_their_own_head_role_when_another_head_remains(cast, login):
    # Arrange
    Membership.objects.create(user=cast.head, school=cast.school, role=Role.OFFICE)
    make_user("head.two", cast.school, Role.HEAD)

    # Act
    response = login(cast.head).post(_member(cast, cast.head), {"roles": ["office"]})

    # Assert
    assert response.status_code == 302
    assert _roles(cast.school, cast.head) == {Role.OFFICE}


def test_head_cannot_take_the_trust_admin_role_away(cast, login):
    # Act: the head's form does not offer the role, and an empty choice keeps it.
    login(cast.head).post(_member(cast, cast.trust_admin), {"roles": []})

    # Assert
    assert _roles(cast.school, cast.trust_admin) == {Role.TRUST_ADMIN}


def test_removing_every_role_is_refused_in_favour_of_left_the_school(cast, login):
    response = login(cast.head).post(_member(cast, cast.office), {"roles": []})

    assert response.status_code == 200
    assert "Left the school" in response.content.decode()
    assert _roles(cast.school, cast.office) == {Role.OFFICE}


def test_roles_page_get_is_audited(cast, login):
    login(cast.head).get(_member(cast, cast.visitor))

    assert AuditEntry.objects.filter(action=AuditAction.VIEW, object_code=str(cast.visitor.pk)).exists()


# --- left the school (item 8) -----------------------------------------------------------------------


def test_leaving_ends_roles_and_sends_an_authorised_visit_back_with_a_warning(
    cast, login, django_capture_on_commit_callbacks
):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.head).post(_leave(cast, cast.visitor))

    # Assert: roles ended, the account closed (no role left anywhere).
    assert response.status_code == 302
    assert _roles(cast.school, cast.visitor) == set()
    cast.visitor.refresh_from_db()
    assert cast.visitor.is_active is False
    # The visit is back with the lead, through the lifecycle, with the warning on its timeline.
    visit.refresh_from_db()
    assert visit.status == Status.REQUESTED and visit.authorised_at is None
    kinds = list(VisitEvent.objects.filter(visit=visit).order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [EventKind.STAFF_LEFT, EventKind.RETURNED_TO_QUEUE]
    assert AuditEntry.objects.filter(
        object_code=str(cast.visitor.pk), detail="left the school: every role ended", username="head.hc"
    ).exists()
    # The leads and the office are told, with a link and no pupil or family detail.
    changed = [m for m in mail.outbox if "Staff or settings changed" in m.subject]
    assert sorted(m.to[0] for m in changed) == ["deputy.hc@example.org", "lead.hc@example.org", "office.hc@example.org"]
    body = changed[0].body
    assert str(visit.code) in body
    assert cast.pupil.last_name not in body and visit.address_line1 not in body and visit.code_word not in body


def test_after_leaving_the_visit_cannot_be_authorised_or_set_off(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    login(cast.head).post(_leave(cast, cast.visitor))
    visit.refresh_from_db()

    # Act / Assert: the lead may not authorise it again with the visitor who left ...
    with pytest.raises(PreconditionFailed) as refused:
        lifecycle.transition(visit, cast.lead, "authorise", approve_lone_working=True, confirm_evening=True)
    assert any("Visitor Hc is no longer visiting staff" in p for p in refused.value.problems)
    # ... and the person who left may not set off on it.
    assert not moves.is_allowed(visit, User.objects.get(pk=cast.visitor.pk), moves.Action.START)


def test_once_the_office_chooses_another_visitor_the_visit_goes_ahead(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    login(cast.head).post(_leave(cast, cast.visitor))
    visit.refresh_from_db()

    # Act
    lifecycle.update_request(visit, cast.office, {"lead_visitor": cast.bystander})
    lifecycle.transition(visit, cast.lead, "authorise", approve_lone_working=True, confirm_evening=True)

    # Assert
    assert visit.status == Status.AUTHORISED
    assert staff.visitors_gone_problems(visit) == []


def test_a_visitor_role_ended_elsewhere_still_stops_set_off(cast):
    # Arrange: the role ended outside the app (an old admin change): the visit is still authorised.
    visit = cast.make_visit(Status.AUTHORISED)
    Membership.objects.filter(user=cast.second, school=cast.school).update(is_active=False)

    # Act
    problems = moves.start_blockers(visit)

    # Assert
    assert any("Second Hc is no longer visiting staff" in p for p in problems)


def test_the_board_the_days_list_and_the_visit_page_warn_of_a_visitor_who_left(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    login(cast.head).post(_leave(cast, cast.second))
    client = login(cast.office)

    # Act
    board = client.get(reverse("visits:board")).content.decode()
    day = client.get(reverse("visits:today"), {"day": f"{visit.scheduled_start:%Y-%m-%d}"}).content.decode()
    page = client.get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert
    assert 'data-testid="visitor-gone"' in board
    assert 'data-testid="visitor-gone"' in day
    assert 'data-testid="visitor-gone-panel"' in page and "Second Hc" in page


def test_leaving_is_refused_while_out_on_a_visit(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(cast.head).post(_leave(cast, cast.visitor), follow=True)

    # Assert
    assert "out on a visit now" in response.content.decode()
    assert _roles(cast.school, cast.visitor) == {Role.VISITOR}
    visit.refresh_from_db()
    assert visit.status == Status.IN_PROGRESS


def test_a_head_cannot_mark_themselves_as_left(cast, login):
    response = login(cast.head).post(_leave(cast, cast.head), follow=True)

    assert "cannot mark yourself as left" in response.content.decode()
    assert _roles(cast.school, cast.head) == {Role.HEAD}


def test_leaving_one_school_keeps_the_roles_and_visits_at_another(cast, login):
    # Arrange: the visitor also visits for the other school.
    Membership.objects.create(user=cast.visitor, school=cast.other_school, role=Role.VISITOR)

    # Act
    login(cast.head).post(_leave(cast, cast.visitor))

    # Assert
    cast.visitor.refresh_from_db()
    assert cast.visitor.is_active is True
    assert _roles(cast.other_school, cast.visitor) == {Role.VISITOR}


def test_leave_refuses_get(cast, login):
    response = login(cast.head).get(_leave(cast, cast.visitor))

    assert response.status_code == 405
    assert _roles(cast.school, cast.visitor) == {Role.VISITOR}


def test_ending_the_visiting_role_releases_their_visits_as_leaving_does(cast, login):
    # Arrange: the visitor is office staff too, and stops visiting.
    Membership.objects.create(user=cast.visitor, school=cast.school, role=Role.OFFICE)
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    login(cast.head).post(_member(cast, cast.visitor), {"roles": ["office"]})

    # Assert
    visit.refresh_from_db()
    assert visit.status == Status.REQUESTED
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.STAFF_LEFT).count() == 1


def test_former_staff_are_listed_apart_and_may_be_given_a_role_again(cast, login):
    # Arrange
    client = login(cast.head)
    client.post(_leave(cast, cast.bystander))

    # Act
    page = client.get(_list(cast))
    client.post(_member(cast, cast.bystander), {"roles": ["visitor"]})

    # Assert
    assert [m.user for m in page.context["former"]] == [cast.bystander]
    cast.bystander.refresh_from_db()
    assert cast.bystander.is_active is True and _roles(cast.school, cast.bystander) == {Role.VISITOR}


# --- a new school --------------------------------------------------------------------------------


def test_trust_admin_adds_a_school_to_the_trust(cast, login):
    # Act
    response = login(cast.trust_admin).post(
        reverse("accounts:school_new"),
        {"name": "St  Anne's Primary", "phone": "0161 496 0999", "email": "office@st-annes.example.org", "address": ""},
    )

    # Assert
    school = School.objects.get(name="St Anne's Primary")
    assert response.status_code == 302
    assert (school.slug, school.trust_id, school.pairs_required) == ("st-annes-primary", cast.school.trust_id, True)
    assert _roles(school, cast.trust_admin) == {Role.TRUST_ADMIN}
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="school", school=school).exists()


def test_a_second_school_of_the_same_name_gets_its_own_address(cast):
    first = staff.create_school(
        cast.trust_admin, cast.school.trust, {"name": "Twin", "phone": "0161 496 0999", "email": "", "address": ""}
    )
    second = staff.create_school(
        cast.trust_admin, cast.school.trust, {"name": "Twin", "phone": "0161 496 0999", "email": "", "address": ""}
    )

    assert (first.slug, second.slug) == ("twin", "twin-2")


@pytest.mark.parametrize("actor", ["head", "lead", "office", "other_head"])
def test_only_a_trust_admin_adds_a_school(cast, login, actor):
    response = login(getattr(cast, actor)).post(
        reverse("accounts:school_new"), {"name": "Sneaky", "phone": "0161 496 0999"}
    )

    assert response.status_code == 404
    assert not School.objects.filter(name="Sneaky").exists()


def test_a_new_school_with_bad_input_gives_form_errors(cast, login):
    response = login(cast.trust_admin).post(reverse("accounts:school_new"), {"name": "\x00", "phone": "ring us"})

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "phone"}


# --- races -----------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_heads_dropping_their_own_head_role_at_once_leave_one_head(cast, _flush_despite_append_only_triggers):
    # Arrange: two heads, each office staff too; each removes their own head role at the same moment.
    from tests.race import race

    second_head = make_user("head.two", cast.school, Role.HEAD, Role.OFFICE)
    Membership.objects.create(user=cast.head, school=cast.school, role=Role.OFFICE)
    school = School.objects.get(pk=cast.school.pk)
    outcomes = []
    for _trial in range(5):

        def drop(head_pk):
            def go(ready):
                head = User.objects.get(pk=head_pk)
                ready()
                staff.change_roles(head, school, head, {Role.OFFICE})

            return go

        # Act
        finishes = race(drop(cast.head.pk), drop(second_head.pk))

        # Assert (per trial): one dropped it, the other was refused in words; one head remains.
        heads = Membership.objects.filter(school=school, role=Role.HEAD, is_active=True).count()
        outcomes.append((sorted(f.won for f in finishes), heads))
        refused = [f.error for f in finishes if not f.won]
        assert all(isinstance(e, staff.StaffChangeRefused) for e in refused), refused
        Membership.objects.filter(school=school, role=Role.HEAD).update(is_active=True)

    assert outcomes == [([False, True], 1)] * 5


# --- someone of another school of the trust ---------------------------------------------------------


def test_trust_admin_gives_a_role_to_someone_of_another_school_of_the_trust(cast, login):
    # Arrange
    client = login(cast.trust_admin)

    # Act
    found = client.get(_list(cast), {"username": cast.other_visitor.username})
    client.post(_member(cast, cast.other_visitor), {"roles": ["visitor"]})

    # Assert
    assert found.status_code == 302 and found["Location"] == _member(cast, cast.other_visitor)
    assert _roles(cast.school, cast.other_visitor) == {Role.VISITOR}
    assert _roles(cast.other_school, cast.other_visitor) == {Role.VISITOR}


def test_trust_admin_is_told_when_nobody_has_that_username(cast, login):
    response = login(cast.trust_admin).get(_list(cast), {"username": "nobody.here"}, follow=True)

    assert response.status_code == 200
    assert "Nobody at the trust" in response.content.decode()


def test_a_head_cannot_find_or_reach_another_schools_staff(cast, login):
    # Act
    client = login(cast.head)
    found = client.get(_list(cast), {"username": cast.other_visitor.username})
    reached = client.get(_member(cast, cast.other_visitor))

    # Assert: the list ignores the search; the person's page is not found.
    assert found.status_code == 200 and "Visitor Mp" not in found.content.decode()
    assert reached.status_code == 404
