"""The first risk assessment of a household (hc09; issue 16, item 7): one table to fill in, started
from the school's template and the household's known risks, which come first and unrated."""

from __future__ import annotations

from django.urls import reverse

from safeguarding import risk
from safeguarding.forms import RiskRowsForm
from safeguarding.models import RiskAssessment
from tests.safeguarding.test_risk_views import form_rows, row
from visits.enums import Status


def known(household, text: str) -> None:
    household.known_risks = text
    household.save(update_fields=["known_risks"])


def test_hc09_first_rows_are_the_known_risks_unrated_then_the_template(cast):
    # Arrange
    known(cast.household, "Large dog in the house.\n\n  Father   hostile to school staff.  ")

    # Act
    rows = risk.first_rows(cast.household)

    # Assert
    assert [r.hazard for r in rows] == [
        "Known risk at this address: Large dog in the house.",
        "Known risk at this address: Father hostile to school staff.",
        *[h.hazard for h in risk.DEFAULT_TEMPLATE],
    ]
    assert [(r.severity, r.likelihood, r.controls) for r in rows[:2]] == [(0, 0, ""), (0, 0, "")]


def test_hc09_a_household_without_known_risks_starts_from_the_template_alone(cast):
    # Act
    rows = risk.first_rows(cast.household)

    # Assert
    assert rows == list(risk.DEFAULT_TEMPLATE)


def test_hc09_a_long_known_risk_is_cut_to_what_a_hazard_holds(cast):
    # Arrange
    known(cast.household, "word " * 100)

    # Act
    (first,) = risk.known_risk_rows(cast.household)

    # Assert
    assert len(first.hazard) <= risk.FIELD_LIMITS["hazard"]
    assert first.hazard.endswith("\u2026")


def test_hc09_the_review_page_prefills_one_table_from_the_template_and_the_known_risks(cast, login):
    # Arrange
    known(cast.household, "Steep steps to the door.")
    visit = cast.make_visit(Status.DRAFT, risk_review=False)

    # Act
    response = login(cast.office).get(reverse("safeguarding:risk_review", args=[visit.code]))

    # Assert
    body = response.content.decode()
    form = response.context["form"]
    assert [r["hazard"] for r in form.display_rows()][:2] == [
        "Known risk at this address: Steep steps to the door.",
        risk.DEFAULT_TEMPLATE[0].hazard,
    ]
    assert form.display_rows()[0]["level"] == ""  # "Choose both": nobody rated it yet
    assert "risk-table" not in body  # no read-only copy of the same rows
    assert body.count("Known risk at this address: Steep steps to the door.") == 1
    assert 'data-testid="first-assessment"' in body


def test_hc09_a_known_risk_left_unrated_is_named_and_nothing_saved(cast, login):
    # Arrange
    known(cast.household, "Steep steps to the door.")
    visit = cast.make_visit(Status.DRAFT, risk_review=False)
    rows = [
        {n: getattr(h, n) for n in ("hazard", "people_at_risk", "severity", "likelihood", "controls")}
        for h in risk.first_rows(cast.household)
    ]

    # Act
    response = login(cast.office).post(reverse("safeguarding:risk_update", args=[visit.code]), form_rows(*rows))

    # Assert
    assert response.context["form"].non_field_errors() == [
        "Row 1: say which controls are in place.",
        "Row 1: choose the severity and the likelihood.",
    ]
    assert not RiskAssessment.objects.filter(household=cast.household).exists()


def test_hc09_the_first_assessment_saved_from_the_prefilled_table_keeps_the_known_risk(cast, login):
    # Arrange
    known(cast.household, "Steep steps to the door.")
    visit = cast.make_visit(Status.DRAFT, risk_review=False)
    rated = row("Known risk at this address: Steep steps to the door.", 2, 2, "Use the handrail.")

    # Act
    login(cast.office).post(reverse("safeguarding:risk_update", args=[visit.code]), form_rows(rated, row("Dog", 1, 1)))

    # Assert
    saved = risk.current_assessment(cast.household)
    assert [r.hazard for r in saved.rows.all()] == ["Known risk at this address: Steep steps to the door.", "Dog"]


def test_hc09_the_household_page_starts_its_first_assessment_the_same_way(cast, login):
    # Arrange
    known(cast.household, "Steep steps to the door.")

    # Act
    form = login(cast.office).get(reverse("safeguarding:household_risk_update", args=[cast.household.code]))
    rows = form.context["form"].rows

    # Assert
    assert rows[0]["hazard"] == "Known risk at this address: Steep steps to the door."
    assert len(rows) == 1 + len(risk.DEFAULT_TEMPLATE)


def test_hc09_the_severity_and_likelihood_boxes_are_never_squeezed_to_a_third_of_the_row(cast):
    # Arrange: a third of a tablet's column cut "Major injury may occur" off (issue 16).
    form = RiskRowsForm(initial_rows=risk.DEFAULT_TEMPLATE)

    # Act
    from django.template.loader import render_to_string

    html = render_to_string("safeguarding/risk/_rows_form.html", {"form": form, "matrix": {}})

    # Assert
    assert "col-lg-4" not in html
    assert html.count('<div class="col-sm-6">') == 2 * (len(risk.DEFAULT_TEMPLATE) + 1)  # + the blank row
