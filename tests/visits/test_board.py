"""The day board (hc12, hc14, hc19): what it lists, in which order, what the office can do from
it, the overdue rule at the grace boundary, and a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from homevisits.middleware import SESSION_LAST_SEEN
from tests.factories import Cast, make_household, make_pupil
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.models import User, Visit, VisitEvent

BOARD = reverse("visits:board")
ROWS = reverse("visits:board_rows")


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


def on_the_road(cast: Cast, *, ended_minutes_ago: int, **extra) -> Visit:
    """A visit under way whose expected end was `ended_minutes_ago` minutes ago."""
    end = timezone.now() - dt.timedelta(minutes=ended_minutes_ago)
    return cast.make_visit(Status.IN_PROGRESS, start=end - dt.timedelta(hours=1), expected_end=end, **extra)


def codes_in_order(html: str, visits: list[Visit]) -> list[Visit]:
    return sorted(visits, key=lambda v: html.index(f'id="row-{v.code}"'))


# --- what it lists ------------------------------------------------------------------------------


def test_hc12_board_lists_address_visitors_mobiles_times_and_code_word(cast, login):
    # Arrange
    cast.visitor.mobile = "07700 900111"
    cast.visitor.save()
    visit = cast.make_visit(Status.IN_PROGRESS, start=today_at(0, 5))
    lifecycle.record_step(visit, cast.visitor, "arrived")
    visit.refresh_from_db()

    # Act
    html = login(cast.office).get(BOARD).content.decode()

    # Assert
    assert visit.address in html
    assert str(cast.visitor) in html and str(cast.second) in html
    assert 'href="tel:07700900111"' in html
    assert f"Arrived {timezone.localtime(visit.arrived_at):%H:%M}" in html
    assert timezone.localtime(visit.expected_end).strftime("%H:%M") in html
    assert "bluebell" not in html and 'data-testid="board-code-word"' in html  # on a tap (hc11)
    assert "X-Homevisits-Background" in html  # the poll is a background request
    assert "Updated " in html


def test_hc12_board_lists_today_tomorrow_and_everyone_out_only(cast, login):
    # Arrange
    tomorrow = today_at(0, 30) + dt.timedelta(days=1)
    shown = {
        "authorised today": cast.make_visit(Status.AUTHORISED, start=today_at(0, 10)),
        "requested tomorrow": cast.make_visit(Status.REQUESTED, start=tomorrow),
        "out since yesterday": cast.make_visit(Status.IN_PROGRESS, start=today_at(10) - dt.timedelta(days=1)),
        "completed today": cast.make_visit(Status.COMPLETED, start=today_at(0, 20)),
    }
    hidden = {
        "draft today": cast.make_visit(Status.DRAFT, start=today_at(0, 10)),
        "cancelled today": cast.make_visit(Status.CANCELLED, start=today_at(0, 10)),
        "authorised in 3 days": cast.make_visit(Status.AUTHORISED, start=today_at(10) + dt.timedelta(days=3)),
    }

    # Act
    html = login(cast.office).get(BOARD).content.decode()

    # Assert
    assert {name: f"row-{v.code}" in html for name, v in shown.items()} == dict.fromkeys(shown, True)
    assert {name: f"row-{v.code}" in html for name, v in hidden.items()} == dict.fromkeys(hidden, False)
    assert "Not yet authorised" in html


def test_hc25_board_shows_nothing_of_another_school(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED, start=today_at(0, 10))

    # Act
    html = login(cast.other_office).get(BOARD).content.decode()

    # Assert
    assert f"row-{visit.code}" not in html
    assert visit.address not in html


def test_hc19_board_puts_overdue_first_then_on_the_road_then_later(cast, login):
    # Arrange
    later = cast.make_visit(Status.AUTHORISED, start=timezone.now() + dt.timedelta(minutes=30))
    out = on_the_road(cast, ended_minutes_ago=-30)
    overdue = on_the_road(cast, ended_minutes_ago=40)
    done = cast.make_visit(Status.COMPLETED, start=today_at(0, 1))
    lifecycle.record_step(done, cast.office, "back")  # finished: back at school (issue 13: until then, out)

    # Act
    html = login(cast.office).get(BOARD).content.decode()

    # Assert
    assert codes_in_order(html, [later, out, overdue, done]) == [overdue, out, later, done]
    assert "OVERDUE" in html
    assert "40 min past expected end" in html


def test_lead_may_view_the_board(cast, login):
    visit = cast.make_visit(Status.AUTHORISED, start=today_at(0, 10))

    html = login(cast.lead).get(BOARD).content.decode()

    assert f"row-{visit.code}" in html


# --- overdue at the grace boundary (hc19), with a controlled clock --------------------------------


@pytest.mark.parametrize(
    ("after_grace", "overdue"),
    [(dt.timedelta(seconds=-1), False), (dt.timedelta(0), False), (dt.timedelta(seconds=1), True)],
    ids=["just-before", "at-the-boundary", "just-after"],
)
def test_hc19_overdue_only_after_expected_end_plus_grace(cast, login, after_grace, overdue):
    # Arrange
    visit = on_the_road(cast, ended_minutes_ago=0)
    boundary = visit.expected_end + cast.school.overdue_grace
    client = login(cast.office)

    # Act
    with time_machine.travel(boundary + after_grace, tick=False):
        is_overdue = visit.is_overdue()
        html = client.get(ROWS).content.decode()

    # Assert
    assert is_overdue is overdue
    assert ("OVERDUE" in html) is overdue
    assert ('data-alarms="1"' in html) is overdue


def test_hc19_grace_is_the_schools_setting(cast):
    cast.school.overdue_grace_minutes = 45
    cast.school.save()
    visit = on_the_road(cast, ended_minutes_ago=30)
    visit.school.refresh_from_db()

    assert visit.is_overdue() is False
    with time_machine.travel(visit.expected_end + dt.timedelta(minutes=46), tick=False):
        assert visit.is_overdue() is True


def test_hc19_left_the_property_is_not_overdue(cast, login):
    # Arrange
    visit = on_the_road(cast, ended_minutes_ago=60)
    lifecycle.record_step(visit, cast.visitor, "left")

    # Act
    html = login(cast.office).get(ROWS).content.decode()

    # Assert
    visit.refresh_from_db()
    assert visit.is_overdue() is False
    assert "OVERDUE" not in html


def test_hc19_completed_visit_is_not_overdue(cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED, start=timezone.now() - dt.timedelta(hours=3))

    # Act
    with time_machine.travel(visit.expected_end + dt.timedelta(hours=1), tick=False):
        overdue = visit.is_overdue()
        html = login(cast.office).get(ROWS).content.decode()

    # Assert
    assert overdue is False
    assert "OVERDUE" not in html


def test_hc19_resolved_overdue_alarm_stops_the_alarm_but_stays_marked(cast, login):
    # Arrange
    visit = on_the_road(cast, ended_minutes_ago=60)
    lifecycle.record_escalation(visit, cast.office, "rang_mobile", answered=True)
    lifecycle.record_escalation(visit, cast.office, "resolved", outcome="spoke_to_them")

    # Act
    html = login(cast.office).get(ROWS).content.decode()

    # Assert
    assert 'data-alarms="0"' in html
    assert "Overdue, alarm resolved" in html
    assert "Visitors safe: the office spoke to them" in html


# --- actions from the board (hc14) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("step", "url_name", "kind"),
    [
        ("arrived", "visits:arrived", EventKind.ARRIVAL_CALL),
        ("left", "visits:left", EventKind.LEAVING_CALL),
        ("back", "visits:back", EventKind.BACK_AT_SCHOOL),
    ],
)
def test_hc14_office_logs_a_call_from_the_board_and_stays_on_it(cast, login, step, url_name, kind):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, start=today_at(0, 5))
    if step == "back":
        lifecycle.record_step(visit, cast.visitor, "left")

    # Act
    response = login(cast.office).post(reverse(url_name, args=[visit.code]), {"next": BOARD})

    # Assert
    assert response.status_code == 302
    assert response["Location"] == BOARD
    event = VisitEvent.objects.filter(visit=visit).order_by("-id").first()
    assert (event.kind, event.actor_id, event.actor_name) == (kind, cast.office.pk, str(cast.office))


def test_board_action_refuses_an_open_redirect(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS, start=today_at(0, 5))

    response = login(cast.office).post(
        reverse("visits:arrived", args=[visit.code]), {"next": "https://evil.example.com/board/"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.code])


def test_board_offers_each_call_with_a_confirmation(cast, login):
    visit = on_the_road(cast, ended_minutes_ago=-30)

    html = login(cast.office).get(BOARD).content.decode()

    assert f'action="{reverse("visits:arrived", args=[visit.code])}" data-confirm=' in html
    assert f'action="{reverse("visits:left", args=[visit.code])}" data-confirm=' in html
    assert f'action="{reverse("visits:raise_code_word", args=[visit.code])}" data-confirm=' in html


# --- the poll does not keep an unattended screen signed in ------------------------------------------


def test_board_poll_with_background_header_does_not_count_as_use(cast, login):
    # Arrange
    client = login(cast.office)
    client.get(BOARD)
    session = client.session
    session[SESSION_LAST_SEEN] = 1000.0
    session.save()

    # Act
    with time_machine.travel(dt.datetime(1970, 1, 1, 0, 20, tzinfo=dt.UTC), tick=False):
        response = client.get(ROWS, headers={"X-Homevisits-Background": "1"})

    # Assert
    assert response.status_code == 200
    assert client.session[SESSION_LAST_SEEN] == 1000.0


# --- query count (STYLE 14) -----------------------------------------------------------------------------


def _mixed_rows(cast: Cast, n: int) -> None:
    kinds = [Status.IN_PROGRESS, Status.AUTHORISED, Status.REQUESTED, Status.COMPLETED, Status.IN_PROGRESS]
    for i in range(n):
        household = make_household(cast.school)
        pupil = make_pupil(household)
        cast.household, cast.pupil = household, pupil
        extra = {"second_visitor": None} if i % 2 else {}
        if i == 4:  # overdue, with an escalation step and a code word alarm
            visit = on_the_road(cast, ended_minutes_ago=50, **extra)
            lifecycle.record_escalation(visit, cast.office, "rang_mobile", answered=False)
            lifecycle.raise_code_word_alarm(visit, cast.office)
        else:
            cast.make_visit(kinds[i], start=today_at(0, 10 + i), **extra)


@pytest.mark.parametrize("url", [BOARD, ROWS])
def test_board_query_count_is_the_same_at_1_and_5_rows(cast, login, url):
    # Arrange
    client = login(cast.office)
    _mixed_rows(cast, 1)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as one:
        first = client.get(url)
    _mixed_rows(cast, 4)
    # Act
    with CaptureQueriesContext(connection) as five:
        second = client.get(url)

    # Assert
    assert first.content.decode().count('class="board-row') == 1
    assert second.content.decode().count('class="board-row') == 5
    assert len(five) == len(one), [q["sql"] for q in five.captured_queries]


def test_user_model_has_description_for_the_script():
    assert User._meta.get_field("description").max_length == 300
