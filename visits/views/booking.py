"""Booking visits: the Home Visit Form as a web form (new, edit, follow-up), many new-starter
visits at once (mp03), and the appointment letter to the family (hc08).

Forms validate; every write goes through `visits.lifecycle` (create_request, update_request,
transition). Who may open the booking pages (`who.may_book`: they show the school's families), edit
a request, book a follow-up or print its letter is answered by `visits.who` and `visits.access`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from visits import access, audit, bookings, family_words, hooks, lifecycle, moves, who
from visits.enums import AuditAction, Reason, Status
from visits.exceptions import LifecycleError
from visits.forms import NewStarterForm, VisitForm, visiting_staff
from visits.models import Household, Pupil, School, Visit
from visits.request_fields import FOLLOW_UP_FIELDS

PICKER_LIMIT = 50
BOOKING_READ = "booking form: the household and its other visits"  # the audit trail's words


def _booking_schools(user) -> list[School]:
    """The schools whose booking pages `user` opens; 404 for anyone with none (hc25: visiting
    staff see a family through their own visits, not by browsing the school's households)."""
    schools = list(School.objects.filter(pk__in=who.booking_school_ids(user)).order_by("name"))
    if not schools:
        raise Http404
    return schools


def _chosen_school(request: HttpRequest, schools: list[School]) -> School | None:
    """The school the user books for: their only one, or the one they chose (?school=<code>)."""
    if len(schools) == 1:
        return schools[0]
    raw = request.GET.get("school") or request.POST.get("school") or ""
    return next((s for s in schools if str(s.code) == raw), None)


def _household_for(request: HttpRequest, schools: list[School], raw: str) -> Household:
    try:
        code = UUID(raw)
    except ValueError:
        raise Http404 from None
    household = Household.objects.select_related("school").filter(code=code, school__in=[s.pk for s in schools]).first()
    if household is None:
        raise Http404
    return household


def _save_new(request: HttpRequest, form: VisitForm) -> Visit | None:
    """Create the request from a valid form (submitted when the user pressed "Send"); None,
    with the lifecycle's refusal on the form, when it refused."""
    submit = "submit" in request.POST
    visit = bookings.book(form, request.user, submit=submit)
    if visit is None:
        return None
    messages.success(
        request,
        "Sent to the safeguarding lead for authorisation."
        if submit
        else "Saved as a draft. Send it to the safeguarding lead when it is ready.",
    )
    return visit


def after_booking(request: HttpRequest, visit: Visit) -> HttpResponse:
    """Where a new request takes its requester: the first next step an app registered that
    applies (safeguarding: the household's risk review for this visit, hc09), else the visit."""
    for step in hooks.AFTER_BOOKING:
        response = step(request, visit)
        if response is not None:
            return response
    return redirect("visits:detail", code=visit.code)


def _booking_page(request: HttpRequest, form: VisitForm, **context: Any) -> HttpResponse:
    household = form.household
    earlier = (
        access.visible_visits(request.user)
        .filter(household=household)
        .exclude(pk=form.visit.pk if form.visit else None)
        .order_by("-scheduled_start")[:5]
    )
    return render(
        request,
        "visits/booking/form.html",
        {"form": form, "household": household, "school": form.school, "earlier": earlier, **context},
    )


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """Book a visit: choose the school (if several) and the household, then the Home Visit Form."""
    schools = _booking_schools(request.user)
    raw_household = request.GET.get("household") or ""
    if not raw_household:
        return _household_picker(request, schools)
    household = _household_for(request, schools, raw_household)
    school = household.school
    initial = {
        "address_line1": household.address_line1,
        "address_line2": household.address_line2,
        "town": household.town,
        "postcode": household.postcode,
    }
    pupils = list(household.pupils.all())
    if len(pupils) == 1:
        initial["pupils"] = pupils
    if visiting_staff(school).filter(pk=request.user.pk).exists():
        initial["lead_visitor"] = request.user  # visiting staff book their own visits, most often
    if request.method == "POST":
        form = VisitForm(request.POST, school=school, household=household, initial=initial)
        if form.is_valid():
            visit = _save_new(request, form)
            if visit is not None:
                return after_booking(request, visit)
    else:
        form = VisitForm(school=school, household=household, initial=initial)
    # The form shows the household and its other visits: one row for each time it is shown.
    access.record_read(request, household, object_type="household", detail=BOOKING_READ, action=AuditAction.LIST)
    return _booking_page(request, form, title=f"Book a visit to {household.name}")


def _household_picker(request: HttpRequest, schools: list[School]) -> HttpResponse:
    school = _chosen_school(request, schools)
    query = (request.GET.get("q") or "").strip()[:100]
    households = []
    if school is not None:
        qs = Household.objects.filter(school=school)
        if query:
            compact = query.replace(" ", "")
            qs = qs.filter(
                Q(name__icontains=query)
                | Q(postcode__icontains=query)
                | Q(postcode__icontains=compact[:-3] + " " + compact[-3:] if len(compact) > 3 else compact)
                | Q(pupils__last_name__icontains=query)
                | Q(pupils__first_name__icontains=query)
            ).distinct()
        households = list(qs.order_by("name", "id")[: PICKER_LIMIT + 1])
        # The school's families, by name and postcode: one row a page (never the words searched).
        audit.record(
            request.user,
            AuditAction.LIST,
            object_type="household",
            school=school,
            detail="booking: household search" if query else "booking: household picker",
        )
    return render(
        request,
        "visits/booking/pick.html",
        {
            "schools": schools,
            "school": school,
            "query": query,
            "households": households[:PICKER_LIMIT],
            "more": len(households) > PICKER_LIMIT,
        },
    )


def _tell_what_was_saved(request: HttpRequest, visit: Visit, *, was_authorised: bool) -> None:
    """After an edit: send a draft or sent-back request to the lead when asked, and say what became
    of the changes (an authorised visit whose details changed went back to the queue, hc01)."""
    if "submit" in request.POST and moves.is_allowed(visit, request.user, moves.Action.SUBMIT):
        try:
            lifecycle.transition(visit, request.user, lifecycle.Action.SUBMIT)
        except LifecycleError as exc:
            messages.error(request, f"Your changes were saved, but: {exc}")
        else:
            messages.success(request, "Saved and sent to the safeguarding lead for authorisation.")
    elif was_authorised and visit.is_requested:
        messages.warning(request, "Saved. The changes went back to the safeguarding lead, who must authorise it again.")
    else:
        messages.success(request, "Your changes were saved.")


@login_required
def edit(request: HttpRequest, code: UUID) -> HttpResponse:
    """Change a request (draft, waiting, sent back or authorised) and, when it is a draft or was
    sent back, send it (again) to the lead. Changing what the lead saw on an authorised visit
    returns it to the queue (hc01): the page says so before the user saves."""
    # Audited once the form is shown: a visit past changing sends them back to it.
    visit, can = access.visit_for_user(request, code, need="edit_request", read=False)
    if not can.can_edit:
        messages.error(request, f"This visit can no longer be changed: it is {visit.get_status_display().lower()}.")
        return redirect("visits:detail", code=visit.code)
    if request.method == "POST":
        form = VisitForm(
            request.POST,
            school=visit.school,
            household=visit.household,
            visit=visit,
            show_code_word=can.can_see_code_word,
        )
        was_authorised = visit.is_authorised
        if form.is_valid() and bookings.save_changes(form, visit, request.user):
            _tell_what_was_saved(request, visit, was_authorised=was_authorised)
            return redirect("visits:detail", code=visit.code)
    else:
        form = VisitForm(
            school=visit.school, household=visit.household, visit=visit, show_code_word=can.can_see_code_word
        )
        access.record_read(request, visit, detail="edit form")
    return _booking_page(
        request,
        form,
        visit=visit,
        title=f"Change the visit to {visit.household.name}",
        can_send=can.can_submit,
    )


def _follow_up_initial(visit: Visit) -> dict[str, Any]:
    """mp02: the follow-up starts from the visit: same household, pupils, visitors, reasons;
    no date, and a new code word (the form suggests one)."""
    when = timezone.localtime(visit.scheduled_start)
    initial: dict[str, Any] = {name: getattr(visit, name) for name in FOLLOW_UP_FIELDS}
    initial.update(
        purpose=f"Follow-up to the visit on {when:%d/%m/%Y}",
        pupils=list(visit.pupils.all()),
        reasons=list(visit.reasons.values_list("reason", flat=True)),
        informed="yes" if visit.family_informed else "no",
        code_word="",
    )
    return initial


@login_required
def follow_up(request: HttpRequest, code: UUID) -> HttpResponse:
    """mp02: "Book a follow-up" on a completed visit: a new request prefilled from it."""
    visit, can = access.visit_for_user(request, code, need="request_at_school", read=False)
    if not can.can_follow_up:
        messages.error(request, "A follow-up can be booked once the visit is completed.")
        return redirect("visits:detail", code=visit.code)
    initial = _follow_up_initial(visit)
    if request.method == "POST":
        form = VisitForm(request.POST, school=visit.school, household=visit.household, initial=initial)
        if form.is_valid():
            new_visit = _save_new(request, form)
            if new_visit is not None:
                return after_booking(request, new_visit)
    else:
        form = VisitForm(school=visit.school, household=visit.household, initial=initial)
        access.record_read(request, visit, detail="follow-up form")
    return _booking_page(
        request,
        form,
        title=f"Book a follow-up visit to {visit.household.name}",
        follow_up_of=visit,
        action=reverse("visits:follow_up", args=[visit.code]),
    )


# --- new-starter visits (mp03) ---------------------------------------------------------------


def _starter_pupils(request: HttpRequest, school: School) -> tuple[list[str], str, QuerySet[Pupil]]:
    """The school's year groups (Reception first), the chosen one, and its pupils."""
    year_groups = sorted(
        set(Pupil.objects.filter(school=school).values_list("year_group", flat=True)),
        key=lambda y: (y != "Reception", y),
    )
    year = request.GET.get("year") or request.POST.get("year") or ("Reception" if "Reception" in year_groups else "")
    pupils = Pupil.objects.filter(school=school).select_related("household").order_by("last_name", "first_name")
    return year_groups, year, pupils.filter(year_group=year) if year else pupils


@dataclass
class StarterPlan:
    """What the new-starter page shows after a preview or a refused confirm."""

    rows: list = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    plan: str = ""
    notice: str = ""


def _preview_or_create(request: HttpRequest, form: NewStarterForm) -> StarterPlan | HttpResponse:
    """POST "preview": the schedule and its clashes, nothing written. POST "confirm": every
    request of the schedule the user previewed, in one transaction, unless something clashes."""
    rows, problems = bookings.plan_new_starters(form)
    result = StarterPlan(rows, problems, bookings.plan_signature(rows))
    clashes = problems or any(r.problems for r in rows)
    if "confirm" not in request.POST:
        return result
    if clashes:
        result.problems = problems or [
            "Nothing was saved: some visits clash. Change the times or pairs, then preview again."
        ]
    elif request.POST.get("plan") != result.plan:
        result.notice = "The schedule changed since your preview. Nothing is saved yet: check it below, then create."
    else:
        created, errors = bookings.create_new_starters(request.user, form, rows)
        if errors:
            result.problems = ["Nothing was saved.", *errors]
            return result
        sent = form.cleaned_data["submit_now"] == "submit"
        messages.success(
            request,
            f"{len(created)} new-starter visit request{'' if len(created) == 1 else 's'} created "
            + ("and sent to the safeguarding lead." if sent else "as drafts."),
        )
        return redirect(request.get_full_path())
    return result


@login_required
def new_starters(request: HttpRequest) -> HttpResponse:
    """mp03: book a visit for every household of the chosen pupils. GET shows the form; POST
    "preview" shows the schedule with its clashes and writes nothing; POST "confirm" creates
    one request per household in one transaction, unless something clashes."""
    schools = _booking_schools(request.user)
    school = _chosen_school(request, schools)
    if school is None:
        return render(request, "visits/booking/pick.html", {"schools": schools, "school": None, "starters": True})
    year_groups, year, pupils = _starter_pupils(request, school)
    result = StarterPlan()
    if request.method == "POST":
        form = NewStarterForm(request.POST, school=school, pupils=pupils)
        if form.is_valid():
            outcome = _preview_or_create(request, form)
            if isinstance(outcome, HttpResponse):
                return outcome
            result = outcome
    else:
        initial = {"pupils": list(pupils.values_list("pk", flat=True)), "date_from": timezone.localdate()}
        form = NewStarterForm(school=school, pupils=pupils, initial=initial)
    context = {"form": form, "school": school, "schools": schools, "year_groups": year_groups, "year": year}
    context |= {"rows": result.rows, "problems": result.problems, "plan": result.plan, "notice": result.notice}
    context["has_clashes"] = bool(result.problems) or any(r.problems for r in result.rows)
    # Where the drafts just made can be found again (they are on no day list yet).
    # A year group's pupils and their households, and the visits booked: one row each time shown.
    audit.record(request.user, AuditAction.LIST, object_type="pupil", school=school, detail="new starters")
    context["booked"] = (
        access.visible_visits(request.user)
        .filter(school=school, reasons__reason=Reason.NEW_STARTER, status__in=Status.editable())
        .filter(scheduled_start__gte=timezone.now())
        .select_related("household")
        .order_by("scheduled_start", "id")[:100]
    )
    return render(request, "visits/booking/new_starters.html", context)


# --- the appointment letter (hc08) ---------------------------------------------------------------


# The reasons in words a family reads: never the school's internal wording (no "suspected
# term-time holiday" on the doormat).
@login_required
def letter(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc08: the appointment letter to the family, as a print view (A4). It carries what the
    family may read only: never the code word, the briefing, comments or any internal note."""
    visit, can = access.visit_for_user(request, code, need="print_letter", read=False)
    if not can.can_print_letter:
        messages.error(request, f"No letter for this visit: it is {visit.get_status_display().lower()}.")
        return redirect("visits:detail", code=visit.code)
    pupils = list(visit.pupils.all())
    access.record_read(request, visit, detail="appointment letter", action=AuditAction.DOWNLOAD)
    return render(
        request,
        "visits/booking/letter.html",
        {
            "visit": visit,
            "school": visit.school,
            "today": timezone.localdate(),
            "start": timezone.localtime(visit.scheduled_start),
            "end": timezone.localtime(visit.expected_end),
            "visitors": family_words.visitors(visit),
            "reasons": family_words.plain_reasons(visit, pupils),
            "names": family_words.first_names(pupils),
        },
    )
