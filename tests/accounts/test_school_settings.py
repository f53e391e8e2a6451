"""The school's policy settings in the app (issue 14, item 2): its head and the trust administrator
change them, each change audited with its value before and after, the leads told."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from visits.enums import AuditAction
from visits.models import AuditEntry, School


def _url(school: School) -> str:
    return reverse("accounts:school_settings", args=[school.slug])


def _form(school: School, **change) -> dict:
    """The settings form as the page posts it, with `change` applied."""
    data = {
        "pairs_required": school.pairs_required,
        "evening_cutoff": school.evening_cutoff.strftime("%H:%M"),
        "overdue_grace_minutes": school.overdue_grace_minutes,
        "travel_minutes": school.travel_minutes,
        "acknowledge_minutes": school.acknowledge_minutes,
        "day_end": school.day_end.strftime("%H:%M"),
        "slt_discussion_required": school.slt_discussion_required,
        "lead_may_authorise_own": school.lead_may_authorise_own,
        "second_factor_for_all": school.second_factor_for_all,
    }
    return {**data, **change}


@pytest.mark.parametrize("actor", ["head", "trust_admin"])
def test_settings_page_opens_for_head_and_trust_admin_and_is_audited(cast, login, actor):
    # Act
    response = login(getattr(cast, actor)).get(_url(cast.school))

    # Assert
    assert response.status_code == 200
    page = response.content.decode()
    assert "HC 7" in page and "(hc19)" not in page  # each setting quotes its policy, in words
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, object_type="school", detail="school settings").exists()


@pytest.mark.parametrize("actor", ["office", "lead", "deputy", "visitor", "other_head", "other_office"])
def test_settings_are_404_to_everyone_else(cast, login, actor):
    # Act
    client = login(getattr(cast, actor))
    got = client.get(_url(cast.school)).status_code
    posted = client.post(_url(cast.school), _form(cast.school, pairs_required=False)).status_code

    # Assert
    assert (got, posted) == (404, 404)
    cast.school.refresh_from_db()
    assert cast.school.pairs_required is True


def test_anonymous_is_sent_to_sign_in(client, cast):
    response = client.get(_url(cast.school))

    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_head_changes_settings_audited_before_and_after_and_leads_told(cast, login, django_capture_on_commit_callbacks):
    # Arrange
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.head).post(
            _url(cast.school),
            _form(cast.school, pairs_required=False, overdue_grace_minutes=20, evening_cutoff="16:30"),
        )

    # Assert
    assert response.status_code == 302
    cast.school.refresh_from_db()
    assert (cast.school.pairs_required, cast.school.overdue_grace_minutes, cast.school.evening_cutoff) == (
        False,
        20,
        dt.time(16, 30),
    )
    details = set(
        AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="school", school=cast.school).values_list(
            "detail", flat=True
        )
    )
    assert details == {
        "setting pairs_required: on -> off",
        "setting overdue_grace_minutes: 15 -> 20",
        "setting evening_cutoff: 17:00 -> 16:30",
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["deputy.hc@example.org", "lead.hc@example.org"]
    assert "Minutes before a visit is overdue from 15 to 20" in mail.outbox[0].body


def test_saving_unchanged_settings_writes_nothing(cast, login, django_capture_on_commit_callbacks):
    # Act
    with django_capture_on_commit_callbacks(execute=True):
        login(cast.head).post(_url(cast.school), _form(cast.school))

    # Assert
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="school").exists()
    assert mail.outbox == []


def test_trust_admin_changes_the_second_factor_setting(cast, login):
    # Act
    login(cast.trust_admin).post(_url(cast.other_school), _form(cast.other_school, second_factor_for_all=False))

    # Assert
    cast.other_school.refresh_from_db()
    assert cast.other_school.second_factor_for_all is False


def test_the_other_schools_head_changes_only_their_own(cast, login):
    # Act
    response = login(cast.other_head).post(_url(cast.other_school), _form(cast.other_school, travel_minutes=45))

    # Assert
    assert response.status_code == 302
    cast.other_school.refresh_from_db()
    cast.school.refresh_from_db()
    assert (cast.other_school.travel_minutes, cast.school.travel_minutes) == (45, 30)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"overdue_grace_minutes": 241}, "overdue_grace_minutes", "at most 240"),
        ({"overdue_grace_minutes": -1}, "overdue_grace_minutes", "0 minutes or more"),
        ({"overdue_grace_minutes": "soon"}, "overdue_grace_minutes", "whole number"),
        ({"travel_minutes": 2}, "travel_minutes", "at least 5"),
        ({"acknowledge_minutes": 0}, "acknowledge_minutes", "at least 1"),
        ({"acknowledge_minutes": 61}, "acknowledge_minutes", "at most 60"),
        ({"evening_cutoff": "teatime"}, "evening_cutoff", "such as 17:00"),
        ({"evening_cutoff": "17:\x0000"}, "evening_cutoff", ""),
        ({"day_end": "16:00"}, "day_end", "later than the evening cut-off"),
        ({"pairs_required": "maybe"}, "pairs_required", "Select a valid choice"),
        ({"pairs_required": ""}, "pairs_required", "Choose yes or no"),
    ],
)
def test_bad_settings_give_a_form_error_and_change_nothing(cast, login, change, field, words):
    # Act
    response = login(cast.head).post(_url(cast.school), _form(cast.school, **change))

    # Assert
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and words in " ".join(errors[field]), errors
    assert not AuditEntry.objects.filter(action=AuditAction.UPDATE, object_type="school").exists()
    cast.school.refresh_from_db()
    assert (cast.school.overdue_grace_minutes, cast.school.day_end) == (15, dt.time(18, 0))


def test_settings_page_is_found_by_the_schools_code(cast, login):
    response = login(cast.head).get(reverse("accounts:school_settings", args=[str(cast.school.code)]))

    assert response.status_code == 200
