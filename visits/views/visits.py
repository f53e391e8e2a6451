"""Visit pages. Views stay thin: access decides who sees what, the lifecycle makes every change."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, F, Func, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from homevisits.pagination import seek
from homevisits.validators import BadInput, plain_text
from visits import access, audit, lifecycle, moves, tablet, who
from visits.enums import AuditAction, Role, Status
from visits.exceptions import AlreadyDone, LifecycleError
from visits.models import Membership, ParentSignature, Pupil, School, Visit, VisitReason, VisitRecord

from .outbox import for_outbox, repeat_answer

LIST_RELATED = ("school", "household", "lead_visitor", "second_visitor")


def _list_queryset(user):
    """Visits for a list page: visible to the user, with what the rows show fetched up front."""
    return (
        access.visible_visits(user)
        .select_related(*LIST_RELATED)
        .prefetch_related(
            Prefetch("pupils", queryset=Pupil.objects.only("id", "first_name", "last_name")),
            Prefetch("reasons", queryset=VisitReason.objects.only("id", "visit_id", "reason")),
        )
    )


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each person to the page their main role starts from."""
    url_name = who.home_url_name(request.user)
    if url_name:
        return redirect(url_name)
    return render(request, "visits/no_role.html")


def _parse_day(raw: str | None) -> dt.date:
    today = timezone.localdate()
    if not raw:
        return today
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return today


@login_required
def today(request: HttpRequest) -> HttpResponse:
    """The office's list of the day's visits across its schools (hc12)."""
    schools = who.page_schools(request.user, "office_day")
    if not schools:
        raise Http404
    day = _parse_day(request.GET.get("day"))
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    qs = who.with_visitor_gone(
        _list_queryset(request.user)
        .filter(school_id__in=schools, scheduled_start__gte=start, scheduled_start__lt=start + dt.timedelta(days=1))
        .exclude(status=Status.DRAFT)
    )
    page = seek(qs, request, ["scheduled_start", "id"])
    audit.record(request.user, AuditAction.LIST, object_type="visit", detail=f"office day list {day:%Y-%m-%d}")
    return render(
        request,
        "visits/today.html",
        {"page": page, "day": day, "prev_day": day - dt.timedelta(days=1), "next_day": day + dt.timedelta(days=1)},
    )


# --- the tablet: my visits (issue 5) -------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """A visitor's own visits on the tablet: today, record due and upcoming (one page of open
    visits, grouped), or the finished ones."""
    if not who.page_schools(request.user, "my_visits"):
        raise Http404
    user = request.user
    qs = (
        _list_queryset(user)
        .filter(Q(lead_visitor=user) | Q(second_visitor=user))
        .annotate(has_record=Exists(VisitRecord.objects.filter(visit=OuterRef("pk"))))
    )
    view = request.GET.get("show", "upcoming")
    if view == "past":
        qs = qs.filter(status__in=Status.terminal())
        ordering = ["-scheduled_start", "-id"]
    else:
        view = "upcoming"
        qs = qs.filter(status__in=Status.open() - {Status.DRAFT})
        ordering = ["scheduled_start", "id"]
    page = seek(qs, request, ordering)
    today = timezone.localdate()
    grouped: dict[str, list[Visit]] = {key: [] for key, _ in tablet.MINE_GROUPS}
    for visit in page.rows:
        visit.tablet_status, visit.tablet_tone = tablet.tablet_status(visit, today)
        if view == "upcoming":
            grouped[tablet.group_of(visit, today)].append(visit)
    groups = [(key, label, grouped[key]) for key, label in tablet.MINE_GROUPS] if view == "upcoming" else []
    audit.record(request.user, AuditAction.LIST, object_type="visit", detail=f"my visits ({view})")
    return render(request, "visits/mine.html", {"page": page, "show": view, "groups": groups})


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The head's overview: visits of the school by state, and what is coming up."""
    schools = who.page_schools(request.user, "overview")
    if not schools:
        raise Http404
    visible = access.visible_visits(request.user).filter(school_id__in=schools)
    counts = dict(visible.values_list("status").annotate(n=Count("id")).order_by())
    summary = [(Status(value).label, value, counts.get(value, 0)) for value in Status.values]
    upcoming = visible.filter(scheduled_start__gte=timezone.now(), status__in=Status.open() - {Status.DRAFT})
    page = seek(
        upcoming.select_related(*LIST_RELATED).prefetch_related(
            Prefetch("pupils", queryset=Pupil.objects.only("id", "first_name", "last_name")),
            Prefetch("reasons", queryset=VisitReason.objects.only("id", "visit_id", "reason")),
        ),
        request,
        ["scheduled_start", "id"],
    )
    audit.record(request.user, AuditAction.LIST, object_type="visit", detail="head overview")
    return render(request, "visits/overview.html", {"summary": summary, "page": page})


@login_required
def trust(request: HttpRequest) -> HttpResponse:
    """The trust administrator's view: numbers per school, and no pupil data (hc25)."""
    schools = who.page_schools(request.user, "trust")
    if not schools:
        raise Http404
    open_states = sorted(Status.open() - {Status.DRAFT})
    # Counted in correlated subqueries, not joins: joining visits and memberships together would
    # multiply the rows (and the numbers) by the staff count, and scan far more on a large trust.
    visits = Visit.objects.filter(school=OuterRef("pk")).order_by().values("school")
    counted = visits.annotate(n=Func(F("id"), function="COUNT")).values("n")
    staff = (
        Membership.objects.filter(school=OuterRef("pk"), is_active=True, role__in=Role.staff())
        .order_by()
        .values("school")
        .annotate(n=Func(F("user_id"), function="COUNT", template="COUNT(DISTINCT %(expressions)s)"))
        .values("n")
    )

    def count(queryset) -> Coalesce:
        return Coalesce(Subquery(queryset), 0)

    rows = (
        School.objects.filter(pk__in=schools)
        .annotate(
            waiting=count(counted.filter(status=Status.REQUESTED)),
            open_visits=count(counted.filter(status__in=open_states)),
            on_the_road=count(counted.filter(status=Status.IN_PROGRESS)),
            completed=count(counted.filter(status=Status.COMPLETED)),
            staff=count(staff),
        )
        .order_by("name")
    )
    return render(request, "visits/trust.html", {"rows": rows})


@login_required
def detail(request: HttpRequest, code: UUID) -> HttpResponse:
    visit, can = access.visit_for_user(request, code)
    events = tablet.timeline_for(visit, can)
    started = visit.status in Status.started()
    has_record = started and VisitRecord.objects.filter(visit=visit).exists()
    has_signature = started and can.is_visitor and ParentSignature.objects.filter(visit=visit).exists()
    return render(
        request,
        "visits/detail.html",
        {
            "visit": visit,
            "can": can,
            "events": events,
            "pupils": visit.pupils.all(),
            "reasons": visit.reasons.all(),
            "blockers": lifecycle.authorisation_blockers(visit) if can.can_decide else [],
            "steps": tablet.step_buttons(visit, can),
            "reminder": tablet.extend_reminder(visit, can),
            # hc19: an open alarm, for everyone who sees the visit but its visitors (duress, hc18).
            "alarm": None if can.is_visitor else lifecycle.alarm_state(visit),
            "next_action": tablet.next_action(visit, can, has_record, has_signature),
            "doorstep": tablet.doorstep_parts(visit, can, has_record),
            "has_record": has_record,
        },
    )


def run_change(request: HttpRequest, visit: Visit, success: str, change, *args, said=None, **kwargs) -> HttpResponse:
    """Run a lifecycle call and tell the person what happened (`said(visit)` words it from the
    changed visit); refusals become messages."""
    try:
        change(visit, request.user, *args, **kwargs)
        success = said(visit) if said else success
    except AlreadyDone as exc:
        # A retried step (a second tap, a reply lost on a bad signal): done, so said as done.
        messages.success(request, str(exc))
    except LifecycleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, success)
    return redirect("visits:detail", code=visit.code)


@require_POST
@login_required
def submit(request: HttpRequest, code: UUID) -> HttpResponse:
    visit, _ = access.visit_for_user(request, code, need=lifecycle.Action.SUBMIT)
    return run_change(
        request,
        visit,
        "Sent to the safeguarding lead for authorisation.",
        lifecycle.transition,
        lifecycle.Action.SUBMIT,
    )


@require_POST
@login_required
def cancel(request: HttpRequest, code: UUID) -> HttpResponse:
    visit, _ = access.visit_for_user(request, code, need=lifecycle.Action.CANCEL)
    try:
        note = plain_text(request.POST.get("note", "")[:2000])
    except BadInput as exc:
        messages.error(request, f"The visit was not cancelled. {exc}")
        return redirect("visits:detail", code=visit.code)
    return run_change(
        request, visit, "The visit was cancelled.", lifecycle.transition, lifecycle.Action.CANCEL, note=note
    )


@require_POST
@login_required
@for_outbox
def start(request: HttpRequest, code: UUID) -> HttpResponse:
    """Set off (hc01): refused unless a safeguarding lead has authorised the visit. From the
    tablet's outbox (issue 16) with its key and time: a repeat is answered as done."""
    if repeated := repeat_answer(request, code):
        return repeated
    visit, _ = access.visit_for_user(request, code, need=lifecycle.Action.START)
    return run_change(
        request,
        visit,
        "Set off logged. Call the office when you arrive.",
        lifecycle.transition,
        lifecycle.Action.START,
        sent=lifecycle.sent_from(request.POST),
    )


@require_POST
@login_required
def complete(request: HttpRequest, code: UUID) -> HttpResponse:
    visit, _ = access.visit_for_user(request, code, need=lifecycle.Action.COMPLETE)
    return run_change(request, visit, "The visit is complete.", lifecycle.transition, lifecycle.Action.COMPLETE)


@require_POST
@login_required
def extend(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc19, remind and extend: the visitors move the expected end on by 15 or 30 minutes, with a
    reason; what the tablet says is the same whatever the reason holds (silent duress, hc18)."""
    visit, _ = access.visit_for_user(request, code, need="conduct")
    minutes = {str(m): m for m in moves.EXTEND_BY}.get(request.POST.get("minutes", ""), 0)
    try:
        reason = plain_text((request.POST.get("note", "").strip() or request.POST.get("reason", ""))[:1000])
    except BadInput as exc:
        messages.error(request, f"The visit was not extended. {exc}")
        return redirect("visits:detail", code=visit.code)
    return run_change(request, visit, "Visit extended.", lifecycle.extend, minutes, reason, said=_extended_to)


def _extended_to(visit: Visit) -> str:
    until = timezone.localtime(visit.expected_end).strftime("%H:%M")
    return f"Extended: the office now expects you to leave by {until}."


STEP_MESSAGES = {
    "arrived": "Arrival logged at {time}. Check who is present before you go in.",
    "left": "Leaving the property logged at {time}.",
    "back": "Back at school logged at {time}.",
    "not_returning": "Logged at {time}: not returning to school today. The school no longer expects them back.",
}


@require_POST
@login_required
@for_outbox
def step(request: HttpRequest, code: UUID, step_name: str) -> HttpResponse:
    """Arrival, leaving and return (hc14), by a visitor or by the office taking their call. From
    the tablet's outbox (issue 16) with its key and time: a repeat is answered as done."""
    if step_name not in moves.STEPS:
        raise Http404
    if repeated := repeat_answer(request, code):
        return repeated
    visit, _ = access.visit_for_user(request, code, need="log_call")
    stamp = moves.STEPS[step_name].stamp

    def said(changed: Visit) -> str:  # at the time it is recorded (the tablet's, for a queued step)
        return STEP_MESSAGES[step_name].format(time=timezone.localtime(getattr(changed, stamp)).strftime("%H:%M"))

    sent = lifecycle.sent_from(request.POST)
    response = run_change(request, visit, "", lifecycle.record_step, step_name, sent=sent, said=said)
    if step_name == "left" and visit.status == Status.COMPLETED:
        messages.success(request, "The record was already written, so the visit is complete.")
    # The day board sends its own address, so that the office stays on the board (hc12).
    from .board import safe_next

    target = safe_next(request)
    return redirect(target) if target else response
