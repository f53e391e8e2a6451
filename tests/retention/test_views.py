"""The review queue's pages (issue 17): keep, hold, lift a hold and erase, each checked, refused
with a message on the form when wrong, and audited (fixed words: never the reason typed); the
erasure asks for the typed word and a recent second factor; the school's periods validated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from retention.models import DecisionKind, RetentionPolicy, Review, VisitRetention
from tests.matrix.retention import due_record, held_record
from visits.enums import AuditAction
from visits.models import AuditEntry, Visit

REASON = "Younger sibling starts in Reception next year."


@pytest.fixture
def due(cast) -> VisitRetention:
    return VisitRetention.objects.get(code=due_record(cast)["code"])


def post(client, name: str, row: VisitRetention, data: dict):
    return client.post(reverse(f"retention:{name}", args=[row.code]), data)


def test_keep_with_a_reason_and_date_leaves_the_queue_audited_without_the_reason(cast, login, due):
    # Act
    response = post(login(cast.lead), "keep", due, {"reason": REASON, "review_after": "01/09/2028"})

    # Assert
    due.refresh_from_db()
    assert response.status_code == 302
    assert (due.review, due.review_after, due.kept_reason) == (Review.KEPT, dt.date(2028, 9, 1), REASON)
    assert [(d.kind, d.by_id) for d in due.decisions.all()] == [(DecisionKind.KEPT, cast.lead.pk)]
    row = AuditEntry.objects.filter(action=AuditAction.UPDATE).latest("id")
    assert (row.username, row.object_code, row.detail) == (cast.lead.username, str(due.visit.code), "retention: kept")
    assert not AuditEntry.objects.filter(detail__icontains="sibling").exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "", "review_after": "01/09/2028"}, "Give the reason"),
        ({"reason": REASON, "review_after": ""}, "Give the date to review it again"),
        ({"reason": REASON, "review_after": "2028-09-01"}, "dd/mm/yyyy"),
        ({"reason": REASON, "review_after": "10/11/2026"}, "after today"),
        ({"reason": REASON, "review_after": "01/01/2040"}, "within 10 years"),
        ({"reason": "bad\x00text", "review_after": "01/09/2028"}, "control character"),
    ],
)
def test_keep_refuses_bad_input_on_the_form(cast, login, due, data, message):
    # Act
    response = post(login(cast.lead), "keep", due, data)

    # Assert
    due.refresh_from_db()
    assert response.status_code == 400
    assert message in response.content.decode()
    assert due.review == Review.DUE


def test_hold_needs_a_reason_and_keeps_the_record_out_of_erasure(cast, login, due):
    # Arrange
    client = login(cast.lead)

    # Act
    refused = post(client, "hold", due, {"reason": "  "})
    held = post(client, "hold", due, {"reason": "The inquiry asked us to keep it."})
    erase = post(client, "erase", due, {"confirm": "erase"})

    # Assert
    due.refresh_from_db()
    assert (refused.status_code, held.status_code, erase.status_code) == (400, 302, 400)
    assert "legal hold" in erase.content.decode()
    assert due.is_held and due.visit.purpose != ""
    assert not AuditEntry.objects.filter(action=AuditAction.ERASE).exists()
    assert AuditEntry.objects.filter(detail="retention: put on legal hold").count() == 1


def test_release_puts_a_record_past_its_date_back_in_the_queue(cast, login):
    # Arrange
    row = VisitRetention.objects.get(code=held_record(cast)["code"])

    # Act
    response = post(login(cast.deputy), "release", row, {"reason": "The inquiry has closed."})

    # Assert
    row.refresh_from_db()
    assert response.status_code == 302
    assert (row.review, row.hold_reason) == (Review.DUE, "")
    assert list(row.decisions.values_list("kind", flat=True)) == [DecisionKind.HELD, DecisionKind.RELEASED]


def test_erase_needs_the_typed_word(cast, login, due):
    # Act
    wrong = post(login(cast.lead), "erase", due, {"confirm": "yes"})

    # Assert
    due.refresh_from_db()
    assert wrong.status_code == 400
    assert "Type the word" in wrong.content.decode()
    assert due.review == Review.DUE


def test_erase_with_the_word_erases_and_audits_who(cast, login, due):
    # Act
    response = post(login(cast.lead), "erase", due, {"confirm": " Erase "})

    # Assert
    due.refresh_from_db()
    visit = Visit.objects.get(pk=due.visit_id)
    assert response.status_code == 302
    assert (due.review, due.erased_by_id, visit.purpose, visit.code_word) == (Review.ERASED, cast.lead.pk, "", "")
    row = AuditEntry.objects.get(action=AuditAction.ERASE)
    assert (row.username, row.object_code, row.detail.startswith("retention erasure:")) == (
        cast.lead.username,
        str(visit.code),
        True,
    )


def test_erasure_asks_for_the_second_factor_again_after_15_minutes(cast, login, due, pinned_clock):
    # Arrange
    client = login(cast.lead)
    pinned_clock.shift(dt.timedelta(minutes=16))

    # Act
    page = client.get(reverse("retention:confirm_erase", args=[due.code]))
    action = post(client, "erase", due, {"confirm": "erase"})

    # Assert
    due.refresh_from_db()
    assert page.status_code == action.status_code == 302
    assert reverse("accounts:second_factor") in page["Location"]
    assert due.review == Review.DUE


def test_the_record_page_shows_the_decisions_open_and_the_erased_page_no_personal_detail(cast, login, due):
    # Arrange
    client = login(cast.lead)
    family = due.visit.household.name

    # Act
    before = client.get(reverse("retention:record", args=[due.code])).content.decode()
    post(client, "erase", due, {"confirm": "erase"})
    after = client.get(reverse("retention:record", args=[due.code])).content.decode()

    # Assert
    assert "Keep until that date" in before and "Put on legal hold" in before and family in before
    assert "Erased" in after and family not in after and "Keep until that date" not in after


def test_the_periods_page_saves_longer_periods_and_refuses_shorter(cast, login):
    # Arrange
    client = login(cast.lead)
    url = reverse("retention:periods")

    # Act
    shorter = client.post(url, {"school": cast.school.slug, "cp_years": "20", "other_years": "1"})
    words = client.post(url, {"school": cast.school.slug, "cp_years": "many", "other_years": "2"})
    longer = client.post(url, {"school": cast.school.slug, "cp_years": "30", "other_years": "6"})

    # Assert
    assert shorter.status_code == words.status_code == 400
    assert "at least 25 years" in shorter.content.decode() and "at least 2 years" in shorter.content.decode()
    assert "whole number" in words.content.decode()
    assert longer.status_code == 302
    assert RetentionPolicy.objects.filter(school=cast.school).values_list("cp_years", "other_years").get() == (30, 6)


def test_the_periods_of_another_school_cannot_be_set(cast, login):
    # Act: the other school's lead names this school.
    login(cast.other_lead).post(
        reverse("retention:periods"), {"school": cast.school.slug, "cp_years": "40", "other_years": "9"}
    )

    # Assert: it went to their own school, never this one.
    assert not RetentionPolicy.objects.filter(school=cast.school).exists()
    assert RetentionPolicy.objects.get(school=cast.other_school).cp_years == 40


def test_the_records_menu_shows_retention_to_leads_only(cast, login):
    # Act
    lead_page = login(cast.lead).get(reverse("retention:queue")).content.decode()
    head_page = login(cast.head).get(reverse("visits:overview")).content.decode()

    # Assert
    assert "Retention review" in lead_page
    assert reverse("retention:queue") not in head_page


def test_an_erased_visits_own_page_still_opens_without_its_details(cast, login, due):
    # Arrange
    purpose = due.visit.purpose
    client = login(cast.lead)
    post(client, "erase", due, {"confirm": "erase"})

    # Act
    response = client.get(reverse("visits:detail", args=[due.visit.code]))

    # Assert
    assert response.status_code == 200
    assert purpose not in response.content.decode()


def _queue_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("retention:queue")).status_code == 200
    return len(captured)


def test_the_queue_costs_the_same_queries_for_1_and_5_records(cast, login):
    # Arrange
    client = login(cast.lead)
    due_record(cast)
    client.get(reverse("retention:queue"))  # the session's first page: its own lookups
    one = _queue_queries(client)
    for _ in range(4):
        due_record(cast)

    # Act
    five = _queue_queries(client)

    # Assert
    assert VisitRetention.objects.filter(review=Review.DUE).count() == 5
    assert five == one


def test_the_visit_page_tells_leads_how_long_it_is_kept_and_everyone_that_it_was_erased(cast, login, due):
    # Arrange
    url = reverse("visits:detail", args=[due.visit.code])
    lead_before = login(cast.lead).get(url).content.decode()
    office_before = login(cast.office).get(url).content.decode()

    # Act
    post(login(cast.lead), "erase", due, {"confirm": "erase"})
    office_after = login(cast.office).get(url).content.decode()

    # Assert
    assert "Due for review" in lead_before and reverse("retention:record", args=[due.code]) in lead_before
    assert "retention-panel" not in office_before
    assert "personal details were erased" in office_after
    assert reverse("retention:record", args=[due.code]) not in office_after
