"""The audit trail pages: the trail of a school, filtered and paged, and its CSV export (issue 15).

Both are step-up pages (the second factor given within the last minutes) for the leads, deputies
and heads of a school (`who.page_schools(user, "audit")`); anyone else gets 404. The export writes
its own audit row, naming the filters used, and so does a look-up of one person, family or visit
(written after the page's rows are read, so it shows from the next page on); browsing the whole
trail writes none.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts import second_factor
from visits import who
from visits.enums import AuditAction

from .. import audit_trail
from ..forms import AuditFilterForm


def _form(request: HttpRequest) -> AuditFilterForm:
    schools = who.page_schools(request.user, "audit")
    if not schools:
        raise Http404
    return AuditFilterForm(request.GET, schools=schools)


def _filters_only(request: HttpRequest) -> str:
    """The query string without the page's cursor: the export holds every page."""
    params = request.GET.copy()
    for key in ("after", "before"):
        params.pop(key, None)
    return params.urlencode()


@require_GET
@login_required
@second_factor.step_up
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit trail of one of the user's schools, newest first, with its filters (read only).
    A form with errors shows them, and no rows, rather than a trail the person did not ask for."""
    form = _form(request)
    valid = form.is_valid()
    page = None
    if valid:
        data = form.cleaned_data
        page = audit_trail.page(audit_trail.entries(data["school"].pk, data), request)
        if audit_trail.is_lookup(data):
            audit_trail.record(request.user, AuditAction.LIST, data, "audit trail looked up")
    return render(
        request,
        "safeguarding/audit_log.html",
        {
            "form": form,
            "page": page,
            "school": form.cleaned_data.get("school"),
            "families": form.cleaned_data.get("households", []) if valid else [],
            "export_query": _filters_only(request) if valid else "",
        },
    )


@require_GET
@login_required
@second_factor.step_up
def audit_export(request: HttpRequest) -> HttpResponse:
    """The filtered trail as a CSV file, every page of it, streamed a chunk at a time."""
    form = _form(request)
    if not form.is_valid():
        return render(request, "safeguarding/audit_log.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data
    school = data["school"]
    audit_trail.record(request.user, AuditAction.DOWNLOAD, data, "audit trail CSV")
    response = StreamingHttpResponse(
        audit_trail.csv_lines(audit_trail.entries(school.pk, data)), content_type="text/csv; charset=utf-8"
    )
    name = audit_trail.filename(school.slug, data, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response
