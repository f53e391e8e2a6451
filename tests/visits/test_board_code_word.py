"""The code word on the day board (hc11, issue 16): hidden until a tap on its row asks for it,
shown only while it may be needed (visitors on the road, or leaving today), to those who may know
it, each reveal a row of the audit trail; "Code word used" only on visits that have set off (hc18)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import clock
from visits import lifecycle
from visits.enums import AuditAction, Status
from visits.models import AuditEntry, Visit
from visits.views.board import CODE_WORD_AUDIT, CODE_WORD_REFUSED

BOARD = reverse("visits:board")
JSON = {"Accept": "application/json"}


def reveal_url(visit: Visit) -> str:
    return reverse("visits:reveal_code_word", args=[visit.code])


def reveals(visit: Visit) -> int:
    return AuditEntry.objects.filter(object_code=str(visit.code), detail=CODE_WORD_AUDIT).count()


def rows_by_pk(client) -> dict:
    return {row.visit.pk: row for row in client.get(BOARD).context["rows"]}


def _visits(cast) -> dict[str, Visit]:
    """One visit of each kind the board lists (the cast's visitors, set off freely)."""
    back = cast.make_visit(Status.COMPLETED)
    lifecycle.record_step(back, cast.office, "back")
    return {
        "on the road": cast.make_visit(Status.IN_PROGRESS),
        "left, not back": cast.make_visit(Status.COMPLETED),
        "leaving today": cast.make_visit(Status.AUTHORISED, start=clock.today_at(15)),
        "tomorrow": cast.make_visit(Status.AUTHORISED, start=clock.today_at(10, days=1)),
        "requested today": cast.make_visit(Status.REQUESTED, start=clock.today_at(16)),
        "back at school": back,
    }


# --- the board shows no code word until asked ---------------------------------------------------------


def test_hc11_the_board_prints_no_code_word_in_clear(cast, login):
    # Arrange
    _visits(cast)

    # Act
    html = login(cast.office).get(BOARD).content.decode()

    # Assert
    assert "bluebell" not in html
    assert "Show code word" in html


def test_hc11_the_board_offers_the_code_word_only_on_the_road_or_leaving_today(cast, login):
    # Arrange
    visits = _visits(cast)

    # Act
    rows = rows_by_pk(login(cast.office))

    # Assert
    offered = {name for name, v in visits.items() if rows[v.pk].can.can_reveal_code_word}
    assert offered == {"on the road", "left, not back", "leaving today"}


def test_hc18_code_word_used_is_offered_only_on_visits_that_have_set_off(cast, login):
    # Arrange
    visits = _visits(cast)

    # Act
    rows = rows_by_pk(login(cast.office))

    # Assert
    offered = {name for name, v in visits.items() if rows[v.pk].can.can_raise_code_word}
    assert offered == {"on the road", "left, not back"}
    html = login(cast.office).get(BOARD).content.decode()
    assert reverse("visits:raise_code_word", args=[visits["leaving today"].code]) not in html


# --- the reveal: who, when, and its audit row -------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "lead", "deputy", "visitor", "second"])
def test_hc11_those_who_may_know_the_code_word_see_it_on_a_tap_and_each_tap_is_audited(cast, login, who):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(getattr(cast, who))

    # Act
    first = client.get(reveal_url(visit), headers=JSON)
    second = client.get(reveal_url(visit), headers=JSON)

    # Assert
    assert (first.status_code, first.json()["word"]) == (200, "bluebell")
    assert second.json()["word"] == "bluebell"
    assert 0 < first.json()["seconds"] <= 60
    assert reveals(visit) == 2
    row = AuditEntry.objects.filter(detail=CODE_WORD_AUDIT).latest("id")
    assert (row.action, row.username, row.school_id) == (AuditAction.VIEW, getattr(cast, who).username, cast.school.pk)
    assert "bluebell" not in row.detail and "bluebell" not in row.path
    assert "no-store" in first["Cache-Control"]


@pytest.mark.parametrize("who, status", [("head", 403), ("bystander", 404), ("other_office", 404), ("other_lead", 404)])
def test_hc11_the_head_and_anyone_else_never_get_the_code_word(cast, login, who, status):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(getattr(cast, who)).get(reveal_url(visit), headers=JSON)

    # Assert
    assert response.status_code == status
    assert "bluebell" not in response.content.decode()
    assert reveals(visit) == 0


def test_hc11_the_requester_as_such_does_not_get_the_code_word(cast, login):
    # Arrange: a visiting member of staff books for a family, and is not on the visit.
    visit = cast.make_visit(Status.IN_PROGRESS, requester=cast.bystander)

    # Act
    response = login(cast.bystander).get(reveal_url(visit), headers=JSON)

    # Assert: the requester sees the visit (403, not 404), not its code word.
    assert response.status_code == 403
    assert reveals(visit) == 0


@pytest.mark.parametrize("kind", ["tomorrow", "back at school", "requested today"])
def test_hc11_a_visit_out_of_the_window_gets_a_refusal_and_no_code_word(cast, login, kind):
    # Arrange
    visit = _visits(cast)[kind]

    # Act
    response = login(cast.office).get(reveal_url(visit), headers=JSON)

    # Assert
    assert (response.status_code, response.json()) == (403, {"error": CODE_WORD_REFUSED})
    assert reveals(visit) == 0


def test_hc11_without_the_script_the_reveal_is_a_page_of_its_own(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(cast.office).get(reveal_url(visit))

    # Assert
    assert response.status_code == 200
    assert 'data-testid="revealed-code-word">bluebell<' in response.content.decode()
    assert reveals(visit) == 1


def test_hc11_without_the_script_a_refusal_goes_back_to_the_board_with_the_reason(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED, start=clock.today_at(10, days=1))

    # Act
    response = login(cast.office).get(reveal_url(visit), follow=True)

    # Assert
    assert response.redirect_chain[-1][0] == BOARD
    assert CODE_WORD_REFUSED in response.content.decode()


def test_hc11_the_reveal_refuses_post(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.office).post(reveal_url(visit))

    assert response.status_code == 405
    assert reveals(visit) == 0
