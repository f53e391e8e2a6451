"""The safeguarding lead's pages: the authorisation queue, decisions, and the audit trail."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from homevisits.pagination import seek
from visits import access, audit, lifecycle
from visits.enums import AuditAction, Status, VisitType
from visits.models import AuditEntry, Pupil, School, VisitReason
from visits.views.visits import LIST_RELATED, run_change

from ..forms import DecisionForm


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Requests waiting for a decision, emergencies first, then by visit date (hc03)."""
    schools = access.page_schools(request.user, "queue")
    if not schools:
        raise Http404
    selected = request.GET.get("school", "")
    qs = access.visible_visits(request.user).filter(school_id__in=schools, status=Status.REQUESTED)
    school_choices = School.objects.filter(pk__in=schools).order_by("name")
    if selected:
        qs = qs.filter(school__slug=selected)
    qs = (
        qs.annotate(
            urgency=Case(
                When(visit_type=VisitType.EMERGENCY, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related(*LIST_RELATED, "requested_by")
        .prefetch_related(
            Prefetch("pupils", queryset=Pupil.objects.only("id", "first_name", "last_name")),
            Prefetch("reasons", queryset=VisitReason.objects.only("id", "visit_id", "reason")),
        )
    )
    page = seek(qs, request, ["urgency", "scheduled_start", "id"])
    audit.record(request.user, AuditAction.LIST, object_type="visit", detail="authorisation queue")
    return render(request, "safeguarding/queue.html", {"page": page, "schools": school_choices, "selected": selected})


def _decide(request: HttpRequest, code: UUID, action: str, success: str) -> HttpResponse:
    visit, _ = access.visit_for_user(request, code, need=action)
    form = DecisionForm(request.POST)
    form.is_valid()  # every field is optional text or a tick box; the lifecycle judges the rest
    data = form.cleaned_data
    return run_change(
        request,
        visit,
        success,
        lifecycle.transition,
        action,
        note=data.get("note", ""),
        conditions=data.get("conditions", ""),
        approve_lone_working=data.get("approve_lone_working", False),
        confirm_evening=data.get("confirm_evening", False),
    )


@require_POST
@login_required
def authorise(request: HttpRequest, code: UUID) -> HttpResponse:
    return _decide(request, code, lifecycle.Action.AUTHORISE, "Visit authorised. The visitors can now set off.")


@require_POST
@login_required
def decline(request: HttpRequest, code: UUID) -> HttpResponse:
    return _decide(request, code, lifecycle.Action.DECLINE, "Visit declined.")


@require_POST
@login_required
def send_back(request: HttpRequest, code: UUID) -> HttpResponse:
    return _decide(request, code, lifecycle.Action.SEND_BACK, "Request sent back to the requester.")


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit trail of the user's schools, for the leads and the head (read only)."""
    schools = access.page_schools(request.user, "audit")
    if not schools:
        raise Http404
    qs = AuditEntry.objects.filter(school_id__in=schools).select_related("school")
    page = seek(qs, request, ["-at", "-id"], per_page=50)
    return render(request, "safeguarding/audit_log.html", {"page": page})
