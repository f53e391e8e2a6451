"""The lone-working risk assessment (hc09, hc10, hc11): the school's template, a household's
assessment and its versions, and the review of it for one visit.

Who: `visits.access` (`page_schools(..., "risk_template")` for the template, `household_for_user`
for a household's assessment, `may_see_risk` / `may_review_risk` for a visit's review). Every
write goes through `safeguarding.risk`; its ValidationError becomes a form error, a
LifecycleError a message. Every read of an assessment page is audited (fixed words only).
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from homevisits.pagination import seek
from visits import access, who
from visits.access import VisitAccess
from visits.enums import Status
from visits.exceptions import LifecycleError
from visits.models import School, Visit

from .. import risk
from ..forms import RiskRowsForm
from ..models import RISK_MATRIX, RiskAssessment
from ..who import may_review_risk

REVIEW = "visit risk review"  # the audit trail's words for the review page of a visit
MATRIX_FOR_SCRIPT = {
    str(s): {str(likelihood): level for likelihood, level in row.items()} for s, row in RISK_MATRIX.items()
}


def _save(form: RiskRowsForm, write) -> bool:
    """Run `write()` if the form is valid and was not only adding or removing a row; the
    service's ValidationError goes onto the form. Returns whether it saved."""
    if form.edit_requested or not form.is_valid():
        return False
    try:
        write()
    except ValidationError as exc:
        form.add_error(None, exc.messages)
        return False
    return True


# --- the school's template (its leads) ---------------------------------------------------------


@login_required
def template_editor(request: HttpRequest) -> HttpResponse:
    """The hazards every new assessment of the school starts from (HC Appendix 2)."""
    schools = list(School.objects.filter(pk__in=who.page_schools(request.user, "risk_template")).order_by("name"))
    if not schools:
        raise Http404
    slug = request.GET.get("school", "")
    school = next((s for s in schools if s.slug == slug), None) if slug else schools[0]
    if school is None:
        raise Http404
    if request.method == "POST":
        form = RiskRowsForm(request.POST, with_summary=False)
        if _save(form, lambda: risk.save_template(school, request.user, form.rows)):
            messages.success(request, f"Risk assessment template of {school.name} saved.")
            return redirect(f"{reverse('safeguarding:risk_template')}?school={school.slug}")
    else:
        form = RiskRowsForm(initial_rows=risk.template_for(school), with_summary=False)
    return render(
        request,
        "safeguarding/risk/template.html",
        {"form": form, "school": school, "schools": schools, "matrix": MATRIX_FOR_SCRIPT},
    )


# --- a household's assessment and its versions (office and leads manage, head reads) ----------------


@login_required
def household_assessment(request: HttpRequest, code: UUID) -> HttpResponse:
    """The newest version, who wrote it and when, and the version history."""
    household = access.household_for_user(request, code, object_type="risk_assessment", detail="household assessment")
    versions = RiskAssessment.objects.filter(household=household).select_related("created_by")
    latest = versions.order_by("-version").first()
    page = seek(versions, request, ["-version", "-id"], per_page=20)
    return render(
        request,
        "safeguarding/risk/household.html",
        {
            "household": household,
            "latest": latest,
            "rows": list(latest.rows.all()) if latest else [],
            "page": page,
            "can_manage": who.may_manage_households(request.user, household.school_id),
            "can_edit_template": who.may_open_page(request.user, "risk_template", household.school_id),
        },
    )


@login_required
def household_assessment_update(request: HttpRequest, code: UUID) -> HttpResponse:
    """A new version of the household's assessment, prefilled from the newest (or the template)."""
    household = access.household_for_user(
        request, code, need="manage", object_type="risk_assessment", detail="household assessment form"
    )
    latest = risk.current_assessment(household)
    if request.method == "POST":
        form = RiskRowsForm(request.POST)
        saved: list[RiskAssessment] = []

        def write() -> None:
            saved.append(risk.save_assessment(household, request.user, form.rows, form.cleaned_data["summary"]))

        try:
            done = _save(form, write)
        except LifecycleError as exc:
            messages.error(request, str(exc))
            return redirect("safeguarding:household_risk", code=household.code)
        if done:
            messages.success(request, f"Risk assessment saved as version {saved[0].version}.")
            return redirect("safeguarding:household_risk", code=household.code)
    else:
        form = RiskRowsForm(initial_rows=latest.rows.all() if latest else risk.first_rows(household))
    return render(
        request,
        "safeguarding/risk/household_form.html",
        {"household": household, "latest": latest, "form": form, "matrix": MATRIX_FOR_SCRIPT},
    )


def _version_for_user(request: HttpRequest, code: UUID) -> RiskAssessment:
    """A version of a household's assessment, for those who see the household's (else 404); a GET
    is audited under the household, as its other pages are."""
    assessment = RiskAssessment.objects.select_related("household__school", "created_by").filter(code=code).first()
    if assessment is None or not who.may_view_households(request.user, assessment.school_id):
        raise Http404("No such risk assessment")
    access.read_by_fetch(
        request, assessment.household, True, object_type="risk_assessment", detail="assessment version"
    )
    return assessment


@login_required
def assessment_version(request: HttpRequest, code: UUID) -> HttpResponse:
    """One version of a household's assessment, as it was written."""
    assessment = _version_for_user(request, code)
    newest = (
        RiskAssessment.objects.filter(household_id=assessment.household_id)
        .order_by("-version")
        .values_list("version", flat=True)
    ).first()
    return render(
        request,
        "safeguarding/risk/version.html",
        {
            "assessment": assessment,
            "household": assessment.household,
            "rows": list(assessment.rows.all()),
            "newest": newest,
        },
    )


# --- the review for one visit (hc09), with the code word (hc11) ----------------------------------------


@login_required
def visit_review(request: HttpRequest, code: UUID) -> HttpResponse:
    visit, can = access.visit_for_user(request, code, need="see_risk", object_type="risk_assessment", detail=REVIEW)
    return _review_page(request, visit, can, None)


def _review_page(request: HttpRequest, visit: Visit, can: VisitAccess, form: RiskRowsForm | None) -> HttpResponse:
    review, latest, current = risk.review_state(visit)
    # The first assessment is one table to fill in, from the known risks and the template.
    rows = list(latest.rows.all()) if latest else risk.first_rows(visit.household)
    may_review = visit.status in Status.editable() and may_review_risk(request.user, visit)
    if form is None and may_review:
        form = RiskRowsForm(initial_rows=rows)
    return render(
        request,
        "safeguarding/risk/review.html",
        {
            "visit": visit,
            "can": can,
            "review": review,
            "latest": latest,
            "current": current,
            "rows": rows,
            "may_review": may_review,
            "form": form,
            "matrix": MATRIX_FOR_SCRIPT,
        },
    )


def _reviewable(request: HttpRequest, code: UUID) -> tuple[Visit, VisitAccess]:
    visit, can = access.visit_for_user(request, code, need="review_risk")
    return visit, can


def _reviewed_message(visit: Visit, was: str, changed: bool) -> str:
    now = Visit.objects.values_list("status", flat=True).get(pk=visit.pk)
    said = "Risk assessment updated and reviewed for this visit." if changed else "Reviewed: no change."
    if was == Status.AUTHORISED and now == Status.REQUESTED:
        said += " The visit has gone back to the safeguarding lead, who must authorise it again before anyone sets off."
    return said


@require_POST
@login_required
def review_no_change(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc09: the household's newest version reviewed for this visit, unchanged."""
    visit, _ = _reviewable(request, code)
    try:
        risk.review_for_visit(visit, request.user)
    except LifecycleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _reviewed_message(visit, visit.status, changed=False))
    return redirect("visits:detail", code=visit.code)


@require_POST
@login_required
def review_update(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc09: a new version of the household's assessment, written and reviewed for this visit."""
    visit, can = _reviewable(request, code)
    if visit.status not in Status.editable():
        messages.error(
            request,
            f"The risk assessment of this visit can no longer be reviewed: it is {visit.get_status_display().lower()}.",
        )
        return redirect("visits:detail", code=visit.code)
    form = RiskRowsForm(request.POST)
    try:
        done = _save(form, lambda: risk.review_for_visit(visit, request.user, form.rows, form.cleaned_data["summary"]))
    except LifecycleError as exc:
        messages.error(request, str(exc))
        return redirect("visits:detail", code=visit.code)
    if done:
        messages.success(request, _reviewed_message(visit, visit.status, changed=True))
        return redirect("visits:detail", code=visit.code)
    # Shown again with the form's errors: a read the fetch did not write (it writes a GET's only).
    access.record_read(request, visit, object_type="risk_assessment", detail=REVIEW)
    return _review_page(request, visit, can, form)


def review_after_booking(request: HttpRequest, visit: Visit) -> HttpResponse | None:
    """The step after booking (`visits.hooks.register_after_booking`): a new request has no risk
    review yet, which the lead needs before authorising (hc09), so whoever may review it goes
    there next."""
    if not may_review_risk(request.user, visit):
        return None
    messages.info(
        request,
        "Next: review the household's risk assessment for this visit. "
        "The safeguarding lead cannot authorise it until someone has.",
    )
    return redirect("safeguarding:risk_review", code=visit.code)
