"""The reports' downloads and the helpers their pages share: CSV files (through
`homevisits.spreadsheet`, the one escaping rule), the query strings that carry a report's period,
the visits behind a figure, and each export's audit row (fixed words: the report, its period and
figure, never anything typed)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from homevisits import spreadsheet
from visits import access, audit
from visits.enums import AuditAction
from visits.models import School, User

from . import figures
from . import who as reports_who
from .forms import SchoolPickForm

# --- query strings ---------------------------------------------------------------------------------


def period_query(data: dict, school: bool = True) -> str:
    params = {}
    if school and data.get("school") is not None:
        params["school"] = data["school"].pk
    if data.get("term") is not None:
        params["term"] = data["term"].pk
    else:
        params["date_from"] = f"{data['start']:%d/%m/%Y}"
        params["date_to"] = f"{data['end']:%d/%m/%Y}"
    return urlencode(params)


def governors_query(data: dict) -> str:
    return urlencode({"school": data["school"].pk, "term": data["term"].pk})


def terms_url(school_id: int) -> str:
    return reverse("reports:terms") + f"?school={school_id}"


def terms_school_form(request: HttpRequest) -> SchoolPickForm:
    return SchoolPickForm(request.GET, school_ids=reports_who.term_schools(request.user))


def _period_words(data: dict) -> str:
    """The period in fixed words for an audit row: a term by its id, or the ISO dates."""
    if data.get("term") is not None:
        return f"term {data['term'].pk}"
    return f"from {data['start'].isoformat()} to {data['end'].isoformat()}"


def _attachment(content: bytes, filename: str, content_type: str = "text/csv; charset=utf-8") -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


# --- the figures as CSV ----------------------------------------------------------------------------

REPORT_HEADER = ["School", "Group", "Figure", "Count"]
TIMING_HEADER = ["School", "Timing", "How many", "Average (minutes)", "Longest (minutes)", "Still waiting"]


def _minutes(value) -> str:
    return "" if value is None else f"{value.total_seconds() / 60:.0f}"


def _report_lines(report: figures.Report) -> list[list]:
    lines = [[report.name, "All", report.total.label, report.total.text]]
    for section in report.sections:
        lines += [[report.name, section.title, row.label, row.text] for row in section.rows]
    return lines


def _timing_lines(report: figures.Report) -> list[list]:
    return [
        [report.name, t.label, t.count, _minutes(t.average), _minutes(t.longest), "" if t.waiting < 0 else t.waiting]
        for t in [*report.alarms, *report.concerns]
    ]


def _report_bytes(reports: list[figures.Report], title: list[str]) -> bytes:
    lines = [title, [], REPORT_HEADER]
    for report in reports:
        lines += _report_lines(report)
    lines += [[], TIMING_HEADER]
    for report in reports:
        lines += _timing_lines(report)
    return spreadsheet.header(["Home visits report"]) + spreadsheet.rows(lines)


def report_csv(request: HttpRequest, reports: list, data: dict, what: str, school: School | None) -> HttpResponse:
    title = [f"{data['start']:%d/%m/%Y} to {data['end']:%d/%m/%Y}"]
    content = _report_bytes(reports, title)
    detail = f"{what} CSV: {_period_words(data)}"
    audit.record(request.user, AuditAction.EXPORT, object_type="report", school=school, detail=detail)
    slug = school.slug if school is not None else "trust"
    return _attachment(content, f"{what.replace(' ', '-')}-{slug}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.csv")


def governors_csv(request: HttpRequest, found: dict) -> HttpResponse:
    report, term = found["report"], found["term"]
    title = [f"Governors' report: {term.name}", f"{term.starts:%d/%m/%Y} to {term.ends:%d/%m/%Y}"]
    content = _report_bytes([report], title)
    detail = f"governors CSV: term {term.pk}"
    audit.record(request.user, AuditAction.EXPORT, object_type="report", school=found["school"], detail=detail)
    return _attachment(content, governors_filename(found, "csv"))


def governors_filename(found: dict, ext: str) -> str:
    term = found["term"]
    return f"governors-report-{found['school'].slug}-{term.starts:%Y%m%d}-{term.ends:%Y%m%d}.{ext}"


# --- the visits behind a figure --------------------------------------------------------------------


def listed_visits(user: User, data: dict):
    """The visits behind the figure, of those `user` may see (hc25), by date."""
    qs = figures.visits_in([data["school"].pk], data["start"], data["end"])
    qs = figures.visits_behind(access.visible_visits(user, qs), data["f"], data["v"])
    return qs.select_related("household").prefetch_related("reasons").order_by("scheduled_start", "pk")


VISITS_HEADER = ["Date", "Time", "Family", "Status", "Type", "Reasons", "Visit reference"]


def _visit_line(visit) -> list:
    start = timezone.localtime(visit.scheduled_start)
    reasons = "; ".join(r.get_reason_display() for r in visit.reasons.all())
    return [
        f"{start:%d/%m/%Y}",
        f"{start:%H:%M}",
        visit.household.name,
        visit.get_status_display(),
        visit.get_visit_type_display(),
        reasons,
        str(visit.code),
    ]


def visits_csv(request: HttpRequest, data: dict) -> HttpResponse:
    visits = listed_visits(request.user, data)
    content = spreadsheet.header(VISITS_HEADER) + spreadsheet.rows(_visit_line(v) for v in visits)
    detail = f"report visit list CSV: {_period_words(data)}, figure {data['f']} {data['v']}"
    audit.record(request.user, AuditAction.EXPORT, object_type="visit", school=data["school"], detail=detail)
    return _attachment(content, f"visits-{data['school'].slug}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.csv")
