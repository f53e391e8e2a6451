"""Deciding a request through the views (hc01, hc06, hc10, hc13): who may, in which state, the
four-eyes rule, and what the lead must add for a High-risk visit."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.factories import CAST_ROLES, review_risk
from visits import lifecycle
from visits.enums import EventKind, Role, Status
from visits.models import Membership, Visit, VisitEvent
from visits.who import forget_roles

ACTIONS = ("authorise", "decline", "send_back")
DATA = {"note": "Reason given in the test.", "conditions": "Phone the office on arrival."}


def snapshot(visit: Visit) -> tuple:
    fresh = Visit.objects.get(pk=visit.pk)
    return fresh.status, fresh.decided_at, VisitEvent.objects.filter(visit=visit).count()


def may_succeed(role: str, action: str, status: str) -> bool:
    if role not in ("lead", "deputy"):
        return False
    return status == Status.REQUESTED or (action == "decline" and status == Status.AUTHORISED)


@pytest.mark.parametrize("status", Status.values)
@pytest.mark.parametrize("action", ACTIONS)
def test_hc01_decisions_by_every_role_and_state(cast, login, action, status):
    # Arrange
    visit = cast.make_visit(status)
    outcomes, expected = {}, {}

    for role in ("anonymous", *CAST_ROLES):
        before = snapshot(visit)
        client = login(getattr(cast, role)) if role != "anonymous" else Client()

        # Act
        response = client.post(reverse(f"safeguarding:{action}", args=[visit.code]), DATA)

        # Assert (collected): a success lands on the queue and writes one decision event.
        after = snapshot(visit)
        changed = after != before
        outcomes[role] = (changed, response.status_code)
        if may_succeed(role, action, status):
            expected[role] = (True, 302)
            assert response["Location"] == reverse("safeguarding:queue")
            assert after[2] == before[2] + 1
            visit = cast.make_visit(status)  # a fresh one for the next role
        else:
            expected[role] = (False, response.status_code)
            assert response.status_code in (302, 403, 404)
    assert outcomes == expected


def test_hc01_lead_who_requested_the_visit_may_not_decide_it(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, requester=cast.lead)
    client = login(cast.lead)

    # Act
    page = client.get(reverse("visits:detail", args=[visit.code]))
    response = client.post(reverse("safeguarding:authorise", args=[visit.code]), DATA)

    # Assert: the page says why instead of showing the buttons; the POST is refused.
    assert "You requested this visit" in page.content.decode()
    assert b'id="decision-form"' not in page.content
    assert response.status_code == 403
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED


def test_hc01_lead_going_on_the_visit_may_not_decide_it(cast, login):
    # Arrange: the lead is also visiting staff, and the second visitor on this one.
    Membership.objects.create(user=cast.lead, school=cast.school, role=Role.VISITOR)
    forget_roles(cast.lead)
    visit = cast.make_visit(Status.REQUESTED, second_visitor=cast.lead)
    client = login(cast.lead)

    # Act
    page = client.get(reverse("visits:detail", args=[visit.code]))
    response = client.post(reverse("safeguarding:decline", args=[visit.code]), DATA)

    # Assert
    assert "You are going on this visit" in page.content.decode()
    assert response.status_code == 403
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED


def test_hc01_school_setting_lets_a_lead_authorise_their_own_request(cast, login):
    # Arrange
    cast.school.lead_may_authorise_own = True
    cast.school.save(update_fields=["lead_may_authorise_own"])
    visit = cast.make_visit(Status.REQUESTED, requester=cast.lead)

    # Act
    response = login(cast.lead).post(reverse("safeguarding:authorise", args=[visit.code]), DATA)

    # Assert
    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.status == Status.AUTHORISED and visit.authorised_by == cast.lead
    assert visit.authorisation_conditions == "Phone the office on arrival."


def test_hc01_authorise_returns_to_queue_with_message_and_one_event(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(cast.deputy).post(reverse("safeguarding:authorise", args=[visit.code]), DATA)

    # Assert
    visit.refresh_from_db()
    assert response["Location"] == reverse("safeguarding:queue")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"{visit.household.name}: visit authorised. The visitors can now set off."
    ]
    events = visit.events.filter(kind=EventKind.AUTHORISED)
    assert [(e.actor_id, e.to_status) for e in events] == [(cast.deputy.pk, Status.AUTHORISED)]


@pytest.mark.parametrize("action", ["decline", "send_back"])
def test_hc01_decline_or_send_back_without_a_reason_is_a_form_error(cast, login, action):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(cast.lead).post(
        reverse(f"safeguarding:{action}", args=[visit.code]), {"note": "  ", "conditions": "Kept text"}
    )

    # Assert: the page again, with the error and what was typed; nothing written.
    assert response.status_code == 200
    assert "Say wh" in response.content.decode()
    assert "Kept text" in response.content.decode()
    assert snapshot(visit)[0] == Status.REQUESTED


def test_hc06_hc13_lone_evening_visit_needs_both_confirmations(cast, login):
    # Arrange: a lone visit at 18:00, past the 17:00 cut-off.
    start = cast.make_visit(Status.DRAFT).scheduled_start.replace(hour=18)
    visit = cast.make_visit(Status.REQUESTED, second_visitor=None, start=start)
    client = login(cast.lead)
    url = reverse("safeguarding:authorise", args=[visit.code])

    # Act
    refused = client.post(url, {"conditions": "Keep phones on."})
    accepted = client.post(url, {"approve_lone_working": "on", "confirm_evening": "on"})

    # Assert
    body = refused.content.decode()
    assert refused.status_code == 200
    assert "lone working" in body and "evening visit is necessary" in body and "Keep phones on." in body
    visit.refresh_from_db()
    assert accepted.status_code == 302 and visit.status == Status.AUTHORISED and visit.lone_working_approved


def test_hc10_high_risk_refused_without_reason_and_controls(cast, login):
    # Arrange: the household's assessment reviewed as High for this visit.
    visit = cast.make_visit(Status.DRAFT)
    review_risk(visit, cast.office, severity=3, likelihood=3)
    lifecycle.transition(visit, cast.office, "submit")
    client = login(cast.lead)
    url = reverse("safeguarding:authorise", args=[visit.code])
    page = client.get(reverse("visits:detail", args=[visit.code]))

    # Act
    without = client.post(url, {"high_risk_reason": "Child not seen for 3 weeks."})
    with_both = client.post(
        url, {"high_risk_reason": "Child not seen for 3 weeks.", "high_risk_controls": "Police present."}
    )

    # Assert
    assert "Why the visit still goes ahead" in page.content.decode()
    assert without.status_code == 200
    assert "Name the extra controls" in without.content.decode()
    assert "Child not seen for 3 weeks." in without.content.decode()
    visit.refresh_from_db()
    assert with_both.status_code == 302
    assert visit.status == Status.AUTHORISED
    assert (visit.high_risk_reason, visit.high_risk_controls) == ("Child not seen for 3 weeks.", "Police present.")


def test_hc01_decision_on_a_request_someone_else_decided_names_them(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    login(cast.deputy).post(reverse("safeguarding:decline", args=[visit.code]), DATA)

    # Act
    response = login(cast.lead).post(reverse("safeguarding:authorise", args=[visit.code]), DATA)

    # Assert: back on the visit, told who decided first; still declined, one decision event.
    assert response["Location"] == reverse("visits:detail", args=[visit.code])
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "it is declined" in message and str(cast.deputy) in message
    assert Visit.objects.get(pk=visit.pk).status == Status.DECLINED
    assert visit.events.filter(kind__in=[EventKind.AUTHORISED, EventKind.DECLINED]).count() == 1


def test_hc01_decisions_refuse_get(cast, login):
    visit = cast.make_visit(Status.REQUESTED)
    client = login(cast.lead)
    statuses = [client.get(reverse(f"safeguarding:{a}", args=[visit.code])).status_code for a in ACTIONS]
    assert statuses == [405, 405, 405]
