"""CPOMS (hc24): the completed visits not yet recorded on CPOMS, each visit's summary to copy into
CPOMS, and "recorded on CPOMS" with its reference. `safeguarding.concerns` writes; these views
only ask `visits.access` who may look and turn refusals into form errors or messages."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Case, Count, IntegerField, Prefetch, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import second_factor
from homevisits.pagination import seek
from visits import access, audit, who
from visits.enums import AuditAction, Status
from visits.exceptions import LifecycleError, PreconditionFailed
from visits.models import Pupil, School, Visit
from visits.views.visits import LIST_RELATED

from ..concerns import cpoms_summary, record_on_cpoms
from ..forms import CpomsForm
from ..models import CpomsEntry

PUPILS = Prefetch("pupils", queryset=Pupil.objects.only("id", "first_name", "last_name"))


def _due_rows(due: QuerySet[Visit], schools: list[School], chosen: list[int]) -> QuerySet[Visit]:
    """Each school apart, in name order (an integer the cursor can carry), then the oldest
    completion first: those have waited longest for their CPOMS entry."""
    rank = Case(
        *[When(school_id=s.pk, then=Value(i)) for i, s in enumerate(schools)],
        default=Value(len(schools)),
        output_field=IntegerField(),
    )
    return (
        due.filter(school_id__in=chosen)
        .annotate(school_rank=rank)
        .select_related(*LIST_RELATED, "record")
        .prefetch_related(PUPILS)
    )


def _recorded_rows(chosen: list[int]) -> QuerySet[CpomsEntry]:
    return (
        CpomsEntry.objects.filter(visit__school_id__in=chosen)
        .select_related("recorded_by", "visit__school", "visit__household")
        .prefetch_related(Prefetch("visit__pupils", queryset=PUPILS.queryset))
    )


@login_required
def cpoms_list(request: HttpRequest) -> HttpResponse:
    """Completed visits not yet on CPOMS, the longest waiting first, school by school; or, on the
    "Recorded" tab, the latest entries made (who, when, reference)."""
    school_ids = who.page_schools(request.user, "cpoms")
    if not school_ids:
        raise Http404
    schools = list(School.objects.filter(pk__in=school_ids).order_by("name", "id"))
    selected = request.GET.get("school", "")
    chosen = [s.pk for s in schools if s.slug == selected]
    if not chosen:
        selected, chosen = "", [s.pk for s in schools]
    show = "recorded" if request.GET.get("show") == "recorded" else "due"

    due = access.visible_visits(request.user).filter(
        school_id__in=school_ids, status=Status.COMPLETED, cpoms__isnull=True
    )
    due_by_school = dict(due.order_by().values_list("school_id").annotate(n=Count("id")))
    for school in schools:
        school.cpoms_due = due_by_school.get(school.pk, 0)

    if show == "due":
        page = seek(_due_rows(due, schools, chosen), request, ["school_rank", "completed_at", "id"])
        detail = "CPOMS: visits not yet recorded"
    else:
        page = seek(_recorded_rows(chosen), request, ["-recorded_at", "-id"])
        detail = "CPOMS: visits recorded"
    audit.record(request.user, AuditAction.LIST, object_type="visit", detail=detail)
    return render(
        request,
        "safeguarding/cpoms/list.html",
        {
            "page": page,
            "show": show,
            "schools": schools,
            "selected": selected,
            "due_total": sum(due_by_school.get(pk, 0) for pk in chosen),
        },
    )


def _lead_visit(request: HttpRequest, code: UUID) -> Visit:
    """The visit for one of its school's leads: 404 for those who may not see it, 403 for those who
    see it but do not put visits on CPOMS."""
    # The summary carries the record's outcome: its reading is in the trail like the record's.
    visit, _ = access.visit_for_user(request, code, need="record_cpoms", detail="CPOMS summary")
    return visit


def _page(request: HttpRequest, visit: Visit, form: CpomsForm) -> HttpResponse:
    entry = CpomsEntry.objects.filter(visit=visit).select_related("recorded_by").first()
    completed = visit.status == Status.COMPLETED
    return render(
        request,
        "safeguarding/cpoms/visit.html",
        {
            "visit": visit,
            "entry": entry,
            "completed": completed,
            "summary": cpoms_summary(visit) if completed else "",
            "form": form,
        },
    )


@login_required
@second_factor.step_up
def visit_cpoms(request: HttpRequest, code: UUID) -> HttpResponse:
    """A visit's summary ready to paste into CPOMS, and the form to say it is done."""
    return _page(request, _lead_visit(request, code), CpomsForm())


@require_POST
@login_required
def record_cpoms(request: HttpRequest, code: UUID) -> HttpResponse:
    """Recorded on CPOMS, with the reference: back to the list with the next visit to do."""
    visit = _lead_visit(request, code)
    form = CpomsForm(request.POST)
    form.is_valid()  # one optional text field; the service judges the reference
    try:
        entry = record_on_cpoms(visit, request.user, form.cleaned_data.get("reference", ""))
    except PreconditionFailed as exc:
        for problem in exc.problems:
            form.add_error("reference", problem)
        access.record_read(request, visit, detail="CPOMS summary")  # shown again: a read (not a GET)
        return _page(request, visit, form)
    except LifecycleError as exc:
        # Already recorded (by whom, when) or not completed: the page says which.
        messages.error(request, str(exc))
        return redirect("safeguarding:visit_cpoms", code=visit.code)
    messages.success(
        request,
        f"Recorded on CPOMS (reference {entry.reference}): the visit to {visit.household} on "
        f"{timezone.localtime(visit.scheduled_start):%d/%m/%Y}.",
    )
    return redirect("safeguarding:cpoms")
