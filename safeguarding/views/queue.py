"""The safeguarding lead's pages: the authorisation queue, decisions, and the audit trail (its pages are in
`audit.py`).

The queue shows each request as a card with everything a lead needs to decide it (hc01-hc03,
hc06, hc09, hc13, mp01): the rows and what they show are fetched in a fixed number of queries,
whatever the number of requests. A decision goes through `lifecycle.transition`; the lead is sent
back to the queue for the next request, and a refusal keeps them on the visit with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from homevisits.pagination import seek
from visits import access, audit, lifecycle, who
from visits.enums import AuditAction, Reason, Status, VisitType
from visits.exceptions import LifecycleError, PreconditionFailed
from visits.models import Pupil, School, Visit, VisitEvent, VisitReason

from .. import decisions, risk
from ..forms import DecisionForm
from ..models import Concern, ConcernStatus, RiskAssessment, RiskLevel
from . import audit as audit_trail_views
from . import decide as decide_views

QUEUE_RELATED = (
    "school",
    "household",
    "lead_visitor",
    "second_visitor",
    "requested_by",
    "slt_consulted",
    "risk_review__assessment",
)
EARLIER_VISITS = 3
BULK_LIMIT = 50


def _latest_assessment() -> Subquery:
    """The household's newest assessment version, to tell a current review from a stale one."""
    return Subquery(
        RiskAssessment.objects.filter(household=OuterRef("household")).order_by("-version").values("pk")[:1]
    )


def _pupils_with_open_concerns() -> QuerySet[Pupil]:
    open_concerns = Concern.objects.filter(status__in=ConcernStatus.unresolved()).only(
        "id", "kind", "status", "raised_at", "urgent"
    )
    return Pupil.objects.only("id", "first_name", "last_name", "year_group").prefetch_related(
        Prefetch("concerns", queryset=open_concerns, to_attr="open_concerns")
    )


def _earlier_visits() -> QuerySet[Visit]:
    """A household's latest visits with their records; one more than shown, as a household's own
    queued visit is left out of its earlier visits."""
    return (
        Visit.objects.exclude(status=Status.DRAFT)
        .select_related("record")
        .only(
            "id",
            "code",
            "household_id",
            "status",
            "scheduled_start",
            "visit_type",
            "record__id",
            "record__outcome",
            "record__conducted",
        )
        .order_by("-scheduled_start", "-id")[: EARLIER_VISITS + 1]
    )


def queue_queryset(user, schools: list[int]):
    """Requests waiting at `schools`, with everything a queue card shows fetched up front: a fixed
    number of queries for any number of rows (pupils with their open concerns, reasons, the
    household's last visits with their records)."""
    return (
        access.visible_visits(user)
        .filter(school_id__in=schools, status=Status.REQUESTED)
        .annotate(
            urgency=Case(
                When(visit_type=VisitType.EMERGENCY, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
            latest_assessment_id=_latest_assessment(),
        )
        .select_related(*QUEUE_RELATED)
        .prefetch_related(
            Prefetch("pupils", queryset=_pupils_with_open_concerns()),
            Prefetch("reasons", queryset=VisitReason.objects.only("id", "visit_id", "reason")),
            Prefetch("household__visits", queryset=_earlier_visits(), to_attr="recent_visits"),
        )
    )


@dataclass
class Card:
    """What one queue card shows, worked out from the prefetched rows (no queries)."""

    visit: Visit
    review: object | None
    risk_problem: str  # "not reviewed", "changed since review" or ""
    earlier: list[Visit]
    concerns: list[tuple[Pupil, Concern]]
    reasons: list[str]
    # Whether the viewer may decide it (four-eyes, `who.may_decide`): "Open to decide" opens the
    # decision screen, else the visit page, which says why not.
    may_decide: bool = True

    @property
    def level(self) -> str:
        return self.review.assessment.level if self.review and not self.risk_problem else ""

    @property
    def level_display(self) -> str:
        return self.review.assessment.get_level_display() if self.review else ""

    @property
    def new_starter_low_risk(self) -> bool:
        """mp03 + hc09: what bulk authorisation may cover (the lifecycle still checks the rest)."""
        return Reason.NEW_STARTER in self.reasons and self.level == RiskLevel.LOW

    @property
    def needs_confirmation(self) -> bool:
        """Something the lead must confirm on the request itself (`lifecycle.confirmations_needed`):
        the lead opens it and confirms, never by bulk."""
        return bool(lifecycle.confirmations_needed(self.visit))


def _review(visit: Visit):
    try:
        return visit.risk_review
    except Visit.risk_review.RelatedObjectDoesNotExist:
        return None


def card_for(visit: Visit, user=None) -> Card:
    review = _review(visit)
    if review is None:
        problem = "not reviewed"
    elif review.assessment_id != visit.latest_assessment_id:
        problem = "changed since review"
    else:
        problem = ""
    earlier = [v for v in visit.household.recent_visits if v.pk != visit.pk][:EARLIER_VISITS]
    concerns = [(p, c) for p in visit.pupils.all() for c in p.open_concerns]
    reasons = [r.reason for r in visit.reasons.all()]
    may_decide = user is None or who.may_decide(user, visit)
    return Card(visit, review, problem, earlier, concerns, reasons, may_decide)


@dataclass
class Section:
    school: School
    cards: list[Card]
    waiting: int


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Requests waiting for a decision, emergencies first, then by visit date (hc03); a lead of
    several schools sees a section per school and may filter to one (`?school=<slug>`)."""
    schools = who.page_schools(request.user, "queue")
    if not schools:
        raise Http404
    school_choices = list(School.objects.filter(pk__in=schools).order_by("name"))
    selected = request.GET.get("school", "")
    chosen = [s.pk for s in school_choices if s.slug == selected] if selected else schools
    if selected and not chosen:
        selected, chosen = "", schools
    page = seek(queue_queryset(request.user, chosen), request, ["urgency", "scheduled_start", "id"])
    cards = [card_for(v, request.user) for v in page.rows]
    waiting = dict(
        access.visible_visits(request.user)
        .filter(school_id__in=chosen, status=Status.REQUESTED)
        .values_list("school_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    # One section per school, in name order; within each, the queue's own order (emergencies first).
    sections = [
        Section(school, [c for c in cards if c.visit.school_id == school.pk], waiting.get(school.pk, 0))
        for school in school_choices
        if school.pk in chosen
    ]
    bulk = _bulk_candidates(request.user, chosen)
    audit.record(request.user, AuditAction.LIST, object_type="visit", detail="authorisation queue")
    return render(
        request,
        "safeguarding/queue.html",
        {
            "page": page,
            "sections": sections,
            "schools": school_choices,
            "selected": selected,
            "bulk": bulk,
            "total": sum(waiting.values()),
        },
    )


def _bulk_candidates(user, schools: list[int]) -> list[Card]:
    """New-starter requests (mp03) with a current Low review (hc09) that the lead can authorise
    with no confirmation of their own: what the bulk form offers."""
    qs = (
        queue_queryset(user, schools)
        .filter(reasons__reason=Reason.NEW_STARTER, risk_review__assessment__level=RiskLevel.LOW)
        .distinct()
        .order_by("scheduled_start", "id")[:BULK_LIMIT]
    )
    cards = [card_for(v) for v in qs]
    return [c for c in cards if c.new_starter_low_risk and not c.needs_confirmation and who.may_decide(user, c.visit)]


# --- deciding one request ------------------------------------------------------------------------


def _render_detail(request: HttpRequest, visit: Visit, can, form: DecisionForm) -> HttpResponse:
    """The page the decision came from again (the decision screen or the visit page), with what
    the lead typed and why it was refused (nothing lost)."""
    if request.POST.get("screen") == decide_views.SCREEN:
        return decide_views.render_refused(request, visit, can, form)
    audit.record(request.user, AuditAction.VIEW, visit)
    return render(
        request,
        "visits/detail.html",
        {
            "visit": visit,
            "can": can,
            "events": VisitEvent.objects.filter(visit=visit).order_by("at", "id"),
            "pupils": visit.pupils.all(),
            "reasons": visit.reasons.all(),
            "blockers": [],
            "decision_form": form,
        },
    )


def _decide(request: HttpRequest, code: UUID, action: str, success: str) -> HttpResponse:
    visit, can = access.visit_for_user(request, code, need=action)
    form = DecisionForm(request.POST, action=action, high_risk=risk.is_high_risk(visit))
    if not form.is_valid():
        return _render_detail(request, visit, can, form)
    data = form.cleaned_data
    try:
        # A decision is about the request the lead looked at (`expected_status`, checked under the
        # row lock): declining an authorised visit is allowed, but not by a lead who raced another.
        lifecycle.transition(
            visit,
            request.user,
            action,
            note=data["note"],
            conditions=data["conditions"],
            approve_lone_working=data["approve_lone_working"],
            confirm_evening=data["confirm_evening"],
            high_risk_reason=data["high_risk_reason"],
            high_risk_controls=data["high_risk_controls"],
            expected_status=request.POST.get("from_status", ""),
            expected_version=request.POST.get("seen_version", ""),
        )
    except PreconditionFailed as exc:
        for problem in exc.problems:
            form.add_error(None, problem)
        return _render_detail(request, visit, can, form)
    except LifecycleError as exc:
        # Someone decided first, or the request changed: say so on the visit itself.
        messages.error(request, str(exc))
        return redirect("visits:detail", code=visit.code)
    messages.success(request, f"{visit.household.name}: {success}")
    return redirect("safeguarding:queue")


@require_POST
@login_required
def authorise(request: HttpRequest, code: UUID) -> HttpResponse:
    return _decide(request, code, lifecycle.Action.AUTHORISE, "visit authorised. The visitors can now set off.")


@require_POST
@login_required
def decline(request: HttpRequest, code: UUID) -> HttpResponse:
    return _decide(request, code, lifecycle.Action.DECLINE, "visit declined. The requester has been told why.")


@require_POST
@login_required
def send_back(request: HttpRequest, code: UUID) -> HttpResponse:
    return _decide(request, code, lifecycle.Action.SEND_BACK, "request sent back to the requester to change.")


# --- bulk authorisation of low-risk new-starter visits (mp03, hc09) --------------------------------


@require_POST
@login_required
def bulk_authorise(request: HttpRequest) -> HttpResponse:
    """Authorise the ticked new-starter requests one by one: each gets its own decision, event and
    audit entry through `lifecycle.transition`, with no confirmations given on the lead's behalf,
    so nothing passes that the single-visit path would refuse. Refusals are listed with why."""
    schools = who.page_schools(request.user, "queue")
    if not schools:
        raise Http404
    codes = []
    for raw in request.POST.getlist("visits")[:BULK_LIMIT]:
        try:
            codes.append(UUID(raw))
        except ValueError:
            continue
    if not codes:
        messages.error(request, "Tick at least one new-starter visit to authorise.")
        return redirect("safeguarding:queue")
    visits = list(
        access.visible_visits(request.user)
        .filter(school_id__in=schools, code__in=codes)
        .select_related("school", "household")
        .order_by("scheduled_start", "id")
    )
    seen = {str(code): request.POST.get(f"version-{code}", "") for code in codes}
    authorised, refused = decisions.authorise_new_starters(request.user, visits, seen)
    missing = len(codes) - len(visits)
    if authorised:
        messages.success(request, f"{authorised} new-starter visit{'s' if authorised != 1 else ''} authorised.")
    for reason in refused:
        messages.error(request, f"Not authorised: {reason}")
    if missing:
        messages.error(request, f"{missing} ticked visit{'s were' if missing != 1 else ' was'} not found.")
    return redirect("safeguarding:queue")


# --- the audit trail -------------------------------------------------------------------------------

# The trail's pages live in `views/audit.py` (filters, export); the name stays here for older imports.
audit_log = audit_trail_views.audit_log
