"""The reports' pages (issue 17): who sees what, the governors' report without a name anywhere
(page, PDF, CSV), the visits behind a figure, the CSV files and their audit rows, the forms' words
for bad input, and pages whose queries do not grow with the visits."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pypdf import PdfReader

from reports import figures
from tests.reports.conftest import completed, visit_on
from visits.enums import AuditAction, Role, Status
from visits.models import AuditEntry, Contact, Membership, Pupil, Term

pytestmark = [pytest.mark.postgres]

VISIT_LINK = re.compile(r'href="(/visits/[0-9a-f-]{36}/)"')
PERIOD = {"date_from": "01/11/2026", "date_to": "30/11/2026"}


def _url(name: str, **params) -> str:
    from urllib.parse import urlencode

    return reverse(name) + ("?" + urlencode(params) if params else "")


# --- the governors' report: counts only, never a name ---------------------------------------------

UNIQUE = {
    "pupil": ("Zephyrine", "Quillfeather"),
    "contact": ("Ottoline", "Brackenridge"),
    "household": "Vandermolen household",
    "address": "77 Marigoldsworth Lane",
    "staff": ("Bartholomew", "Inchcape"),
}


def _named_visits(cast, term) -> list[str]:
    """Visits of a family and staff with names found nowhere else; returns every such word."""
    household = cast.household
    household.name = UNIQUE["household"]
    household.address_line1 = UNIQUE["address"]
    household.save()
    Pupil.objects.filter(pk=cast.pupil.pk).update(first_name=UNIQUE["pupil"][0], last_name=UNIQUE["pupil"][1])
    Contact.objects.create(
        household=household,
        first_name=UNIQUE["contact"][0],
        last_name=UNIQUE["contact"][1],
        relationship="Mother",
        parental_responsibility=True,
    )
    cast.visitor.first_name, cast.visitor.last_name = UNIQUE["staff"]
    cast.visitor.save()
    for _ in range(6):
        completed(cast, address_line1=UNIQUE["address"], person_visited=" ".join(UNIQUE["contact"]))
    visit_on(cast, Status.CANCELLED, address_line1=UNIQUE["address"])
    return [UNIQUE["household"], UNIQUE["address"], *UNIQUE["pupil"], *UNIQUE["contact"], *UNIQUE["staff"]]


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_governor_sees_no_name_in_the_page_the_pdf_or_the_csv(cast, login, term):
    # Arrange
    words = _named_visits(cast, term)
    client = login(cast.governor)

    # Act
    page = client.get(_url("reports:governors")).content.decode()
    pdf = client.get(_url("reports:governors_pdf", school=cast.school.pk, term=term.pk))
    text = _pdf_text(pdf.content)
    sheet = client.get(_url("reports:governors_csv", school=cast.school.pk, term=term.pk)).content.decode("utf-8-sig")

    # Assert: the figures are there, the names are not.
    assert pdf["Content-Type"] == "application/pdf"
    assert "Completed" in page and "Completed" in text and "Completed" in sheet
    found = {where: [w for w in words if w in body] for where, body in (("page", page), ("pdf", text), ("csv", sheet))}
    assert found == {"page": [], "pdf": [], "csv": []}


def test_the_governors_report_hides_small_numbers(cast, login, term):
    # Arrange: 6 completed, 1 cancelled.
    _named_visits(cast, term)

    # Act
    page = login(cast.governor).get(_url("reports:governors")).content.decode()

    # Assert
    assert "fewer than 5" in page and "not shown" in page
    assert 'data-testid="governors-total">7<' in page


def test_the_governor_starts_from_their_report_and_opens_nothing_else(cast, login, term):
    # Arrange
    visit = visit_on(cast, Status.REQUESTED)
    client = login(cast.governor)

    # Act
    home = client.get(reverse("home"))
    others = {
        name: client.get(url).status_code
        for name, url in {
            "visit": reverse("visits:detail", args=[visit.code]),
            "school report": reverse("reports:school"),
            "visits behind a figure": reverse("reports:visits"),
            "trust report": reverse("reports:trust"),
            "terms": reverse("reports:terms"),
            "board": reverse("visits:board"),
            "households": reverse("visits:households"),
        }.items()
    }

    # Assert
    assert home.status_code == 302 and home["Location"] == reverse("reports:governors")
    assert others == dict.fromkeys(others, 404)


def test_a_governor_of_one_school_sees_that_school_only(cast, login, term):
    # Arrange
    other_term = Term.objects.create(
        school=cast.other_school, name="Mount autumn", starts=dt.date(2026, 9, 1), ends=dt.date(2026, 12, 18)
    )

    # Act
    response = login(cast.governor).get(_url("reports:governors", school=cast.other_school.pk, term=other_term.pk))

    # Assert: the other school is no choice of theirs.
    assert response.status_code == 400
    assert "Mount" not in response.content.decode().split("<main", 1)[-1].split("Select a valid choice")[0][-200:]


def test_the_head_checks_the_governors_report_before_the_meeting(cast, login, term):
    assert login(cast.head).get(_url("reports:governors")).status_code == 200


def test_no_terms_yet_says_who_adds_them(cast, login):
    page = login(cast.governor).get(_url("reports:governors")).content.decode()

    assert "have not been set up yet" in page


# --- the school's report and the visits behind a figure ------------------------------------------


def test_the_school_report_links_each_figure_to_its_visits(cast, login):
    # Arrange
    lone = visit_on(cast, Status.REQUESTED, second_visitor=None)
    visit_on(cast, Status.REQUESTED)
    client = login(cast.lead)

    # Act
    page = client.get(_url("reports:school", **PERIOD)).content.decode()
    listed = client.get(_url("reports:visits", f="flag", v="lone", **PERIOD)).content.decode()

    # Assert
    assert "f=flag&amp;v=lone" in page
    assert VISIT_LINK.findall(listed) == [reverse("visits:detail", args=[lone.code])]


def test_the_other_schools_visits_are_never_counted_or_listed(cast, login):
    # Arrange: a visit at each school; the other school's lead asks for this school's list.
    mine = visit_on(cast, Status.REQUESTED)
    client = login(cast.other_lead)

    # Act
    report = client.get(_url("reports:school", **PERIOD)).content.decode()
    asked = client.get(_url("reports:visits", school=cast.school.pk, **PERIOD))
    listed = client.get(_url("reports:visits", **PERIOD)).content.decode()

    # Assert
    assert 'data-testid="report-total">0<' in report
    assert asked.status_code == 400
    assert str(mine.code) not in listed and str(mine.code) not in asked.content.decode()


def test_a_lead_of_two_schools_picks_one(cast, login):
    # Arrange
    Membership.objects.create(user=cast.lead, school=cast.other_school, role=Role.LEAD)
    visit_on(cast, Status.REQUESTED)

    # Act
    client = login(cast.lead)
    holy_cross = client.get(_url("reports:school", school=cast.school.pk, **PERIOD)).content.decode()
    mount = client.get(_url("reports:school", school=cast.other_school.pk, **PERIOD)).content.decode()

    # Assert
    assert 'name="school"' in holy_cross and "<select" in holy_cross
    assert 'data-testid="report-total">1<' in holy_cross
    assert 'data-testid="report-total">0<' in mount


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"date_from": "30/11/2026", "date_to": "01/11/2026"}, "The end date must be on or after the start date."),
        ({"date_from": "01/01/2020", "date_to": "30/11/2026"}, "A report covers at most 5 years"),
        ({"date_from": "31/02/2026", "date_to": "30/11/2026"}, "Enter a date as dd/mm/yyyy"),
        ({"date_from": "01/11/2026"}, "Enter both dates, or choose a term."),
        ({"term": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_periods_get_words_on_the_form_not_an_error(cast, login, params, words):
    response = login(cast.lead).get(_url("reports:school", **params))

    assert response.status_code == 400
    assert words in response.content.decode()


def test_an_unknown_figure_is_refused_in_words(cast, login):
    response = login(cast.lead).get(_url("reports:visits", f="status", v="nonsense", **PERIOD))

    assert response.status_code == 400
    assert "not one of the report" in response.content.decode()


def test_a_term_sets_the_period(cast, login, term):
    # Arrange
    visit_on(cast, Status.REQUESTED)
    visit_on(cast, Status.REQUESTED, day=dt.datetime(2027, 1, 12, 12, tzinfo=dt.UTC))

    # Act
    page = login(cast.head).get(_url("reports:school", term=term.pk)).content.decode()

    # Assert
    assert "01/09/2026 to 18/12/2026" in page
    assert 'data-testid="report-total">1<' in page


def test_the_trust_report_shows_numbers_per_school_and_no_list(cast, login):
    # Arrange
    visit_on(cast, Status.REQUESTED)

    # Act
    page = login(cast.trust_admin).get(_url("reports:trust", **PERIOD)).content.decode()

    # Assert
    assert 'data-testid="trust-total">1<' in page
    assert "Holy Cross" in page and "Mount" in page
    assert 'href="/reports/visits/' not in page and VISIT_LINK.findall(page) == []


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_pages_cost_the_same_queries_at_3_and_30_visits(cast, login, term):
    # Arrange
    urls = [
        _url("reports:school", **PERIOD),
        _url("reports:visits", f="status", v="cancelled", **PERIOD),
        _url("reports:governors"),
    ]
    for _ in range(3):
        visit_on(cast, Status.CANCELLED)
    client = login(cast.head)
    for url in urls:
        client.get(url)
    at_3 = [_page_queries(client, url) for url in urls]

    # Act
    for _ in range(27):
        visit_on(cast, Status.CANCELLED)
    at_30 = [_page_queries(client, url) for url in urls]

    # Assert
    assert at_3 == at_30


# --- CSV files ------------------------------------------------------------------------------------


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_cells_that_a_spreadsheet_would_run_are_escaped(cast, login):
    # Arrange: a family named like a formula.
    cast.household.name = '=HYPERLINK("http://x","y")'
    cast.household.save()
    visit_on(cast, Status.REQUESTED)

    # Act
    content = login(cast.lead).get(_url("reports:visits_csv", **PERIOD)).content

    # Assert
    rows = _rows(content)
    assert rows[0][:3] == ["Date", "Time", "Family"]
    assert rows[1][2] == '\'=HYPERLINK("http://x","y")'


@pytest.mark.parametrize(
    ("name", "actor", "params", "detail"),
    [
        ("reports:school_csv", "lead", PERIOD, "school report CSV: from 2026-11-01 to 2026-11-30"),
        ("reports:trust_csv", "trust_admin", PERIOD, "trust report CSV: from 2026-11-01 to 2026-11-30"),
        (
            "reports:visits_csv",
            "head",
            {**PERIOD, "f": "flag", "v": "lone"},
            "report visit list CSV: from 2026-11-01 to 2026-11-30, figure flag lone",
        ),
    ],
)
def test_every_export_writes_its_audit_row(cast, login, name, actor, params, detail):
    # Arrange
    visit_on(cast, Status.REQUESTED)
    before = AuditEntry.objects.count()

    # Act
    response = login(getattr(cast, actor)).get(_url(name, **params))

    # Assert
    rows = list(AuditEntry.objects.order_by("id")[before:])
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert [(r.action, r.detail, r.username) for r in rows] == [
        (AuditAction.EXPORT, detail, getattr(cast, actor).username)
    ]


def test_the_governors_downloads_write_their_audit_rows(cast, login, term):
    # Arrange
    client = login(cast.governor)
    before = AuditEntry.objects.count()

    # Act
    client.get(_url("reports:governors_pdf", school=cast.school.pk, term=term.pk))
    client.get(_url("reports:governors_csv", school=cast.school.pk, term=term.pk))

    # Assert
    rows = [(r.action, r.detail) for r in AuditEntry.objects.order_by("id")[before:]]
    assert rows == [
        (AuditAction.EXPORT, f"governors PDF: term {term.pk}"),
        (AuditAction.EXPORT, f"governors CSV: term {term.pk}"),
    ]


def test_the_school_report_csv_has_every_figure(cast, login):
    # Arrange
    visit_on(cast, Status.REQUESTED, second_visitor=None)

    # Act
    rows = _rows(login(cast.lead).get(_url("reports:school_csv", **PERIOD)).content)

    # Assert
    figures_in = {(r[1], r[2]): r[3] for r in rows if len(r) == 4}
    assert figures_in[("All", "All visits asked for")] == "1"
    assert figures_in[("How visits were made", "One member of staff alone")] == "1"
    assert figures_in[("Visits by reason", "Attendance issues or concerns")] == "1"


def test_each_chart_is_an_image_named_by_its_title_beside_its_table(cast, login):
    # Arrange
    visit_on(cast, Status.REQUESTED)

    # Act
    page = login(cast.lead).get(_url("reports:school", **PERIOD)).content.decode()

    # Assert: every chart is role="img", labelled by its own <title>, and has a table of numbers.
    charts = re.findall(r'<svg[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', page)
    assert len(charts) == len(figures.GROUPS)
    assert all(f'<title id="{name}">' in page for name in charts)
    assert page.count("<caption") >= len(figures.GROUPS)
    assert " style=" not in page and "onclick" not in page


def test_a_hidden_count_draws_no_bar_on_the_governors_page(cast, login, term):
    # Arrange: two visits, both fewer than 5 everywhere.
    visit_on(cast, Status.REQUESTED)
    visit_on(cast, Status.REQUESTED)

    # Act
    page = login(cast.governor).get(_url("reports:governors")).content.decode()

    # Assert
    assert "<rect" not in page
    assert "fewer than 5" in page and ">2<" not in page
