"""Issue 13, items 4, 5 and 9 (hc17, hc18, hc19): remind and extend, silent duress from the tablet,
and immediate danger in one tap and on the office's board."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from safeguarding.models import Concern, ConcernKind
from tests.clock import london
from visits import lifecycle, moves
from visits.enums import EventKind, Status
from visits.exceptions import PreconditionFailed, TransitionNotAllowed
from visits.models import Visit, VisitEvent

MORNING = london(2026, 11, 11, 10, 0)
CODE_WORD = "bluebell"  # the factories' code word


def on_the_road(cast, end_in_minutes: int = 30) -> Visit:
    end = MORNING + dt.timedelta(minutes=end_in_minutes)
    return cast.make_visit(Status.IN_PROGRESS, start=end - dt.timedelta(hours=1), expected_end=end)


def kinds(visit: Visit) -> list[str]:
    return list(VisitEvent.objects.filter(visit=visit).order_by("id").values_list("kind", flat=True))


# --- remind and extend (hc19) --------------------------------------------------------------------------


@pytest.mark.clock(MORNING)
def test_hc19_extending_moves_the_expected_end_and_the_board_shows_why(cast, login):
    # Arrange
    visit = on_the_road(cast)
    client = login(cast.visitor)

    # Act
    response = client.post(
        reverse("visits:extend", args=[visit.code]), {"minutes": "15", "reason": "Still with the family"}, follow=True
    )
    board = login(cast.office).get(reverse("visits:board")).content.decode()

    # Assert
    kept = Visit.objects.get(pk=visit.pk)
    assert kept.expected_end == visit.expected_end + dt.timedelta(minutes=15)
    assert kept.extended_minutes == 15
    assert any("Extended: the office now expects you to leave by 10:45" in str(m) for m in response.context["messages"])
    event = VisitEvent.objects.get(visit=visit, kind=EventKind.EXTENDED)
    assert event.note == "Extended by 15 minutes, to 10:45: Still with the family" and event.actor == cast.visitor
    assert 'data-testid="extended"' in board and "Still with the family" in board


@pytest.mark.clock(MORNING)
def test_hc19_an_extension_before_the_deadline_means_no_false_alarm_at_the_old_one(cast, pinned_clock):
    # Arrange: due to leave 10:30 (alarm 10:45); extended by 30.
    visit = on_the_road(cast)
    lifecycle.extend(visit, cast.visitor, 30, "Waiting for a parent to come home")

    # Act
    pinned_clock.move_to(MORNING + dt.timedelta(minutes=50))
    at_old = lifecycle.record_missed(visit)
    pinned_clock.move_to(MORNING + dt.timedelta(minutes=76))
    at_new = lifecycle.record_missed(visit)

    # Assert
    assert (at_old, at_new) == (None, EventKind.OVERDUE)


@pytest.mark.clock(MORNING)
@pytest.mark.parametrize(
    ("minutes", "reason", "problem"),
    [(20, "Still with the family", "Extend by 15 or 30 minutes"), (15, "  ", "Say why the visit is running late")],
)
def test_hc19_an_extension_needs_15_or_30_minutes_and_a_reason(cast, minutes, reason, problem):
    # Arrange
    visit = on_the_road(cast)

    # Act / Assert
    with pytest.raises(PreconditionFailed, match=problem):
        lifecycle.extend(visit, cast.visitor, minutes, reason)
    assert Visit.objects.get(pk=visit.pk).expected_end == visit.expected_end


@pytest.mark.clock(MORNING)
def test_hc19_no_extension_once_overdue_after_leaving_or_beyond_two_hours(cast, pinned_clock):
    # Arrange
    late, gone, long = on_the_road(cast, -20), on_the_road(cast), on_the_road(cast)
    lifecycle.record_step(gone, cast.visitor, "left")
    for _ in range(moves.EXTEND_MAX // 30):
        lifecycle.extend(long, cast.visitor, 30, "Still with the family")

    # Act / Assert
    for visit, words in ((late, "already overdue"), (gone, "left the property"), (long, "120 minutes already")):
        with pytest.raises(TransitionNotAllowed, match=words):
            lifecycle.extend(visit, cast.visitor, 15, "Still with the family")


@pytest.mark.clock(MORNING)
def test_hc19_the_reminder_is_on_the_page_from_ten_minutes_before_the_end(cast, login, pinned_clock):
    # Arrange: due to leave at 10:30.
    visit = on_the_road(cast)
    client = login(cast.visitor)

    # Act
    early = client.get(reverse("visits:detail", args=[visit.code]))
    pinned_clock.move_to(MORNING + dt.timedelta(minutes=21))
    due = client.get(reverse("visits:detail", args=[visit.code]))
    office = login(cast.office).get(reverse("visits:detail", args=[visit.code]))

    # Assert: there but hidden (the page shows it at 10:20), then shown; not for the office.
    assert early.context["reminder"].due_now is False and 'data-testid="extend" data-show-at' in early.content.decode()
    assert due.context["reminder"].due_now is True
    assert office.context["reminder"] is None


# --- silent duress from the tablet (hc18) ------------------------------------------------------------------


@pytest.mark.clock(MORNING)
def test_hc18_the_code_word_typed_as_the_reason_raises_the_alarm_and_the_tablet_shows_nothing_different(
    cast, login, django_capture_on_commit_callbacks
):
    # Arrange
    plain, duress = on_the_road(cast), on_the_road(cast)
    client = login(cast.visitor)
    mail.outbox.clear()

    # Act
    said = client.post(
        reverse("visits:extend", args=[plain.code]), {"minutes": "15", "note": "Parent late home"}, follow=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        under_duress = client.post(
            reverse("visits:extend", args=[duress.code]),
            {"minutes": "15", "note": f"{CODE_WORD.title()} please"},
            follow=True,
        )

    # Assert: the same words on the tablet; the alarm for the office, with the police script.
    def shown(response):
        return [str(m) for m in response.context["messages"]]

    assert shown(said) == shown(under_duress)
    page = under_duress.content.decode()
    assert "Code word used" not in page and "CODE WORD USED" not in page
    assert kinds(duress)[-2:] == [EventKind.EXTENDED, EventKind.CODE_WORD_USED]
    assert lifecycle.alarm_state(Visit.objects.get(pk=duress.pk)).code_word_at is not None
    board = login(cast.office).get(reverse("visits:board")).content.decode()
    assert "CODE WORD USED" in board
    assert any("code word" in m.subject.lower() for m in mail.outbox)
    assert not VisitEvent.objects.filter(visit=duress, note__icontains=CODE_WORD).exists()


@pytest.mark.clock(MORNING)
def test_hc18_the_visitors_timeline_never_shows_an_alarm(cast, login):
    # Arrange
    visit = on_the_road(cast)
    lifecycle.extend(visit, cast.visitor, 15, CODE_WORD)

    # Act
    visitor_events = login(cast.visitor).get(reverse("visits:detail", args=[visit.code])).context["events"]
    office_events = login(cast.office).get(reverse("visits:detail", args=[visit.code])).context["events"]

    # Assert
    assert EventKind.CODE_WORD_USED not in {e.kind for e in visitor_events}
    assert EventKind.CODE_WORD_USED in {e.kind for e in office_events}


# --- immediate danger: one tap, on the board (hc17) ----------------------------------------------------------


@pytest.mark.clock(MORNING)
def test_hc17_immediate_danger_is_one_tap_shows_999_and_is_on_the_board_at_once(cast, login):
    # Arrange
    visit = on_the_road(cast)
    client = login(cast.visitor)

    # Act: the urgent bar's button posts at once.
    page = client.get(reverse("visits:detail", args=[visit.code])).content.decode()
    response = client.post(reverse("safeguarding:urgent_raise", args=[visit.code, "danger"]))
    again = client.post(reverse("safeguarding:urgent_raise", args=[visit.code, "danger"]))
    board = login(cast.office).get(reverse("visits:board"))

    # Assert
    assert (
        'data-testid="danger-999"' in page and reverse("safeguarding:urgent_raise", args=[visit.code, "danger"]) in page
    )
    assert response["Location"] == again["Location"] == reverse("safeguarding:urgent_999", args=[visit.code])
    assert Concern.objects.filter(visit=visit, kind=ConcernKind.IMMEDIATE_DANGER).count() == 1
    assert kinds(visit).count(EventKind.DANGER) == 1
    top = board.context["rows"][0]
    assert top.visit.pk == visit.pk and top.alarm.in_danger and top.alarm.headline == "IMMEDIATE DANGER: 999"
    assert "IMMEDIATE DANGER: 999" in board.content.decode()
