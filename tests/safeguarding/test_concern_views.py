"""Concern and incident pages (hc17, hc21, hc22): the inbox, a concern's page and its buttons,
raising and reporting from a visit, the incidents list, the navigation counts and the alert."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from homevisits.middleware import SESSION_LAST_SEEN
from safeguarding import concerns
from safeguarding.context_processors import lead_counts
from safeguarding.models import (
    Concern,
    ConcernAction,
    ConcernActionKind,
    ConcernKind,
    ConcernSource,
    ConcernStatus,
    CpomsEntry,
    Incident,
    IncidentKind,
)
from tests.factories import Cast, make_household, make_pupil
from visits.enums import AuditAction, Role, Status
from visits.models import AuditEntry, Membership

DETAILS = "Child said there was no food at home since Friday."


def _concern(cast: Cast, kind: str = ConcernKind.CHILD_PROTECTION, visit=None, **kwargs) -> Concern:
    visit = visit or cast.make_visit(Status.IN_PROGRESS)
    return concerns.raise_concern(visit, cast.visitor, kind, DETAILS, **kwargs)


def _incident(cast: Cast, kind: str = IncidentKind.THREAT, visit=None) -> Incident:
    visit = visit or cast.make_visit(Status.IN_PROGRESS)
    return concerns.report_incident(visit, cast.visitor, kind, timezone.now() - dt.timedelta(minutes=10), DETAILS)


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- the inbox (hc21) ------------------------------------------------------------------------------


def test_hc21_inbox_lists_urgent_first_then_newest_and_closed_apart(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    with time_machine.travel(timezone.now() - dt.timedelta(hours=3), tick=False):
        old_urgent = _concern(cast, ConcernKind.CHILD_ALONE, visit=visit)
    with time_machine.travel(timezone.now() - dt.timedelta(hours=2), tick=False):
        older = _concern(cast, visit=visit)
    newer = _concern(cast, visit=visit)
    closed = _concern(cast, visit=visit)
    concerns.close(closed, cast.lead, "No further action.")
    other = concerns.raise_concern(
        cast.make_visit(Status.IN_PROGRESS), cast.office, ConcernKind.CHILD_PROTECTION, DETAILS
    )
    Concern.objects.filter(pk=other.pk).update(school=cast.other_school)
    client = login(cast.lead)

    # Act
    open_tab = client.get(reverse("safeguarding:concerns"))
    closed_tab = client.get(reverse("safeguarding:concerns"), {"tab": "closed"})

    # Assert
    assert [c.pk for c in open_tab.context["page"].rows] == [old_urgent.pk, newer.pk, older.pk]
    assert [c.pk for c in closed_tab.context["page"].rows] == [closed.pk]
    assert "Urgent" in open_tab.content.decode()
    assert DETAILS not in open_tab.content.decode()


def test_hc21_inbox_lead_of_two_schools_filters_by_school(cast, login):
    # Arrange
    Membership.objects.create(user=cast.lead, school=cast.other_school, role=Role.LEAD)
    ours = _concern(cast)
    theirs = _concern(cast)
    Concern.objects.filter(pk=theirs.pk).update(school=cast.other_school)
    client = login(cast.lead)

    # Act
    both = client.get(reverse("safeguarding:concerns"))
    only_other = client.get(reverse("safeguarding:concerns"), {"school": cast.other_school.slug})
    made_up = client.get(reverse("safeguarding:concerns"), {"school": "no-such-school"})

    # Assert
    assert {c.pk for c in both.context["page"].rows} == {ours.pk, theirs.pk}
    assert [c.pk for c in only_other.context["page"].rows] == [theirs.pk]
    assert {c.pk for c in made_up.context["page"].rows} == {ours.pk, theirs.pk}
    assert {s.slug: s.waiting for s in both.context["schools"]} == {cast.school.slug: 1, cast.other_school.slug: 1}


def _inbox_queries(cast, login, n: int) -> int:
    for _ in range(n):
        household = make_household(cast.school)
        cast.household, cast.pupil = household, make_pupil(household)
        _concern(cast)
    client = login(cast.lead)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("safeguarding:concerns"))
    assert len(response.context["page"].rows) == Concern.objects.count()
    return len(ctx.captured_queries)


def test_hc21_inbox_query_count_does_not_grow_with_concerns(cast, login):
    one = _inbox_queries(cast, login, 1)
    five = _inbox_queries(cast, login, 4)  # 1 + 4 = 5 concerns
    assert one == five


def _incident_queries(cast, login, n: int) -> int:
    for _ in range(n):
        _incident(cast)
    client = login(cast.head)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("safeguarding:incidents"))
    assert len(response.context["page"].rows) == Incident.objects.count()
    return len(ctx.captured_queries)


def test_hc22_incidents_query_count_does_not_grow_with_incidents(cast, login):
    one = _incident_queries(cast, login, 1)
    five = _incident_queries(cast, login, 4)
    assert one == five


def test_hc22_incidents_list_unreviewed_first(cast, login):
    # Arrange
    reviewed = _incident(cast, IncidentKind.INJURY)
    concerns.review_incident(reviewed, cast.lead, "First aid given; no further action.")
    waiting = _incident(cast, IncidentKind.ACCUSATION)

    # Act
    response = login(cast.head).get(reverse("safeguarding:incidents"))

    # Assert
    assert [i.pk for i in response.context["page"].rows] == [waiting.pk, reviewed.pk]


# --- a concern's page and its buttons (hc21) ----------------------------------------------------


def test_hc21_concern_page_shows_details_steps_and_is_audited(cast, login):
    # Arrange
    concern = _concern(cast)
    concerns.record_action(concern, cast.deputy, ConcernActionKind.REFERRAL_CSC, reference="CSC-9")

    # Act
    response = login(cast.lead).get(reverse("safeguarding:concern", args=[concern.code]))

    # Assert
    html = response.content.decode()
    assert response.status_code == 200
    assert DETAILS in html
    assert "Referral to children&#x27;s social care" in html and "CSC-9" in html
    assert AuditEntry.objects.filter(
        object_type="concern", object_code=str(concern.code), action=AuditAction.VIEW, user_id=cast.lead.pk
    ).exists()


def test_hc21_acknowledge_then_second_lead_told_who_acted_first(cast, login, client):
    # Arrange
    concern = _concern(cast)
    url = reverse("safeguarding:concern_acknowledge", args=[concern.code])
    login(cast.lead).post(url)

    # Act
    response = login(cast.deputy).post(url)

    # Assert
    concern.refresh_from_db()
    assert response.status_code == 302
    assert concern.acknowledged_by == cast.lead
    assert ConcernAction.objects.filter(concern=concern, kind=ConcernActionKind.ACKNOWLEDGED).count() == 1
    assert any(m.startswith(f"This concern was already acknowledged by {cast.lead}") for m in _messages(response))


def test_hc21_record_action_without_kind_is_a_form_error_and_saves_nothing(cast, login):
    # Arrange
    concern = _concern(cast)

    # Act
    response = login(cast.lead).post(
        reverse("safeguarding:concern_action", args=[concern.code]), {"action-reference": "X1"}
    )

    # Assert
    concern.refresh_from_db()
    assert response.status_code == 200
    assert response.context["action_form"].errors == {"kind": ["Choose what was done."]}
    assert concern.status == ConcernStatus.OPEN
    assert ConcernAction.objects.filter(concern=concern).count() == 0


def test_hc21_record_action_bad_reference_is_a_form_error(cast, login):
    # Arrange
    concern = _concern(cast)

    # Act
    response = login(cast.lead).post(
        reverse("safeguarding:concern_action", args=[concern.code]),
        {"action-kind": ConcernActionKind.POLICE, "action-reference": "<script>"},
    )

    # Assert
    assert response.status_code == 200
    assert response.context["action_form"].non_field_errors()
    assert ConcernAction.objects.filter(concern=concern).count() == 0


def test_hc21_record_action_saves_kind_reference_and_who(cast, login):
    # Arrange
    concern = _concern(cast)

    # Act
    response = login(cast.deputy).post(
        reverse("safeguarding:concern_action", args=[concern.code]),
        {"action-kind": ConcernActionKind.EARLY_HELP, "action-reference": "EH 77", "action-note": "Referred."},
    )

    # Assert
    assert response.status_code == 302
    steps = list(ConcernAction.objects.filter(concern=concern).values_list("kind", "reference", "by"))
    assert steps == [
        (ConcernActionKind.ACKNOWLEDGED, "", cast.deputy.pk),
        (ConcernActionKind.EARLY_HELP, "EH 77", cast.deputy.pk),
    ]


def test_hc21_close_without_reason_is_a_form_error_and_saves_nothing(cast, login):
    # Arrange
    concern = _concern(cast)

    # Act
    response = login(cast.lead).post(reverse("safeguarding:concern_close", args=[concern.code]), {"close-reason": ""})

    # Assert
    concern.refresh_from_db()
    assert response.status_code == 200
    assert response.context["close_form"].errors == {"reason": ["Write the reason for closing."]}
    assert concern.status == ConcernStatus.OPEN


def test_hc21_closed_concern_page_offers_no_buttons_and_action_is_refused(cast, login):
    # Arrange
    concern = _concern(cast)
    concerns.close(concern, cast.deputy, "Family moved; handed to the new school.")
    client = login(cast.lead)

    # Act
    page = client.get(reverse("safeguarding:concern", args=[concern.code]))
    refused = client.post(
        reverse("safeguarding:concern_action", args=[concern.code]), {"action-kind": ConcernActionKind.POLICE}
    )

    # Assert
    assert "Record the action" not in page.content.decode()
    assert refused.status_code == 302
    assert any("closed by" in m for m in _messages(refused))
    assert ConcernAction.objects.filter(concern=concern).count() == 2  # acknowledged, closed


@pytest.mark.parametrize("name", ["concern_acknowledge", "concern_action", "concern_close", "incident_review"])
def test_hc21_post_only_actions_refuse_get_with_405(cast, login, name):
    # Arrange
    code = _incident(cast).code if name == "incident_review" else _concern(cast).code

    # Act
    response = login(cast.lead).get(reverse(f"safeguarding:{name}", args=[code]))

    # Assert
    assert response.status_code == 405


# --- raising a concern and reporting an incident from a visit (hc17, hc22) -----------------------


def test_hc17_raise_concern_from_visit_redirects_back_and_tells_leads(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(cast.visitor).post(
        reverse("safeguarding:raise_concern", args=[visit.code]),
        {"kind": ConcernKind.CHILD_PROTECTION, "details": DETAILS, "urgent": "on"},
    )

    # Assert
    concern = Concern.objects.get(visit=visit)
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.code])
    assert (concern.urgent, concern.source, concern.raised_by) == (True, ConcernSource.URGENT, cast.visitor)
    assert list(concern.pupils.all()) == [cast.pupil]
    assert any("told at once" in m for m in _messages(response))


def test_hc17_raise_concern_without_details_is_a_form_error_and_saves_nothing(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    response = login(cast.office).post(
        reverse("safeguarding:raise_concern", args=[visit.code]), {"kind": ConcernKind.CHILD_PROTECTION}
    )

    # Assert
    assert response.status_code == 200
    assert response.context["form"].errors == {"details": ["Write what you saw or heard."]}
    assert Concern.objects.count() == 0


def test_hc17_raise_concern_form_offers_the_visits_pupils(cast, login):
    # Arrange
    other = make_pupil(cast.household, first_name="Ali")
    visit = cast.make_visit(Status.AUTHORISED)
    visit.pupils.add(other)

    # Act
    response = login(cast.lead).post(
        reverse("safeguarding:raise_concern", args=[visit.code]),
        {"kind": ConcernKind.CHILD_PROTECTION, "details": DETAILS, "pupils": [other.pk]},
    )

    # Assert
    assert response.status_code == 302
    assert list(Concern.objects.get(visit=visit).pupils.all()) == [other]


def test_hc17_head_may_not_raise_from_the_visit_page(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(cast.head).post(
        reverse("safeguarding:raise_concern", args=[visit.code]),
        {"kind": ConcernKind.CHILD_PROTECTION, "details": DETAILS},
    )

    # Assert
    assert response.status_code == 403
    assert Concern.objects.count() == 0


def test_hc17_raise_concern_on_draft_is_refused_with_a_message(cast, login):
    # Arrange
    visit = cast.make_visit(Status.DRAFT)

    # Act
    response = login(cast.office).get(reverse("safeguarding:raise_concern", args=[visit.code]))

    # Assert
    assert response.status_code == 302
    assert any("draft" in m for m in _messages(response))


def test_hc22_report_incident_saves_its_own_time(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    happened = timezone.localtime() - dt.timedelta(minutes=30)

    # Act
    response = login(cast.second).post(
        reverse("safeguarding:report_incident", args=[visit.code]),
        {
            "kind": IncidentKind.ACCUSATION,
            "date": happened.date().isoformat(),
            "time": happened.strftime("%H:%M"),
            "details": DETAILS,
        },
    )

    # Assert
    incident = Incident.objects.get(visit=visit)
    assert response.status_code == 302
    assert response["Location"] == reverse("visits:detail", args=[visit.code])
    assert timezone.localtime(incident.occurred_at).strftime("%d/%m/%Y %H:%M") == happened.strftime("%d/%m/%Y %H:%M")
    assert incident.reported_by == cast.second


def test_hc22_report_incident_defaults_to_now(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    response = login(cast.visitor).get(reverse("safeguarding:report_incident", args=[visit.code]))

    # Assert
    form = response.context["form"]
    assert form.initial["date"] == timezone.localdate()
    assert 'type="time"' in response.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "", "time": "10:00"}, "date"),
        ({"date": "2026-02-31", "time": "10:00"}, "date"),
        ({"date": "future", "time": "10:00"}, None),
    ],
    ids=["no_date", "impossible_date", "future"],
)
def test_hc22_report_incident_bad_time_is_a_form_error_and_saves_nothing(cast, login, data, field):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    if data["date"] == "future":
        data = {"date": (timezone.localdate() + dt.timedelta(days=2)).isoformat(), "time": "10:00"}

    # Act
    response = login(cast.visitor).post(
        reverse("safeguarding:report_incident", args=[visit.code]),
        {"kind": IncidentKind.THREAT, "details": DETAILS, **data},
    )

    # Assert
    form = response.context["form"]
    assert response.status_code == 200
    assert (
        (field in form.errors)
        if field
        else form.non_field_errors() == ["The time it happened cannot be in the future."]
    )
    assert Incident.objects.count() == 0


def test_hc22_review_incident_without_note_is_a_form_error(cast, login):
    # Arrange
    incident = _incident(cast)

    # Act
    response = login(cast.head).post(reverse("safeguarding:incident_review", args=[incident.code]), {"note": ""})

    # Assert
    incident.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors == {"note": ["Write what follows from this incident."]}
    assert incident.reviewed_at is None


def test_hc22_head_marks_incident_reviewed(cast, login):
    # Arrange
    incident = _incident(cast, IncidentKind.ACCUSATION)

    # Act
    response = login(cast.head).post(
        reverse("safeguarding:incident_review", args=[incident.code]), {"note": "LADO consulted."}
    )

    # Assert
    incident.refresh_from_db()
    assert response.status_code == 302
    assert (incident.reviewed_by, incident.review_note) == (cast.head, "LADO consulted.")


# --- the visit page's panel --------------------------------------------------------------------


def test_hc21_visit_panel_leads_get_links_others_only_kind_and_time(cast, login):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    concern = concerns.raise_concern(visit, cast.second, ConcernKind.CHILD_PROTECTION, DETAILS)
    incident = _incident(cast, visit=visit)
    url = reverse("visits:detail", args=[visit.code])

    # Act
    lead_html = login(cast.lead).get(url).content.decode()
    visitor_html = login(cast.visitor).get(url).content.decode()
    head_html = login(cast.head).get(url).content.decode()

    # Assert
    concern_link = reverse("safeguarding:concern", args=[concern.code])
    incident_link = reverse("safeguarding:incident", args=[incident.code])
    assert concern_link in lead_html and incident_link in lead_html
    assert "Child protection concern raised to the safeguarding leads" in visitor_html
    assert concern_link not in visitor_html and incident_link not in visitor_html
    assert DETAILS not in visitor_html and DETAILS not in lead_html
    assert reverse("safeguarding:raise_concern", args=[visit.code]) in visitor_html
    assert reverse("safeguarding:report_incident", args=[visit.code]) in visitor_html
    assert incident_link in head_html and concern_link not in head_html
    assert reverse("safeguarding:raise_concern", args=[visit.code]) not in head_html


def test_hc22_visit_panel_offers_no_incident_button_before_authorisation(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    html = login(cast.office).get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert
    assert reverse("safeguarding:raise_concern", args=[visit.code]) in html
    assert reverse("safeguarding:report_incident", args=[visit.code]) not in html


# --- navigation counts and the alert (hc17) --------------------------------------------------------


def _counts(user) -> tuple[dict, int]:
    request = RequestFactory().get("/")
    request.user = user
    with CaptureQueriesContext(connection) as ctx:
        counts = lead_counts(request)
    return counts, len(ctx.captured_queries)


def test_hc17_lead_counts_for_a_lead(cast):
    # Arrange
    cast.make_visit(Status.REQUESTED)
    urgent = _concern(cast, ConcernKind.CHILD_ALONE)
    acknowledged = _concern(cast)
    concerns.acknowledge(acknowledged, cast.lead)
    closed = _concern(cast)
    concerns.close(closed, cast.lead, "Done.")
    reviewed = _incident(cast, visit=urgent.visit)
    concerns.review_incident(reviewed, cast.lead, "Seen.")
    _incident(cast, visit=urgent.visit)
    done = cast.make_visit(Status.COMPLETED)
    cast.make_visit(Status.COMPLETED)
    CpomsEntry.objects.create(visit=done, reference="C1", recorded_by=cast.lead)

    # Act
    counts, _ = _counts(cast.lead)

    # Assert
    assert counts["lead_nav"] | {} == {
        "queue": 1,
        "concerns_open": 1,
        "concerns_urgent": 1,
        "concerns_unresolved": 2,
        "incidents_unreviewed": 1,
        "cpoms_due": 1,
        "cpoms_due_label": "1",
        "is_lead": True,
        "sees_incidents": True,
    }


def test_hc24_cpoms_badge_counts_only_to_its_cap(cast, login, monkeypatch):
    # Arrange: a cap of 2 stands in for 99, so three visits overflow it
    monkeypatch.setattr("safeguarding.context_processors.NAV_CAP", 2)
    for _ in range(4):
        cast.make_visit(Status.COMPLETED)

    # Act
    counts, _ = _counts(cast.lead)
    html = login(cast.lead).get(reverse("safeguarding:queue")).content.decode()

    # Assert: counted no further than one past the cap, and shown as "2+"
    assert counts["lead_nav"]["cpoms_due"] == 3
    assert counts["lead_nav"]["cpoms_due_label"] == "2+"
    assert 'data-testid="nav-cpoms-badge">2+<' in html


@pytest.mark.parametrize(
    ("who", "queries"), [("lead", 5), ("head", 2), ("office", 1), ("visitor", 1), ("other_lead", 5)]
)
def test_hc17_lead_counts_cost_a_fixed_number_of_queries(cast, who, queries):
    # Arrange
    user = getattr(cast, who)
    _, cold_small = _counts(user)
    for _ in range(3):
        _concern(cast)
        _incident(cast)

    # Act
    user.refresh_from_db()
    for cached in ("_homevisits_roles", "_homevisits_visit_perms"):
        user.__dict__.pop(cached, None)
    counts, cold_big = _counts(user)

    # Assert: the roles (1), then one per count the role opens: queue, concerns, incidents, CPOMS.
    assert cold_small == cold_big == queries
    assert (counts["lead_nav"]["concerns_open"] > 0) == (who == "lead")


def test_hc17_nav_badge_red_when_an_urgent_concern_is_open(cast, login):
    # Arrange
    _concern(cast, ConcernKind.CHILD_ALONE)
    _concern(cast)

    # Act
    html = login(cast.lead).get(reverse("safeguarding:concerns")).content.decode()

    # Assert
    assert 'class="badge rounded-pill text-bg-danger" data-testid="nav-concerns-badge">2<' in html
    assert "js/inbox.js" in html


def test_hc17_inbox_script_only_for_leads(cast, login):
    # Act
    html = login(cast.office).get(reverse("visits:today")).content.decode()

    # Assert
    assert "js/inbox.js" not in html
    assert "nav-concerns-badge" not in html


def test_hc17_alert_endpoint_gives_counts_as_json(cast, login):
    # Arrange
    _concern(cast, ConcernKind.CHILD_ALONE)
    acknowledged = _concern(cast)
    concerns.acknowledge(acknowledged, cast.deputy)

    # Act
    response = login(cast.deputy).get(reverse("safeguarding:concern_alert"), headers={"X-Homevisits-Background": "1"})

    # Assert
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"open": 1, "urgent": 1, "unresolved": 2, "url": reverse("safeguarding:concerns")}


@pytest.mark.parametrize("who", ["office", "head", "visitor", "other_office"])
def test_hc17_alert_endpoint_only_for_leads(cast, login, who):
    # Act
    response = login(getattr(cast, who)).get(reverse("safeguarding:concern_alert"))

    # Assert
    assert response.status_code == 404


def test_hc17_alert_polling_does_not_keep_the_session_alive(cast, login):
    # Arrange
    with time_machine.travel(dt.datetime.now(dt.UTC), tick=False) as clock:
        client = login(cast.lead)
        client.get(reverse("safeguarding:concerns"))
        seen = client.session[SESSION_LAST_SEEN]
        clock.shift(dt.timedelta(minutes=1))

        # Act
        response = client.get(reverse("safeguarding:concern_alert"), headers={"X-Homevisits-Background": "1"})

    # Assert
    assert response.status_code == 200
    assert client.session[SESSION_LAST_SEEN] == seen


def test_hc17_alert_endpoint_refuses_post(cast, login):
    # Act
    response = login(cast.lead).post(reverse("safeguarding:concern_alert"))

    # Assert
    assert response.status_code == 405
