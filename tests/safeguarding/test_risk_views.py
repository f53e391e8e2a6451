"""The risk assessment pages (hc09, hc10, hc11): the school template, a household's assessment and
its versions, the review for a visit, and the panel on the visit page."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from safeguarding import risk
from safeguarding.models import RiskAssessment, RiskReview, RiskTemplateRow
from tests.factories import make_household, template_rows
from tests.matrix import SEES_VISIT, VISIT_HIDDEN
from tests.matrix.risk import HOUSEHOLD_POST, TEMPLATE_POST
from tests.test_access_matrix import observe
from visits.enums import Role, Status
from visits.models import AuditEntry, Membership, Visit

ACTORS = ("anonymous", *SEES_VISIT, *VISIT_HIDDEN)
CODE_WORD = "bluebell"  # tests.factories.visit_fields


def form_rows(*rows: dict, summary: str = "") -> dict[str, str]:
    """POST data for the rows form: row-<n>-<field>."""
    data = {"summary": summary}
    for n, row in enumerate(rows):
        data |= {f"row-{n}-{name}": str(value) for name, value in row.items()}
    return data


def row(hazard="Dog in the house", severity=2, likelihood=1, controls="Dog shut in the garden.") -> dict:
    return {
        "hazard": hazard,
        "people_at_risk": "Both visitors",
        "severity": severity,
        "likelihood": likelihood,
        "controls": controls,
    }


def as_actor(client, login, cast, actor):
    if actor == "anonymous":
        client.logout()
        return client
    return login(getattr(cast, actor))


# --- the school template (its leads) ---------------------------------------------------------------


def test_hc09_template_editor_shows_the_five_default_hazards_to_a_lead(cast, login):
    # Act
    response = login(cast.lead).get(reverse("safeguarding:risk_template"))

    # Assert
    assert response.status_code == 200
    assert len(response.context["form"].rows) == 5
    assert "Attack by a dog or other animal" in response.content.decode()


def test_hc09_template_editor_saves_rows_and_says_so(cast, login):
    # Arrange
    data = form_rows(row("Loose dogs on the estate", 3, 2), row("Unlit stairwell", 2, 2))

    # Act
    response = login(cast.lead).post(reverse("safeguarding:risk_template"), data, follow=True)

    # Assert
    assert [h.hazard for h in risk.template_for(cast.school)] == ["Loose dogs on the estate", "Unlit stairwell"]
    assert "template of Holy Cross saved" in response.content.decode()


def test_hc09_template_editor_bad_rows_show_errors_and_save_nothing(cast, login):
    # Arrange
    risk.save_template(cast.school, cast.lead, [row("Ours")])
    data = form_rows(row("Loose dogs", controls=""), row("", severity=""))

    # Act
    response = login(cast.lead).post(reverse("safeguarding:risk_template"), data)

    # Assert: the errors name the rows; what was typed is still on the form; nothing saved.
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Row 1: say which controls are in place.",
        "Row 2: name the hazard.",
        "Row 2: choose the severity and the likelihood.",
    ]
    assert "Loose dogs" in body
    assert [h.hazard for h in risk.template_for(cast.school)] == ["Ours"]


def test_hc09_template_editor_add_and_remove_a_row_without_javascript_save_nothing(cast, login):
    # Arrange
    client = login(cast.lead)
    data = form_rows(row("First"), row("Second"))

    # Act
    added = client.post(reverse("safeguarding:risk_template"), data | {"add_row": "1"})
    removed = client.post(reverse("safeguarding:risk_template"), data | {"remove_row": "0"})

    # Assert
    assert [r["hazard"] for r in added.context["form"].rows] == ["First", "Second", ""]
    assert [r["hazard"] for r in removed.context["form"].rows] == ["Second"]
    assert RiskTemplateRow.objects.count() == 0


def test_hc09_template_editor_lead_of_two_schools_picks_the_school(cast, login):
    # Arrange
    Membership.objects.create(user=cast.lead, school=cast.other_school, role=Role.LEAD)
    url = reverse("safeguarding:risk_template") + f"?school={cast.other_school.slug}"

    # Act
    page = login(cast.lead).get(url)
    login(cast.lead).post(url, form_rows(row("Mount hazard")))

    # Assert
    assert page.context["school"] == cast.other_school
    assert [h.hazard for h in risk.template_for(cast.other_school)] == ["Mount hazard"]
    assert risk.template_for(cast.school) == list(risk.DEFAULT_TEMPLATE)


def test_hc09_template_editor_other_school_lead_gets_404_and_saves_nothing(cast, login):
    # Act
    url = reverse("safeguarding:risk_template") + f"?school={cast.school.slug}"
    response = login(cast.other_lead).post(url, form_rows(row("Not theirs")))

    # Assert
    assert response.status_code == 404
    assert RiskTemplateRow.objects.filter(school=cast.school).count() == 0


def test_hc09_template_post_every_actor(cast, client, login):
    # Act
    outcomes = {
        actor: observe(
            as_actor(client, login, cast, actor).post(reverse("safeguarding:risk_template"), form_rows(row()))
        )
        for actor in ACTORS
    }

    # Assert
    assert outcomes == TEMPLATE_POST


# --- a household's assessment ---------------------------------------------------------------------------


def test_hc09_household_assessment_shows_the_newest_version_and_history(cast, login):
    # Arrange
    risk.save_assessment(cast.household, cast.office, [row("Old hazard")])
    risk.save_assessment(cast.household, cast.lead, [row("Aggressive dog", 3, 3)], "Dog reported aggressive.")

    # Act
    response = login(cast.head).get(reverse("safeguarding:household_risk", args=[cast.household.code]))

    # Assert
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["latest"].version == 2
    assert [v.version for v in response.context["page"].rows] == [2, 1]
    assert "Aggressive dog" in body and "Old hazard" not in body
    assert 'data-level="high"' in body
    assert "Update the assessment" not in body  # the head reads only
    assert AuditEntry.objects.filter(object_type="risk_assessment", user_id=cast.head.pk).count() == 1


def test_hc09_household_assessment_update_prefills_the_template_then_the_newest_version(cast, login):
    # Arrange
    client = login(cast.office)
    url = reverse("safeguarding:household_risk_update", args=[cast.household.code])

    # Act
    first = client.get(url).context["form"].rows
    risk.save_assessment(cast.household, cast.office, [row("Ours")])
    then = client.get(url).context["form"].rows

    # Assert
    assert [r["hazard"] for r in first] == [h.hazard for h in risk.DEFAULT_TEMPLATE]
    assert [r["hazard"] for r in then] == ["Ours"]


def test_hc09_household_assessment_update_writes_a_new_version(cast, login):
    # Act
    response = login(cast.office).post(
        reverse("safeguarding:household_risk_update", args=[cast.household.code]),
        form_rows(row("Dog", 3, 2), summary="New dog."),
    )

    # Assert
    assert response.status_code == 302
    latest = risk.current_assessment(cast.household)
    assert (latest.version, latest.level, latest.summary, latest.created_by) == (1, "high", "New dog.", cast.office)


def test_hc09_household_assessment_update_bad_input_is_a_form_error_and_nothing_saved(cast, login):
    # Arrange
    risk.save_assessment(cast.household, cast.office, [row("Kept")])

    # Act
    response = login(cast.office).post(
        reverse("safeguarding:household_risk_update", args=[cast.household.code]),
        form_rows(row("Typed but unrated", severity="", likelihood="")),
    )

    # Assert
    assert response.status_code == 200
    assert "Row 1: choose the severity and the likelihood." in response.content.decode()
    assert "Typed but unrated" in response.content.decode()
    assert RiskAssessment.objects.filter(household=cast.household).count() == 1


def test_hc09_household_assessment_post_every_actor(cast, client, login):
    # Act
    outcomes = {}
    for actor in ACTORS:
        url = reverse("safeguarding:household_risk_update", args=[cast.household.code])
        before = RiskAssessment.objects.count()
        outcome = observe(as_actor(client, login, cast, actor).post(url, form_rows(row())))
        outcomes[actor] = outcome
        assert (RiskAssessment.objects.count() > before) == str(outcome).startswith("302 safeguarding"), actor

    # Assert
    assert outcomes == HOUSEHOLD_POST


def test_hc09_version_page_shows_an_earlier_version_as_written(cast, login):
    # Arrange
    first = risk.save_assessment(cast.household, cast.office, [row("First hazard")])
    risk.save_assessment(cast.household, cast.office, [row("Second hazard")])

    # Act
    response = login(cast.lead).get(reverse("safeguarding:risk_version", args=[first.code]))

    # Assert
    body = response.content.decode()
    assert "First hazard" in body and "Second hazard" not in body
    assert "earlier version" in body


def test_hc25_version_page_of_another_school_is_404(cast, login):
    # Arrange
    version = risk.save_assessment(cast.household, cast.office, [row()])

    # Act
    statuses = {
        who: login(getattr(cast, who)).get(reverse("safeguarding:risk_version", args=[version.code])).status_code
        for who in ("other_lead", "other_office", "other_head", "visitor")
    }

    # Assert
    assert statuses == dict.fromkeys(statuses, 404)


def _assessment_page_queries(cast, client, versions: int, rows: int) -> int:
    household = make_household(cast.school)
    for _ in range(versions):
        risk.save_assessment(household, cast.office, [row(f"Hazard {n}") for n in range(rows)])
    url = reverse("safeguarding:household_risk", args=[household.code])
    client.get(url)  # warm the session and the roles
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_hc09_household_assessment_page_query_count_same_for_1_and_5_versions_and_rows(cast, login):
    # Arrange
    client = login(cast.lead)

    # Act
    one = _assessment_page_queries(cast, client, versions=1, rows=1)
    five = _assessment_page_queries(cast, client, versions=5, rows=5)

    # Assert
    assert one == five


# --- the review for a visit ----------------------------------------------------------------------------


def test_hc09_review_page_shows_the_template_once_to_fill_in_for_a_household_without_an_assessment(cast, login):
    # Arrange
    visit = cast.make_visit(Status.DRAFT, risk_review=False)

    # Act
    response = login(cast.office).get(reverse("safeguarding:risk_review", args=[visit.code]))

    # Assert: one table, the one to fill in (issue 16: not a read-only copy above it too).
    body = response.content.decode()
    assert "The school's template (no assessment yet)" not in body and "risk-table" not in body
    assert "Fill in the first assessment" in body
    assert body.count("Attack by a dog or other animal") == 1
    assert "Reviewed: no change" not in body  # nothing to review unchanged yet
    assert "Not reviewed for this visit yet" in body
    assert AuditEntry.objects.filter(object_type="risk_assessment", object_code=str(visit.code)).count() == 1


def test_hc09_review_no_change_button_reviews_the_newest_version(cast, login):
    # Arrange
    visit = cast.make_visit(Status.DRAFT, risk_review=False)
    newest = risk.save_assessment(cast.household, cast.office, [row()])

    # Act
    response = login(cast.visitor).post(reverse("safeguarding:risk_no_change", args=[visit.code]), follow=True)

    # Assert
    review = RiskReview.objects.get(visit=visit)
    assert (review.assessment, review.changed, review.reviewed_by) == (newest, False, cast.visitor)
    assert "Reviewed: no change." in response.content.decode()


def test_hc09_review_update_saves_a_new_version_for_the_visit(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    login(cast.visitor).post(
        reverse("safeguarding:risk_update", args=[visit.code]), form_rows(row("Dog", 3, 3), summary="New dog.")
    )

    # Assert
    review = RiskReview.objects.get(visit=visit)
    assert (review.assessment.version, review.assessment.level, review.changed) == (2, "high", True)


def test_hc09_review_update_bad_input_is_a_form_error_and_nothing_saved(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    before = RiskReview.objects.get(visit=visit)

    # Act
    response = login(cast.office).post(
        reverse("safeguarding:risk_update", args=[visit.code]), form_rows(row("Typed hazard", controls=""))
    )

    # Assert: shown again with the error and what was typed; the review is as it was.
    body = response.content.decode()
    assert response.status_code == 200
    assert "Row 1: say which controls are in place." in body
    assert "Typed hazard" in body
    assert RiskAssessment.objects.filter(household=cast.household).count() == 1
    kept = RiskReview.objects.get(visit=visit)
    assert (kept.assessment_id, kept.reviewed_at) == (before.assessment_id, before.reviewed_at)


def test_hc09_review_post_by_the_head_is_403_and_changes_nothing(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    no_change = login(cast.head).post(reverse("safeguarding:risk_no_change", args=[visit.code]))
    update = login(cast.head).post(reverse("safeguarding:risk_update", args=[visit.code]), form_rows(row()))

    # Assert
    assert (no_change.status_code, update.status_code) == (403, 403)
    assert RiskReview.objects.get(visit=visit).reviewed_by == cast.office
    assert RiskAssessment.objects.count() == 1


def test_hc09_review_of_a_completed_visit_is_refused_with_a_message(cast, login):
    # Arrange
    visit = cast.make_visit(Status.COMPLETED)
    before = RiskReview.objects.get(visit=visit)

    # Act
    update = login(cast.visitor).post(
        reverse("safeguarding:risk_update", args=[visit.code]), form_rows(row()), follow=True
    )
    no_change = login(cast.visitor).post(reverse("safeguarding:risk_no_change", args=[visit.code]), follow=True)

    # Assert
    assert "can no longer be reviewed" in update.content.decode()
    assert "can no longer be reviewed" in no_change.content.decode()
    kept = RiskReview.objects.get(visit=visit)
    assert (kept.assessment_id, kept.reviewed_at) == (before.assessment_id, before.reviewed_at)
    assert RiskAssessment.objects.count() == 1


def test_hc01_review_page_warns_that_a_change_sends_an_authorised_visit_back(cast, login):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)
    client = login(cast.visitor)

    # Act
    page = client.get(reverse("safeguarding:risk_review", args=[visit.code])).content.decode()
    done = client.post(reverse("safeguarding:risk_update", args=[visit.code]), form_rows(row()), follow=True)

    # Assert
    assert "Saving a changed assessment sends the visit back to the safeguarding lead" in page
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED
    assert "The visit has gone back to the safeguarding lead" in done.content.decode()


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("office", (200, True)),
        ("lead", (200, True)),
        ("deputy", (200, True)),
        ("visitor", (200, True)),
        ("second", (200, True)),
        ("head", (403, False)),
        ("bystander", (404, False)),
        ("trust_admin", (404, False)),
        ("other_office", (404, False)),
        ("other_lead", (404, False)),
        ("other_visitor", (404, False)),
        ("other_head", (404, False)),
    ],
)
def test_hc11_code_word_visibility_on_the_review_page_for_every_role(cast, login, actor, expected):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    response = login(getattr(cast, actor)).get(reverse("safeguarding:risk_review", args=[visit.code]))

    # Assert
    assert (response.status_code, CODE_WORD in response.content.decode()) == expected


def test_hc11_head_who_requested_the_visit_reviews_it_without_seeing_the_code_word(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, requester=cast.head)

    # Act
    response = login(cast.head).get(reverse("safeguarding:risk_review", args=[visit.code]))

    # Assert
    body = response.content.decode()
    assert response.status_code == 200
    assert "Reviewed: no change" in body
    assert CODE_WORD not in body and 'data-testid="code-word"' not in body


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("office", (200, True, True)),
        ("lead", (200, True, True)),
        ("deputy", (200, True, True)),
        ("visitor", (200, True, True)),
        ("second", (200, True, True)),
        ("head", (200, False, False)),
        ("bystander", (404, False, False)),
        ("trust_admin", (404, False, False)),
        ("other_office", (404, False, False)),
        ("other_lead", (404, False, False)),
        ("other_visitor", (404, False, False)),
        ("other_head", (404, False, False)),
    ],
)
def test_hc11_code_word_visibility_on_the_visit_page_and_its_risk_panel_for_every_role(cast, login, actor, expected):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    response = login(getattr(cast, actor)).get(reverse("visits:detail", args=[visit.code]))

    # Assert: (status, code word on the page, the panel's controls on the page)
    body = response.content.decode()
    assert (response.status_code, CODE_WORD in body, 'data-testid="risk-panel"' in body) == expected


# --- the panel on the visit page --------------------------------------------------------------------------


def test_hc09_risk_panel_lists_controls_and_who_reviewed(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)

    # Act
    body = login(cast.visitor).get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert
    assert "Controls to follow" in body
    assert "Ask for animals to be put in another room before entering." in body
    assert "reviewed with no change by Office Hc" not in body  # the first review wrote version 1
    assert "Version 1, reviewed and updated by Office Hc" in body
    assert reverse("safeguarding:risk_review", args=[visit.code]) in body


def test_hc09_risk_panel_warns_when_changed_since_reviewed(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    risk.save_assessment(cast.household, cast.office, [row()])

    # Act
    body = login(cast.lead).get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert
    assert "Changed since reviewed: review again." in body


def test_hc10_risk_panel_shows_the_leads_reason_and_extra_controls(cast, login):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)
    risk.review_for_visit(visit, cast.office, template_rows(cast.school, severity=3, likelihood=3))
    from visits import lifecycle

    lifecycle.transition(
        visit,
        cast.lead,
        "authorise",
        high_risk_reason="Child unseen for 10 days.",
        high_risk_controls="Police present.",
    )

    # Act
    body = login(cast.visitor).get(reverse("visits:detail", args=[visit.code])).content.decode()

    # Assert
    assert 'data-testid="risk-override"' in body
    assert "Child unseen for 10 days." in body and "Police present." in body


def _visit_page_queries(cast, client, rows: int) -> int:
    visit = cast.make_visit(Status.DRAFT, risk_review=False)
    risk.review_for_visit(visit, cast.office, [row(f"Hazard {n}") for n in range(rows)])
    url = reverse("visits:detail", args=[visit.code])
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_hc09_risk_panel_query_count_same_for_1_and_5_rows(cast, login):
    # Arrange
    client = login(cast.lead)

    # Act
    one = _visit_page_queries(cast, client, rows=1)
    five = _visit_page_queries(cast, client, rows=5)

    # Assert
    assert one == five
