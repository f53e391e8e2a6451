"""`manage.py send_alerts` (hc18, hc19): one email per alert to the school's leads and office,
never the code word, a pupil, a household or an address; safe to run concurrently."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from safeguarding.alerts import on_code_word_raised
from safeguarding.models import Alert, AlertKind
from tests.factories import make_cast
from tests.race import race
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.models import Visit, VisitEvent
from visits.signals import code_word_raised


def on_the_road(cast, *, ended_minutes_ago: int) -> Visit:
    end = timezone.now() - dt.timedelta(minutes=ended_minutes_ago)
    return cast.make_visit(Status.IN_PROGRESS, start=end - dt.timedelta(hours=1), expected_end=end)


def alert_mail() -> list:
    return [
        m
        for m in mail.outbox
        if "home visit" in m.subject.lower() and ("OVERDUE" in m.subject or "code word" in m.subject)
    ]


def recipients(cast) -> set[str]:
    return {u.email for u in (cast.office, cast.lead, cast.deputy)}


def test_hc19_overdue_visit_makes_one_alert_one_event_and_one_email_each(cast):
    # Arrange
    visit = on_the_road(cast, ended_minutes_ago=30)
    mail.outbox.clear()

    # Act
    call_command("send_alerts")
    call_command("send_alerts")

    # Assert
    alert = Alert.objects.get(visit=visit)
    assert (alert.kind, alert.sent_at is not None, alert.recipients) == (AlertKind.OVERDUE, True, 3)
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.OVERDUE).count() == 1
    sent = alert_mail()
    assert {m.to[0] for m in sent} == recipients(cast)
    assert len(sent) == 3
    assert all("OVERDUE" in m.subject and "/visits/board/" in m.body for m in sent)


def test_hc19_no_alert_inside_the_grace(cast):
    visit = on_the_road(cast, ended_minutes_ago=0)
    boundary = visit.expected_end + cast.school.overdue_grace

    with time_machine.travel(boundary - dt.timedelta(seconds=1), tick=False):
        call_command("send_alerts")
    assert Alert.objects.count() == 0

    with time_machine.travel(boundary + dt.timedelta(seconds=1), tick=False):
        call_command("send_alerts")
    assert Alert.objects.filter(visit=visit, kind=AlertKind.OVERDUE).count() == 1


def test_hc19_no_alert_once_they_left_or_completed(cast):
    left = on_the_road(cast, ended_minutes_ago=60)
    lifecycle.record_step(left, cast.visitor, "left")
    cast.make_visit(Status.COMPLETED, start=timezone.now() - dt.timedelta(hours=5))

    call_command("send_alerts")

    assert Alert.objects.count() == 0


def test_hc18_each_code_word_raise_is_one_alert(cast):
    # Arrange
    visit = on_the_road(cast, ended_minutes_ago=-30)
    lifecycle.raise_code_word_alarm(visit, cast.office)
    mail.outbox.clear()

    # Act
    call_command("send_alerts")
    lifecycle.record_escalation(visit, cast.office, "resolved", outcome="raised_in_error")
    lifecycle.raise_code_word_alarm(visit, cast.lead)
    call_command("send_alerts")
    call_command("send_alerts")

    # Assert
    alerts = Alert.objects.filter(visit=visit, kind=AlertKind.CODE_WORD)
    assert alerts.count() == 2
    assert all(a.sent_at is not None for a in alerts)
    assert len(alert_mail()) == 2 * 3
    assert all("code word used" in m.subject for m in alert_mail())


def test_hc11_alert_emails_never_carry_code_word_pupil_household_or_address(cast):
    # Arrange
    visit = on_the_road(cast, ended_minutes_ago=30)
    other = on_the_road(cast, ended_minutes_ago=-30)
    lifecycle.raise_code_word_alarm(other, cast.office)
    mail.outbox.clear()

    # Act
    call_command("send_alerts")

    # Assert
    secrets = [
        visit.code_word,
        cast.pupil.first_name + " " + cast.pupil.last_name,
        cast.pupil.last_name,
        cast.household.name,
        visit.address_line1,
        visit.postcode,
    ]
    sent = alert_mail()
    assert len(sent) == 6
    for message in sent:
        text = " ".join([message.subject, message.body, *(c for c, _ in message.alternatives)])
        assert [s for s in secrets if s.lower() in text.lower()] == []


def test_hc19_failed_send_is_retried_next_run(cast):
    visit = on_the_road(cast, ended_minutes_ago=30)

    with mock.patch("visits.notify.EmailMultiAlternatives.send", side_effect=OSError("SMTP down")):
        call_command("send_alerts")
    unsent = Alert.objects.get(visit=visit).sent_at
    mail.outbox.clear()
    call_command("send_alerts")

    assert unsent is None
    assert Alert.objects.get(visit=visit).sent_at is not None
    assert len(alert_mail()) == 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc19_send_alerts_run_twice_concurrently_sends_each_alert_once(_flush_despite_append_only_triggers):
    # Arrange: two overdue visits and a code-word alarm, three alerts for three recipients each.
    cast = make_cast()
    on_the_road(cast, ended_minutes_ago=30)
    on_the_road(cast, ended_minutes_ago=45)
    raised = on_the_road(cast, ended_minutes_ago=-30)
    # The raise commits here, which would email at once (and make the overdue alerts too): keep
    # this alarm for the race, as if the immediate send had failed.
    code_word_raised.disconnect(dispatch_uid="safeguarding.code_word_alert")
    try:
        lifecycle.raise_code_word_alarm(raised, cast.office)
    finally:
        code_word_raised.connect(on_code_word_raised, dispatch_uid="safeguarding.code_word_alert")
    mail.outbox.clear()  # locmem outbox: one list shared by both threads

    def send_alerts(ready) -> None:
        ready()
        call_command("send_alerts")

    # Act
    errors = [finish.error for finish in race(send_alerts, send_alerts, timeout=60) if not finish.won]
    after_race = len(alert_mail())
    call_command("send_alerts")

    # Assert
    assert errors == []
    assert Alert.objects.count() == 3
    assert Alert.objects.filter(sent_at__isnull=True).count() == 0
    assert VisitEvent.objects.filter(kind=EventKind.OVERDUE).count() == 2
    assert after_race == 3 * 3
    assert len(alert_mail()) == 3 * 3  # running it again sends nothing


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc19_send_alerts_stress_many_runs_at_once(_flush_despite_append_only_triggers):
    cast = make_cast()
    for minutes in (20, 30, 40, 50):
        on_the_road(cast, ended_minutes_ago=minutes)
    mail.outbox.clear()

    def send_alerts(ready) -> None:
        ready()
        call_command("send_alerts")

    finishes = race(*[send_alerts] * 6, timeout=60)
    assert [finish.error for finish in finishes if not finish.won] == []

    assert Alert.objects.count() == 4
    assert len(alert_mail()) == 4 * 3


def test_hc18_code_word_alert_is_emailed_at_once_and_cron_sends_it_no_more(cast, django_capture_on_commit_callbacks):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act: the office raises the alarm; the transaction commits.
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.raise_code_word_alarm(visit, cast.office)
    sent_at_once = len(alert_mail())
    call_command("send_alerts")

    # Assert: one email to each lead and the office, straight away, and none again from cron.
    assert sent_at_once == len(recipients(cast))
    assert len(alert_mail()) == sent_at_once
    assert Alert.objects.get(visit=visit, kind=AlertKind.CODE_WORD).sent_at is not None


def test_hc19_the_runner_loop_runs_each_pass_and_sends_each_alert_once(cast):
    # Arrange
    from io import StringIO

    visit = on_the_road(cast, ended_minutes_ago=30)
    out = StringIO()
    mail.outbox.clear()

    # Act: the loop `make run` starts beside the web server, three passes without waiting.
    call_command("send_alerts", "--loop", "--passes", "3", "--every", "0", stdout=out)

    # Assert
    assert Alert.objects.get(visit=visit).sent_at is not None
    assert len(alert_mail()) == 3  # office, lead, deputy: once each
    assert "Alert runner" in out.getvalue()


def test_hc19_make_run_starts_the_alert_runner_beside_the_web_server():
    # Arrange
    from pathlib import Path

    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    run = makefile.split("\nrun:", 1)[1].split("\n\n", 1)[0]

    # Assert: started in the background, stopped with the server.
    assert "send_alerts --loop &" in run and "trap" in run and "runserver" in run
