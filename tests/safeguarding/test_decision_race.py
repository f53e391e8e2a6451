"""Two leads deciding the same request at once (hc01): exactly one decision stands, and the other
is told who decided first. PostgreSQL, real threads, each on its own connection, through the views."""

from __future__ import annotations

import os

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from tests.race import race
from tests.second_factor import pass_second_factor
from visits.enums import EventKind, Status
from visits.models import Visit, VisitEvent

# ~50 races by default; RACE_TRIALS=n for a quick run.
TRIALS = int(os.environ.get("RACE_TRIALS", "50"))
DECISIONS = [EventKind.AUTHORISED, EventKind.DECLINED, EventKind.SENT_BACK]


def _race(visit: Visit, racers: list[tuple[str, object, str]]) -> dict[str, tuple[str, list[str]]]:
    """Each lead posts a decision through the real view at once (`tests.race`), signed in first.
    Returns name -> (where they were sent, the messages they were shown)."""

    def racer(user, action: str):
        def go(ready) -> tuple[str, list[str]]:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            pass_second_factor(client, user)
            url = reverse(f"safeguarding:{action}", args=[visit.code])
            ready()
            response = client.post(url, {"note": "Racing.", "conditions": "", "from_status": "requested"})
            return response["Location"], [str(m) for m in get_messages(response.wsgi_request)]

        return go

    finishes = race(*(racer(user, action) for _name, user, action in racers))
    return {
        name: finish.value if finish.won else (repr(finish.error), [])
        for (name, *_), finish in zip(racers, finishes, strict=True)
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc01_two_leads_racing_exactly_one_decision_stands(cast, _flush_despite_append_only_triggers):
    # Arrange
    visits = [cast.make_visit(Status.REQUESTED) for _ in range(TRIALS)]
    queue = reverse("safeguarding:queue")
    names = {"lead": str(cast.lead), "deputy": str(cast.deputy)}
    problems = []

    # Act
    for i, visit in enumerate(visits):
        rival = "decline" if i % 2 else "send_back"
        outcome = _race(visit, [("lead", cast.lead, "authorise"), ("deputy", cast.deputy, rival)])

        # Assert (per trial): one winner back on the queue, one loser on the visit told who won.
        decisions = VisitEvent.objects.filter(visit=visit, kind__in=DECISIONS).count()
        winners = [name for name, (location, _) in outcome.items() if location == queue]
        losers = [name for name in outcome if name not in winners]
        if decisions != 1 or len(winners) != 1 or len(losers) != 1:
            problems.append((i, decisions, outcome))
            continue
        [loser_messages] = [outcome[losers[0]][1]]
        if not (len(loser_messages) == 1 and names[winners[0]] in loser_messages[0]):
            problems.append((i, "message", outcome))

    # Assert
    assert problems == []
