"""Pupils leaving (issue 17, part 6): the lead's list with the 5-school-day target (due date,
school days left, overdue), a pupil's leaving recorded, their safeguarding file from home visits
made (third parties redacted), downloaded, recorded as sent (when, how) and as received.
`disclosure.services` changes things and writes the audit rows."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import second_factor
from visits.access import record_read
from visits.enums import AuditAction

from .. import access, dates, services, who
from ..forms import LeaverForm, ReceivedForm, SentForm
from ..models import Leaver

PAGE = "leavers"


@login_required
@second_factor.step_up
def leaver_list(request: HttpRequest) -> HttpResponse:
    schools = who.leaver_schools(request.user)
    if not schools:
        raise Http404
    calendars = {school_id: dates.SchoolCalendar.of(school_id) for school_id in schools}
    rows = Leaver.objects.filter(school_id__in=schools).select_related("school", "pupil")
    waiting = [
        (leaver, services.leaver_clock(leaver, calendars[leaver.school_id]))
        for leaver in rows.filter(sent_on__isnull=True)
    ]
    sent = rows.filter(sent_on__isnull=False).order_by("received_on", "-sent_on")[:50]
    q = request.GET.get("q", "").strip()[:100]
    pupils, _ = access.search(request.user, PAGE, q)
    school = schools[0] if len(schools) == 1 else None
    record_read(request, None, action=AuditAction.LIST, object_type="leaver", detail="leavers list", school=school)
    context = {"waiting": waiting, "sent": sent, "q": q, "pupils": pupils, "many_schools": len(schools) > 1}
    context["no_terms"] = [c for c in calendars.values() if not c.has_terms] != []
    return render(request, "disclosure/leavers.html", context)


@login_required
@second_factor.step_up
def leaver_new(request: HttpRequest, code) -> HttpResponse:
    detail = "" if request.method == "POST" else "pupil leaving: new"
    pupil = access.subject_for_user(request, "pupil", code, page=PAGE, detail=detail)
    form = LeaverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            leaver = services.record_leaver(request.user, pupil.school, pupil, **form.cleaned_data)
        except services.StepRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(
                request, f"Leaving recorded: the file is due at the next school by {leaver.due_on:%d/%m/%Y}."
            )
            return redirect("disclosure:leaver", code=leaver.code)
    calendar_ = dates.SchoolCalendar.of(pupil.school_id)
    return render(request, "disclosure/leaver_new.html", {"form": form, "pupil": pupil, "calendar": calendar_})


def _detail_context(leaver: Leaver, **forms) -> dict:
    calendar_ = dates.SchoolCalendar.of(leaver.school_id)
    context = {"leaver": leaver, "clock": services.leaver_clock(leaver, calendar_), "calendar": calendar_}
    context["sent_form"] = forms.get("sent_form") or SentForm()
    context["received_form"] = forms.get("received_form") or ReceivedForm()
    return context


@login_required
@second_factor.step_up
def leaver_detail(request: HttpRequest, code) -> HttpResponse:
    leaver = access.leaver_for_user(request, code)
    return render(request, "disclosure/leaver_detail.html", _detail_context(leaver))


def _refused(request: HttpRequest, leaver: Leaver, refusal: services.StepRefused):
    messages.error(request, str(refusal))
    return redirect("disclosure:leaver", code=leaver.code)


@require_POST
@login_required
@second_factor.step_up
def leaver_build(request: HttpRequest, code) -> HttpResponse:
    leaver = access.leaver_for_user(request, code)
    try:
        built = services.build_leaver_file(request.user, leaver)
    except services.StepRefused as refusal:
        return _refused(request, leaver, refusal)
    messages.success(request, f"File made ({built.pdf_bytes // 1024 + 1} KB PDF).")
    return redirect("disclosure:leaver", code=leaver.code)


@login_required
@second_factor.step_up
def leaver_download(request: HttpRequest, code) -> HttpResponse:
    leaver = access.leaver_for_user(request, code, read=False)
    if not leaver.is_built:
        raise Http404("No file yet")
    record_read(request, leaver, action=AuditAction.DOWNLOAD, detail="pupil file pdf")
    response = HttpResponse(bytes(leaver.file_pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="pupil-file-{leaver.left_on:%Y%m%d}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


def _step(request: HttpRequest, code, form_class, key: str, act) -> HttpResponse:
    """A dated step on the leaver (sent, received): the form's errors shown on the page, a refusal
    as a message."""
    leaver = access.leaver_for_user(request, code)
    form = form_class(request.POST)
    if not form.is_valid():
        return render(request, "disclosure/leaver_detail.html", _detail_context(leaver, **{key: form}), status=400)
    try:
        act(leaver, form.cleaned_data)
    except services.StepRefused as refusal:
        return _refused(request, leaver, refusal)
    messages.success(request, "Saved.")
    return redirect("disclosure:leaver", code=leaver.code)


@require_POST
@login_required
@second_factor.step_up
def leaver_sent(request: HttpRequest, code) -> HttpResponse:
    def act(leaver, data):
        services.record_sent(request.user, leaver, data["sent_on"], data["sent_how"])

    return _step(request, code, SentForm, "sent_form", act)


@require_POST
@login_required
@second_factor.step_up
def leaver_received(request: HttpRequest, code) -> HttpResponse:
    def act(leaver, data):
        services.record_received(request.user, leaver, data["received_on"])

    return _step(request, code, ReceivedForm, "received_form", act)
