"""Code word used (hc18) and the escalation ladder (hc19): the lifecycle functions, their views,
and the police call script. Every step is a timeline event with time and who; nothing written
carries the code word (hc11)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from visits import lifecycle
from visits.enums import EventKind, Status
from visits.exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.models import AuditEntry, Visit, VisitEvent


def on_the_road(cast, *, ended_minutes_ago: int = -30) -> Visit:
    end = timezone.now() - dt.timedelta(minutes=ended_minutes_ago)
    return cast.make_visit(Status.IN_PROGRESS, start=end - dt.timedelta(hours=1), expected_end=end)


def kinds(visit: Visit) -> list[str]:
    return list(VisitEvent.objects.filter(visit=visit, kind__in=lifecycle.ALARM_EVENTS).values_list("kind", flat=True))


def nothing_carries_the_code_word(visit: Visit) -> bool:
    word = visit.code_word.lower()
    notes = VisitEvent.objects.filter(visit=visit).values_list("note", flat=True)
    details = AuditEntry.objects.values_list("detail", flat=True)
    return not any(word in text.lower() for text in [*notes, *details])


# --- raising the alarm (hc18) -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["office", "lead", "deputy"])
def test_hc18_office_or_lead_raises_code_word_alarm(cast, who):
    # Arrange
    visit = on_the_road(cast)
    actor = getattr(cast, who)

    # Act
    lifecycle.raise_code_word_alarm(visit, actor)

    # Assert
    event = VisitEvent.objects.get(visit=visit, kind=EventKind.CODE_WORD_USED)
    assert (event.actor_id, event.actor_name) == (actor.pk, str(actor))
    assert AuditEntry.objects.filter(object_code=str(visit.code), detail=EventKind.CODE_WORD_USED).count() == 1
    assert lifecycle.alarm_state(visit).is_open is True
    assert nothing_carries_the_code_word(visit)


@pytest.mark.parametrize("who", ["visitor", "head", "bystander", "other_office", "other_lead"])
def test_hc18_others_cannot_raise_the_alarm_and_nothing_is_written(cast, who):
    visit = on_the_road(cast)

    with pytest.raises(NotPermitted):
        lifecycle.raise_code_word_alarm(visit, getattr(cast, who))

    assert kinds(visit) == []


@pytest.mark.parametrize("status", [Status.REQUESTED, Status.DRAFT, Status.CANCELLED, Status.DECLINED])
def test_hc18_no_alarm_on_a_visit_nobody_is_out_on(cast, status):
    visit = cast.make_visit(status)

    with pytest.raises(TransitionNotAllowed, match="Call 999 if someone is in danger"):
        lifecycle.raise_code_word_alarm(visit, cast.office)

    assert kinds(visit) == []


def test_hc18_alarm_may_be_raised_on_an_authorised_visit_not_yet_set_off(cast):
    # The visitor may have forgotten to tap "Set off": the alarm is never refused for that.
    visit = cast.make_visit(Status.AUTHORISED)

    lifecycle.raise_code_word_alarm(visit, cast.office)

    assert kinds(visit) == [EventKind.CODE_WORD_USED]


def test_hc18_second_raise_while_open_is_refused_with_who_and_when(cast):
    visit = on_the_road(cast)
    lifecycle.raise_code_word_alarm(visit, cast.office)

    with pytest.raises(TransitionNotAllowed, match=f"already raised: by {cast.office}"):
        lifecycle.raise_code_word_alarm(visit, cast.lead)

    assert kinds(visit) == [EventKind.CODE_WORD_USED]


def test_hc18_after_resolution_a_new_raise_is_a_new_alarm(cast):
    visit = on_the_road(cast)
    lifecycle.raise_code_word_alarm(visit, cast.office)
    lifecycle.record_escalation(visit, cast.office, "resolved", outcome="raised_in_error")

    lifecycle.raise_code_word_alarm(visit, cast.office)

    assert kinds(visit) == [EventKind.CODE_WORD_USED, EventKind.ALARM_RESOLVED, EventKind.CODE_WORD_USED]
    assert lifecycle.alarm_state(visit).is_open is True


# --- the escalation ladder (hc19) ----------------------------------------------------------------


@pytest.mark.parametrize(("answered", "note"), [(True, "Answered"), (False, "No answer")])
def test_hc19_rang_mobile_logs_the_outcome(cast, answered, note):
    visit = on_the_road(cast, ended_minutes_ago=40)

    lifecycle.record_escalation(visit, cast.office, "rang_mobile", answered=answered)

    event = VisitEvent.objects.get(visit=visit, kind=EventKind.RANG_MOBILE)
    assert (event.note, event.actor_id) == (note, cast.office.pk)


def test_hc19_rang_mobile_needs_the_outcome(cast):
    visit = on_the_road(cast, ended_minutes_ago=40)

    with pytest.raises(PreconditionFailed, match="answered"):
        lifecycle.record_escalation(visit, cast.office, "rang_mobile")

    assert kinds(visit) == []


def test_hc19_police_called_needs_a_reference(cast):
    visit = on_the_road(cast, ended_minutes_ago=40)

    with pytest.raises(PreconditionFailed, match="police reference"):
        lifecycle.record_escalation(visit, cast.office, "police_called", reference="   ")

    lifecycle.record_escalation(visit, cast.lead, "police_called", reference=" GMP  0412 / 23 ")
    event = VisitEvent.objects.get(visit=visit, kind=EventKind.POLICE_CALLED)
    assert (event.note, event.actor_id) == ("Police reference: GMP 0412 / 23", cast.lead.pk)


@pytest.mark.parametrize("reference", ["bluebell", "ref BLUEBELL 12", "<script>", "x" * 41])
def test_hc11_police_reference_refuses_code_word_and_odd_text(cast, reference):
    visit = on_the_road(cast, ended_minutes_ago=40)

    with pytest.raises(PreconditionFailed):
        lifecycle.record_escalation(visit, cast.office, "police_called", reference=reference)

    assert kinds(visit) == []
    assert nothing_carries_the_code_word(visit)


def test_hc19_resolved_needs_an_open_alarm_and_a_fixed_outcome(cast):
    visit = on_the_road(cast)  # not overdue, no code word

    with pytest.raises(TransitionNotAllowed, match="no alarm open"):
        lifecycle.record_escalation(visit, cast.office, "resolved", outcome="spoke_to_them")

    lifecycle.raise_code_word_alarm(visit, cast.office)
    with pytest.raises(PreconditionFailed, match="how the alarm ended"):
        lifecycle.record_escalation(visit, cast.office, "resolved", outcome="they were fine, word was bluebell")
    lifecycle.record_escalation(visit, cast.office, "resolved", outcome="police_attended")

    assert lifecycle.alarm_state(visit).is_open is False
    assert VisitEvent.objects.get(visit=visit, kind=EventKind.ALARM_RESOLVED).note == "Visitors safe: police attended"


def test_hc19_escalation_refused_when_nobody_is_out_and_no_alarm(cast):
    visit = cast.make_visit(Status.COMPLETED)

    with pytest.raises(TransitionNotAllowed):
        lifecycle.record_escalation(visit, cast.office, "rang_mobile", answered=False)


@pytest.mark.parametrize("who", ["visitor", "head", "other_office"])
def test_hc19_only_office_and_leads_log_escalation(cast, who):
    visit = on_the_road(cast, ended_minutes_ago=40)

    with pytest.raises(NotPermitted):
        lifecycle.record_escalation(visit, getattr(cast, who), "rang_mobile", answered=True)

    assert kinds(visit) == []


def test_hc19_overdue_event_written_once_by_the_system(cast):
    visit = on_the_road(cast, ended_minutes_ago=40)

    first = lifecycle.record_overdue(visit)
    second = lifecycle.record_overdue(visit)

    event = VisitEvent.objects.get(visit=visit, kind=EventKind.OVERDUE)
    assert (first, second) == (True, False)
    assert (event.actor_id, event.actor_name) == (None, "System")


def test_hc19_no_overdue_event_for_a_visit_not_overdue(cast):
    visit = on_the_road(cast, ended_minutes_ago=5)  # inside the 15 minutes' grace

    assert lifecycle.record_overdue(visit) is False
    assert kinds(visit) == []


# --- the views ----------------------------------------------------------------------------------


def test_hc18_raise_view_shows_the_police_call_script(cast, login):
    # Arrange
    cast.visitor.description = "Woman, 40s, red coat"
    cast.visitor.mobile = "07700 900222"
    cast.visitor.save()
    visit = on_the_road(cast)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    visit.refresh_from_db()
    client = login(cast.office)

    # Act
    response = client.post(reverse("visits:raise_code_word", args=[visit.code]))
    page = client.get(response["Location"]).content.decode()

    # Assert
    assert response["Location"] == reverse("visits:alarm", args=[visit.code])
    assert "Call 999 now" in page
    assert visit.address_line1 in page and visit.postcode in page
    assert str(cast.visitor) in page and str(cast.second) in page
    assert "Woman, 40s, red coat" in page
    assert 'href="tel:07700900222"' in page
    assert f"{timezone.localtime(visit.arrived_at):%H:%M}" in page
    assert "Police called" in page and "Resolved" in page
    assert kinds(visit) == [EventKind.CODE_WORD_USED]


def test_hc18_double_click_raises_one_alarm(cast, login):
    visit = on_the_road(cast)
    client = login(cast.office)
    url = reverse("visits:raise_code_word", args=[visit.code])

    responses = [client.post(url), client.post(url)]

    assert [r["Location"] for r in responses] == [reverse("visits:alarm", args=[visit.code])] * 2
    assert kinds(visit) == [EventKind.CODE_WORD_USED]


def test_hc19_escalation_views_log_each_step_with_time_and_who(cast, login):
    # Arrange
    visit = on_the_road(cast, ended_minutes_ago=40)
    client = login(cast.office)

    # Act
    client.post(reverse("visits:rang_mobile", args=[visit.code]), {"answered": "no"})
    client.post(reverse("visits:police_called", args=[visit.code]), {"reference": "GMP-77"})
    back = client.post(
        reverse("visits:alarm_resolved", args=[visit.code]),
        {"outcome": "back_at_school", "next": reverse("visits:board")},
    )

    # Assert
    events = VisitEvent.objects.filter(visit=visit, kind__in=lifecycle.ALARM_EVENTS).order_by("id")
    assert [(e.kind, e.note, e.actor_id) for e in events] == [
        (EventKind.RANG_MOBILE, "No answer", cast.office.pk),
        (EventKind.POLICE_CALLED, "Police reference: GMP-77", cast.office.pk),
        (EventKind.ALARM_RESOLVED, "Visitors safe: back at school", cast.office.pk),
    ]
    assert all(e.at is not None for e in events)
    assert back["Location"] == reverse("visits:board")


def test_hc19_escalation_view_refusal_is_a_message_not_a_500(cast, login):
    visit = on_the_road(cast, ended_minutes_ago=40)
    client = login(cast.office)

    response = client.post(reverse("visits:police_called", args=[visit.code]), {"reference": ""}, follow=True)

    assert response.status_code == 200
    assert "Enter the police reference" in response.content.decode()
    assert kinds(visit) == []


def test_hc18_visit_page_offers_code_word_used_to_office_not_to_visitor(cast, login):
    visit = on_the_road(cast)
    url = reverse("visits:detail", args=[visit.code])
    action = reverse("visits:raise_code_word", args=[visit.code])

    assert action in login(cast.office).get(url).content.decode()
    assert action not in login(cast.visitor).get(url).content.decode()
    assert action not in login(cast.head).get(url).content.decode()


def test_hc18_overdue_script_page_offers_code_word_used_until_raised(cast, login):
    visit = on_the_road(cast, ended_minutes_ago=40)
    client = login(cast.office)
    url = reverse("visits:alarm", args=[visit.code])
    action = reverse("visits:raise_code_word", args=[visit.code])

    before = client.get(url).content.decode()
    client.post(action)
    after = client.get(url).content.decode()

    assert "Visit overdue" in before and action in before
    assert "Call 999 now" in after and action not in after
