"""Subject access requests (issue 17, part 5): the list (open with due date and days left, and
closed), a new request about a pupil or contact found by name, and one request's page: everything
held about the person with the redaction marks, the bundle built, downloaded, sent and closed.
`disclosure.services` changes things and writes the audit rows; these views only fetch through
`disclosure.access` and show."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import second_factor
from visits.access import record_read
from visits.enums import AuditAction

from .. import access, services, who
from ..forms import CloseRequestForm, RequestForm
from ..models import SubjectAccessRequest

PAGE = "subject_access"


@login_required
@second_factor.step_up
def request_list(request: HttpRequest) -> HttpResponse:
    schools = who.subject_access_schools(request.user)
    if not schools:
        raise Http404
    rows = SubjectAccessRequest.objects.filter(school_id__in=schools).select_related("school", "pupil", "contact")
    open_rows = [(sar, services.request_clock(sar)) for sar in rows.filter(closed_at__isnull=True)]
    closed = rows.filter(closed_at__isnull=False).order_by("-closed_at")[:50]
    q = request.GET.get("q", "").strip()[:100]
    pupils, contacts = access.search(request.user, PAGE, q)
    school = schools[0] if len(schools) == 1 else None
    record_read(
        request,
        None,
        action=AuditAction.LIST,
        object_type="subjectaccessrequest",
        detail="requests list",
        school=school,
    )
    context = {"open_rows": open_rows, "closed": closed, "q": q, "pupils": pupils, "contacts": contacts}
    context["many_schools"] = len(schools) > 1
    return render(request, "disclosure/requests.html", context)


@login_required
@second_factor.step_up
def request_new(request: HttpRequest, kind: str, code) -> HttpResponse:
    subject = access.subject_for_user(request, kind, code, page=PAGE, detail="subject access: new request")
    form = RequestForm(request.POST or None, subject_kind=kind)
    if request.method == "POST" and form.is_valid():
        school = subject.school if kind == "pupil" else subject.household.school
        sar = services.record_request(request.user, school, subject, **form.cleaned_data)
        messages.success(request, f"Request recorded: the answer is due by {sar.due_on:%d/%m/%Y}.")
        return redirect("disclosure:request", code=sar.code)
    return render(request, "disclosure/request_new.html", {"form": form, "subject": subject, "kind": kind})


@login_required
@second_factor.step_up
def request_detail(request: HttpRequest, code) -> HttpResponse:
    sar = access.request_for_user(request, code)
    found = services.dossier(sar)
    held_back = services.marks(sar, found)
    context = {
        "sar": sar,
        "dossier": found,
        "held_back": held_back,
        "clock": services.request_clock(sar),
        "close_form": CloseRequestForm(),
    }
    return render(request, "disclosure/request_detail.html", context)


def _refused(request: HttpRequest, sar, refusal: services.StepRefused):
    messages.error(request, str(refusal))
    return redirect("disclosure:request", code=sar.code)


@require_POST
@login_required
@second_factor.step_up
def request_redactions(request: HttpRequest, code) -> HttpResponse:
    sar = access.request_for_user(request, code)
    try:
        held = services.mark_redactions(request.user, sar, request.POST.getlist("redact"))
    except services.StepRefused as refusal:
        return _refused(request, sar, refusal)
    messages.success(request, f"Redactions saved: {held} item{'s' if held != 1 else ''} held back.")
    return redirect("disclosure:request", code=sar.code)


@require_POST
@login_required
@second_factor.step_up
def request_build(request: HttpRequest, code) -> HttpResponse:
    sar = access.request_for_user(request, code)
    try:
        built = services.build_request_bundle(request.user, sar)
    except services.StepRefused as refusal:
        return _refused(request, sar, refusal)
    messages.success(request, f"Bundle made ({built.pdf_bytes // 1024 + 1} KB PDF and the same as data).")
    return redirect("disclosure:request", code=sar.code)


@login_required
@second_factor.step_up
def request_download(request: HttpRequest, code, fmt: str) -> HttpResponse:
    sar = access.request_for_user(request, code, read=False)
    if not sar.is_built:
        raise Http404("No bundle yet")
    record_read(request, sar, action=AuditAction.DOWNLOAD, detail=f"subject access bundle {fmt}")
    kind, body = ("application/pdf", sar.bundle_pdf) if fmt == "pdf" else ("application/json", sar.bundle_json)
    response = HttpResponse(bytes(body), content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="subject-access-{sar.received_on:%Y%m%d}.{fmt}"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
@second_factor.step_up
def request_close(request: HttpRequest, code) -> HttpResponse:
    sar = access.request_for_user(request, code)
    form = CloseRequestForm(request.POST)
    if not form.is_valid():
        record_read(request, sar, detail="subject access request")
        context = {"sar": sar, "dossier": services.dossier(sar), "close_form": form}
        context |= {"held_back": services.marks(sar, context["dossier"]), "clock": services.request_clock(sar)}
        return render(request, "disclosure/request_detail.html", context, status=400)
    try:
        services.close_request(request.user, sar, form.cleaned_data["sent_on"])
    except services.StepRefused as refusal:
        return _refused(request, sar, refusal)
    messages.success(request, "Request closed: the bundle sent is kept with it.")
    return redirect("disclosure:requests")
