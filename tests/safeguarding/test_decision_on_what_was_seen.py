"""hc01 (issue 13, item 7): the lead decides on what they saw.

The decision carries the version of the request the lead's page showed (`Visit.version`); a request
changed since (its details, its pupils, its risk review) is refused with who changed it and when,
and the lead is shown it again. Through the lifecycle, the views, the bulk authorisation, and a
race of an edit against a decision."""

from __future__ import annotations

import os

import pytest
from django.urls import reverse

from tests.factories import template_rows
from tests.race import race
from tests.safeguarding.test_queue_views import _new_starter
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.exceptions import TransitionNotAllowed
from visits.models import Visit, VisitEvent

TRIALS = int(os.environ.get("RACE_TRIALS", "200"))


def _post_decision(client, visit: Visit, action: str, seen: str):
    return client.post(
        reverse(f"safeguarding:{action}", args=[visit.code]),
        {"note": "Seen.", "conditions": "", "from_status": "requested", "seen_version": seen},
        follow=True,
    )


def test_hc01_a_decision_on_the_version_seen_stands(cast):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    lifecycle.transition(visit, cast.lead, lifecycle.Action.AUTHORISE, expected_version=visit.version)

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == Status.AUTHORISED


def test_hc01_an_edit_since_the_lead_opened_the_request_refuses_the_decision_with_who_and_when(cast):
    # Arrange: the lead's page showed this version; the office then changed the purpose.
    visit = cast.make_visit(Status.REQUESTED)
    seen = visit.version
    lifecycle.update_request(Visit.objects.get(pk=visit.pk), cast.office, {"purpose": "Something else entirely."})

    # Act
    with pytest.raises(TransitionNotAllowed) as refused:
        lifecycle.transition(visit, cast.lead, lifecycle.Action.AUTHORISE, expected_version=seen)

    # Assert
    message = str(refused.value)
    assert "changed since you opened it" in message and str(cast.office) in message and "purpose" in message
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED


def test_hc09_a_risk_review_since_the_lead_opened_the_request_refuses_the_decision(cast):
    # Arrange
    from safeguarding import risk

    visit = cast.make_visit(Status.REQUESTED)
    seen = visit.version
    risk.review_for_visit(Visit.objects.get(pk=visit.pk), cast.office, template_rows(cast.school, severity=2))

    # Act / Assert
    with pytest.raises(TransitionNotAllowed, match="changed since you opened it"):
        lifecycle.transition(visit, cast.lead, lifecycle.Action.AUTHORISE, expected_version=seen)


@pytest.mark.parametrize("action", ["authorise", "decline", "send_back"])
def test_hc01_the_queue_view_refuses_a_decision_on_an_unseen_edit_and_shows_the_request_again(cast, login, action):
    # Arrange: the lead opens the request; the office changes it.
    visit = cast.make_visit(Status.REQUESTED)
    client = login(cast.lead)
    page = client.get(reverse("visits:detail", args=[visit.code]))
    seen = page.context["visit"].version
    assert f'name="seen_version" value="{seen}"' in page.content.decode()
    lifecycle.update_request(Visit.objects.get(pk=visit.pk), cast.office, {"purpose": "Changed meanwhile."})

    # Act
    response = _post_decision(client, visit, action, seen)

    # Assert: back on the visit, told who changed it, nothing decided.
    assert response.redirect_chain[-1][0] == reverse("visits:detail", args=[visit.code])
    assert any("changed since you opened it" in str(m) for m in response.context["messages"])
    assert "Changed meanwhile." in response.content.decode()
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED


def test_mp03_bulk_authorisation_refuses_a_request_changed_since_the_queue_showed_it(cast, login):
    # Arrange
    visit = _new_starter(cast)
    seen = Visit.objects.get(pk=visit.pk).version
    lifecycle.update_request(Visit.objects.get(pk=visit.pk), cast.office, {"comments": "Changed meanwhile."})

    # Act
    data = {"visits": [str(visit.code)], f"version-{visit.code}": seen}
    response = login(cast.lead).post(reverse("safeguarding:bulk_authorise"), data, follow=True)

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED
    assert any("changed since you opened it" in str(m) for m in response.context["messages"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc01_an_edit_racing_a_decision_never_gets_an_unseen_version_decided(cast, _flush_despite_append_only_triggers):
    # Arrange
    unseen = []
    visits = [cast.make_visit(Status.REQUESTED) for _ in range(TRIALS)]

    # Act
    for i, visit in enumerate(visits):
        seen = visit.version

        def edit(ready, visit=visit, i=i):
            copy = Visit.objects.get(pk=visit.pk)
            ready()
            lifecycle.update_request(copy, cast.office, {"purpose": f"Changed in trial {i}."})

        def decide(ready, visit=visit, seen=seen):
            copy = Visit.objects.get(pk=visit.pk)
            ready()
            lifecycle.transition(copy, cast.lead, lifecycle.Action.AUTHORISE, expected_version=seen)

        race(edit, decide)

        # Assert (per trial): if both stood, the edit came after the decision (and sent it back).
        events = list(VisitEvent.objects.filter(visit=visit).order_by("id").values_list("kind", flat=True))
        if EventKind.AUTHORISED in events and EventKind.EDITED in events:
            if events.index(EventKind.EDITED) < events.index(EventKind.AUTHORISED):
                unseen.append(visit.pk)

    assert unseen == []
