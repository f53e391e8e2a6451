"""The reports' pages (issue 17): a school's report, the trust's, the visits behind a figure, the
governors' report (page, PDF), their CSV files, and the school's terms.

Who opens which page is `reports.who`'s (registered with `visits.who`); the figures are
`reports.figures`'; a page here only asks both and shows the answer. A page nobody of the person's
roles may open answers 404. Every page writes its audit row; every download an "Exported" row naming
the report and its filters in fixed words.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods

from visits import access, audit
from visits.enums import AuditAction
from visits.models import Term
from visits.pdf import html_to_pdf

from . import exports, figures
from . import who as reports_who
from .forms import GovernorsForm, SchoolReportForm, TermForm, TrustReportForm, VisitListForm, with_defaults

PER_PAGE = 50


def _schools(ids: list[int]) -> list[int]:
    if not ids:
        raise Http404
    return ids


def _school_form(request: HttpRequest, form_class=SchoolReportForm):
    return form_class(request.GET, school_ids=_schools(reports_who.report_schools(request.user)))


@require_GET
@login_required
def school_report(request: HttpRequest) -> HttpResponse:
    """A school's report over a term or dates: each figure a chart and a table, linked to its visits."""
    form = _school_form(request)
    if form.is_valid():
        form = with_defaults(form, exports.period_query(form.cleaned_data))
    context = {"form": form, "report": None}
    if form.is_valid():
        data = form.cleaned_data
        context["report"] = figures.school_reports([data["school"].pk], data["start"], data["end"])[data["school"].pk]
        context |= {"school": data["school"], "start": data["start"], "end": data["end"]}
        context["query"] = exports.period_query(data)
        audit.record(
            request.user, AuditAction.VIEW, object_type="report", school=data["school"], detail="school report"
        )
    return render(request, "reports/school.html", context, status=200 if form.is_valid() else 400)


@require_GET
@login_required
def school_report_csv(request: HttpRequest) -> HttpResponse:
    form = _school_form(request)
    if not form.is_valid():
        return render(request, "reports/school.html", {"form": form, "report": None}, status=400)
    data = form.cleaned_data
    report = figures.school_reports([data["school"].pk], data["start"], data["end"])[data["school"].pk]
    return exports.report_csv(request, [report], data, "school report", data["school"])


@require_GET
@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    """The visits behind one figure of a school's report, of those the person may see (hc25)."""
    form = _school_form(request, VisitListForm)
    if not form.is_valid():
        return render(request, "reports/visits.html", {"form": form, "page": None}, status=400)
    data = form.cleaned_data
    visits = exports.listed_visits(request.user, data)
    page = Paginator(visits, PER_PAGE).get_page(request.GET.get("page"))
    audit.record(request.user, AuditAction.LIST, object_type="visit", school=data["school"], detail="report visit list")
    context = {
        "form": form,
        "page": page,
        "school": data["school"],
        "figure": figures.FILTERS[data["f"]][data["v"]],
        "start": data["start"],
        "end": data["end"],
        "query": exports.period_query(data) + f"&f={data['f']}&v={data['v']}",
    }
    return render(request, "reports/visits.html", context)


@require_GET
@login_required
def visit_list_csv(request: HttpRequest) -> HttpResponse:
    form = _school_form(request, VisitListForm)
    if not form.is_valid():
        return render(request, "reports/visits.html", {"form": form, "page": None}, status=400)
    return exports.visits_csv(request, form.cleaned_data)


def _trust_form(request: HttpRequest) -> TrustReportForm:
    return TrustReportForm(request.GET, school_ids=_schools(reports_who.trust_schools(request.user)))


@require_GET
@login_required
def trust_report(request: HttpRequest) -> HttpResponse:
    """The trust administrator's report: each school's figures and the trust's total (numbers only)."""
    form = _trust_form(request)
    if form.is_valid():
        form = with_defaults(form, exports.period_query(form.cleaned_data, school=False))
    context = {"form": form, "schools": None}
    if form.is_valid():
        data = form.cleaned_data
        ids = reports_who.trust_schools(request.user)
        context["schools"], context["total"] = figures.trust_report(ids, data["start"], data["end"])
        context |= {"start": data["start"], "end": data["end"], "query": exports.period_query(data, school=False)}
        audit.record(request.user, AuditAction.VIEW, object_type="report", detail="trust report")
    return render(request, "reports/trust.html", context, status=200 if form.is_valid() else 400)


@require_GET
@login_required
def trust_report_csv(request: HttpRequest) -> HttpResponse:
    form = _trust_form(request)
    if not form.is_valid():
        return render(request, "reports/trust.html", {"form": form, "schools": None}, status=400)
    data = form.cleaned_data
    per_school, total = figures.trust_report(reports_who.trust_schools(request.user), data["start"], data["end"])
    return exports.report_csv(request, [*per_school.values(), total], data, "trust report", None)


def _governors(request: HttpRequest) -> tuple[GovernorsForm, dict | None]:
    form = GovernorsForm(request.GET, school_ids=_schools(reports_who.governors_schools(request.user)))
    if not form.is_valid() or form.cleaned_data.get("term") is None:
        return form, None
    form = with_defaults(form, exports.governors_query(form.cleaned_data))
    data = form.cleaned_data
    term = data["term"]
    report = figures.for_governors(data["school"].pk, term.starts, term.ends)
    return form, {"school": data["school"], "term": term, "report": report, "query": exports.governors_query(data)}


@require_GET
@login_required
def governors(request: HttpRequest) -> HttpResponse:
    """The governors' report of a term: counts and charts only, small numbers hidden, no names."""
    form, found = _governors(request)
    context = {"form": form, **(found or {})}
    if found is not None:
        audit.record(request.user, AuditAction.VIEW, object_type="report", school=found["school"], detail="governors")
    return render(request, "reports/governors.html", context, status=400 if form.errors else 200)


@require_GET
@login_required
def governors_pdf(request: HttpRequest) -> HttpResponse:
    form, found = _governors(request)
    if found is None:
        return redirect("reports:governors")
    pdf = html_to_pdf(render_to_string("reports/governors_pdf.html", found))
    detail = f"governors PDF: term {found['term'].pk}"
    audit.record(request.user, AuditAction.EXPORT, object_type="report", school=found["school"], detail=detail)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{exports.governors_filename(found, "pdf")}"'
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def governors_csv(request: HttpRequest) -> HttpResponse:
    form, found = _governors(request)
    if found is None:
        return redirect("reports:governors")
    return exports.governors_csv(request, found)


@require_http_methods(["GET", "POST"])
@login_required
def terms(request: HttpRequest) -> HttpResponse:
    """A school's terms, and a form to add one (leads and the head)."""
    form = exports.terms_school_form(request)
    school = form.cleaned_data["school"] if form.is_valid() else None
    if school is None:
        raise Http404
    term_form = TermForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST" and term_form.is_valid():
        term = term_form.save()
        audit.record(request.user, AuditAction.CREATE, object_type="term", school=school, detail="term added")
        return redirect(exports.terms_url(term.school_id))
    audit.record(request.user, AuditAction.LIST, object_type="term", school=school, detail="terms")
    context = {"form": form, "term_form": term_form, "school": school, "terms": school.terms.order_by("-starts")}
    return render(request, "reports/terms.html", context, status=400 if term_form.errors else 200)


@require_http_methods(["GET", "POST"])
@login_required
def term_edit(request: HttpRequest, pk: int) -> HttpResponse:
    term = get_object_or_404(
        Term.objects.select_related("school"), pk=pk, school_id__in=reports_who.term_schools(request.user)
    )
    form = TermForm(request.POST if request.method == "POST" else None, instance=term, school=term.school)
    if request.method == "POST" and form.is_valid():
        form.save()
        audit.record(
            request.user, AuditAction.UPDATE, term, object_type="term", school=term.school, detail="term changed"
        )
        return redirect(exports.terms_url(term.school_id))
    if request.method == "GET":
        access.record_read(request, term, object_type="term", school=term.school, detail="term form")
    return render(request, "reports/term_form.html", {"form": form, "term": term}, status=400 if form.errors else 200)
