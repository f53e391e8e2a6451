"""No back door through the Django admin (issue 14, item 2): the trust's IT person, a superuser,
cannot grant himself a role, set someone's password, or change a school's policy there; what the
admin still changes goes to the app's audit trail; and a superuser without a school role sees no
visit. Each route goes through the real admin URLs, as the superuser."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD, make_user
from visits import access, who
from visits.admin import AuditedAdmin
from visits.enums import AuditAction, Role, Status
from visits.models import AuditEntry, Membership, School, User


@pytest.fixture
def it_person(db) -> User:
    """The trust's IT person: staff and superuser, with no role at any school."""
    return make_user("it.person", None, is_staff=True, is_superuser=True)


@pytest.fixture
def it_client(it_person, login):
    return login(it_person)


def user_change_url(user: User) -> str:
    return reverse("admin:visits_user_change", args=[user.pk])


def school_change_url(school: School) -> str:
    return reverse("admin:visits_school_change", args=[school.pk])


def inline_management(total: int, initial: int) -> dict[str, str]:
    return {
        "memberships-TOTAL_FORMS": str(total),
        "memberships-INITIAL_FORMS": str(initial),
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }


def school_record(school: School, **change) -> dict[str, str]:
    """The school's change form as posted back: its record, and its policy settings as they are."""
    data = {
        "trust": str(school.trust_id),
        "name": school.name,
        "slug": school.slug,
        "phone": school.phone,
        "email": school.email,
        "address": school.address,
        "_save": "Save",
    }
    data.update(change)
    return data


def admin_rows(username: str = "it.person"):
    return AuditEntry.objects.filter(username=username, detail__startswith="Django admin")


# --- route 1: a role granted through the memberships inline ------------------------------------------


def test_admin_superuser_cannot_give_himself_a_lead_role_through_the_user_page(cast, it_person, it_client):
    # Arrange: what the inline would post to add a row "lead at Holy Cross".
    visit = cast.make_visit(Status.AUTHORISED)
    data = {
        "is_active": "on",
        **inline_management(total=1, initial=0),
        "memberships-0-user": str(it_person.pk),
        "memberships-0-school": str(cast.school.pk),
        "memberships-0-role": Role.LEAD,
        "memberships-0-is_active": "on",
        "_save": "Save",
    }

    # Act
    response = it_client.post(user_change_url(it_person), data)
    detail = it_client.get(reverse("visits:detail", args=[visit.code]))

    # Assert: the page saved (a valid form, not one refused for a missing field) without the row;
    # no role, so the visit (and its code word) stays out of reach.
    assert response.status_code == 302
    assert Membership.objects.filter(user=it_person).count() == 0
    assert detail.status_code == 404
    assert visit.code_word not in detail.content.decode()


def test_admin_superuser_cannot_change_or_end_someones_role(cast, it_client):
    # Arrange: the lead's one role, posted back as office and switched off.
    membership = Membership.objects.get(user=cast.lead)
    data = {
        "is_active": "on",
        **inline_management(total=1, initial=1),
        "memberships-0-id": str(membership.pk),
        "memberships-0-user": str(cast.lead.pk),
        "memberships-0-school": str(cast.other_school.pk),
        "memberships-0-role": Role.OFFICE,
        "memberships-0-DELETE": "on",
        "_save": "Save",
    }

    # Act
    response = it_client.post(user_change_url(cast.lead), data)

    # Assert
    membership.refresh_from_db()
    assert response.status_code == 302
    assert (membership.school, membership.role, membership.is_active) == (cast.school, Role.LEAD, True)


def test_admin_user_page_shows_roles_read_only(cast, it_client):
    # Act
    response = it_client.get(user_change_url(cast.lead))

    # Assert: the role is listed, with no form field to change it or add another.
    page = response.content.decode()
    assert response.status_code == 200
    assert "Designated safeguarding lead" in page
    assert 'name="memberships-0-role"' not in page
    assert 'name="memberships-MAX_NUM_FORMS" value="0"' in page  # no row can be added


# --- route 2: a password set in the admin, or an account made with one ------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
def test_admin_password_form_is_refused_and_the_password_unchanged(cast, it_client, method):
    # Arrange
    url = reverse("admin:visits_user_password_change", args=[cast.lead.pk])
    data = {"password1": "Taken-over-2026!", "password2": "Taken-over-2026!", "usable_password": "true"}

    # Act
    response = getattr(it_client, method)(url, data if method == "post" else None)

    # Assert
    cast.lead.refresh_from_db()
    assert url == f"/admin/visits/user/{cast.lead.pk}/password/"
    assert response.status_code == 403
    assert cast.lead.check_password(PASSWORD)
    assert not cast.lead.check_password("Taken-over-2026!")


def test_admin_user_page_has_no_password_link_and_ignores_a_posted_password_or_address(cast, it_client):
    # Arrange
    before = User.objects.get(pk=cast.lead.pk)

    # Act
    page = it_client.get(user_change_url(cast.lead)).content.decode()
    it_client.post(
        user_change_url(cast.lead),
        {
            "is_active": "on",
            "password": "md5$salt$0123456789abcdef",
            "email": "it.person@example.org",
            "username": "lead.taken",
            "is_superuser": "on",
            **inline_management(total=0, initial=1),
            "_save": "Save",
        },
    )

    # Assert: a changed address would let a password reset go to someone else.
    after = User.objects.get(pk=cast.lead.pk)
    assert "password/" not in page
    assert (after.password, after.email, after.username, after.is_superuser) == (
        before.password,
        before.email,
        before.username,
        False,
    )


def test_admin_cannot_add_or_delete_a_user(cast, it_client):
    # Arrange
    count = User.objects.count()
    add = reverse("admin:visits_user_add")

    # Act
    get_add = it_client.get(add)
    post_add = it_client.post(add, {"username": "new.lead", "password1": "Xy-9876-abcd", "password2": "Xy-9876-abcd"})
    delete = it_client.post(reverse("admin:visits_user_delete", args=[cast.lead.pk]), {"post": "yes"})

    # Assert
    assert (get_add.status_code, post_add.status_code, delete.status_code) == (403, 403, 403)
    assert User.objects.count() == count


# --- route 3: a school's policy settings -------------------------------------------------------------


def test_admin_school_policy_settings_cannot_be_changed(cast, it_client):
    # Arrange: the four-eyes rule turned off, pairs no longer required, a late evening cut-off.
    school = cast.school
    policy = {"lead_may_authorise_own": "on", "evening_cutoff": "21:00", "overdue_grace_minutes": "240"}

    # Act
    response = it_client.post(school_change_url(school), school_record(school, **policy))

    # Assert: the form saved its record, and left the policy as the head set it.
    school.refresh_from_db()
    assert response.status_code == 302
    assert school.lead_may_authorise_own is False
    assert school.pairs_required is True
    assert school.second_factor_for_all is True
    assert (school.evening_cutoff.hour, school.overdue_grace_minutes) == (17, 15)
    assert admin_rows().count() == 0  # nothing changed, nothing to audit


def test_admin_new_school_starts_with_the_safe_policy_defaults(cast, it_client):
    # Act
    response = it_client.post(
        reverse("admin:visits_school_add"),
        {
            "trust": str(cast.school.trust_id),
            "name": "St Anne's",
            "slug": "st-annes",
            "phone": "0161 496 0001",
            "email": "",
            "address": "",
            "lead_may_authorise_own": "on",
            "_save": "Save",
        },
    )

    # Assert: created, audited, and under the four-eyes rule.
    school = School.objects.get(slug="st-annes")
    assert response.status_code == 302
    assert (school.lead_may_authorise_own, school.pairs_required, school.second_factor_for_all) == (False, True, True)
    assert list(admin_rows().values_list("action", "school_id", "detail")) == [
        (AuditAction.CREATE, school.pk, "Django admin: added")
    ]


def test_admin_school_cannot_be_deleted(cast, it_client):
    # Act
    response = it_client.post(reverse("admin:visits_school_delete", args=[cast.other_school.pk]), {"post": "yes"})

    # Assert
    assert response.status_code == 403
    assert School.objects.filter(pk=cast.other_school.pk).exists()


# --- what the admin still changes is in the app's audit trail -----------------------------------------


def test_admin_change_to_a_schools_record_is_audited_for_that_school(cast, it_client):
    # Act
    it_client.post(school_change_url(cast.school), school_record(cast.school, name="Holy Cross RC Primary"))

    # Assert: who, what (the field, never the value typed), which school, from where.
    entry = admin_rows().get()
    cast.school.refresh_from_db()
    assert cast.school.name == "Holy Cross RC Primary"
    assert (entry.action, entry.school_id, entry.object_type, entry.object_code) == (
        AuditAction.UPDATE,
        cast.school.pk,
        "school",
        str(cast.school.code),
    )
    assert entry.detail == "Django admin: changed Name"
    assert entry.path == school_change_url(cast.school)
    assert "RC Primary" not in entry.detail


def test_admin_switching_a_lead_off_is_audited_at_each_of_their_schools(cast, it_client, login):
    # Arrange: the lead is also office at the other school.
    Membership.objects.create(user=cast.lead, school=cast.other_school, role=Role.OFFICE)

    # Act: the form posted without "is_active".
    response = it_client.post(user_change_url(cast.lead), {**inline_management(total=0, initial=2), "_save": "Save"})

    # Assert
    cast.lead.refresh_from_db()
    assert response.status_code == 302
    assert cast.lead.is_active is False
    assert sorted(admin_rows().values_list("school_id", "object_type", "object_code", "detail")) == sorted(
        [
            (cast.school.pk, "user", str(cast.lead.pk), "Django admin: changed Active"),
            (cast.other_school.pk, "user", str(cast.lead.pk), "Django admin: changed Active"),
        ]
    )
    # Each school's head reads it in the app's audit trail (the IT person, with no role, cannot).
    heads = [login(head).get(reverse("safeguarding:audit")).content.decode() for head in (cast.head, cast.other_head)]
    assert all("it.person" in page and "Django admin: changed Active" in page for page in heads)


def test_admin_cannot_switch_an_account_back_on(cast, it_client):
    # Arrange: switched off (by the school, in the app).
    User.objects.filter(pk=cast.visitor.pk).update(is_active=False)

    # Act
    it_client.post(user_change_url(cast.visitor), {"is_active": "on", **inline_management(0, 1), "_save": "Save"})

    # Assert
    cast.visitor.refresh_from_db()
    assert cast.visitor.is_active is False


def test_admin_unlocking_a_sign_in_is_audited(cast, it_client):
    # Arrange: django-axes' record of failed sign-ins, which IT deletes to unlock an account.
    attempt = AccessAttempt.objects.create(
        username="lead.hc",
        ip_address="192.0.2.1",
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=5,
    )

    # Act
    it_client.post(reverse("admin:axes_accessattempt_delete", args=[attempt.pk]), {"post": "yes"})

    # Assert
    assert not AccessAttempt.objects.filter(pk=attempt.pk).exists()
    assert list(admin_rows().values_list("action", "object_type", "detail")) == [
        (AuditAction.UPDATE, "accessattempt", "Django admin: deleted")
    ]


# --- what is in the admin at all ----------------------------------------------------------------------


def test_admin_holds_no_pupil_data_no_second_factor_secrets_and_audits_every_change():
    # Act
    registered = {model._meta.label: model_admin for model, model_admin in admin.site._registry.items()}

    # Assert: schools, trusts and people; django-axes' sign-in records. Nothing else: no visit,
    # household, pupil, concern, audit entry, guardian permission, django-otp device or group.
    assert set(registered) == {
        "visits.User",
        "visits.Trust",
        "visits.School",
        "axes.AccessAttempt",
        "axes.AccessLog",
        "axes.AccessFailureLog",
    }
    assert all(isinstance(model_admin, AuditedAdmin) for model_admin in registered.values())


# --- a superuser has no path to a visit ----------------------------------------------------------------


def test_hc25_superuser_without_a_role_sees_no_visit_in_the_app(cast, it_person, it_client):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    statuses = {
        name: it_client.get(reverse(name, args=[visit.code])).status_code
        for name in ("visits:detail", "visits:pdf_form", "visits:letter", "visits:alarm", "safeguarding:risk_review")
    }
    lists = {
        name: it_client.get(reverse(name)).status_code
        for name in ("visits:today", "visits:board", "visits:households", "visits:new", "safeguarding:queue")
    }

    # Assert: 404 everywhere, as for anyone outside the school (who and access read no is_superuser).
    assert set(statuses.values()) == {404}
    assert set(lists.values()) == {404}
    assert who.can_view(it_person, visit) is False
    assert access.visible_visits(it_person).count() == 0


def test_admin_switching_a_visitor_off_is_emailed_to_the_schools_leads(
    cast, it_client, django_capture_on_commit_callbacks
):
    # Act
    with django_capture_on_commit_callbacks(execute=True):
        it_client.post(user_change_url(cast.visitor), {**inline_management(total=0, initial=1), "_save": "Save"})

    # Assert: the school's lead and deputy, each alone; names and the field, nothing more
    sent = {m.to[0]: m for m in mail.outbox if "Django admin" in m.subject}
    assert set(sent) == {cast.lead.email, cast.deputy.email}
    body = sent[cast.lead.email].body
    assert "changed Active" in body and str(cast.visitor) in body and cast.school.name in body
