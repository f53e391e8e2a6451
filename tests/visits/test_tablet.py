"""The visiting staff's tablet screens (issue 5): My visits, the visit page as a visitor sees it,
"Set off" only for an authorised visit (hc01), the steps on the road with a deliberate second tap
(hc14), the safety checklist (hc16) and the urgent bar (hc17; its actions in
tests/safeguarding/test_urgent.py)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import Cast, setting_off_freely, visit_fields
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.exceptions import LifecycleError
from visits.models import Visit, VisitEvent

MINE = reverse("visits:mine")
NOT_AUTHORISED = [s for s in Status.values if s != Status.AUTHORISED]


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


def later(days: int) -> dt.datetime:
    return (timezone.localtime() + dt.timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)


def snapshot(visit: Visit) -> tuple:
    visit = Visit.objects.get(pk=visit.pk)
    return visit.status, visit.started_at, VisitEvent.objects.filter(visit=visit).count()


def page_of(client, visit: Visit) -> str:
    response = client.get(reverse("visits:detail", args=[visit.code]))
    assert response.status_code == 200
    return response.content.decode()


def forms_posting_to(html: str, url_name: str, visit: Visit) -> int:
    return html.count(f'action="{reverse(url_name, args=[visit.code])}"')


# --- hc01: "Set off" only for an authorised visit -----------------------------------------------------

# Who forges the POST, and what they get: the visitors are told why (a message, nothing changes);
# the office and the lead may not set off at all (403); outsiders and the other school get 404.
FORGERS = {
    "visitor": "refused",
    "second": "refused",
    "bystander": 404,
    "office": 403,
    "lead": 403,
    "head": 403,
    "other_visitor": 404,
    "other_lead": 404,
}


@pytest.mark.parametrize("state", NOT_AUTHORISED)
@pytest.mark.parametrize("actor", list(FORGERS))
def test_hc01_forged_set_off_refused_for_every_non_authorised_state(cast, login, state, actor):
    # Arrange
    visit = cast.make_visit(state)
    before = snapshot(visit)
    set_offs = VisitEvent.objects.filter(visit=visit, kind=EventKind.SET_OFF).count()
    client = login(getattr(cast, actor))

    # Act
    response = client.post(reverse("visits:start", args=[visit.code]), follow=False)

    # Assert
    expected = FORGERS[actor]
    if expected == "refused":
        assert response.status_code == 302
        assert response["Location"] == reverse("visits:detail", args=[visit.code])
        shown = client.get(response["Location"]).content.decode()
        if visit.started_at is None:
            assert "You cannot set off on this visit" in shown
        else:
            # Issue 13: a visitor's second Set off (a retried tap) is told it was done, and is a no-op.
            assert "Set off was already logged at" in shown
    else:
        assert response.status_code == expected
    assert snapshot(visit) == before
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.SET_OFF).count() == set_offs


@pytest.mark.parametrize("state", NOT_AUTHORISED)
@pytest.mark.parametrize("actor", ["visitor", "second", "bystander", "office", "lead", "head", "other_visitor"])
def test_hc01_lifecycle_refuses_set_off_for_every_non_authorised_state(cast, state, actor):
    # Arrange
    visit = cast.make_visit(state)
    before = snapshot(visit)

    # Act / Assert
    with pytest.raises(LifecycleError):
        lifecycle.transition(visit, getattr(cast, actor), lifecycle.Action.START)
    assert snapshot(visit) == before


def test_hc01_set_off_of_an_authorised_visit_by_a_visitor_on_it(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    response = login(cast.second).post(reverse("visits:start", args=[visit.code]))

    # Assert
    visit.refresh_from_db()
    assert response.status_code == 302
    assert visit.status == Status.IN_PROGRESS
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.SET_OFF, actor=cast.second).count() == 1


def test_hc01_set_off_refused_by_get(cast, login):
    visit = cast.make_visit(Status.AUTHORISED)

    response = login(cast.visitor).get(reverse("visits:start", args=[visit.code]))

    assert response.status_code == 405
    assert Visit.objects.get(pk=visit.pk).status == Status.AUTHORISED


def test_hc01_set_off_button_only_on_an_authorised_visit(cast, login):
    # Arrange
    client = login(cast.visitor)
    visits = {state: cast.make_visit(state) for state in Status.values}

    # Act (the visitor is also on the road on the in-progress one: that rule is test_one_place's)
    with setting_off_freely():
        pages = {state: page_of(client, visit) for state, visit in visits.items()}

    # Assert
    with_button = {state for state, html in pages.items() if forms_posting_to(html, "visits:start", visits[state])}
    assert with_button == {Status.AUTHORISED}
    assert all("Set off now" not in html for state, html in pages.items() if state != Status.AUTHORISED)


@pytest.mark.parametrize(
    "state, words",
    [
        (Status.DRAFT, "has not been sent to the safeguarding lead yet"),
        (Status.REQUESTED, "Waiting for the safeguarding lead to authorise this visit. Do not set off."),
        (Status.SENT_BACK, "sent this request back for changes"),
        (Status.DECLINED, "declined this visit. It must not go ahead."),
        (Status.CANCELLED, "This visit was cancelled."),
    ],
)
def test_hc01_visit_page_says_why_there_is_no_set_off(cast, login, state, words):
    visit = cast.make_visit(state)

    html = page_of(login(cast.visitor), visit)

    refusal = re.search(r'data-testid="start-refusal">(.*?)</div>', html, re.S).group(1)
    assert words in refusal


@pytest.mark.parametrize("state", [Status.SENT_BACK, Status.DECLINED])
def test_hc01_refusal_shows_the_leads_note(cast, login, state):
    visit = cast.make_visit(state)  # the factory's lead writes "Needs a reason."

    html = page_of(login(cast.visitor), visit)

    assert "The lead's note: <q>Needs a reason.</q>" in html


def test_hc01_office_and_head_see_no_next_action_card(cast, login):
    visit = cast.make_visit(Status.AUTHORISED)

    office, head = page_of(login(cast.office), visit), page_of(login(cast.head), visit)

    assert 'data-testid="next-action"' not in office and 'data-testid="next-action"' not in head
    assert "Set off now" not in office and "Set off now" not in head


# --- the visit page as a visitor sees it --------------------------------------------------------------


def test_hc16_visitor_sees_briefing_people_address_conditions_code_word_phone_and_checklist(cast, login):
    # Arrange
    visit = cast.make_visit(
        Status.REQUESTED, people_to_see="Mum and Nan", briefing="Dog in the back garden; knock at the side door."
    )
    lifecycle.transition(
        visit,
        cast.lead,
        lifecycle.Action.AUTHORISE,
        conditions="Ring the office from the car.",
        approve_lone_working=True,
    )

    # Act
    html = page_of(login(cast.visitor), visit)

    # Assert
    doorstep = re.search(r'data-testid="doorstep">(.*?)</section>', html, re.S).group(1)
    assert "Mum and Nan" in doorstep and "Pat Parent" in doorstep
    assert "1 Test Street" in doorstep and "M14 5AB" in doorstep
    assert "Ring the office from the car." in doorstep
    assert 'data-testid="code-word">bluebell<' in doorstep
    assert 'href="tel:01614960000"' in doorstep and "0161 496 0000" in doorstep
    assert "knock at the side door" in doorstep
    assert html.count('data-testid="code-word"') == 1
    checklist = re.search(r'data-testid="checklist">(.*?)</section>', html, re.S).group(1)
    for reminder in (
        "not on a lanyard",
        "animals to be out of the room",
        "Do not go upstairs",
        "Never enter a child's bedroom",
        "brothers or sisters",
        "large sums",
        "Do not stay too long",
    ):
        assert reminder in checklist
    assert "risk" in html.lower()  # the risk assessment panel is still on the page


def test_hc11_head_sees_no_code_word_and_no_tablet_panels(cast, login):
    visit = cast.make_visit(Status.AUTHORISED)

    html = page_of(login(cast.head), visit)

    assert "bluebell" not in html
    assert 'data-testid="doorstep"' not in html and 'data-testid="checklist"' not in html


def test_hc11_office_keeps_its_code_word_card(cast, login):
    visit = cast.make_visit(Status.AUTHORISED)

    html = page_of(login(cast.office), visit)

    assert html.count('data-testid="code-word">bluebell<') == 1


# --- hc14: the steps on the road ---------------------------------------------------------------------


def test_hc14_only_the_next_step_is_pressable_for_a_visitor(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)

    # Act / Assert: set off, only "Arrived" can be pressed.
    html = page_of(client, visit)
    assert forms_posting_to(html, "visits:arrived", visit) == 1
    assert forms_posting_to(html, "visits:left", visit) == 0
    assert forms_posting_to(html, "visits:back", visit) == 0
    assert 'data-testid="step-left"' in html and "tablet-step-later" in html

    # Arrived: its time is shown, and now only "Left the property".
    lifecycle.record_step(visit, cast.visitor, "arrived")
    visit.refresh_from_db()
    html = page_of(client, visit)
    assert f'Arrived <span class="tablet-step-time">{timezone.localtime(visit.arrived_at):%H:%M}</span>' in html
    assert forms_posting_to(html, "visits:arrived", visit) == 0
    assert forms_posting_to(html, "visits:left", visit) == 1
    assert forms_posting_to(html, "visits:back", visit) == 0


def test_hc14_each_step_needs_a_second_tap_inside_the_page(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    html = page_of(login(cast.visitor), visit)

    step = re.search(r'data-testid="step-arrived">(.*?)</details>', html, re.S).group(1)
    # The button only opens the confirmation; the form that logs is inside it, below.
    assert step.index("<summary") < step.index("<form")
    assert "Yes, we have arrived" in step
    assert "confirm(" not in html


def test_hc14_step_message_gives_the_time_and_the_board_shows_it_at_once(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS, start=today_at(0, 5))
    client = login(cast.visitor)

    # Act
    response = client.post(reverse("visits:arrived", args=[visit.code]), follow=True)

    # Assert
    visit.refresh_from_db()
    at = f"{timezone.localtime(visit.arrived_at):%H:%M}"
    assert f"Arrival logged at {at}" in response.content.decode()
    board = login(cast.office).get(reverse("visits:board")).content.decode()
    assert f"Arrived {at}" in board


def test_hc14_the_office_may_still_log_any_call_it_takes(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    html = page_of(login(cast.office), visit)

    assert forms_posting_to(html, "visits:arrived", visit) == 1
    assert forms_posting_to(html, "visits:left", visit) == 1


def test_hc14_head_and_lead_see_no_step_buttons(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    for user in (cast.head, cast.lead):
        html = page_of(login(user), visit)
        assert forms_posting_to(html, "visits:arrived", visit) == 0


# --- hc17: the urgent bar --------------------------------------------------------------------------


@pytest.mark.parametrize("state", Status.values)
def test_hc17_urgent_bar_for_the_visitors_while_authorised_or_under_way(cast, login, state):
    visit = cast.make_visit(state)

    shown = {
        name: 'data-testid="urgent-bar"' in page_of(login(getattr(cast, name)), visit)
        for name in ("visitor", "second", "office", "lead", "head")
    }

    on_the_road = state in {Status.AUTHORISED, Status.IN_PROGRESS}
    assert shown == {"visitor": on_the_road, "second": on_the_road, "office": False, "lead": False, "head": False}


# --- My visits ----------------------------------------------------------------------------------------


def _card_statuses(html: str, group: str) -> list[str]:
    section = re.search(rf'data-testid="group-{group}">(.*?)</section>', html, re.S).group(1)
    return re.findall(r'data-testid="card-status">([^<]*)<', section)


def test_my_visits_grouped_today_record_due_upcoming_with_plain_statuses(cast, login):
    # Arrange
    cast.make_visit(Status.AUTHORISED, start=today_at(0, 10))
    cast.make_visit(Status.IN_PROGRESS, start=today_at(0, 20))
    left = cast.make_visit(Status.IN_PROGRESS, start=today_at(0, 30))
    lifecycle.record_step(left, cast.visitor, "left")
    cast.make_visit(Status.REQUESTED, start=later(2))
    cast.make_visit(Status.SENT_BACK, start=later(3))
    cast.make_visit(Status.COMPLETED, start=later(1))
    cast.make_visit(Status.DRAFT, start=later(1))

    # Act
    html = login(cast.visitor).get(MINE).content.decode()

    # Assert
    assert _card_statuses(html, "today") == ["Authorised: you may set off", "On the road"]
    assert _card_statuses(html, "record_due") == ["Record due"]
    assert _card_statuses(html, "upcoming") == ["Waiting for authorisation", "Sent back"]
    assert html.index('data-testid="group-today"') < html.index('data-testid="group-upcoming"')


def test_my_visits_finished_tab_lists_completed(cast, login):
    done = cast.make_visit(Status.COMPLETED)
    cast.make_visit(Status.AUTHORISED)

    html = login(cast.second).get(MINE, {"show": "past"}).content.decode()

    assert re.findall(r'data-testid="card-status">([^<]*)<', html) == ["Completed"]
    assert reverse("visits:detail", args=[done.code]) in html


def test_my_visits_cards_link_to_the_visit_and_show_no_other_visitors_visits(cast, login):
    mine = cast.make_visit(Status.AUTHORISED)
    theirs = lifecycle.create_request(
        cast.office,
        cast.school,
        cast.household,
        visit_fields(cast.bystander, cast.second),
        pupils=[cast.pupil],
        reasons=["attendance"],
        submit=True,
    )

    html = login(cast.visitor).get(MINE).content.decode()

    assert f'class="tablet-card tablet-tone-go" href="{reverse("visits:detail", args=[mine.code])}"' in html
    assert str(theirs.code) not in html


def test_my_visits_record_written_says_complete(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS, start=today_at(0, 5))
    lifecycle.record_step(visit, cast.visitor, "left")
    lifecycle.write_record(visit, cast.visitor, {"people_seen": "Mother", "child_seen": True, "outcome": "Agreed."})

    html = login(cast.visitor).get(MINE).content.decode()

    assert _card_statuses(html, "record_due") == ["Record written: complete the visit"]


def _mixed(cast: Cast, n: int, offset: int) -> None:
    """Visits in every group and state the page shows."""
    for i in range(offset, offset + n):
        kind = i % 4
        if kind == 0:
            cast.make_visit(Status.AUTHORISED, start=today_at(0, 1 + i))
        elif kind == 1:
            visit = cast.make_visit(Status.IN_PROGRESS, start=today_at(0, 1 + i))
            lifecycle.record_step(visit, cast.visitor, "left")
        elif kind == 2:
            cast.make_visit(Status.REQUESTED, start=later(2 + i), second_visitor=None)
        else:
            cast.make_visit(
                Status.SENT_BACK,
                start=later(2 + i),
                second_visitor=None,
                agency_worker_name="Alex Agency",
                agency_worker_organisation="Early Help",
            )


def test_my_visits_query_count_same_for_1_and_5_visits(cast, login):
    # Arrange
    client = login(cast.visitor)
    _mixed(cast, 1, 0)
    client.get(MINE)  # warm the per-process caches

    # Act
    with CaptureQueriesContext(connection) as one:
        first = client.get(MINE)
    _mixed(cast, 4, 1)
    with CaptureQueriesContext(connection) as five:
        second = client.get(MINE)

    # Assert
    assert first.content.decode().count('data-testid="visit-card"') == 1
    assert second.content.decode().count('data-testid="visit-card"') == 5
    assert len(five) == len(one), "\n".join(q["sql"] for q in five.captured_queries)


@pytest.mark.parametrize("actor, expected", [("office", 404), ("lead", 404), ("head", 404), ("other_visitor", 200)])
def test_my_visits_for_visiting_staff_only_and_never_another_schools(cast, login, actor, expected):
    visit = cast.make_visit(Status.AUTHORISED)

    response = login(getattr(cast, actor)).get(MINE)

    assert response.status_code == expected
    if expected == 200:
        assert str(visit.code) not in response.content.decode()


def _next(client, visit: Visit) -> str:
    html = page_of(client, visit)
    return re.sub(r"\s+", " ", re.search(r'data-testid="next-action"(.*?)</section>', html, re.S).group(1))


def test_hc20_next_action_walks_the_visitor_from_set_off_to_back_at_school(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    client = login(cast.visitor)

    # Act / Assert: one clear next thing at each step.
    assert "Set off now" in _next(client, visit)
    lifecycle.transition(visit, cast.visitor, lifecycle.Action.START)
    assert "tap <strong>Arrived</strong>" in _next(client, visit)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    assert "First check who is present" in _next(client, visit)
    lifecycle.record_step(visit, cast.visitor, "left")
    assert "Write the Record of Home Visit" in _next(client, visit)
    lifecycle.write_record(visit, cast.visitor, {"people_seen": "Mother", "child_seen": True, "outcome": "Agreed."})
    step = _next(client, visit)
    assert "Complete the visit" in step and f'action="{reverse("visits:complete", args=[visit.code])}"' in step
    lifecycle.transition(visit, cast.visitor, lifecycle.Action.COMPLETE)
    assert "Back at school" in _next(client, visit)
    lifecycle.record_step(visit, cast.visitor, "back")
    assert "Nothing left to do" in _next(client, visit)


def test_hc15_hc23_at_the_door_the_record_and_signature_come_before_leaving(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.second)
    lifecycle.record_step(visit, cast.second, "arrived")

    def left_button() -> str:
        return re.search(r'data-testid="step-left"(.*?)</summary>', page_of(client, visit), re.S).group(1)

    # Act / Assert: who is present first, "Left the property" only an outline button meanwhile
    assert f'href="{reverse("visits:present", args=[visit.code])}"' in _next(client, visit)
    assert "btn-outline-primary" in left_button()
    lifecycle.write_record(visit, cast.second, {"people_seen": "Mother", "child_seen": True, "outcome": "Agreed."})
    assert f'href="{reverse("visits:signature", args=[visit.code])}"' in _next(client, visit)
    assert "btn-outline-primary" in left_button()
    lifecycle.record_signature(visit, cast.second, signer_name="Pat Parent", declined_reason="In a hurry.")
    assert "tap <strong>Left the property</strong>" in _next(client, visit)
    assert "btn btn-primary" in left_button()


def test_hc20_before_setting_off_the_record_and_signature_cards_are_not_shown(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    html = page_of(login(cast.visitor), visit)

    # Assert
    assert 'data-testid="record-card"' not in html and 'data-testid="signature-card"' not in html


def test_hc14_after_leaving_the_tablet_offers_back_at_school_or_not_coming_back_today(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    client = login(cast.visitor)

    # Act
    before = client.get(reverse("visits:detail", args=[visit.code]))
    client.post(reverse("visits:not_returning", args=[visit.code]))
    after = client.get(reverse("visits:detail", args=[visit.code]))

    # Assert: both endings pressable; once one is logged, the other is gone.
    states = {s.name: s.state for s in before.context["steps"]}
    assert states["back"] == states["not_returning"] == "next"
    assert {s.name: s.state for s in after.context["steps"]} == {
        "arrived": "done",
        "left": "done",
        "not_returning": "done",
    }
