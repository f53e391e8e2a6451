"""CPOMS (hc24): the summary to paste, "recorded on CPOMS" once by a lead, the leads' list of what
is still to record, and the visit page's panel."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from safeguarding.concerns import cpoms_summary, record_on_cpoms
from safeguarding.models import CpomsEntry
from tests.factories import make_household, make_pupil, review_risk, visit_fields
from visits import access, hooks, lifecycle, who
from visits.enums import EventKind, Reason, Role, Status
from visits.exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.models import AuditEntry, Membership, Visit, VisitEvent

RECORD = {
    "people_seen": "Mother and Sam",
    "child_seen": True,
    "outcome": "Mum agreed a morning routine; Sam to be met at the gate.",
    "action_required": "Attendance review on Friday.",
}


def finished(cast, *, record: dict | None = None, **overrides) -> Visit:
    """A visit carried out and completed through the lifecycle, with its Record of Home Visit."""
    visit = cast.make_visit(Status.IN_PROGRESS, **overrides)
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    lifecycle.write_record(visit, cast.visitor, {**RECORD, **(record or {})})
    lifecycle.transition(visit, cast.visitor, "complete")
    visit.refresh_from_db()
    return visit


def cpoms_events(visit: Visit) -> int:
    return VisitEvent.objects.filter(visit=visit, kind=EventKind.CPOMS_RECORDED).count()


# --- the summary -------------------------------------------------------------------------------


def test_hc24_summary_holds_dates_people_reasons_outcome_and_actions(cast):
    # Arrange
    visit = finished(cast, reason_detail="Absent eleven days this half term.")
    start = timezone.localtime(visit.scheduled_start)

    # Act
    summary = cpoms_summary(visit)

    # Assert
    assert f"Date: {start:%A %d/%m/%Y}, {start:%H:%M} to " in summary
    assert f"Pupil: {cast.pupil} ({cast.pupil.year_group})" in summary
    assert f"Home visit: {cast.household.name}" in summary
    assert f"Staff: {cast.visitor} (Family wellbeing worker); {cast.second} (Teacher)" in summary
    assert "Person visited: Pat Parent, at 1 Test Street, Manchester, M14 5AB" in summary
    assert f"Reason for the visit: {Reason.ATTENDANCE.label}" in summary
    assert "Reason in detail: Absent eleven days this half term." in summary
    assert f"Authorised by: {cast.lead} on " in summary
    assert "People seen: Mother and Sam" in summary
    assert f"Outcome: {RECORD['outcome']}" in summary
    assert "Action required: Attendance review on Friday." in summary
    assert "Child protection concern: no" in summary
    assert f"Visit completed: {timezone.localtime(visit.completed_at):%d/%m/%Y at %H:%M}" in summary
    assert "bluebell" not in summary.lower()


def test_hc24_summary_says_a_child_protection_concern_went_to_the_leads(cast):
    # Arrange
    visit = finished(
        cast, record={"child_protection_concern": True, "concern_details": "Bruise on the arm, explained."}
    )

    # Act
    summary = cpoms_summary(visit)

    # Assert: the flag, not the concern's wording (that stays on the concern).
    assert "Child protection concern: yes, passed to the safeguarding leads as a concern" in summary
    assert "Bruise" not in summary


def test_hc24_summary_leaves_out_staff_writing_that_holds_the_code_word(cast):
    # Arrange: the visitor wrote the code word, with other spacing and case, into the notes.
    visit = finished(
        cast, code_word="amber-kestrel", record={"notes": "Mum asked what AMBER Kestrel meant on the form."}
    )

    # Act
    summary = cpoms_summary(visit)

    # Assert: the whole note is left out with a pointer to the record; the rest is there.
    assert "amber" not in summary.lower() and "kestrel" not in summary.lower()
    assert "Notes: (not copied: it contains the visit's code word; read the Record of Home Visit" in summary
    assert f"Outcome: {RECORD['outcome']}" in summary


PROSE = ("reason_detail", "purpose", "lead_visitor_role", "second_visitor_role")
RECORD_PROSE = ("people_seen", "outcome", "action_required", "notes")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    code_word=st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -", min_size=3, max_size=30
    ),
    where=st.sets(st.sampled_from(PROSE + RECORD_PROSE), min_size=1),
)
def test_hc24_summary_never_holds_the_code_word_whatever_it_is(cast_visit, code_word, where):
    # Arrange: a code word that the summary's own wording and names do not happen to contain,
    # written by staff into some of the visit's free text (in memory only: nothing is saved).
    visit, originals = cast_visit
    word = code_word.strip()
    assume(word)
    for name, value in originals.items():
        setattr(visit.record if name in RECORD_PROSE else visit, name, value)
    visit.code_word = ""
    assume(word.lower() not in cpoms_summary(visit).lower())
    visit.code_word = code_word
    for name in where:
        target = visit.record if name in RECORD_PROSE else visit
        setattr(target, name, f"Before {code_word} after, {originals[name]}")

    # Act
    summary = cpoms_summary(visit)

    # Assert
    assert word.lower() not in summary.lower()


@pytest.fixture
def cast_visit(cast):
    visit = finished(cast, reason_detail="Absent a lot.", record={"notes": "Dog in the garden."})
    visit = Visit.objects.select_related("record", "household", "lead_visitor", "second_visitor").get(pk=visit.pk)
    originals = {name: getattr(visit, name) for name in PROSE} | {
        name: getattr(visit.record, name) for name in RECORD_PROSE
    }
    return visit, originals


# --- recorded on CPOMS -------------------------------------------------------------------------


def test_hc24_record_on_cpoms_once_then_names_who_recorded_it(cast):
    # Arrange
    visit = finished(cast)
    record_on_cpoms(visit, cast.lead, " CP-2026/0042 ")

    # Act
    with pytest.raises(TransitionNotAllowed) as refused:
        record_on_cpoms(visit, cast.deputy, "CP-2026/0099")

    # Assert
    entry = CpomsEntry.objects.get(visit=visit)
    assert (entry.reference, entry.recorded_by) == ("CP-2026/0042", cast.lead)
    assert f"by {cast.lead}" in str(refused.value) and "CP-2026/0042" in str(refused.value)
    assert cpoms_events(visit) == 1


@pytest.mark.parametrize("status", [Status.AUTHORISED, Status.IN_PROGRESS, Status.CANCELLED])
def test_hc24_record_on_cpoms_only_for_a_completed_visit(cast, status):
    # Arrange
    visit = cast.make_visit(status)

    # Act
    with pytest.raises(TransitionNotAllowed, match="Only a completed visit"):
        record_on_cpoms(visit, cast.lead, "CP-1")

    # Assert
    assert not CpomsEntry.objects.filter(visit=visit).exists()
    assert cpoms_events(visit) == 0


@pytest.mark.parametrize("who", ["office", "head", "visitor", "second", "bystander", "other_lead", "trust_admin"])
def test_hc24_record_on_cpoms_only_by_a_lead_of_the_school(cast, who):
    # Arrange
    visit = finished(cast)

    # Act
    with pytest.raises(NotPermitted):
        record_on_cpoms(visit, getattr(cast, who), "CP-1")

    # Assert
    assert not CpomsEntry.objects.exists()
    assert cpoms_events(visit) == 0


@pytest.mark.parametrize("reference", ["", "   ", "x" * 61, "<b>CP1</b>", "CP1; DROP", "bluebell 42"])
def test_hc24_record_on_cpoms_refuses_a_bad_reference(cast, reference):
    # Arrange: "bluebell" is the visit's code word.
    visit = finished(cast)

    # Act
    with pytest.raises(PreconditionFailed):
        record_on_cpoms(visit, cast.lead, reference)

    # Assert
    assert not CpomsEntry.objects.exists()
    assert cpoms_events(visit) == 0


# --- the visit's CPOMS page --------------------------------------------------------------------


def test_hc24_cpoms_page_shows_the_summary_to_copy_and_the_form(cast, login):
    # Arrange
    visit = finished(cast)

    # Act
    response = login(cast.deputy).get(reverse("safeguarding:visit_cpoms", args=[visit.code]))

    # Assert
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["summary"] == cpoms_summary(visit)
    assert 'readonly data-testid="cpoms-summary"' in html and 'data-copy-target="cpoms-summary"' in html
    assert "js/copy.js" in html
    assert reverse("safeguarding:record_cpoms", args=[visit.code]) in html
    assert "bluebell" not in html
    assert AuditEntry.objects.filter(object_code=str(visit.code), detail="CPOMS summary").count() == 1


def test_hc24_cpoms_page_of_a_recorded_visit_says_by_whom_when_and_reference(cast, login):
    # Arrange
    visit = finished(cast)
    entry = record_on_cpoms(visit, cast.lead, "CP-77")

    # Act
    response = login(cast.deputy).get(reverse("safeguarding:visit_cpoms", args=[visit.code]))

    # Assert
    html = response.content.decode()
    recorded_on = timezone.localtime(entry.recorded_at)
    assert f"by {cast.lead} on {recorded_on:%d/%m/%Y} at {recorded_on:%H:%M}, reference <strong" in html
    assert "CP-77" in html
    assert reverse("safeguarding:record_cpoms", args=[visit.code]) not in html


def test_hc24_cpoms_page_of_an_unfinished_visit_offers_no_form(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    response = login(cast.lead).get(reverse("safeguarding:visit_cpoms", args=[visit.code]))

    # Assert
    html = response.content.decode()
    assert 'data-testid="cpoms-not-completed"' in html
    assert reverse("safeguarding:record_cpoms", args=[visit.code]) not in html


def test_hc24_record_view_saves_and_goes_back_to_the_list_with_a_message(cast, login):
    # Arrange
    visit = finished(cast)

    # Act
    response = login(cast.lead).post(
        reverse("safeguarding:record_cpoms", args=[visit.code]), {"reference": "CP-2026/0042"}
    )

    # Assert
    assert response.status_code == 302 and response["Location"] == reverse("safeguarding:cpoms")
    assert CpomsEntry.objects.get(visit=visit).reference == "CP-2026/0042"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Recorded on CPOMS (reference CP-2026/0042): the visit to {cast.household.name} on "
        f"{timezone.localtime(visit.scheduled_start):%d/%m/%Y}."
    ]


@pytest.mark.parametrize("reference", ["", "<script>", "x" * 61])
def test_hc24_record_view_bad_reference_is_a_form_error_and_saves_nothing(cast, login, reference):
    # Arrange
    visit = finished(cast)

    # Act
    response = login(cast.lead).post(reverse("safeguarding:record_cpoms", args=[visit.code]), {"reference": reference})

    # Assert
    assert response.status_code == 200
    assert response.context["form"].errors["reference"]
    assert response.context["summary"] == cpoms_summary(visit)
    assert not CpomsEntry.objects.exists() and cpoms_events(visit) == 0


def test_hc24_record_view_second_time_says_who_recorded_it_and_changes_nothing(cast, login):
    # Arrange
    visit = finished(cast)
    record_on_cpoms(visit, cast.lead, "CP-1")

    # Act
    response = login(cast.deputy).post(reverse("safeguarding:record_cpoms", args=[visit.code]), {"reference": "CP-2"})

    # Assert
    assert response["Location"] == reverse("safeguarding:visit_cpoms", args=[visit.code])
    message = [str(m) for m in get_messages(response.wsgi_request)][0]
    assert message.startswith(f"Already recorded on CPOMS by {cast.lead}") and "CP-1" in message
    assert CpomsEntry.objects.get(visit=visit).reference == "CP-1" and cpoms_events(visit) == 1


def test_hc24_record_view_on_an_unfinished_visit_says_why_and_saves_nothing(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(cast.lead).post(reverse("safeguarding:record_cpoms", args=[visit.code]), {"reference": "CP-1"})

    # Assert
    assert response["Location"] == reverse("safeguarding:visit_cpoms", args=[visit.code])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Only a completed visit is recorded on CPOMS: this one is on the road."
    ]
    assert not CpomsEntry.objects.exists() and cpoms_events(visit) == 0


def test_hc24_list_unknown_school_filter_shows_all_the_leads_schools(cast, login):
    # Arrange
    visit = finished(cast)

    # Act
    response = login(cast.lead).get(reverse("safeguarding:cpoms"), {"school": "no-such-school", "after": "junk"})

    # Assert
    assert response.status_code == 200 and _rows(response) == [visit.pk]


@pytest.mark.parametrize("who", ["office", "head", "visitor"])
def test_hc24_record_view_refuses_others_who_see_the_visit_with_403(cast, login, who):
    # Arrange
    visit = finished(cast)

    # Act
    response = login(getattr(cast, who)).post(
        reverse("safeguarding:record_cpoms", args=[visit.code]), {"reference": "CP-1"}
    )

    # Assert
    assert response.status_code == 403 and not CpomsEntry.objects.exists()


def test_hc24_record_view_other_school_lead_gets_404(cast, login):
    # Arrange
    visit = finished(cast)

    # Act
    response = login(cast.other_lead).post(
        reverse("safeguarding:record_cpoms", args=[visit.code]), {"reference": "CP-1"}
    )

    # Assert
    assert response.status_code == 404 and not CpomsEntry.objects.exists()


def test_hc24_record_view_refuses_get_with_405(cast, login):
    # Arrange
    visit = finished(cast)

    # Act
    response = login(cast.lead).get(reverse("safeguarding:record_cpoms", args=[visit.code]))

    # Assert
    assert response.status_code == 405 and not CpomsEntry.objects.exists()


# --- the list ----------------------------------------------------------------------------------


def _rows(response) -> list[int]:
    return [row.pk for row in response.context["page"].rows]


def test_hc24_list_shows_completed_visits_not_yet_recorded_oldest_completion_first(cast, login):
    # Arrange: completed four days ago (booked for a later date) and nine days ago.
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=4), tick=False):
        recent = finished(cast, start=now - dt.timedelta(days=2))
    with time_machine.travel(now - dt.timedelta(days=9), tick=False):
        oldest = finished(cast, start=now - dt.timedelta(days=1))
    recorded = finished(cast)
    record_on_cpoms(recorded, cast.lead, "CP-1")
    cast.make_visit(Status.AUTHORISED)
    cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(cast.lead).get(reverse("safeguarding:cpoms"))

    # Assert
    assert _rows(response) == [oldest.pk, recent.pk]
    assert response.context["due_total"] == 2


def test_hc24_list_holds_no_visit_of_another_school(cast, login):
    # Arrange
    finished(cast)

    # Act
    response = login(cast.other_lead).get(reverse("safeguarding:cpoms"))

    # Assert
    assert response.status_code == 200 and _rows(response) == []


def test_hc24_list_row_shows_pupils_household_visitors_outcome_and_concern_flag(cast, login):
    # Arrange
    visit = finished(cast, record={"child_protection_concern": True, "concern_details": "Said she is hungry."})

    # Act
    response = login(cast.lead).get(reverse("safeguarding:cpoms"))

    # Assert
    html = response.content.decode()
    for text in (str(cast.pupil), cast.household.name, str(cast.visitor), str(cast.second), RECORD["outcome"]):
        assert text in html
    assert 'data-testid="cp-flag"' in html
    assert reverse("safeguarding:visit_cpoms", args=[visit.code]) in html


def _lead_of_both(cast):
    Membership.objects.create(user=cast.lead, school=cast.other_school, role=Role.LEAD)
    household = make_household(cast.other_school)
    pupil = make_pupil(household)
    return household, pupil


def _finished_at_other_school(cast, household, pupil) -> Visit:
    visitor = cast.other_visitor
    visit = lifecycle.create_request(
        cast.other_office,
        cast.other_school,
        household,
        visit_fields(visitor),
        pupils=[pupil],
        reasons=[Reason.ATTENDANCE],
    )
    review_risk(visit, cast.other_office)
    lifecycle.transition(visit, cast.other_office, "submit")
    lifecycle.transition(visit, cast.other_lead, "authorise", approve_lone_working=True, confirm_evening=True)
    lifecycle.transition(visit, visitor, "start")
    lifecycle.record_step(visit, visitor, "arrived")
    lifecycle.record_step(visit, visitor, "left")
    lifecycle.write_record(visit, visitor, RECORD)
    lifecycle.transition(visit, visitor, "complete")
    visit.refresh_from_db()
    return visit


def test_hc24_list_a_lead_of_two_schools_sees_each_apart_and_can_filter(cast, login):
    # Arrange: Mount's visit completed first, yet Holy Cross (first by name) comes first.
    household, pupil = _lead_of_both(cast)
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(days=6), tick=False):
        mount = _finished_at_other_school(cast, household, pupil)
    holy = finished(cast)
    client = login(cast.lead)

    # Act
    both = client.get(reverse("safeguarding:cpoms"))
    only_mount = client.get(reverse("safeguarding:cpoms"), {"school": cast.other_school.slug})

    # Assert
    assert _rows(both) == [holy.pk, mount.pk]
    html = both.content.decode()
    assert html.index(f'scope="rowgroup">{cast.school.name}<') < html.index(
        f'scope="rowgroup">{cast.other_school.name}<'
    )
    assert _rows(only_mount) == [mount.pk]


def test_hc24_list_recorded_tab_lists_entries_newest_first_with_who_and_reference(cast, login):
    # Arrange
    first, second = finished(cast), finished(cast)
    now = timezone.now()
    with time_machine.travel(now - dt.timedelta(hours=3), tick=False):
        record_on_cpoms(first, cast.lead, "CP-OLD")
    record_on_cpoms(second, cast.deputy, "CP-NEW")

    # Act
    response = login(cast.lead).get(reverse("safeguarding:cpoms"), {"show": "recorded"})

    # Assert
    assert [entry.visit_id for entry in response.context["page"].rows] == [second.pk, first.pk]
    html = response.content.decode()
    assert "CP-NEW" in html and "CP-OLD" in html and str(cast.deputy) in html


def _list_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("safeguarding:cpoms"), params)
    assert response.status_code == 200
    return len(queries)


def test_hc24_list_query_count_due_at_one_and_five_rows(cast, login):
    # Arrange: one row, then five (one lone, one with a concern flag).
    client = login(cast.lead)
    finished(cast)
    one = _list_queries(client)
    finished(cast, second_visitor=None)
    finished(cast, record={"child_protection_concern": True, "concern_details": "A worry."})
    finished(cast)
    finished(cast)

    # Act
    five = _list_queries(client)

    # Assert
    assert len(client.get(reverse("safeguarding:cpoms")).context["page"].rows) == 5
    assert one == five


def test_hc24_list_query_count_recorded_at_one_and_five_rows(cast, login):
    # Arrange
    client = login(cast.lead)
    visits = [finished(cast) for _ in range(5)]
    record_on_cpoms(visits[0], cast.lead, "CP-0")
    one = _list_queries(client, show="recorded")
    for i, visit in enumerate(visits[1:], start=1):
        record_on_cpoms(visit, cast.deputy if i % 2 else cast.lead, f"CP-{i}")

    # Act
    five = _list_queries(client, show="recorded")

    # Assert
    assert len(client.get(reverse("safeguarding:cpoms"), {"show": "recorded"}).context["page"].rows) == 5
    assert one == five


@pytest.mark.parametrize("who", ["office", "head", "visitor", "bystander", "trust_admin", "other_office"])
def test_hc24_list_is_404_for_all_but_the_leads(cast, login, who):
    # Act
    response = login(getattr(cast, who)).get(reverse("safeguarding:cpoms"))

    # Assert
    assert response.status_code == 404


# --- the visit page's panel and the navigation --------------------------------------------------


def _detail(client, visit) -> str:
    return client.get(reverse("visits:detail", args=[visit.code])).content.decode()


def test_hc24_panel_tells_a_lead_not_yet_on_cpoms_with_the_way_in(cast, login):
    # Arrange
    visit = finished(cast)

    # Act
    html = _detail(login(cast.lead), visit)

    # Assert
    assert "<strong>Not yet on CPOMS.</strong>" in html
    assert reverse("safeguarding:visit_cpoms", args=[visit.code]) in html


def test_hc24_panel_tells_a_lead_who_recorded_it_when_and_the_reference(cast, login):
    # Arrange
    visit = finished(cast)
    entry = record_on_cpoms(visit, cast.deputy, "CP-9")

    # Act
    html = _detail(login(cast.lead), visit)

    # Assert
    on = timezone.localtime(entry.recorded_at)
    assert f"Recorded on CPOMS by {cast.deputy} on {on:%d/%m/%Y} (reference CP-9)." in html


@pytest.mark.parametrize("who", ["office", "visitor", "head"])
def test_hc24_panel_reminds_others_it_must_go_on_cpoms_and_whether_it_has(cast, login, who):
    # Arrange
    visit = finished(cast)
    client = login(getattr(cast, who))

    # Act
    before = _detail(client, visit)
    entry = record_on_cpoms(visit, cast.lead, "CP-9")
    after = _detail(client, visit)

    # Assert: the reminder (hc24), whether it is done, and not the lead's way in.
    reminder = "The visit and its outcome must be recorded onto CPOMS by a safeguarding lead"
    assert reminder in before and reminder in after
    assert "<strong>Not yet recorded on CPOMS.</strong>" in before
    assert f"Recorded on CPOMS on {timezone.localtime(entry.recorded_at):%d/%m/%Y}." in after
    assert reverse("safeguarding:visit_cpoms", args=[visit.code]) not in before
    assert ("make sure your Record of Home Visit" in before) == (who == "visitor")


def test_hc24_panel_is_absent_until_the_visit_is_completed(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    html = _detail(login(cast.lead), visit)

    # Assert
    assert 'data-testid="cpoms-panel"' not in html


def test_hc24_panel_costs_one_query_recorded_or_not(cast):
    # Arrange
    waiting, done = finished(cast), finished(cast)
    record_on_cpoms(done, cast.lead, "CP-1")
    panel = next(p for p in hooks.PANELS["side"] if p.name == "cpoms")  # as the visit page shows it
    who.roles_of(cast.lead)  # the request's roles, loaded once per request anyway
    counts = []

    # Act
    for visit in (waiting, done):
        can = access.VisitAccess(cast.lead, visit)
        with CaptureQueriesContext(connection) as queries:
            render_to_string(panel.template, panel.context({}, visit, can))
        counts.append(len(queries))

    # Assert
    assert counts == [1, 1]


def test_hc24_nav_shows_cpoms_to_leads_only(cast, login):
    # Arrange
    url = reverse("safeguarding:cpoms")

    # Act
    pages = {
        who: login(getattr(cast, who)).get(reverse("password_change")).content.decode()
        for who in ("lead", "deputy", "office", "head", "visitor")
    }

    # Assert
    assert {who: f'href="{url}"' in html for who, html in pages.items()} == {
        "lead": True,
        "deputy": True,
        "office": False,
        "head": False,
        "visitor": False,
    }


# --- the demo ----------------------------------------------------------------------------------


def test_hc24_seed_cpoms_records_the_older_completed_visits_of_each_school_only(db):
    # Arrange
    from django.core.management import call_command
    from django.test import override_settings

    from demo.management.commands.seed_demo import Command
    from visits.models import School, User

    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=None)
    if not CpomsEntry.objects.exists():  # until seed_demo's handle calls seed_cpoms itself
        command = Command()
        command.now = timezone.now().replace(second=0, microsecond=0)
        command.holy, command.mount = School.objects.get(slug="holy-cross"), School.objects.get(slug="mount-primary")
        command.users = {user.username: user for user in User.objects.all()}

        # Act
        command.seed_cpoms()

    # Assert: some, not all, of each school; by its lead, after completion, never in the future.
    for school in School.objects.all():
        completed = Visit.objects.filter(school=school, status=Status.COMPLETED)
        entries = CpomsEntry.objects.filter(visit__school=school).select_related("visit", "recorded_by")
        assert 0 < entries.count() < completed.count()
        for entry in entries:
            assert who.is_lead(entry.recorded_by, entry.visit)
            assert entry.visit.completed_at < entry.recorded_at < timezone.now()
