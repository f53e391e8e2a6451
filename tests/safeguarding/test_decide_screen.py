"""The lead's decision screen (issue 16, item 4): one request and its three decisions on one
screen; who may open it is who may decide (hc01, four-eyes); the read is audited by the fetch;
decisions go through the queue's decision views, and a refusal comes back to the screen with
what the lead typed (hc06, hc10, hc13)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import make_user
from visits.enums import AuditAction, EventKind, Role, Status
from visits.models import AuditEntry, VisitEvent
from visits.who import forget_roles


def _url(visit) -> str:
    return reverse("safeguarding:decide", kwargs={"code": visit.code})


@pytest.mark.parametrize(("actor", "expected"), [("lead", 200), ("deputy", 200)])
def test_hc01_leads_of_the_school_open_the_decision_screen(cast, login, actor, expected):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(getattr(cast, actor)).get(_url(visit))

    # Assert
    assert response.status_code == expected
    assert response.context["visit"] == visit
    assert response.context["may_authorise"] is True


@pytest.mark.parametrize("actor", ["office", "visitor", "second", "head"])
def test_hc01_others_who_see_the_visit_are_refused_the_decision_screen(cast, login, actor):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(getattr(cast, actor)).get(_url(visit))

    # Assert
    assert response.status_code == 403


@pytest.mark.parametrize("actor", ["other_lead", "other_office", "bystander", "trust_admin"])
def test_hc25_the_other_school_and_outsiders_get_404(cast, login, actor):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(getattr(cast, actor)).get(_url(visit))

    # Assert
    assert response.status_code == 404


def test_hc01_four_eyes_a_lead_who_requested_the_visit_may_not_open_it(cast, login):
    # Arrange: the lead asked for this visit; the school keeps four-eyes.
    visit = cast.make_visit(Status.REQUESTED, requester=cast.lead)

    # Act
    response = login(cast.lead).get(_url(visit))

    # Assert: refused here; the queue sends this lead to the visit page, which says why.
    assert response.status_code == 403
    queue = login(cast.lead).get(reverse("safeguarding:queue"))
    card = next(c for s in queue.context["sections"] for c in s.cards if c.visit.pk == visit.pk)
    assert card.may_decide is False
    assert _url(visit) not in queue.content.decode()


def test_hc25_opening_the_screen_writes_one_read_row(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    before = AuditEntry.objects.count()

    # Act
    login(cast.lead).get(_url(visit))

    # Assert
    rows = list(AuditEntry.objects.order_by("id")[before:])
    assert [(r.username, r.action, r.object_code, r.detail) for r in rows] == [
        (cast.lead.username, AuditAction.VIEW, str(visit.code), "decision screen")
    ]


def test_the_screen_shows_what_the_lead_weighs_and_nothing_else_to_tap(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, purpose="Talk about attendance with mum.")

    # Act
    html = login(cast.lead).get(_url(visit)).content.decode()

    # Assert: the facts and the three decisions; editing, cancelling and concerns are elsewhere.
    for part in ("decide-purpose", "decide-reason", "decide-visitors", "decide-family", "decide-risk"):
        assert f'data-testid="{part}"' in html
    assert "decide-concerns" in html and "decide-earlier" in html
    assert "Talk about attendance with mum." in html
    for url in ("authorise", "send_back", "decline"):
        assert reverse(f"safeguarding:{url}", kwargs={"code": visit.code}) in html
    assert reverse("visits:edit", kwargs={"code": visit.code}) not in html
    assert reverse("visits:cancel", kwargs={"code": visit.code}) not in html
    assert reverse("safeguarding:raise_concern", kwargs={"code": visit.code}) not in html


def test_queue_open_to_decide_goes_to_the_screen(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    html = login(cast.lead).get(reverse("safeguarding:queue")).content.decode()

    # Assert
    assert f'href="{_url(visit)}">Open to decide' in html


def test_hc01_authorising_from_the_screen_goes_through_the_decision(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    client = login(cast.lead)

    # Act
    response = client.post(
        reverse("safeguarding:authorise", kwargs={"code": visit.code}),
        {"from_status": visit.status, "seen_version": visit.version, "screen": "decide", "conditions": ""},
    )

    # Assert
    assert response.status_code == 302 and response.url == reverse("safeguarding:queue")
    visit.refresh_from_db()
    assert visit.status == Status.AUTHORISED and visit.authorised_by == cast.lead
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.AUTHORISED).count() == 1


def test_hc13_a_refused_authorisation_comes_back_to_the_screen_with_what_was_typed(cast, login):
    # Arrange: an evening visit the lead has not confirmed.
    visit = cast.make_visit(Status.REQUESTED)
    visit.school.evening_cutoff = dt.time(0, 1)
    visit.school.save(update_fields=["evening_cutoff"])
    visit.refresh_from_db()
    assert visit.is_evening
    client = login(cast.lead)
    before = AuditEntry.objects.count()

    # Act
    response = client.post(
        reverse("safeguarding:authorise", kwargs={"code": visit.code}),
        {"from_status": visit.status, "seen_version": visit.version, "screen": "decide", "conditions": "Ring first."},
    )

    # Assert: the screen again, saying why, with the condition kept; nothing changed.
    assert response.status_code == 200
    assert response.templates[0].name == "safeguarding/decide.html"
    html = response.content.decode()
    assert "Ring first." in html and 'data-testid="decision-errors"' in html
    visit.refresh_from_db()
    assert visit.status == Status.REQUESTED
    rows = list(AuditEntry.objects.order_by("id")[before:])
    assert [(r.action, r.detail) for r in rows] == [(AuditAction.VIEW, "decision screen")]


def test_hc01_a_decided_visit_offers_nothing_to_authorise(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    response = login(cast.deputy).get(_url(visit))

    # Assert: declining an authorised visit stays possible (moves.MOVES), authorising does not.
    assert response.status_code == 200
    assert response.context["may_authorise"] is False
    assert response.context["may_decline"] is True


def test_a_new_deputy_of_the_school_may_open_it(cast, login):
    # Arrange
    deputy = make_user("deputy.two", cast.school, Role.DEPUTY_LEAD)
    forget_roles(deputy)
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(deputy).get(_url(visit))

    # Assert
    assert response.status_code == 200
