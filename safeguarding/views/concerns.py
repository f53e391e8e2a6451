"""Concerns and incidents (hc17, hc21, hc22): the leads' inbox, a concern's page and its actions,
raising a concern and reporting an incident from a visit, the incidents list and review.

Who: `visits.access` (a concern or incident of a school the user does not lead is a 404). What
changes: `safeguarding.concerns`, whose refusals (`LifecycleError`) become messages or form
errors here. Every read of a concern or incident is in the audit trail.
"""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import second_factor
from homevisits.pagination import seek
from visits import access, audit, who
from visits.enums import AuditAction, Status
from visits.exceptions import LifecycleError, PreconditionFailed
from visits.models import Pupil, School

from .. import concerns as service
from ..context_processors import concern_counts
from ..forms import CloseConcernForm, ConcernActionForm, RaiseConcernForm, ReportIncidentForm, ReviewIncidentForm
from ..models import Concern, ConcernAction, ConcernSource, ConcernStatus, Incident
from ..who import may_handle_concerns, may_raise_concern_now, may_report_incident_now, may_see_incident

PUPIL_NAMES = Prefetch("pupils", queryset=Pupil.objects.only("id", "first_name", "last_name").order_by("last_name"))


def _school_filter(request: HttpRequest, schools: list[int], model) -> tuple[list[School], str, dict[int, int]]:
    """The schools the user may pick from, the chosen slug, and how many rows need attention at
    each (one query), so that a lead of several schools sees each school apart."""
    choices = list(School.objects.filter(pk__in=schools).order_by("name"))
    selected = request.GET.get("school", "")
    if selected not in {s.slug for s in choices}:
        selected = ""
    if model is Concern:
        waiting = Q(status__in=ConcernStatus.unresolved())
    else:
        waiting = Q(reviewed_at__isnull=True)
    per_school = dict(
        model.objects.filter(waiting, school_id__in=schools)
        .order_by()
        .values_list("school_id")
        .annotate(n=Count("id"))
        .values_list("school_id", "n")
    )
    for school in choices:
        school.waiting = per_school.get(school.pk, 0)
    return choices, selected, per_school


# --- the leads' inbox (hc21) ------------------------------------------------------------------


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """Unresolved concerns, urgent first, then newest; closed ones on their own tab."""
    schools = who.page_schools(request.user, "concerns")
    if not schools:
        raise Http404
    closed = request.GET.get("tab") == "closed"
    choices, selected, _ = _school_filter(request, schools, Concern)
    qs = Concern.objects.filter(school_id__in=schools)
    if selected:
        qs = qs.filter(school__slug=selected)
    if closed:
        qs = qs.filter(status=ConcernStatus.CLOSED)
        ordering = ["-closed_at", "-id"]
    else:
        qs = qs.filter(status__in=ConcernStatus.unresolved())
        ordering = ["-urgent", "-raised_at", "-id"]
    qs = qs.select_related("school", "raised_by", "visit", "acknowledged_by", "closed_by").prefetch_related(PUPIL_NAMES)
    page = seek(qs, request, ordering)
    audit.record(request.user, AuditAction.LIST, object_type="concern", detail="closed concerns" if closed else "inbox")
    return render(
        request,
        "safeguarding/concerns/inbox.html",
        {"page": page, "schools": choices, "selected": selected, "closed": closed},
    )


@require_GET
@login_required
def alert(request: HttpRequest) -> JsonResponse:
    """The inbox's numbers for `static/js/inbox.js`, polled in the background (it sends
    `X-Homevisits-Background`, so polling never keeps an unattended screen signed in)."""
    if not who.page_schools(request.user, "concerns"):
        raise Http404
    counts = concern_counts(request.user)
    return JsonResponse(
        {
            "open": counts["concerns_open"],
            "urgent": counts["concerns_urgent"],
            "unresolved": counts["concerns_unresolved"],
            "url": reverse("safeguarding:concerns"),
        }
    )


# --- one concern (hc21) -----------------------------------------------------------------------


def _concern_for_lead(request: HttpRequest, code: UUID) -> Concern:
    """The concern if the user leads its school, else 404 (its existence is need to know)."""
    concern = (
        Concern.objects.select_related("school", "visit", "raised_by", "acknowledged_by", "closed_by")
        .filter(code=code)
        .first()
    )
    if concern is None or not may_handle_concerns(request.user, concern.school_id):
        raise Http404("No such concern")
    access.read_by_fetch(request, concern, True)
    return concern


def _concern_page(
    request: HttpRequest,
    concern: Concern,
    action_form: ConcernActionForm | None = None,
    close_form: CloseConcernForm | None = None,
) -> HttpResponse:
    if request.method not in access.SAFE_METHODS:
        # Shown again with a form's errors: a read the fetch did not write (it writes a GET's only).
        access.record_read(request, concern)
    return render(
        request,
        "safeguarding/concerns/concern.html",
        {
            "concern": concern,
            "visit": concern.visit,
            "pupils": concern.pupils.order_by("last_name", "first_name"),
            "steps": ConcernAction.objects.filter(concern=concern).select_related("by"),
            "action_form": action_form or ConcernActionForm(),
            "close_form": close_form or CloseConcernForm(),
            "is_open": concern.status == ConcernStatus.OPEN,
            "is_closed": concern.status == ConcernStatus.CLOSED,
        },
    )


@login_required
@second_factor.step_up
def concern_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    return _concern_page(request, _concern_for_lead(request, code))


def _refused(form, exc: LifecycleError) -> None:
    for problem in getattr(exc, "problems", None) or [str(exc)]:
        form.add_error(None, problem)


def _apply(request: HttpRequest, form, change, target: str, success) -> HttpResponse | None:
    """Run `change()` for a valid form. A refusal the person can fix goes on the form (None: show
    the form again, nothing saved); any other refusal, like success, is a message and a redirect
    to `target`. `success` is the message, or a function of what `change()` returned."""
    try:
        result = change()
    except PreconditionFailed as exc:
        _refused(form, exc)
        return None
    except LifecycleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect(target)


@require_POST
@login_required
def acknowledge(request: HttpRequest, code: UUID) -> HttpResponse:
    concern = _concern_for_lead(request, code)
    try:
        service.acknowledge(concern, request.user)
    except LifecycleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Concern acknowledged: it stays open until you close it.")
    return redirect("safeguarding:concern", code=concern.code)


@require_POST
@login_required
def record_action(request: HttpRequest, code: UUID) -> HttpResponse:
    concern = _concern_for_lead(request, code)
    form = ConcernActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        done = _apply(
            request,
            form,
            lambda: service.record_action(
                concern, request.user, data["kind"], reference=data["reference"], note=data["note"]
            ),
            reverse("safeguarding:concern", args=[concern.code]),
            "Action recorded.",
        )
        if done:
            return done
    return _concern_page(request, concern, action_form=form)


@require_POST
@login_required
def close(request: HttpRequest, code: UUID) -> HttpResponse:
    concern = _concern_for_lead(request, code)
    form = CloseConcernForm(request.POST)
    if form.is_valid():
        done = _apply(
            request,
            form,
            lambda: service.close(concern, request.user, form.cleaned_data["reason"]),
            reverse("safeguarding:concern", args=[concern.code]),
            "Concern closed. Its history stays on this page.",
        )
        if done:
            return done
    return _concern_page(request, concern, close_form=form)


# --- raising a concern and reporting an incident from a visit (hc17, hc22) ---------------------


@require_http_methods(["GET", "POST"])
@login_required
def raise_concern(request: HttpRequest, code: UUID) -> HttpResponse:
    # Audited once the form is shown: a draft sends them back to the visit.
    visit, _ = access.visit_for_user(request, code, need="raise_concern", read=False)
    if not may_raise_concern_now(request.user, visit):
        messages.error(request, "This request is still a draft: speak to the safeguarding lead directly.")
        return redirect("visits:detail", code=visit.code)
    if request.method == "GET":
        access.record_read(request, visit, detail="concern form")
    form = RaiseConcernForm(request.POST if request.method == "POST" else None, visit=visit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        urgent = data["urgent"]
        # Raised urgently while the visitors are out: the "urgent button during the visit".
        source = ConcernSource.URGENT if urgent and visit.status == Status.IN_PROGRESS else ConcernSource.STAFF
        done = _apply(
            request,
            form,
            lambda: service.raise_concern(
                visit,
                request.user,
                data["kind"],
                data["details"],
                urgent=urgent,
                source=source,
                pupils=data.get("pupils") or None,
            ),
            reverse("visits:detail", args=[visit.code]),
            lambda concern: (
                "Concern raised to the safeguarding leads. "
                + ("The safeguarding leads have been told at once." if concern.urgent else "It is in their inbox.")
            ),
        )
        if done:
            return done
    return render(request, "safeguarding/concerns/raise.html", {"visit": visit, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def report_incident(request: HttpRequest, code: UUID) -> HttpResponse:
    # Audited once the form is shown: a visit not yet authorised sends them back to it.
    visit, _ = access.visit_for_user(request, code, need="report_incident", read=False)
    if not may_report_incident_now(request.user, visit):
        messages.error(request, "An incident is reported on a visit that has been authorised.")
        return redirect("visits:detail", code=visit.code)
    if request.method == "GET":
        access.record_read(request, visit, detail="incident form")
    form = ReportIncidentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = _apply(
            request,
            form,
            lambda: service.report_incident(visit, request.user, data["kind"], form.occurred_at, data["details"]),
            reverse("visits:detail", args=[visit.code]),
            "Incident recorded. The safeguarding leads have been told.",
        )
        if done:
            return done
    return render(request, "safeguarding/concerns/report_incident.html", {"visit": visit, "form": form})


# --- incidents (hc22) -------------------------------------------------------------------------


@login_required
def incidents(request: HttpRequest) -> HttpResponse:
    """Incidents of the user's schools: those not yet reviewed first, then by when they happened."""
    schools = who.page_schools(request.user, "incidents")
    if not schools:
        raise Http404
    choices, selected, _ = _school_filter(request, schools, Incident)
    qs = Incident.objects.filter(school_id__in=schools)
    if selected:
        qs = qs.filter(school__slug=selected)
    qs = qs.annotate(
        reviewed=Case(When(reviewed_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).select_related("school", "visit", "reported_by", "reviewed_by")
    page = seek(qs, request, ["reviewed", "-occurred_at", "-id"])
    audit.record(request.user, AuditAction.LIST, object_type="incident", detail="incidents")
    return render(
        request, "safeguarding/concerns/incidents.html", {"page": page, "schools": choices, "selected": selected}
    )


def _incident_for_user(request: HttpRequest, code: UUID) -> Incident:
    incident = (
        Incident.objects.select_related("school", "visit", "reported_by", "reviewed_by").filter(code=code).first()
    )
    if incident is None or not may_see_incident(request.user, incident.school_id):
        raise Http404("No such incident")
    access.read_by_fetch(request, incident, True)
    return incident


def _incident_page(request: HttpRequest, incident: Incident, form: ReviewIncidentForm | None = None) -> HttpResponse:
    if request.method not in access.SAFE_METHODS:
        access.record_read(request, incident)  # shown again with the form's errors (see `_concern_page`)
    return render(
        request,
        "safeguarding/concerns/incident.html",
        {"incident": incident, "visit": incident.visit, "form": form or ReviewIncidentForm()},
    )


@login_required
@second_factor.step_up
def incident_detail(request: HttpRequest, code: UUID) -> HttpResponse:
    return _incident_page(request, _incident_for_user(request, code))


@require_POST
@login_required
def review_incident(request: HttpRequest, code: UUID) -> HttpResponse:
    incident = _incident_for_user(request, code)
    form = ReviewIncidentForm(request.POST)
    if form.is_valid():
        done = _apply(
            request,
            form,
            lambda: service.review_incident(incident, request.user, form.cleaned_data["note"]),
            reverse("safeguarding:incident", args=[incident.code]),
            "Incident marked as reviewed.",
        )
        if done:
            return done
    return _incident_page(request, incident, form)
