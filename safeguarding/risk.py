"""The lone-working risk assessment (hc09, hc10, hc11; HC Appendix 2): the only code that writes
templates, assessment versions and reviews.

- A school's *template* holds the hazards every new assessment starts from; a school that never
  edited it gets the five hazards of Appendix 2 (`DEFAULT_TEMPLATE`).
- A household's *assessment* is a series of versions. A version is written once (`WrittenOnce`,
  and a PostgreSQL trigger): editing writes a new version, so what was assessed for a visit stays
  as it was, and later visits see the newest (MP: "referred to for subsequent visits").
- A visit's *review* says which version was reviewed for it, by whom and when, and whether it was
  changed. `authorisation_check` (registered with the lifecycle in `apps.py`) refuses to authorise
  a visit without a review of the household's newest version (hc09), or one rated High unless the
  lead records why it still goes ahead and the extra controls (hc10).
- Reviewing an authorised visit's assessment again, with a change, returns the visit to the queue:
  an authorisation covers what the lead saw (hc01).

Every write runs in a transaction that locks the household row, so two people saving at once get
consecutive versions, never the same number.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from visits import audit, lifecycle, who
from visits.enums import AuditAction, EventKind, Status
from visits.exceptions import NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.lifecycle import Decision
from visits.models import Household, School, User, Visit

from .models import (
    Likelihood,
    RiskAssessment,
    RiskLevel,
    RiskReview,
    RiskRow,
    RiskTemplateRow,
    Severity,
    highest_level,
    risk_level,
)
from .who import may_review_risk

MAX_ROWS = 30
FIELD_LIMITS = {"hazard": 200, "people_at_risk": 200, "controls": 4000}


@dataclass(frozen=True)
class Hazard:
    """One row as typed or as stored: what a template row, a version row and a form row share."""

    hazard: str
    people_at_risk: str
    severity: int
    likelihood: int
    controls: str

    @property
    def level(self) -> str:
        return risk_level(self.severity, self.likelihood)

    def get_level_display(self) -> str:
        return RiskLevel(self.level).label

    @classmethod
    def of(cls, row) -> Hazard:
        return cls(row.hazard, row.people_at_risk, row.severity, row.likelihood, row.controls)


STAFF = "Member of staff may be harmed"
# HC Appendix 2, "Lone Working Risk Assessment": the five hazards with their usual people at
# risk, rating and controls, as the policy's template sets them out.
DEFAULT_TEMPLATE: tuple[Hazard, ...] = (
    Hazard(
        "Aggressive or violent parent, pupil or family member",
        STAFF,
        Severity.MAJOR,
        Likelihood.REMOTE,
        "Follow the home visit policy. Inform the safeguarding team before the visit. Visit in a pair if the "
        "home circumstances are known. Tell reception and sign out so others know. Take a mobile phone.",
    ),
    Hazard(
        "Driving (breakdown, accident, intruder in an unattended vehicle, mobile phone use, fatigue)",
        STAFF,
        Severity.MAJOR,
        Likelihood.REMOTE,
        "Keep the vehicle maintained and belong to a breakdown organisation. Carry a torch and phone. Tell the "
        "team where you are going and phone in if plans change. Leave no valuables in the car. Avoid risky areas.",
    ),
    Hazard(
        "Movement through public areas, e.g. to and from car parks (attack, theft)",
        STAFF,
        Severity.SERIOUS,
        Likelihood.REMOTE,
        "Back away from confrontation and call for help. Carry an attack alarm. Keep valuables out of sight; "
        "give them up if your safety is at risk. Use public transport where available. Post-incident support.",
    ),
    Hazard(
        "Illness, injury or accident",
        "Member of staff may be harmed or injured",
        Severity.SERIOUS,
        Likelihood.REMOTE,
        "Alert the emergency services if needed and the team if able. Keep a phone to hand. Take prescribed "
        "medication as directed. Complete the injury at work protocol on return.",
    ),
    Hazard(
        "Attack by a dog or other animal",
        "Member of staff may be harmed or injured",
        Severity.MAJOR,
        Likelihood.REMOTE,
        "Avoid contact with animals. Ask for animals to be put in another room before entering. Seek local "
        "advice before entering premises with animals. Avoid sudden movements near animals.",
    ),
)


# --- reading ------------------------------------------------------------------------------------


def template_for(school: School) -> list[Hazard]:
    """The school's template rows, or the policy's five hazards while it has none of its own."""
    rows = [Hazard.of(r) for r in RiskTemplateRow.objects.filter(school=school).order_by("position", "id")]
    return rows or list(DEFAULT_TEMPLATE)


KNOWN_RISK = "Known risk at this address: "
MAX_KNOWN_RISK_ROWS = 5


def known_risk_rows(household: Household) -> list[Hazard]:
    """The household's known risks (its record's "known risks", one a line) as rows to rate: the
    person writing the first assessment chooses their severity and likelihood and says which
    controls are in place (none is chosen for them)."""
    lines = [" ".join(line.split()) for line in (household.known_risks or "").splitlines()]
    rows = []
    for line in [line for line in lines if line][:MAX_KNOWN_RISK_ROWS]:
        text = KNOWN_RISK + line
        if len(text) > FIELD_LIMITS["hazard"]:
            text = text[: FIELD_LIMITS["hazard"] - 1].rsplit(" ", 1)[0] + "\u2026"
        rows.append(Hazard(text, STAFF, 0, 0, ""))
    return rows


def first_rows(household: Household) -> list[Hazard]:
    """hc09: where a household's first assessment starts: its known risks, then the school's
    template, in one table to edit."""
    return known_risk_rows(household) + template_for(household.school)


def current_assessment(household: Household) -> RiskAssessment | None:
    """The household's newest assessment version (None before the first)."""
    return RiskAssessment.objects.filter(household=household).order_by("-version").first()


def review_of(visit: Visit) -> RiskReview | None:
    return RiskReview.objects.select_related("assessment", "reviewed_by").filter(visit=visit).first()


def review_state(visit: Visit) -> tuple[RiskReview | None, RiskAssessment | None, bool]:
    """(the visit's review, the household's newest version, whether the review is current)."""
    review = review_of(visit)
    latest = current_assessment(visit.household)
    current = review is not None and latest is not None and review.assessment_id == latest.pk
    return review, latest, current


# --- validating typed rows -------------------------------------------------------------------------


def clean_rows(rows: list[dict]) -> list[Hazard]:
    """Rows from a form (dicts of the Hazard fields) as Hazards, or a ValidationError saying what
    to fix in words for the person typing. Blank rows (no hazard, no controls) are dropped."""
    kept: list[Hazard] = []
    errors: list[str] = []
    for number, row in enumerate(rows, start=1):
        hazard = " ".join(str(row.get("hazard") or "").split())
        controls = str(row.get("controls") or "").strip()
        people = " ".join(str(row.get("people_at_risk") or "").split()) or STAFF
        if not hazard and not controls:
            continue
        try:
            severity, likelihood = int(row.get("severity")), int(row.get("likelihood"))
        except (TypeError, ValueError):
            severity = likelihood = 0
        if not hazard:
            errors.append(f"Row {number}: name the hazard.")
        if not controls:
            errors.append(f"Row {number}: say which controls are in place.")
        if severity not in Severity.values or likelihood not in Likelihood.values:
            errors.append(f"Row {number}: choose the severity and the likelihood.")
        for name, value in (("hazard", hazard), ("people_at_risk", people), ("controls", controls)):
            if len(value) > FIELD_LIMITS[name]:
                errors.append(f"Row {number}: {name.replace('_', ' ')} is too long (at most {FIELD_LIMITS[name]}).")
        if not errors:
            kept.append(Hazard(hazard, people, severity, likelihood, controls))
    if errors:
        raise ValidationError(errors)
    if not kept:
        raise ValidationError(["An assessment needs at least one hazard."])
    if len(kept) > MAX_ROWS:
        raise ValidationError([f"An assessment has at most {MAX_ROWS} hazards."])
    return kept


# --- writing ------------------------------------------------------------------------------------


def save_template(school: School, actor: User, rows: list[dict]) -> list[Hazard]:
    """Replace the school's template (its leads only). Assessments already written keep theirs."""
    if not who.may_open_page(actor, "risk_template", school.pk):
        raise NotPermitted("Only the school's safeguarding leads may change its risk assessment template.")
    hazards = clean_rows(rows)
    with transaction.atomic():
        School.objects.select_for_update().get(pk=school.pk)
        RiskTemplateRow.objects.filter(school=school).delete()
        RiskTemplateRow.objects.bulk_create(
            [RiskTemplateRow(school=school, position=i, **_fields(h)) for i, h in enumerate(hazards)]
        )
        audit.record(actor, AuditAction.UPDATE, object_type="risk_template", school=school, detail="template saved")
    return hazards


def _fields(hazard: Hazard) -> dict:
    return {
        "hazard": hazard.hazard,
        "people_at_risk": hazard.people_at_risk,
        "severity": hazard.severity,
        "likelihood": hazard.likelihood,
        "controls": hazard.controls,
    }


def _write_version(household: Household, actor: User, hazards: list[Hazard], summary: str) -> RiskAssessment:
    """A new version of the household's assessment. Call inside a transaction that holds the
    household's row lock (consecutive version numbers)."""
    number = (RiskAssessment.objects.filter(household=household).aggregate(n=Max("version"))["n"] or 0) + 1
    assessment = RiskAssessment.objects.create(
        household=household,
        school_id=household.school_id,
        version=number,
        level=highest_level(h.level for h in hazards),
        summary=summary.strip()[:4000],
        created_by=actor,
        created_at=timezone.now(),
    )
    RiskRow.objects.bulk_create(
        [RiskRow(assessment=assessment, position=i, **_fields(h)) for i, h in enumerate(hazards)]
    )
    return assessment


def save_assessment(household: Household, actor: User, rows: list[dict], summary: str = "") -> RiskAssessment:
    """Write a new version of a household's assessment from its page (the office and leads).

    hc09, hc10: the household's authorised visits were authorised on the version before, so each
    goes back to the lead's queue, its authorisation cleared (the lead and the requester are
    told), and is reviewed again on the new version. The visits' rows are locked before the
    household's, in the order `review_for_visit` takes them, so the two never deadlock."""
    if not who.may_manage_households(actor, household.school_id):
        raise NotPermitted("You may not change this household's risk assessment.")
    hazards = clean_rows(rows)
    with transaction.atomic():
        authorised = [
            lifecycle.lock_for_change(visit)
            for visit in Visit.objects.filter(household=household, status=Status.AUTHORISED).order_by("pk")
        ]
        Household.objects.select_for_update().get(pk=household.pk)
        assessment = _write_version(household, actor, hazards, summary)
        audit.record(actor, AuditAction.CREATE, household, detail=f"risk assessment v{assessment.version}")
        what = f"the household's risk assessment changed (v{assessment.version}, {assessment.get_level_display()})"
        for locked in authorised:
            lifecycle.authorisation_changed(locked, actor, what)
    return assessment


def review_for_visit(visit: Visit, actor: User, rows: list[dict] | None = None, summary: str = "") -> RiskReview:
    """Review the household's assessment for `visit` (hc09): with `rows` None, "no change" to the
    newest version; with rows, a new version (the first one, for a household without any).

    Side effects: the visit and household rows locked; a version written if rows were given; the
    visit's review written or replaced; a RISK_REVIEWED timeline event (fixed words) and an audit
    entry; an authorised visit whose reviewed version changes goes back to the queue (hc01).
    """
    hazards = clean_rows(rows) if rows is not None else None
    with transaction.atomic():
        locked = lifecycle.lock_for_change(visit)
        if not may_review_risk(actor, locked):
            raise NotPermitted("You may not review the risk assessment of this visit.")
        if locked.status not in Status.editable():
            raise TransitionNotAllowed(
                f"The risk assessment of this visit can no longer be reviewed: it is "
                f"{locked.get_status_display().lower()}."
            )
        household = Household.objects.select_for_update().get(pk=locked.household_id)
        if hazards is None:
            assessment = current_assessment(household)
            if assessment is None:
                raise PreconditionFailed(["This household has no risk assessment yet: fill one in from the template."])
        else:
            assessment = _write_version(household, actor, hazards, summary)
        review = RiskReview.objects.filter(visit=locked).first()
        before = review.assessment_id if review else None
        if review is None:
            review = RiskReview(visit=locked)
        review.assessment = assessment
        review.changed = hazards is not None
        review.reviewed_by = actor
        review.reviewed_at = timezone.now()
        review.save()
        what = f"v{assessment.version}, {assessment.get_level_display()}" + (
            ", updated" if review.changed else ", no change"
        )
        lifecycle.log_event(locked, actor, EventKind.RISK_REVIEWED, note=f"Risk assessment {what}.")
        if before != assessment.pk:
            # A lead with the request open decided on the review before: their decision is refused.
            lifecycle.mark_changed(locked)
            lifecycle.authorisation_changed(locked, actor, "the risk assessment was reviewed again")
    return review


# --- the authorisation check (registered in apps.py) ------------------------------------------------


def authorisation_check(visit: Visit, decision: Decision) -> list[str]:
    """hc09, hc10: what the risk assessment still needs before the lead may authorise."""
    review, latest, current = review_state(visit)
    if review is None:
        return [
            "Review the household's risk assessment for this visit before it is authorised: "
            "the policy asks for a risk assessment before every visit."
        ]
    if not current:
        return [
            "The household's risk assessment has changed since it was reviewed for this visit: review it again, "
            "so the decision is made on the assessment as it stands."
        ]
    if review.assessment.level == RiskLevel.HIGH and not (decision.high_risk_reason and decision.high_risk_controls):
        return [
            "The risk assessment is High. Lower it with further controls, or record why the visit still goes "
            "ahead and the extra controls, e.g. police present."
        ]
    return []


def start_check(visit: Visit) -> list[str]:
    """hc09, hc10: "Set off" only on the assessment the lead authorised, and a High one only with
    the lead's recorded reason and extra controls. (A new version of the household's assessment
    sends its authorised visits back to the queue; this refuses one that slipped past, say one
    authorised while the new version was being saved.)"""
    review, _, current = review_state(visit)
    if not current:
        return [
            "The household's risk assessment has changed since this visit was authorised: review it again for "
            "this visit and send it to the lead. Do not set off."
        ]
    if review.assessment.level == RiskLevel.HIGH and not (visit.high_risk_reason and visit.high_risk_controls):
        return [
            "The risk assessment is High and the lead has not recorded why the visit goes ahead and its extra "
            "controls. Do not set off."
        ]
    return []


def is_high_risk(visit: Visit) -> bool:
    review, _, current = review_state(visit)
    return review is not None and current and review.assessment.level == RiskLevel.HIGH
