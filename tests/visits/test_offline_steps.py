"""Steps sent from the tablet's outbox (issue 16, item 8: no step lost without signal).

Every step of the visitor's path carries a key and the time it was taken on the tablet
(`visits.lifecycle.steps`): a repeat of a key is answered as done and writes nothing (one event,
one audit row); the step is recorded at the tablet's time within bounds, the time it reached the
school kept beside it. hc14 (the steps on the road), hc15 (who is present), hc17 (urgent), hc20
(the record), hc23 (the signature).
"""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from safeguarding.models import Concern
from tests.factories import drawn_png
from tests.race import race
from visits import lifecycle
from visits.enums import AuditAction, EventKind, Status
from visits.lifecycle import steps
from visits.models import AuditEntry, ParentSignature, TabletStep, Visit, VisitEvent, VisitRecord

from .test_record_form import FORM

KEY = "0f8e2c1a-7b44-4e0c-9a51-3d2f6b8e9c10"
OTHER_KEY = "5a7d9e11-2b3c-4d5e-8f90-a1b2c3d4e5f6"
PNG = "data:image/png;base64," + base64.b64encode(drawn_png()).decode()


def sent(key: str = KEY, minutes_ago: float = 0, **extra) -> dict:
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return {"step_key": key, "step_at": at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"), **extra}


def events(visit: Visit, kind: str) -> int:
    return VisitEvent.objects.filter(visit=visit, kind=kind).count()


# The visitor's steps: (url name and kwargs, the state the visit is in, the form, the event it writes).
STEP_CASES = {
    "set off": ("visits:start", {}, Status.AUTHORISED, {}, EventKind.SET_OFF),
    "arrived": ("visits:arrived", {}, Status.IN_PROGRESS, {}, EventKind.ARRIVED),
    "record": ("visits:record", {}, Status.IN_PROGRESS, FORM, EventKind.OUTCOME_RECORDED),
    "signature": (
        "visits:signature",
        {},
        Status.IN_PROGRESS,
        {"signer_name": "Pat Parent", "signature": PNG, "action": "sign"},
        EventKind.SIGNED,
    ),
    "child alone": (
        "safeguarding:urgent_raise",
        {"name": "child-alone"},
        Status.IN_PROGRESS,
        {},
        EventKind.CONCERN_RAISED,
    ),
}


def url_of(name: str, visit: Visit, kwargs: dict) -> str:
    return reverse(name, kwargs={"code": visit.code, **kwargs})


@pytest.mark.parametrize("case", STEP_CASES)
def test_a_step_sent_twice_with_its_key_is_written_once(cast, login, case):
    # Arrange
    name, kwargs, state, form, kind = STEP_CASES[case]
    visit = cast.make_visit(state)
    client = login(cast.visitor)
    before = events(visit, kind)

    # Act: the outbox sends it, the reply is lost, it sends it again.
    first = client.post(url_of(name, visit, kwargs), {**form, **sent(minutes_ago=3)}, HTTP_X_OUTBOX="1")
    second = client.post(url_of(name, visit, kwargs), {**form, **sent(minutes_ago=3)}, HTTP_X_OUTBOX="1")

    # Assert: both answered as saved; one event, one kept key.
    assert (first.status_code, second.status_code) == (200, 200)
    assert json.loads(first.content)["ok"] is True
    assert json.loads(second.content)["ok"] is True
    assert events(visit, kind) - before == 1
    assert TabletStep.objects.filter(visit=visit, key=KEY).count() == 1


def test_hc14_arrival_sent_later_is_recorded_at_the_tablet_time(cast, login, pinned_clock):
    # Arrange: set off 20 minutes ago; arrived on the tablet 10 minutes ago, without signal.
    visit = cast.make_visit(Status.IN_PROGRESS)
    pinned_clock.shift(dt.timedelta(minutes=20))
    taken = sent(minutes_ago=10)

    # Act
    login(cast.visitor).post(reverse("visits:arrived", args=[visit.code]), taken)

    # Assert: the visit, its event and the kept key say the tablet's time; the arrival, now.
    visit.refresh_from_db()
    step = TabletStep.objects.get(visit=visit, key=KEY)
    event = VisitEvent.objects.get(visit=visit, kind=EventKind.ARRIVED)
    expected = timezone.now() - dt.timedelta(minutes=10)
    assert abs(visit.arrived_at - expected) < dt.timedelta(seconds=5)
    assert event.at == visit.arrived_at == step.happened_at == step.tablet_at
    assert step.received_at - step.happened_at >= dt.timedelta(minutes=9)
    assert "without signal; reached school at" in event.note


def test_a_step_at_the_tablet_time_is_said_at_that_time(cast, login, pinned_clock):
    visit = cast.make_visit(Status.IN_PROGRESS)
    pinned_clock.shift(dt.timedelta(minutes=30))

    response = login(cast.visitor).post(reverse("visits:arrived", args=[visit.code]), sent(minutes_ago=10), follow=True)

    at = timezone.localtime(timezone.now() - dt.timedelta(minutes=10)).strftime("%H:%M")
    assert f"Arrival logged at {at}." in response.content.decode()


@pytest.mark.parametrize(
    "offset, expected",
    [
        # More than the allowed skew ahead: a wrong clock, the school's time.
        (-(steps.CLOCK_SKEW + dt.timedelta(minutes=1)), "now"),
        # Within the skew ahead: the tablet's, but never after the school's now.
        (-dt.timedelta(minutes=1), "now"),
        # Older than the limit: a wrong clock, the school's time.
        (steps.OLDEST_STEP + dt.timedelta(minutes=1), "now"),
        # Before the previous step (set off, 30 minutes ago): put at that step.
        (dt.timedelta(minutes=45), "previous"),
    ],
    ids=["future", "slightly-ahead", "too-old", "before-set-off"],
)
def test_a_tablet_time_out_of_bounds_is_not_used(cast, login, pinned_clock, offset, expected):
    # Arrange: authorised and set off 30 minutes ago.
    visit = cast.make_visit(Status.IN_PROGRESS)
    set_off = visit.started_at
    pinned_clock.shift(dt.timedelta(minutes=30))
    taken = {"step_key": KEY, "step_at": (timezone.now() - offset).isoformat()}

    # Act
    login(cast.visitor).post(reverse("visits:arrived", args=[visit.code]), taken)

    # Assert: the step is kept (never lost for a clock), at a time within bounds.
    visit.refresh_from_db()
    if expected == "now":
        assert abs(visit.arrived_at - timezone.now()) < dt.timedelta(seconds=5)
    else:
        assert visit.arrived_at == set_off
    assert TabletStep.objects.get(visit=visit, key=KEY).happened_at == visit.arrived_at


@pytest.mark.parametrize("key", ["short", "x" * 65, "bad key with spaces!", "<script>alert(1)</script>"])
def test_a_garbled_key_is_refused_and_nothing_written(cast, login, key):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.visitor).post(
        reverse("visits:arrived", args=[visit.code]), {"step_key": key}, HTTP_X_OUTBOX="1"
    )

    assert response.status_code == 409
    assert json.loads(response.content)["ok"] is False
    visit.refresh_from_db()
    assert visit.arrived_at is None
    assert events(visit, EventKind.ARRIVED) == 0
    assert TabletStep.objects.count() == 0


def test_hc20_record_repeated_after_it_completed_the_visit_is_answered_as_saved(cast, login):
    # Arrange: left the property; the record sent with its key completes the visit.
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    client = login(cast.visitor)
    url = reverse("visits:record", args=[visit.code])
    client.post(url, {**FORM, **sent()}, HTTP_ACCEPT="application/json")
    visit.refresh_from_db()
    assert visit.status == Status.COMPLETED

    # Act: the reply was lost; record.js sends the same record again.
    again = client.post(url, {**FORM, **sent()}, HTTP_ACCEPT="application/json")

    # Assert: saved, not "the visit is completed"; one record event.
    assert again.status_code == 200
    assert json.loads(again.content)["ok"] is True
    assert events(visit, EventKind.OUTCOME_RECORDED) == 1
    assert VisitRecord.objects.filter(visit=visit).count() == 1


def test_hc17_danger_repeated_raises_one_concern_and_one_alarm(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    url = reverse("safeguarding:urgent_raise", args=[visit.code, "danger"])

    first = client.post(url, sent(minutes_ago=2), HTTP_X_OUTBOX="1")
    second = client.post(url, sent(minutes_ago=2), HTTP_X_OUTBOX="1")

    assert json.loads(first.content)["ok"] and json.loads(second.content)["ok"]
    assert Concern.objects.filter(visit=visit).count() == 1
    assert events(visit, EventKind.DANGER) == 1
    pressed = timezone.localtime(TabletStep.objects.get(visit=visit).happened_at).strftime("%H:%M")
    assert pressed in Concern.objects.get(visit=visit).details


def test_hc15_who_is_present_repeated_is_kept_once(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    form = {"adult_authority": "parental_responsibility", "adult_spoken_to": "Pat", "adult_relationship": "Mother"}
    url = reverse("visits:present", args=[visit.code])

    first = client.post(url, {**form, **sent()}, HTTP_X_OUTBOX="1")
    second = client.post(url, {**form, **sent()}, HTTP_X_OUTBOX="1")

    assert json.loads(first.content)["redirect"] == reverse("visits:record", args=[visit.code])
    assert json.loads(second.content)["ok"] is True
    assert TabletStep.objects.filter(visit=visit, step="present").count() == 1


def test_hc23_signature_is_kept_at_the_tablet_time(cast, login, pinned_clock):
    visit = cast.make_visit(Status.IN_PROGRESS)
    pinned_clock.shift(dt.timedelta(minutes=30))

    login(cast.visitor).post(
        reverse("visits:signature", args=[visit.code]),
        {"signer_name": "Pat Parent", "signature": PNG, "action": "sign", **sent(minutes_ago=5)},
    )

    captured = ParentSignature.objects.get(visit=visit).captured_at
    assert abs(captured - (timezone.now() - dt.timedelta(minutes=5))) < dt.timedelta(seconds=5)


def test_a_repeat_writes_no_second_audit_row(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    url = reverse("visits:arrived", args=[visit.code])
    client.post(url, sent())
    rows = AuditEntry.objects.filter(object_code=str(visit.code), action=AuditAction.EVENT).count()

    client.post(url, sent())

    assert AuditEntry.objects.filter(object_code=str(visit.code), action=AuditAction.EVENT).count() == rows


@pytest.mark.parametrize("actor, expected", [("other_visitor", 404), ("bystander", 404), ("head", 403)])
def test_someone_else_sending_a_kept_key_gets_no_answer_about_it(cast, login, actor, expected):
    # Arrange: the visitor's arrival is kept under its key.
    visit = cast.make_visit(Status.IN_PROGRESS)
    login(cast.visitor).post(reverse("visits:arrived", args=[visit.code]), sent())

    # Act: another person (another school's visitor, staff not on it, the head) sends that key.
    response = login(getattr(cast, actor)).post(reverse("visits:arrived", args=[visit.code]), sent())

    # Assert: refused as any of their posts is; nothing written.
    assert response.status_code == expected
    assert TabletStep.objects.filter(visit=visit).count() == 1
    assert events(visit, EventKind.ARRIVED) == 0 + 1


def test_the_second_visitor_repeating_a_step_the_first_logged_is_done(cast, login):
    # hc14: a retried tap by the other visitor (a different key) is answered as done, as before.
    visit = cast.make_visit(Status.IN_PROGRESS)
    login(cast.visitor).post(reverse("visits:arrived", args=[visit.code]), sent())

    response = login(cast.second).post(reverse("visits:arrived", args=[visit.code]), sent(OTHER_KEY), HTTP_X_OUTBOX="1")

    assert json.loads(response.content)["ok"] is True
    assert events(visit, EventKind.ARRIVED) == 1


def test_a_step_sent_without_a_key_is_written_as_before(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.visitor).post(reverse("visits:arrived", args=[visit.code]))

    assert response.status_code == 302
    assert events(visit, EventKind.ARRIVED) == 1
    assert TabletStep.objects.count() == 0


def test_an_outbox_step_refused_by_the_school_is_said_in_json(cast, login):
    visit = cast.make_visit(Status.CANCELLED)

    response = login(cast.visitor).post(reverse("visits:start", args=[visit.code]), sent(), HTTP_X_OUTBOX="1")

    assert response.status_code == 409
    body = json.loads(response.content)
    assert body["ok"] is False and "cancelled" in body["error"]
    assert TabletStep.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_hc14_two_copies_of_one_step_sent_at_once_write_it_once(cast, _flush_despite_append_only_triggers):
    # Arrange: the outbox's retry overtakes its first sending (a slow reply): the same key twice at once.
    trials = 5
    for trial in range(trials):
        visit = cast.make_visit(Status.IN_PROGRESS)
        key = f"{trial:08d}-race-{KEY[14:]}"

        def send(ready, visit=visit, key=key):
            copy = Visit.objects.get(pk=visit.pk)
            ready()
            lifecycle.record_step(copy, cast.visitor, "arrived", sent=lifecycle.Sent(key=key, at=timezone.now()))

        # Act
        finishes = race(send, send)

        # Assert: one wrote it, the other was told it was done (never an error of another kind).
        errors = [type(f.error).__name__ for f in finishes if not f.won]
        assert errors == ["AlreadyDone"], errors
        assert events(visit, EventKind.ARRIVED) == 1
        assert TabletStep.objects.filter(visit=visit, key=key).count() == 1
