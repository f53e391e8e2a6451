"""Issue 13, item 10: nothing typed is overwritten, and a saved step is never reported as failed.

- a retried step (a second tap, a reply lost on a bad signal) answers as done, and writes nothing;
- a draft is refused once the record has been written since its page was opened, so an autosave
  in flight while the record is sent never lands over it;
- the session is not written after the view: a step that committed cannot be answered with an
  error because the session could not be saved after it."""

from __future__ import annotations

import os

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse

from tests.race import race
from tests.second_factor import pass_second_factor
from tests.visits.test_record_draft import TYPED, post_draft
from tests.visits.test_record_form import FIELDS
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.exceptions import AlreadyDone, TransitionNotAllowed
from visits.models import RecordDraft, Visit, VisitEvent, VisitRecord

TRIALS = int(os.environ.get("RACE_TRIALS", "30"))


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- a retried step -------------------------------------------------------------------------------


def test_hc14_a_retried_arrival_is_done_once_and_said_as_done(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    url = reverse("visits:arrived", args=[visit.code])
    client.post(url)

    # Act
    again = client.post(url, follow=True)

    # Assert: one arrival on the timeline; the second tap told it was done.
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.ARRIVED).count() == 1
    shown = [(m.level_tag, str(m)) for m in again.context["messages"]]
    assert any(tag == "success" and "already logged" in text for tag, text in shown), shown


def test_hc14_a_retried_leaving_after_it_completed_the_visit_is_still_done(cast):
    # Arrange: the record is written, so leaving completes the visit.
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.write_record(visit, cast.visitor, FIELDS)
    lifecycle.record_step(visit, cast.visitor, "left")
    assert Visit.objects.get(pk=visit.pk).status == Status.COMPLETED

    # Act / Assert: the retry is "already done", not "the visit is completed".
    with pytest.raises(AlreadyDone, match="already logged"):
        lifecycle.record_step(Visit.objects.get(pk=visit.pk), cast.visitor, "left")


def test_hc01_a_retried_set_off_is_done_once(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    client = login(cast.visitor)
    url = reverse("visits:start", args=[visit.code])
    client.post(url)

    # Act
    again = client.post(url, follow=True)

    # Assert
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.SET_OFF).count() == 1
    assert any("already logged" in m for m in _messages(again))


def test_a_retried_step_by_someone_who_may_not_log_it_is_still_refused(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.record_step(visit, cast.visitor, "arrived")

    # Act / Assert: "already done" is no answer to someone with no right to know.
    with pytest.raises(Exception) as refused:
        lifecycle.record_step(visit, cast.head, "arrived")
    assert not isinstance(refused.value, AlreadyDone)


# --- no draft over a written record ---------------------------------------------------------------


def test_a_draft_from_a_page_opened_before_the_record_was_sent_is_refused(cast):
    # Arrange: the page was opened with no record; the record is sent.
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.write_record(visit, cast.visitor, FIELDS)

    # Act
    with pytest.raises(TransitionNotAllowed, match="older draft was not kept"):
        lifecycle.save_draft(visit, cast.visitor, TYPED, based_on="")

    # Assert
    assert not RecordDraft.objects.filter(visit=visit).exists()


def test_a_draft_of_a_rewrite_is_kept_when_made_from_the_record_as_written(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    record = lifecycle.write_record(visit, cast.visitor, FIELDS)

    # Act
    draft = lifecycle.save_draft(visit, cast.visitor, TYPED, based_on=lifecycle.record_version(record))

    # Assert
    assert draft.data["outcome"] == TYPED["outcome"]


def test_the_draft_view_refuses_a_draft_over_a_newer_record_with_409(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    page = client.get(reverse("visits:record", args=[visit.code]))
    version = page.context["record_version"]
    lifecycle.write_record(visit, cast.visitor, FIELDS)

    # Act
    response = post_draft(client, visit, TYPED, headers={"X-Record-Version": version})

    # Assert
    assert response.status_code == 409
    assert "older draft was not kept" in response.json()["error"]
    shown = client.get(reverse("visits:record", args=[visit.code])).context["form"].initial
    assert shown["outcome"] == FIELDS["outcome"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_draft_racing_the_record_never_survives_over_it(cast, _flush_despite_append_only_triggers):
    # Arrange
    survived = []
    for _ in range(TRIALS):
        visit = cast.make_visit(Status.IN_PROGRESS)

        def send_record(ready, visit=visit):
            client = Client()
            client.force_login(cast.visitor, backend="django.contrib.auth.backends.ModelBackend")
            pass_second_factor(client, cast.visitor)
            record = {**FIELDS, "child_seen": "yes", "child_protection_concern": "no", "follow_up_wanted": "yes"}
            record |= {"adult_authority": "parental_responsibility", "incident_kind": "", "incident_at": ""}
            ready()
            return client.post(reverse("visits:record", args=[visit.code]), record).status_code

        def autosave(ready, visit=visit):
            client = Client()
            client.force_login(cast.visitor, backend="django.contrib.auth.backends.ModelBackend")
            pass_second_factor(client, cast.visitor)
            ready()
            return post_draft(client, visit, {"outcome": "Older text."}, headers={"X-Record-Version": ""}).status_code

        # Act
        race(send_record, autosave)

        # Assert (per trial): the record stands; no draft is kept over it.
        if VisitRecord.objects.filter(visit=visit).exists() and RecordDraft.objects.filter(visit=visit).exists():
            survived.append(visit.pk)

    assert survived == []


# --- the session is not written after the step -----------------------------------------------------


def test_a_committed_step_is_answered_as_saved_even_if_the_session_could_not_be_written_after_it(
    cast, login, monkeypatch
):
    # Arrange: the page loaded (the session touched); then the database drops for session writes.
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    client.get(reverse("visits:detail", args=[visit.code]))

    def dropped(self, must_create=False):
        raise DatabaseError("connection dropped")

    monkeypatch.setattr(SessionStore, "save", dropped)

    # Act
    response = client.post(reverse("visits:arrived", args=[visit.code]))

    # Assert: the step's own answer, and the step saved.
    assert response.status_code == 302
    assert Visit.objects.get(pk=visit.pk).arrived_at is not None
