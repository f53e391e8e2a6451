"""The authorisation queue: emergencies first, then by date; pages follow on (hc03); what each card
shows (hc02, hc06, hc09, hc13, hc21, mp01) in a fixed number of queries; a section per school; bulk
authorisation of low-risk new-starter visits (mp03)."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from safeguarding import concerns as concern_service
from safeguarding.models import Concern, ConcernKind
from tests.factories import make_household, make_pupil, review_risk
from visits import lifecycle
from visits.enums import EventKind, NotInformedException, Reason, Role, Status, VisitType
from visits.models import Membership, Visit, VisitReason
from visits.who import forget_roles


def test_hc03_emergency_first_in_queue(cast, login):
    soon = timezone.now() + dt.timedelta(days=1)
    later_planned = cast.make_visit("requested", start=soon + dt.timedelta(days=2))
    early_planned = cast.make_visit("requested", start=soon)
    emergency = cast.make_visit(
        "requested", start=soon + dt.timedelta(days=5), visit_type=VisitType.EMERGENCY, why_not_in_school=""
    )
    response = login(cast.lead).get(reverse("safeguarding:queue"))
    assert [v.pk for v in response.context["page"].rows] == [emergency.pk, early_planned.pk, later_planned.pk]


def test_queue_second_page_follows_on_without_overlap(cast, login):
    start = timezone.now() + dt.timedelta(days=1)
    made = [cast.make_visit("requested", start=start + dt.timedelta(hours=i)) for i in range(27)]
    client = login(cast.lead)
    first = client.get(reverse("safeguarding:queue"))
    page = first.context["page"]
    assert len(page.rows) == 25 and page.next_cursor
    second = client.get(reverse("safeguarding:queue"), {"after": page.next_cursor})
    assert second.status_code == 200
    seen = [v.pk for v in page.rows] + [v.pk for v in second.context["page"].rows]
    assert seen == [v.pk for v in made]


def test_queue_refuses_office_and_visitors(cast, login):
    for user in (cast.office, cast.visitor, cast.head, cast.trust_admin):
        assert login(user).get(reverse("safeguarding:queue")).status_code == 404


# --- a section per school, and the filter ----------------------------------------------------------


@pytest.fixture
def two_school_lead(cast):
    """The lead of Holy Cross is made a lead of Mount too."""
    Membership.objects.create(user=cast.lead, school=cast.other_school, role=Role.LEAD)
    forget_roles(cast.lead)
    return cast.lead


def _mount_request(cast) -> Visit:
    household = make_household(cast.other_school)
    pupil = make_pupil(household)
    visitor = cast.other_visitor
    start = timezone.now() + dt.timedelta(days=2)
    from tests.factories import visit_fields

    visit = lifecycle.create_request(
        cast.other_office,
        cast.other_school,
        household,
        visit_fields(visitor, None, start=start, lone_visit_reason="Known family."),
        pupils=[pupil],
        reasons=[Reason.ATTENDANCE],
    )
    review_risk(visit, cast.other_office)
    lifecycle.transition(visit, cast.other_office, "submit")
    return visit


def test_queue_lead_of_two_schools_sees_a_section_per_school_and_filters(cast, login, two_school_lead):
    # Arrange
    holy = cast.make_visit(Status.REQUESTED)
    mount = _mount_request(cast)
    client = login(two_school_lead)

    # Act
    both = client.get(reverse("safeguarding:queue"))
    only_mount = client.get(reverse("safeguarding:queue"), {"school": cast.other_school.slug})

    # Assert
    sections = {s.school.pk: [c.visit.pk for c in s.cards] for s in both.context["sections"]}
    assert sections == {cast.school.pk: [holy.pk], cast.other_school.pk: [mount.pk]}
    body = both.content.decode()
    assert f">{cast.school.name} <span" in body and f">{cast.other_school.name} <span" in body
    assert [c.visit.pk for s in only_mount.context["sections"] for c in s.cards] == [mount.pk]
    assert [s.school.pk for s in only_mount.context["sections"]] == [cast.other_school.pk]


def test_queue_filter_to_a_school_that_is_not_theirs_shows_their_own(cast, login):
    holy = cast.make_visit(Status.REQUESTED)
    response = login(cast.lead).get(reverse("safeguarding:queue"), {"school": cast.other_school.slug})
    assert [c.visit.pk for s in response.context["sections"] for c in s.cards] == [holy.pk]


# --- what a card shows -----------------------------------------------------------------------------


def test_queue_card_shows_everything_the_lead_needs(cast, login):
    # Arrange: an earlier completed visit with an open concern about the pupil, then a lone,
    # unannounced, evening request whose assessment changed since it was reviewed.
    earlier = cast.make_visit(Status.COMPLETED)
    concern_service.raise_concern(earlier, cast.visitor, ConcernKind.CHILD_PROTECTION, "Bruise on the arm.")
    cast.school.slt_discussion_required = True
    cast.school.save(update_fields=["slt_discussion_required"])
    start = (timezone.now() + dt.timedelta(days=3)).replace(hour=17, minute=30, second=0, microsecond=0)
    visit = cast.make_visit(
        Status.REQUESTED,
        second_visitor=None,
        lone_visit_reason="Second adult off sick.",
        start=start,
        family_informed=False,
        appointment_method="none",
        not_informed_exception=NotInformedException.ABSENT_NOT_RESPONDING,
        slt_consulted=cast.head,
    )
    VisitReason.objects.create(visit=visit, reason=Reason.WELFARE_CHECK)
    review_risk(cast.make_visit(Status.DRAFT), cast.office, likelihood=2)  # a newer version since

    # Act
    response = login(cast.lead).get(reverse("safeguarding:queue"))

    # Assert
    [card] = [c for s in response.context["sections"] for c in s.cards if c.visit.pk == visit.pk]
    assert card.risk_problem == "changed since review"
    assert [e.pk for e in card.earlier] == [earlier.pk]
    assert [c.details for _, c in card.concerns] == ["Bruise on the arm."]
    body = response.content.decode()
    for text in (
        cast.household.name,
        cast.pupil.last_name,
        "Attendance",
        Reason.WELFARE_CHECK.label,
        "Unannounced",
        NotInformedException.ABSENT_NOT_RESPONDING.label,
        "Second adult off sick.",
        str(cast.visitor),
        "Evening",
        "17:30",
        "Changed since review",
        "SLT consulted",
        str(cast.head),
        "Child protection concern",
        "Plan agreed.",
    ):
        assert text in body, text


def test_queue_card_says_not_reviewed_in_red(cast, login):
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)
    response = login(cast.lead).get(reverse("safeguarding:queue"))
    [card] = [c for s in response.context["sections"] for c in s.cards]
    assert card.visit.pk == visit.pk and card.risk_problem == "not reviewed"
    assert '<strong class="text-danger">Not reviewed</strong>' in response.content.decode()


def test_queue_card_shows_level_and_review_date(cast, login):
    visit = cast.make_visit(Status.REQUESTED)
    response = login(cast.lead).get(reverse("safeguarding:queue"))
    body = response.content.decode()
    assert "Low</span> reviewed " + timezone.localdate(visit.risk_review.reviewed_at).strftime("%d/%m/%Y") in body


def _queue_queries(cast, login, n: int, total: int) -> int:
    for i in range(n):
        earlier = cast.make_visit(Status.COMPLETED, start=timezone.now() - dt.timedelta(days=10 + i))
        concern_service.raise_concern(earlier, cast.visitor, ConcernKind.CHILD_PROTECTION, "Worry.")
        household = make_household(cast.school)
        pupil = make_pupil(household)
        cast.household, cast.pupil = household, pupil
        visit = cast.make_visit(Status.REQUESTED, visit_type=VisitType.EMERGENCY if i % 2 else VisitType.PLANNED)
        VisitReason.objects.create(visit=visit, reason=Reason.NEW_STARTER)
    client = login(cast.lead)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("safeguarding:queue"))
    assert sum(len(s.cards) for s in response.context["sections"]) == total
    return len(ctx.captured_queries)


def test_queue_query_count_does_not_grow_with_requests(cast, login):
    one = _queue_queries(cast, login, 1, total=1)
    five = _queue_queries(cast, login, 4, total=5)
    assert one == five


# --- bulk authorisation (mp03, hc09) ---------------------------------------------------------------


def _new_starter(cast, **overrides) -> Visit:
    visit = cast.make_visit(Status.DRAFT, **overrides)
    VisitReason.objects.filter(visit=visit).delete()
    VisitReason.objects.create(visit=visit, reason=Reason.NEW_STARTER)
    review_risk(visit, cast.office)
    lifecycle.transition(visit, cast.office, "submit")
    return visit


def test_mp03_queue_offers_only_low_risk_new_starters_with_nothing_to_confirm(cast, login):
    # Arrange
    eligible = _new_starter(cast)
    _lone = _new_starter(cast, second_visitor=None)
    _attendance = cast.make_visit(Status.REQUESTED)
    evening_start = (timezone.now() + dt.timedelta(days=4)).replace(hour=18, minute=0, second=0, microsecond=0)
    _evening = _new_starter(cast, start=evening_start)

    # Act
    response = login(cast.lead).get(reverse("safeguarding:queue"))

    # Assert
    assert [c.visit.pk for c in response.context["bulk"]] == [eligible.pk]


def test_mp03_bulk_authorise_each_visit_gets_its_own_decision_and_refusals_are_reported(cast, login):
    # Arrange: two eligible; one someone else declined first; one not a new starter.
    first, second = _new_starter(cast), _new_starter(cast)
    taken = _new_starter(cast)
    lifecycle.transition(taken, cast.deputy, "decline", note="Family moved.")
    other = cast.make_visit(Status.REQUESTED)
    lone = _new_starter(cast, second_visitor=None)

    # Act
    response = login(cast.lead).post(
        reverse("safeguarding:bulk_authorise"),
        {"visits": [str(v.code) for v in (first, second, taken, other, lone)]},
    )

    # Assert
    assert response["Location"] == reverse("safeguarding:queue")
    statuses = {v.pk: Visit.objects.get(pk=v.pk).status for v in (first, second, taken, other, lone)}
    assert statuses == {
        first.pk: Status.AUTHORISED,
        second.pk: Status.AUTHORISED,
        taken.pk: Status.DECLINED,
        other.pk: Status.REQUESTED,
        lone.pk: Status.REQUESTED,
    }
    for visit in (first, second):
        assert [e.actor_id for e in visit.events.filter(kind=EventKind.AUTHORISED)] == [cast.lead.pk]
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages[0] == "2 new-starter visits authorised."
    refusals = messages[1:]
    assert len(refusals) == 3
    assert any("it is declined" in m and str(cast.deputy) in m for m in refusals)
    assert any("only new-starter visits" in m for m in refusals)
    assert any("lone working" in m for m in refusals)


def test_mp03_bulk_authorise_refuses_the_lead_who_requested(cast, login):
    visit = _new_starter(cast)
    Visit.objects.filter(pk=visit.pk).update(requested_by=cast.lead)
    response = login(cast.lead).post(reverse("safeguarding:bulk_authorise"), {"visits": [str(visit.code)]})
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED
    assert any("may not" in str(m) for m in get_messages(response.wsgi_request))


def test_mp03_bulk_authorise_ignores_other_schools_and_junk(cast, login):
    mount = _mount_request(cast)
    response = login(cast.lead).post(reverse("safeguarding:bulk_authorise"), {"visits": [str(mount.code), "junk"]})
    assert Visit.objects.get(pk=mount.pk).status == Status.REQUESTED
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 ticked visit was not found."]


def test_mp03_bulk_authorise_refuses_get_and_non_leads(cast, login):
    url = reverse("safeguarding:bulk_authorise")
    assert login(cast.lead).get(url).status_code == 405
    assert login(cast.office).post(url, {}).status_code == 404
    assert Concern.objects.count() == 0
