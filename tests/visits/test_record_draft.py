"""The record's server draft (issue 5: a dropped connection loses nothing): the endpoint record.js
posts to, what it refuses, and the draft surviving a reload of the form."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import CAST_ROLES
from tests.second_factor import pass_second_factor
from visits import lifecycle
from visits.enums import Status
from visits.models import RecordDraft, VisitRecord

VISITORS = ("visitor", "second")
SEE_NOT_WRITE = ("office", "lead", "deputy", "head")

TYPED = {
    "adult_spoken_to": "Pat Parent",
    "adult_relationship": "Mother",
    "adult_authority": "parental_responsibility",
    "people_seen": "Mother, Sam and baby",
    "child_seen": "yes",
    "outcome": "Half-written outcome: talked about mornings",
    "child_protection_concern": "no",
    "incident_kind": "",
    "follow_up_wanted": "no",
    "agreed_with_family": "Alarm clock for Sam.",
    "notes": "Dog in the kitchen.",
}


def post_draft(client, visit, body, content_type="application/json", **extra):
    raw = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(reverse("visits:record_draft", args=[visit.code]), raw, content_type=content_type, **extra)


def test_draft_survives_a_reload(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)

    # Act: record.js saves the draft; the tablet reloads the form.
    saved = post_draft(client, visit, TYPED)
    html = client.get(reverse("visits:record", args=[visit.code])).content.decode()

    # Assert: every value is back in the form.
    assert saved.status_code == 200
    for value in ("Pat Parent", "Mother, Sam and baby", "Alarm clock for Sam.", "Dog in the kitchen."):
        assert value in html
    assert "Half-written outcome: talked about mornings</textarea>" in html
    assert 'name="child_seen" id="id_child_seen_0" value="yes" autocomplete="off" checked' in html
    assert 'name="follow_up_wanted" id="id_follow_up_wanted_1" value="no" autocomplete="off" checked' in html
    assert 'value="parental_responsibility" autocomplete="off" checked' in html


def test_draft_answers_when_it_was_saved(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = post_draft(login(cast.visitor), visit, {"outcome": "Started."})

    draft = RecordDraft.objects.get(visit=visit, author=cast.visitor)
    assert response.json()["saved_at"] == draft.saved_at.isoformat()
    assert len(response.json()["saved_at_display"]) == 5  # HH:MM
    assert draft.data == {"outcome": "Started."}


def test_draft_replaces_the_authors_earlier_draft(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)

    post_draft(client, visit, {"outcome": "First."})
    post_draft(client, visit, {"outcome": "Second.", "notes": "More."})

    assert list(RecordDraft.objects.filter(visit=visit).values_list("data", flat=True)) == [
        {"outcome": "Second.", "notes": "More."}
    ]


def test_draft_is_the_authors_own(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    post_draft(login(cast.second), visit, {"outcome": "The second visitor's words."})

    html = login(cast.visitor).get(reverse("visits:record", args=[visit.code])).content.decode()

    assert "The second visitor's words." not in html


def test_draft_cleared_once_the_record_is_written(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    post_draft(client, visit, TYPED)

    lifecycle.submit_record(
        visit, cast.visitor, {"people_seen": "Mother", "child_seen": True, "outcome": "Done.", "adult_authority": ""}
    )

    assert not RecordDraft.objects.filter(visit=visit).exists()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("outcome=Started", "application/x-www-form-urlencoded"),
        ("not json at all {", "application/json"),
        (b"\xff\xfe\x00", "application/json"),
        ('["outcome", "Started"]', "application/json"),
        ('"just a string"', "application/json"),
    ],
    ids=["form-encoded", "broken-json", "not-utf8", "json-list", "json-string"],
)
def test_draft_rejects_what_is_not_a_json_object(cast, login, body, content_type):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = post_draft(login(cast.visitor), visit, body, content_type=content_type)

    assert response.status_code == 400
    assert response.json()["ok"] is False and response.json()["error"]
    assert not RecordDraft.objects.filter(visit=visit).exists()


@pytest.mark.parametrize(
    "body",
    [
        {"outcome": "Fine.", "code_word": "bluebell"},
        {"outcome": "Fine.", "written_by": 1},
        {"outcome": {"nested": "object"}},
        {"outcome": ["a", "list"]},
        {"child_seen": 3},
    ],
    ids=["code-word", "not-a-record-field", "nested-object", "list-value", "number"],
)
def test_draft_rejects_wrong_fields(cast, login, body):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = post_draft(login(cast.visitor), visit, body)

    assert response.status_code == 400
    assert not RecordDraft.objects.filter(visit=visit).exists()


def test_draft_rejects_an_oversize_draft_and_keeps_the_earlier_one(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = login(cast.visitor)
    post_draft(client, visit, {"outcome": "Kept."})

    too_big = post_draft(client, visit, {"outcome": "x" * (lifecycle.DRAFT_MAX_BYTES + 10)})
    just_over = post_draft(client, visit, {"outcome": "x" * (lifecycle.DRAFT_MAX_BYTES - 5)})

    assert (too_big.status_code, just_over.status_code) == (413, 413)
    assert RecordDraft.objects.get(visit=visit).data == {"outcome": "Kept."}


@pytest.mark.parametrize("role", [r for r in CAST_ROLES if r not in VISITORS])
def test_draft_refused_for_anyone_but_the_visitors(cast, login, role):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = post_draft(login(getattr(cast, role)), visit, {"outcome": "Not theirs."})

    assert response.status_code == (403 if role in SEE_NOT_WRITE else 404)
    assert not RecordDraft.objects.filter(visit=visit).exists()


@pytest.mark.parametrize("role", VISITORS)
def test_draft_kept_for_either_visitor(cast, login, role):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = post_draft(login(getattr(cast, role)), visit, {"outcome": "Mine."})

    assert response.status_code == 200
    assert RecordDraft.objects.get(visit=visit).author == getattr(cast, role)


def test_draft_needs_signing_in(cast, client):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = post_draft(client, visit, {"outcome": "Anonymous."})

    assert response.status_code == 302
    assert not RecordDraft.objects.filter(visit=visit).exists()


def test_draft_refuses_get(cast, login):
    visit = cast.make_visit(Status.IN_PROGRESS)

    response = login(cast.visitor).get(reverse("visits:record_draft", args=[visit.code]))

    assert response.status_code == 405


@pytest.mark.parametrize("state", [Status.AUTHORISED, Status.COMPLETED])
def test_hc01_draft_refused_unless_under_way(cast, login, state):
    visit = cast.make_visit(state)

    response = post_draft(login(cast.visitor), visit, {"outcome": "Too early or too late."})

    assert response.status_code == 409
    assert "can no longer be drafted" in response.json()["error"]
    assert not RecordDraft.objects.filter(visit=visit).exists()


def test_draft_needs_the_csrf_header(cast):
    # Arrange: a browser-like client that checks CSRF, signed in as the visitor.
    visit = cast.make_visit(Status.IN_PROGRESS)
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.visitor, backend="django.contrib.auth.backends.ModelBackend")
    pass_second_factor(client, cast.visitor)
    client.get(reverse("visits:record", args=[visit.code]))
    token = client.cookies["csrftoken"].value

    # Act
    without = post_draft(client, visit, {"outcome": "No token."})
    with_header = post_draft(client, visit, {"outcome": "With token."}, HTTP_X_CSRFTOKEN=token)

    # Assert
    assert (without.status_code, with_header.status_code) == (403, 200)
    assert RecordDraft.objects.get(visit=visit).data == {"outcome": "With token."}


def test_draft_prefill_does_not_override_a_record_field_it_does_not_hold(cast, login):
    # Arrange: a record was sent; the visitor then starts changing only the notes.
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.submit_record(
        visit, cast.visitor, {"people_seen": "Mother", "child_seen": True, "outcome": "Sent outcome."}
    )
    client = login(cast.visitor)
    version = client.get(reverse("visits:record", args=[visit.code])).context["record_version"]
    post_draft(client, visit, {"notes": "Added after sending."}, headers={"X-Record-Version": version})

    # Act
    html = client.get(reverse("visits:record", args=[visit.code])).content.decode()

    # Assert
    assert "Sent outcome." in html and "Added after sending." in html
    assert VisitRecord.objects.get(visit=visit).notes == ""
