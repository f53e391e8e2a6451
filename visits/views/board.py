"""The office's day board (hc12, hc14, hc19) and the alarm pages (hc18, hc19).

The board lists today's and tomorrow's visits of the user's schools, and everyone still out
whatever day they set off, with the alarms at the top. It polls its rows every 20 seconds as a
*background* request (`X-Homevisits-Background: 1`), so an unattended board still signs itself
out after the idle time. Every number of rows costs the same queries: the alarm events are
prefetched, and the flags come from `VisitAccess`, which answers office and lead from the roles
loaded once per request.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from homevisits.validators import BadInput, has_control_characters, plain_text
from visits import access, audit, lifecycle, moves, watch, whereabouts, who
from visits.enums import AuditAction, EventKind, Status
from visits.exceptions import AlreadyDone, LifecycleError
from visits.models import User, Visit, VisitEvent

BOARD_LIMIT = 300
# The board's 20-second refresh is a read of the same list by the same person: its audit is a
# summary row, written by the first refresh more than this long after the board's last row, that
# stands for every refresh of the next 5 minutes (hc25). So no refresh is more than 5 minutes from
# a row that says the board was open, and an open board writes 12 rows an hour, not 180.
AUDIT_REFRESH_SECONDS = 300
REFRESH_SUMMARY = "day board refreshed: this row stands for every refresh of the next 5 minutes"
BOARD_STATES = (Status.REQUESTED, Status.AUTHORISED, Status.IN_PROGRESS, Status.COMPLETED)


@dataclass
class BoardRow:
    visit: Visit
    can: access.VisitAccess
    alarm: lifecycle.AlarmState
    group: str  # "out", "today", "tomorrow", "done"
    minutes_late: int = 0
    show_date: bool = False  # set off on another day, or tomorrow's

    @property
    def group_label(self) -> str:
        return GROUPS[self.group]

    @property
    def late_text(self) -> str:
        """How late, as the office would say it: "25 min", "2 h 05 min"."""
        hours, minutes = divmod(self.minutes_late, 60)
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"

    @property
    def extended(self) -> VisitEvent | None:
        """The last time the visitors extended the visit from the tablet (remind and extend)."""
        found = [e for e in getattr(self.visit, "alarm_events", []) if e.kind == EventKind.EXTENDED]
        return found[-1] if found else None

    @property
    def visitors(self) -> list[User]:
        return [u for u in (self.visit.lead_visitor, self.visit.second_visitor) if u is not None]


GROUPS = {
    "out": "Out now",
    "today": "Later today",
    "tomorrow": "Tomorrow",
    "done": "Finished today",
}


def safe_next(request: HttpRequest) -> str | None:
    """The `next` address of a form, if it is one of ours (never an open redirect)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if has_control_characters(target):
        return None
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return None


def _board_visits(user: User, school_ids: list[int], start: dt.datetime) -> QuerySet[Visit]:
    """Everyone out, today's and tomorrow's requests and authorised visits, and today's completed
    ones, with their alarm events: a fixed number of queries for any number of rows."""
    tomorrow, day_after = start + dt.timedelta(days=1), start + dt.timedelta(days=2)
    return (
        who.with_visitor_gone(access.visible_visits(user))
        .filter(school_id__in=school_ids, status__in=BOARD_STATES)
        .filter(
            Q(status=Status.IN_PROGRESS)
            | Q(
                status__in=(Status.REQUESTED, Status.AUTHORISED),
                scheduled_start__gte=start,
                scheduled_start__lt=day_after,
            )
            | Q(status=Status.COMPLETED, scheduled_start__gte=start, scheduled_start__lt=tomorrow)
            | Q(status=Status.COMPLETED, completed_at__gte=start)
        )
        .select_related("school", "household", "lead_visitor", "second_visitor")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=VisitEvent.objects.filter(kind__in=moves.ALARM_EVENTS).order_by("at", "id"),
                to_attr="alarm_events",
            )
        )
        .order_by("scheduled_start", "id")[:BOARD_LIMIT]
    )


def board_rows(user: User, school_ids: list[int], now: dt.datetime | None = None) -> list[BoardRow]:
    now = now or timezone.now()
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time.min))
    tomorrow = start + dt.timedelta(days=1)
    qs = _board_visits(user, school_ids, start)
    rows = []
    for visit in qs:
        alarm = lifecycle.alarm_state(visit, visit.alarm_events, now)
        if visit.status == Status.IN_PROGRESS or alarm.is_open or watch.is_out_after_leaving(visit):
            group = "out"
        elif visit.status == Status.COMPLETED:
            group = "done"
        elif visit.scheduled_start >= tomorrow:
            group = "tomorrow"
        else:
            group = "today"
        late = max(0, int((now - visit.expected_end).total_seconds() // 60)) if alarm.overdue_since else 0
        show_date = not (start <= visit.scheduled_start < tomorrow)
        rows.append(BoardRow(visit, access.VisitAccess(user, visit), alarm, group, late, show_date))
    order = list(GROUPS)
    rows.sort(
        key=lambda r: (
            order.index(r.group),
            0 if r.alarm.in_danger else 1 if r.alarm.is_open else 2 if r.alarm.overdue_since else 3,
            r.visit.expected_end if r.group == "out" else r.visit.scheduled_start,
            r.visit.pk,
        )
    )
    return rows


def _school_ids(request: HttpRequest) -> list[int]:
    ids = who.board_school_ids(request.user)
    if not ids:
        raise Http404
    return ids


def _board_context(request: HttpRequest, school_ids: list[int]) -> dict:
    now = timezone.now()
    rows = board_rows(request.user, school_ids, now)
    return {
        "rows": rows,
        "people": whereabouts.people_out(r.visit for r in rows),
        "groups": GROUPS,
        "updated": timezone.localtime(now),
        "alarms": sum(1 for r in rows if r.alarm.is_open),
        "board_url": reverse("visits:board"),
    }


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """The day board: who is out, where, since when; overdue and code-word alarms on top."""
    school_ids = _school_ids(request)
    context = _board_context(request, school_ids)
    audit.record(request.user, AuditAction.LIST, object_type="visit", detail="day board")
    request.session["board_audited_at"] = time.time()
    return render(request, "visits/board/board.html", context)


@login_required
def board_rows_partial(request: HttpRequest) -> HttpResponse:
    """The board's rows, fetched by its 20-second poll (a background request)."""
    school_ids = _school_ids(request)
    context = _board_context(request, school_ids)
    last = float(request.session.get("board_audited_at") or 0)
    if time.time() - last > AUDIT_REFRESH_SECONDS:
        audit.record(request.user, AuditAction.LIST, object_type="visit", detail=REFRESH_SUMMARY)
        request.session["board_audited_at"] = time.time()
    return render(request, "visits/board/_rows.html", context)


# --- the code word, one row at a time (hc11) -----------------------------------------------------

# How long the board shows a code word after the tap that asked for it (static/js/board.js hides
# it again; a reload never shows it).
CODE_WORD_SECONDS = 30
CODE_WORD_AUDIT = "code word shown on the day board"
CODE_WORD_REFUSED = "The code word is shown only while the visitors are on the road, or for a visit leaving today."


@require_GET
@login_required
def reveal_code_word(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc11: one row's code word, on a tap, for whoever may know it, while it may be needed; each
    reveal is a read in the audit trail (a refusal writes none). The board's script asks for JSON;
    without it, a page. Never kept by the browser (no-store, as every signed-in page)."""
    visit, can = access.visit_for_user(request, code, need="see_code_word", read=False)
    wants_json = "application/json" in request.headers.get("Accept", "")
    if not can.can_reveal_code_word:
        if wants_json:
            return JsonResponse({"error": CODE_WORD_REFUSED}, status=403)
        messages.error(request, CODE_WORD_REFUSED)
        return redirect(
            "visits:board" if who.may_see_board(request.user) else reverse("visits:detail", args=[visit.code])
        )
    access.record_read(request, visit, detail=CODE_WORD_AUDIT)
    if wants_json:
        return JsonResponse({"word": visit.code_word, "seconds": CODE_WORD_SECONDS})
    return render(request, "visits/board/code_word.html", {"visit": visit, "seconds": CODE_WORD_SECONDS})


# --- the alarm pages (hc18, hc19) ----------------------------------------------------------------


def _alarm_visit(request: HttpRequest, code: UUID) -> tuple[Visit, access.VisitAccess]:
    visit, can = access.visit_for_user(request, code, need="handle_alarms", detail="alarm page")
    return visit, can


@login_required
def alarm(request: HttpRequest, code: UUID) -> HttpResponse:
    """The police call script and the escalation ladder for one visit."""
    visit, can = _alarm_visit(request, code)
    events = list(VisitEvent.objects.filter(visit=visit, kind__in=moves.ALARM_EVENTS).order_by("at", "id"))
    state = lifecycle.alarm_state(visit, events)
    return render(
        request,
        "visits/board/alarm.html",
        {
            "visit": visit,
            "can": can,
            "alarm": state,
            "events": events,
            "visitors": [u for u in (visit.lead_visitor, visit.second_visitor) if u is not None],
            "resolutions": lifecycle.RESOLUTIONS,
        },
    )


@require_POST
@login_required
def raise_code_word(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc18: the code word was used. Raise the alarm and show the police call script."""
    visit, _ = _alarm_visit(request, code)
    try:
        lifecycle.raise_code_word_alarm(visit, request.user)
    except LifecycleError as exc:
        messages.error(request, str(exc))
        if visit.status not in moves.ALARM_STATES:
            return redirect("visits:detail", code=visit.code)
    else:
        messages.warning(request, "Alarm raised. The safeguarding leads are being alerted. Call 999 now.")
    return redirect("visits:alarm", code=visit.code)


ESCALATION_MESSAGES = {
    "rang_mobile": "Call to the mobile logged.",
    "police_called": "Police call logged.",
    "resolved": "Alarm resolved.",
}


@require_POST
@login_required
def acknowledge(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc19: "I'm on it": a person takes the alarm on, which stops the ladder (every lead, then the
    head). The alarm stays open until the visitors are recorded safe."""
    visit, _ = _alarm_visit(request, code)
    try:
        lifecycle.acknowledge_alarm(visit, request.user)
    except AlreadyDone as exc:
        messages.info(request, str(exc))
    except LifecycleError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Alarm taken on: ring the visitors now, then record how you know they are safe.")
    return redirect(safe_next(request) or reverse("visits:alarm", args=[visit.code]))


@require_POST
@login_required
def escalate(request: HttpRequest, code: UUID, step_name: str) -> HttpResponse:
    """One step of the escalation ladder: rang mobile, police called, resolved (hc18, hc19)."""
    if step_name not in lifecycle.ESCALATIONS:
        raise Http404
    visit, _ = _alarm_visit(request, code)
    answered = {"yes": True, "no": False}.get(request.POST.get("answered", ""))
    try:
        lifecycle.record_escalation(
            visit,
            request.user,
            step_name,
            answered=answered,
            reference=plain_text(request.POST.get("reference", "")[:200]),
            outcome=plain_text(request.POST.get("outcome", "")),
        )
    except (LifecycleError, BadInput) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, ESCALATION_MESSAGES[step_name])
    return redirect(safe_next(request) or reverse("visits:alarm", args=[visit.code]))
