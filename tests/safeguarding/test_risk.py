"""The lone-working risk assessment service (safeguarding/risk.py): the matrix, versions written
once, reviews for a visit, and what they mean for authorisation (hc09, hc10, hc01)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from safeguarding import risk
from safeguarding.models import (
    Likelihood,
    RiskAssessment,
    RiskLevel,
    RiskReview,
    RiskRow,
    RiskTemplateRow,
    Severity,
    risk_level,
)
from tests.factories import template_rows
from visits import lifecycle
from visits.enums import EventKind, Status
from visits.exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.models import Visit, VisitEvent

LOW, MEDIUM, HIGH = RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH

# The matrix as the policy's template reads it, written out by hand (not derived from RISK_MATRIX).
EXPECTED_MATRIX = [
    (Severity.MINOR, Likelihood.REMOTE, LOW),
    (Severity.MINOR, Likelihood.POSSIBLE, LOW),
    (Severity.MINOR, Likelihood.LIKELY, MEDIUM),
    (Severity.SERIOUS, Likelihood.REMOTE, LOW),
    (Severity.SERIOUS, Likelihood.POSSIBLE, MEDIUM),
    (Severity.SERIOUS, Likelihood.LIKELY, HIGH),
    (Severity.MAJOR, Likelihood.REMOTE, LOW),
    (Severity.MAJOR, Likelihood.POSSIBLE, HIGH),
    (Severity.MAJOR, Likelihood.LIKELY, HIGH),
]


def row(hazard="Dog in the house", severity=2, likelihood=1, controls="Dog shut in the garden.", **extra) -> dict:
    return {
        "hazard": hazard,
        "people_at_risk": "",
        "severity": severity,
        "likelihood": likelihood,
        "controls": controls,
    } | extra


def authorise(visit: Visit, lead, **decision) -> Visit:
    return lifecycle.transition(visit, lead, "authorise", approve_lone_working=True, confirm_evening=True, **decision)


# --- the matrix ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "likelihood", "expected"), EXPECTED_MATRIX)
def test_hc09_risk_matrix_every_severity_likelihood_pair(severity, likelihood, expected):
    # Act
    level = risk_level(severity, likelihood)
    hazard = risk.Hazard("Hazard", "Staff", severity, likelihood, "Controls")

    # Assert
    assert level == expected
    assert hazard.level == expected
    assert hazard.get_level_display() == RiskLevel(expected).label


def test_hc09_risk_matrix_covers_exactly_the_nine_pairs():
    assert {(s, lk) for s, lk, _ in EXPECTED_MATRIX} == {(s, lk) for s in Severity for lk in Likelihood}


def test_hc09_assessment_level_is_the_highest_row_level(cast):
    # Act
    version = risk.save_assessment(
        cast.household, cast.office, [row(severity=1, likelihood=1), row("Steep steps", severity=2, likelihood=2)]
    )

    # Assert
    assert version.level == MEDIUM
    assert [r.level for r in version.rows.all()] == [LOW, MEDIUM]


# --- the template --------------------------------------------------------------------------------------


def test_hc09_template_defaults_are_the_five_hazards_of_appendix_2(cast):
    # Act
    hazards = risk.template_for(cast.school)

    # Assert
    names = [h.hazard.lower() for h in hazards]
    assert len(hazards) == 5
    for words in ("aggressive or violent", "driving", "movement through public areas", "illness", "dog"):
        assert sum(words in name for name in names) == 1, words
    assert all(h.controls and h.people_at_risk for h in hazards)
    assert {h.level for h in hazards} == {LOW}


def test_hc09_save_template_replaces_the_school_template_and_keeps_written_versions(cast):
    # Arrange
    first = risk.save_assessment(cast.household, cast.office, template_rows(cast.school))

    # Act
    risk.save_template(cast.school, cast.lead, [row("Loose dog on the estate", severity=3, likelihood=2)])

    # Assert
    assert [h.hazard for h in risk.template_for(cast.school)] == ["Loose dog on the estate"]
    assert risk.template_for(cast.other_school) == list(risk.DEFAULT_TEMPLATE)
    assert first.rows.count() == 5


@pytest.mark.parametrize("who", ["office", "head", "visitor", "other_lead"])
def test_hc09_save_template_refused_to_all_but_the_school_leads(cast, who):
    # Act
    with pytest.raises(NotPermitted):
        risk.save_template(cast.school, getattr(cast, who), [row()])

    # Assert
    assert RiskTemplateRow.objects.filter(school=cast.school).count() == 0


def test_hc09_save_template_with_bad_rows_keeps_the_old_template(cast):
    # Arrange
    risk.save_template(cast.school, cast.lead, [row("Ours")])

    # Act
    with pytest.raises(ValidationError):
        risk.save_template(cast.school, cast.lead, [row("New", controls="")])

    # Assert
    assert [h.hazard for h in risk.template_for(cast.school)] == ["Ours"]


# --- clean_rows: what the person typing is told -------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "messages"),
    [
        ([row(hazard="")], ["Row 1: name the hazard."]),
        ([row(), row(controls="   ")], ["Row 2: say which controls are in place."]),
        ([row(severity="")], ["Row 1: choose the severity and the likelihood."]),
        ([row(likelihood=7)], ["Row 1: choose the severity and the likelihood."]),
        ([row(severity="three")], ["Row 1: choose the severity and the likelihood."]),
        ([row(hazard="x" * 201)], ["Row 1: hazard is too long (at most 200)."]),
        ([row(hazard="", controls="")], ["An assessment needs at least one hazard."]),
        ([row()] * (risk.MAX_ROWS + 1), [f"An assessment has at most {risk.MAX_ROWS} hazards."]),
    ],
    ids=["no hazard", "no controls", "no severity", "bad likelihood", "not a number", "too long", "empty", "too many"],
)
def test_hc09_clean_rows_messages(rows, messages):
    # Act
    with pytest.raises(ValidationError) as raised:
        risk.clean_rows(rows)

    # Assert
    assert raised.value.messages == messages


def test_hc09_clean_rows_drops_blank_rows_and_fills_people_at_risk():
    # Act
    hazards = risk.clean_rows([row(hazard="  Dog   in the   yard "), row(hazard="", controls=""), row(severity="3")])

    # Assert
    assert [(h.hazard, h.people_at_risk, h.severity) for h in hazards] == [
        ("Dog in the yard", risk.STAFF, 2),
        ("Dog in the house", risk.STAFF, 3),
    ]


# --- versions: numbered and written once ---------------------------------------------------------------


def test_hc09_versions_numbered_consecutively_per_household(cast):
    # Arrange
    from tests.factories import make_household

    other_household = make_household(cast.school)

    # Act
    made = [risk.save_assessment(cast.household, cast.office, [row(f"Hazard {n}")]) for n in range(3)]
    elsewhere = risk.save_assessment(other_household, cast.lead, [row()])

    # Assert
    assert [v.version for v in made] == [1, 2, 3]
    assert elsewhere.version == 1
    assert risk.current_assessment(cast.household) == made[-1]
    assert [r.hazard for r in made[0].rows.all()] == ["Hazard 0"]


@pytest.mark.parametrize("who", ["visitor", "head", "other_office"])
def test_hc09_save_assessment_refused_to_those_who_do_not_manage_households(cast, who):
    with pytest.raises(NotPermitted):
        risk.save_assessment(cast.household, getattr(cast, who), [row()])

    assert RiskAssessment.objects.filter(household=cast.household).count() == 0


def test_hc09_version_and_its_rows_refuse_update_and_delete(cast):
    # Arrange
    version = risk.save_assessment(cast.household, cast.office, [row()])
    first_row = version.rows.get()

    # Act / Assert
    version.summary = "changed afterwards"
    with pytest.raises(ValueError, match="written once"):
        version.save()
    with pytest.raises(ValueError, match="written once"):
        version.delete()
    first_row.controls = "changed afterwards"
    with pytest.raises(ValueError, match="written once"):
        first_row.save()
    with pytest.raises(ValueError, match="written once"):
        first_row.delete()
    assert RiskAssessment.objects.get(pk=version.pk).summary == ""
    assert RiskRow.objects.get(pk=first_row.pk).controls == "Dog shut in the garden."


def _refused(run) -> bool:
    try:
        with transaction.atomic():
            run()
    except DatabaseError:
        return True
    return False


def _raw(sql: str, *params):
    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    return run


@pytest.mark.postgres
def test_hc09_version_update_and_delete_refused_by_postgres(cast):
    # Arrange
    version = risk.save_assessment(cast.household, cast.office, [row()])
    first_row = version.rows.get()

    # Act
    refused = {
        "orm update version": _refused(lambda: RiskAssessment.objects.filter(pk=version.pk).update(level=HIGH)),
        "raw delete version": _refused(_raw("DELETE FROM safeguarding_riskassessment WHERE id = %s", version.pk)),
        "orm update row": _refused(lambda: RiskRow.objects.filter(pk=first_row.pk).update(severity=3)),
        "raw delete row": _refused(_raw("DELETE FROM safeguarding_riskrow WHERE id = %s", first_row.pk)),
    }

    # Assert
    assert refused == dict.fromkeys(refused, True)
    assert RiskAssessment.objects.get(pk=version.pk).level == LOW
    assert RiskRow.objects.get(pk=first_row.pk).severity == 2


# --- reviews for a visit ---------------------------------------------------------------------------------


def test_hc09_review_no_change_points_at_the_newest_version_and_writes_none(cast):
    # Arrange
    visit = cast.make_visit(Status.DRAFT, risk_review=False)
    newest = risk.save_assessment(cast.household, cast.office, [row()])

    # Act
    review = risk.review_for_visit(visit, cast.visitor)

    # Assert
    assert (review.assessment, review.changed, review.reviewed_by) == (newest, False, cast.visitor)
    assert RiskAssessment.objects.filter(household=cast.household).count() == 1
    event = VisitEvent.objects.filter(visit=visit, kind=EventKind.RISK_REVIEWED).get()
    assert event.note == "Risk assessment v1, Low, no change."


def test_hc09_review_with_rows_writes_a_new_version_marked_changed(cast):
    # Arrange
    visit = cast.make_visit(Status.DRAFT, risk_review=False)
    risk.save_assessment(cast.household, cast.office, [row()])

    # Act
    review = risk.review_for_visit(visit, cast.office, [row(severity=2, likelihood=2)], "Dog is new.")

    # Assert
    assert (review.assessment.version, review.assessment.level, review.changed) == (2, MEDIUM, True)
    assert review.assessment.summary == "Dog is new."
    assert RiskReview.objects.filter(visit=visit).count() == 1
    # The timeline is read by everyone who sees the visit: fixed words, never the typed note.
    assert "Dog is new" not in "".join(VisitEvent.objects.filter(visit=visit).values_list("note", flat=True))


def test_hc09_review_no_change_refused_for_a_household_without_an_assessment(cast):
    # Arrange
    visit = cast.make_visit(Status.DRAFT, risk_review=False)

    # Act
    with pytest.raises(PreconditionFailed):
        risk.review_for_visit(visit, cast.office)

    # Assert
    assert not RiskReview.objects.filter(visit=visit).exists()


@pytest.mark.parametrize("who", ["head", "bystander", "other_lead"])
def test_hc09_review_refused_to_those_who_may_not_review(cast, who):
    # Arrange
    visit = cast.make_visit(Status.DRAFT, risk_review=False)

    # Act
    with pytest.raises(NotPermitted):
        risk.review_for_visit(visit, getattr(cast, who), [row()])

    # Assert
    assert not RiskAssessment.objects.filter(household=cast.household).exists()


def test_hc09_review_refused_once_the_visit_is_under_way(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    before = RiskReview.objects.get(visit=visit)

    # Act
    with pytest.raises(TransitionNotAllowed):
        risk.review_for_visit(visit, cast.visitor, [row(severity=3, likelihood=3)])

    # Assert
    assert RiskReview.objects.get(visit=visit).assessment_id == before.assessment_id
    assert RiskAssessment.objects.filter(household=cast.household).count() == 1


# --- authorisation (hc09, hc10) through the lifecycle ---------------------------------------------------


def test_hc09_no_review_blocks_authorisation(cast):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        authorise(visit, cast.lead)

    # Assert
    assert "Review the household's risk assessment for this visit before it is authorised" in str(refused.value)
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED


def test_hc09_review_made_stale_by_a_newer_version_blocks_authorisation_until_reviewed_again(cast):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED)
    risk.save_assessment(cast.household, cast.office, [row("Neighbour reports threats", severity=1, likelihood=2)])

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        authorise(visit, cast.lead)
    risk.review_for_visit(visit, cast.office)
    authorise(visit, cast.lead)

    # Assert
    assert "changed since it was reviewed" in str(refused.value)
    assert Visit.objects.get(pk=visit.pk).status == Status.AUTHORISED


@pytest.mark.parametrize(
    "decision",
    [{}, {"high_risk_reason": "Child not seen for 10 days."}, {"high_risk_controls": "Police present."}],
    ids=["neither", "reason only", "controls only"],
)
def test_hc10_high_risk_blocks_authorisation_without_reason_and_extra_controls(cast, decision):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)
    risk.review_for_visit(visit, cast.office, template_rows(cast.school, severity=3, likelihood=3))

    # Act
    with pytest.raises(PreconditionFailed) as refused:
        authorise(visit, cast.lead, **decision)

    # Assert
    assert "The risk assessment is High" in str(refused.value)
    kept = Visit.objects.get(pk=visit.pk)
    assert (kept.status, kept.high_risk_reason, kept.high_risk_controls) == (Status.REQUESTED, "", "")


def test_hc10_high_risk_authorised_with_reason_and_extra_controls_keeps_them_on_the_visit(cast):
    # Arrange
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)
    risk.review_for_visit(visit, cast.office, template_rows(cast.school, severity=3, likelihood=3))

    # Act
    authorise(visit, cast.lead, high_risk_reason="Child not seen for 10 days.", high_risk_controls="Police present.")

    # Assert
    kept = Visit.objects.get(pk=visit.pk)
    assert kept.status == Status.AUTHORISED
    assert (kept.high_risk_reason, kept.high_risk_controls) == ("Child not seen for 10 days.", "Police present.")
    assert risk.is_high_risk(kept) is True


@pytest.mark.parametrize(("severity", "likelihood"), [(2, 2), (1, 1)], ids=["medium", "low"])
def test_hc10_controls_lowering_the_rating_unblock_authorisation(cast, severity, likelihood):
    # Arrange: High first, then the controls bring every row down.
    visit = cast.make_visit(Status.REQUESTED, risk_review=False)
    risk.review_for_visit(visit, cast.office, template_rows(cast.school, severity=3, likelihood=3))
    risk.review_for_visit(
        visit,
        cast.office,
        template_rows(cast.school, severity=severity, likelihood=likelihood, controls="Police present."),
    )

    # Act
    authorise(visit, cast.lead, high_risk_reason="Not needed any more.", high_risk_controls="None.")

    # Assert: authorised, and the override is not kept where it was not needed.
    kept = Visit.objects.get(pk=visit.pk)
    assert (kept.status, kept.high_risk_reason, kept.high_risk_controls) == (Status.AUTHORISED, "", "")


def test_hc01_reviewing_an_authorised_visit_again_with_a_change_returns_it_to_requested(cast):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    risk.review_for_visit(visit, cast.visitor, [row("Dog now reported aggressive", severity=3, likelihood=3)])

    # Assert
    kept = Visit.objects.get(pk=visit.pk)
    assert (kept.status, kept.authorised_by, kept.authorised_at) == (Status.REQUESTED, None, None)
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.RETURNED_TO_QUEUE).count() == 1


def test_hc01_reviewing_an_authorised_visit_with_no_change_keeps_it_authorised(cast):
    # Arrange
    visit = cast.make_visit(Status.AUTHORISED)

    # Act
    risk.review_for_visit(visit, cast.visitor)

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == Status.AUTHORISED
    assert not VisitEvent.objects.filter(visit=visit, kind=EventKind.RETURNED_TO_QUEUE).exists()


def test_hc01_no_change_on_a_stale_review_of_an_authorised_visit_returns_it_to_requested(cast):
    # Arrange: a newer version written from the household's page after the authorisation.
    visit = cast.make_visit(Status.AUTHORISED)
    risk.save_assessment(cast.household, cast.office, [row()])

    # Act
    risk.review_for_visit(visit, cast.visitor)

    # Assert
    assert Visit.objects.get(pk=visit.pk).status == Status.REQUESTED
