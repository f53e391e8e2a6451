"""The review queue (issue 17): records past their retention date, each kept, put on legal hold or
erased by a safeguarding lead of its school; and the school's retention periods. The rules are in
`retention.who`, `rules`, `decisions` and `erasure`; these views fetch, ask and show."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import second_factor
from homevisits.pagination import seek
from visits import access, audit
from visits.enums import AuditAction
from visits.models import Pupil, School

from . import decisions, erasure
from .forms import EraseForm, HoldForm, KeepForm, PolicyForm, ReleaseForm
from .models import RetentionPolicy, Review, VisitRetention
from .who import review_schools

TABS = {"due": Review.DUE, "held": Review.HELD, "kept": Review.KEPT, "erased": Review.ERASED}
TAB_WORDS = {"due": "Due for review", "held": "On legal hold", "kept": "Kept", "erased": "Erased"}
RECORD = "retention record"


def _schools(request: HttpRequest) -> list[School]:
    schools = list(School.objects.filter(pk__in=review_schools(request.user)).order_by("name", "id"))
    if not schools:
        raise Http404
    return schools


def _row_for(request: HttpRequest, code: UUID, *, read: bool = True) -> VisitRetention:
    """The record at one of the user's schools where they review (404 otherwise); a GET is a read
    of it in the audit trail."""
    row = (
        VisitRetention.objects.select_related("visit__school", "visit__household", "erased_by", "decided_by")
        .filter(code=code, school_id__in=review_schools(request.user))
        .first()
    )
    if row is None:
        raise Http404
    access.read_by_fetch(request, row, read, object_type=RECORD, detail="retention review")
    return row


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """The records of the lead's schools due for review (or held, kept, erased: the tabs)."""
    schools = _schools(request)
    chosen = [s.pk for s in schools if s.slug == request.GET.get("school")] or [s.pk for s in schools]
    tab = request.GET.get("show") if request.GET.get("show") in TABS else "due"
    rows = (
        VisitRetention.objects.filter(school_id__in=chosen, review=TABS[tab])
        .select_related("visit__school", "visit__household")
        .prefetch_related(
            "visit__reasons", Prefetch("visit__pupils", queryset=Pupil.objects.only("id", "first_name", "last_name"))
        )
    )
    page = seek(rows, request, ["retain_until", "id"])
    counts = {t: VisitRetention.objects.filter(school_id__in=chosen, review=r).count() for t, r in TABS.items()}
    audit.record(request.user, AuditAction.LIST, object_type=RECORD, detail=f"retention: {TAB_WORDS[tab].lower()}")
    tabs = [{"key": t, "words": TAB_WORDS[t], "count": counts[t], "active": t == tab} for t in TABS]
    selected = request.GET.get("school", "") if len(chosen) == 1 and len(schools) > 1 else ""
    context = {"page": page, "tabs": tabs, "tab": tab, "schools": schools, "selected": selected}
    context["erased_tab"] = tab == "erased"
    return render(request, "retention/queue.html", context)


def _record_page(request: HttpRequest, row: VisitRetention, status: int = 200, **forms) -> HttpResponse:
    context = {
        "row": row,
        "visit": row.visit,
        "history": row.decisions.select_related("by"),
        "keep_form": forms.get("keep_form") or KeepForm(),
        "hold_form": forms.get("hold_form") or HoldForm(),
        "release_form": forms.get("release_form") or ReleaseForm(),
        "today": timezone.localdate(),
    }
    if not row.is_erased:
        context["pupils"] = list(row.visit.pupils.all())
        context["reasons"] = [r.get_reason_display() for r in row.visit.reasons.all()]
    return render(request, "retention/record.html", context, status=status)


@login_required
def record(request: HttpRequest, code: UUID) -> HttpResponse:
    """One record's review: what it is, why it is kept this long, and the decisions open to the lead."""
    return _record_page(request, _row_for(request, code))


def _decide(request: HttpRequest, code: UUID, form_class, form_key: str, act) -> HttpResponse:
    """A decision's POST: the form checked, the service called, back to the queue with a message;
    a refusal or a mistake shows the record's page again with the message on the form."""
    row = _row_for(request, code, read=False)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = act(row, form.cleaned_data)
        except decisions.DecisionRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, message)
            return redirect("retention:queue")
    return _record_page(request, row, status=400, **{form_key: form})


@require_POST
@login_required
def keep(request: HttpRequest, code: UUID) -> HttpResponse:
    def act(row, data):
        decisions.keep(row, request.user, data["reason"], data["review_after"])
        return f"Kept: the record comes back for review on {data['review_after']:%d/%m/%Y}."

    return _decide(request, code, KeepForm, "keep_form", act)


@require_POST
@login_required
def hold(request: HttpRequest, code: UUID) -> HttpResponse:
    def act(row, data):
        decisions.hold(row, request.user, data["reason"])
        return "On legal hold: it will not be erased until a lead lifts the hold."

    return _decide(request, code, HoldForm, "hold_form", act)


@require_POST
@login_required
def release(request: HttpRequest, code: UUID) -> HttpResponse:
    def act(row, data):
        decisions.release(row, request.user, data["reason"])
        return "The legal hold is lifted."

    return _decide(request, code, ReleaseForm, "release_form", act)


@login_required
@second_factor.step_up
def confirm_erase(request: HttpRequest, code: UUID) -> HttpResponse:
    """The second step before erasing: what goes, what stays, and the word to type."""
    row = _row_for(request, code)
    return render(request, "retention/erase.html", {"row": row, "visit": row.visit, "form": EraseForm()})


@require_POST
@login_required
@second_factor.step_up
def erase(request: HttpRequest, code: UUID) -> HttpResponse:
    """Erase the record's personal data, once the word is typed (`retention.erasure`)."""
    row = _row_for(request, code, read=False)
    form = EraseForm(request.POST)
    if form.is_valid():
        try:
            erasure.erase(row.visit, request.user)
        except erasure.ErasureRefused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, "The record's personal details are erased. Its dates and counts stay.")
            return redirect("retention:queue")
    return render(request, "retention/erase.html", {"row": row, "visit": row.visit, "form": form}, status=400)


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The school's retention periods: the records management guidance's, or longer."""
    schools = _schools(request)
    wanted = request.POST.get("school") or request.GET.get("school")
    school = next((s for s in schools if s.slug == wanted), schools[0])
    current = RetentionPolicy.objects.filter(school=school).first() or RetentionPolicy(school=school)
    form = PolicyForm(request.POST if request.method == "POST" else None, instance=current)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.updated_by, saved.updated_at = request.user, timezone.now()
        saved.save()
        audit.record(
            request.user, AuditAction.UPDATE, school, object_type="retention periods", detail="retention periods"
        )
        messages.success(request, f"Retention periods saved for {school.name}. Dates move at the next daily review.")
        return redirect(f"{request.path}?school={school.slug}")
    if request.method != "POST":
        audit.record(
            request.user, AuditAction.VIEW, school, object_type="retention periods", detail="retention periods"
        )
    context = {"form": form, "school": school, "schools": schools}
    return render(request, "retention/policy.html", context, status=400 if form.errors else 200)
