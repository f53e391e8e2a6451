"""The tablet's urgent controls (issue 5, hc17, hc15): "child alone / unsupervised" tells the leads
at once; "immediate danger" alerts the office and the leads and shows "Call 999" with the address.
Who may press them (the visitors on the visit, from authorisation until it is over), who is told,
and that both are logged on the timeline and in the audit trail."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from django.core import mail
from django.urls import resolve, reverse

from safeguarding import concerns
from safeguarding.models import Concern, ConcernKind, ConcernSource
from safeguarding.views import urgent
from visits import lifecycle
from visits.enums import AuditAction, EventKind, Status
from visits.exceptions import TransitionNotAllowed
from visits.models import AuditEntry, Visit, VisitEvent

ALONE, DANGER = "child-alone", "danger"


def raise_url(visit, name: str) -> str:
    return reverse("safeguarding:urgent_raise", args=[visit.code, name])


def emails_to(outbox) -> list[str]:
    return sorted(to for message in outbox for to in message.to)


@pytest.fixture
def on_the_road(cast):
    return cast.make_visit(Status.IN_PROGRESS)


# --- who is told --------------------------------------------------------------------------------------


def test_hc17_child_alone_tells_the_leads_at_once_not_the_office_head_or_other_school(
    cast, login, on_the_road, django_capture_on_commit_callbacks
):
    # Arrange
    client = login(cast.visitor)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(raise_url(on_the_road, ALONE), follow=True)

    # Assert
    assert emails_to(mail.outbox) == ["deputy.hc@example.org", "lead.hc@example.org"]
    assert all(m.subject.startswith("URGENT: Child alone or unsupervised") for m in mail.outbox)
    concern = Concern.objects.get(visit=on_the_road)
    assert (concern.kind, concern.source, concern.urgent, concern.raised_by) == (
        ConcernKind.CHILD_ALONE,
        ConcernSource.URGENT,
        True,
        cast.visitor,
    )
    assert "urgent button on the tablet" in concern.details
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("visits:detail", args=[on_the_road.code])
    assert "The safeguarding leads have been told" in html
    assert "Do not go in" in html


def test_hc17_immediate_danger_alerts_office_and_leads_and_shows_call_999(
    cast, login, on_the_road, django_capture_on_commit_callbacks
):
    # Arrange
    client = login(cast.second)
    mail.outbox.clear()

    # Act
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(raise_url(on_the_road, DANGER), follow=True)

    # Assert
    assert emails_to(mail.outbox) == ["deputy.hc@example.org", "lead.hc@example.org", "office.hc@example.org"]
    assert Concern.objects.get(visit=on_the_road).kind == ConcernKind.IMMEDIATE_DANGER
    assert response.redirect_chain[-1][0] == reverse("safeguarding:urgent_999", args=[on_the_road.code])
    html = response.content.decode()
    assert 'href="tel:999"' in html
    assert 'data-testid="postcode-to-read">M14 5AB<' in html
    assert "1 Test Street" in html and "Manchester" in html
    assert "The office and the safeguarding leads have been alerted" in html


def test_hc17_the_leads_alert_poll_shows_the_urgent_concern(cast, login, on_the_road):
    login(cast.visitor).post(raise_url(on_the_road, ALONE))

    poll = login(cast.lead).get(reverse("safeguarding:concern_alert")).json()

    assert (poll["open"], poll["urgent"]) == (1, 1)


@pytest.mark.parametrize("name, kind", [(ALONE, EventKind.CONCERN_RAISED), (DANGER, EventKind.CONCERN_RAISED)])
def test_hc17_both_controls_are_logged_on_the_timeline_and_in_the_audit(cast, login, on_the_road, name, kind):
    login(cast.visitor).post(raise_url(on_the_road, name))

    event = VisitEvent.objects.get(visit=on_the_road, kind=kind)
    concern = Concern.objects.get(visit=on_the_road)
    assert event.actor == cast.visitor and event.note.startswith("Urgent: ")
    assert AuditEntry.objects.filter(object_code=str(concern.code), action=AuditAction.CREATE).count() == 1


def test_hc17_a_second_tap_raises_no_second_alarm(cast, login, on_the_road, django_capture_on_commit_callbacks):
    # Arrange
    login(cast.visitor).post(raise_url(on_the_road, ALONE))
    mail.outbox.clear()

    # Act: the other visitor presses it too, moments later.
    with django_capture_on_commit_callbacks(execute=True):
        response = login(cast.second).post(raise_url(on_the_road, ALONE), follow=True)

    # Assert
    assert Concern.objects.filter(visit=on_the_road).count() == 1
    assert mail.outbox == []
    assert "Already raised at" in response.content.decode()


def test_hc17_confirmation_page_changes_nothing(cast, login, on_the_road):
    # Arrange
    events = VisitEvent.objects.filter(visit=on_the_road).count()

    # Act
    response = login(cast.visitor).get(reverse("safeguarding:urgent", args=[on_the_road.code, ALONE]))

    # Assert
    html = response.content.decode()
    assert response.status_code == 200
    assert f'action="{raise_url(on_the_road, ALONE)}"' in html
    assert "Do not go in" in html
    assert Concern.objects.count() == 0
    assert VisitEvent.objects.filter(visit=on_the_road).count() == events


# --- who may press them, and when ----------------------------------------------------------------------


@pytest.mark.parametrize("name", [ALONE, DANGER])
@pytest.mark.parametrize(
    "actor, expected",
    [("office", 403), ("lead", 403), ("head", 403), ("bystander", 404), ("other_visitor", 404), ("other_lead", 404)],
)
def test_hc17_urgent_refused_to_everyone_but_the_visitors(cast, login, on_the_road, name, actor, expected):
    # Arrange
    client = login(getattr(cast, actor))
    mail.outbox.clear()

    # Act
    post = client.post(raise_url(on_the_road, name))
    confirm = client.get(reverse("safeguarding:urgent", args=[on_the_road.code, name]))
    page_999 = client.get(reverse("safeguarding:urgent_999", args=[on_the_road.code]))

    # Assert
    assert (post.status_code, confirm.status_code, page_999.status_code) == (expected, expected, expected)
    assert Concern.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.parametrize("state", [s for s in Status.values if s not in {Status.AUTHORISED, Status.IN_PROGRESS}])
@pytest.mark.parametrize("name", [ALONE, DANGER])
def test_hc17_urgent_refused_unless_authorised_or_under_way(cast, login, state, name):
    visit = cast.make_visit(state)

    response = login(cast.visitor).post(raise_url(visit, name))

    assert response.status_code == 403
    assert Concern.objects.count() == 0


def test_hc17_urgent_from_an_authorised_visit_before_setting_off(cast, login):
    visit = cast.make_visit(Status.AUTHORISED)

    response = login(cast.visitor).post(raise_url(visit, ALONE))

    assert response.status_code == 302
    assert Concern.objects.filter(visit=visit, kind=ConcernKind.CHILD_ALONE).count() == 1


def test_hc17_raise_refuses_get_and_an_unknown_control(cast, login, on_the_road):
    client = login(cast.visitor)

    get = client.get(raise_url(on_the_road, ALONE))
    unknown = client.post(raise_url(on_the_road, "fire"))

    assert (get.status_code, unknown.status_code) == (405, 404)
    assert Concern.objects.count() == 0


def test_hc17_anonymous_is_sent_to_sign_in(client, on_the_road):
    response = client.post(raise_url(on_the_road, ALONE))

    assert response.status_code == 302
    assert resolve(urlparse(response["Location"]).path).view_name == "login"
    assert Concern.objects.count() == 0


def test_hc17_raise_rereads_the_state_under_the_lock(cast):
    # Arrange: the page was opened while authorised; a lead withdrew the authorisation since.
    stale = cast.make_visit(Status.AUTHORISED)
    fresh = Visit.objects.get(pk=stale.pk)
    lifecycle.transition(fresh, cast.lead, lifecycle.Action.DECLINE, note="Family moved away.")

    # Act / Assert
    with pytest.raises(TransitionNotAllowed):
        concerns.raise_urgent(stale, cast.visitor, urgent.URGENT[ALONE].kind, urgent.URGENT[ALONE].details)
    assert Concern.objects.count() == 0
