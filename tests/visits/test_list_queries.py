"""Every list page: a fixed number of queries whatever its length, and keyset pagination.

Query counts are compared at 1 and 5 rows of mixed kinds (states, lone / paired / agency visits,
emergencies) so that a template branch that queries per row shows up. Pagination is checked on
every paginated list: first page with a "Later" link, the next page by following that link (no
overlap, no gap, ties on the date broken by id), "Earlier" back to the first page, tampered
cursors give the first page, and no OFFSET or COUNT(*) in any query.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from homevisits.pagination import SALT
from tests.factories import Cast, make_school, make_user
from visits.enums import AuditAction, NotInformedException, Role, Status, VisitType
from visits.models import AuditEntry, Membership, School, User

# --- building rows that appear on each page ------------------------------------------------------


def _variant(i: int) -> dict:
    """Paired, lone or with an outside-agency worker, in turn."""
    return [
        {},
        {"second_visitor": None},
        {"second_visitor": None, "agency_worker_name": "Alex Agency", "agency_worker_organisation": "Early Help"},
    ][i % 3]


def _today_at(i: int) -> dt.datetime:
    # Three visits share each start time, so that the id has to break the tie.
    return timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + dt.timedelta(minutes=10 * (i // 3))


def _future_at(i: int) -> dt.datetime:
    base = (timezone.now() + dt.timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    return base + dt.timedelta(minutes=10 * (i // 3))


def _visits(states: list[str], when: Callable[[int], dt.datetime], **extra) -> Callable[[Cast, range], list]:
    def make(cast: Cast, indices: range) -> list:
        return [cast.make_visit(states[i % len(states)], start=when(i), **_variant(i), **extra) for i in indices]

    return make


def _queue_visits(cast: Cast, indices: range) -> list:
    visits = []
    for i in indices:
        emergency = {
            "visit_type": VisitType.EMERGENCY,
            "family_informed": False,
            "not_informed_exception": NotInformedException.EMERGENCY_SAFEGUARDING,
        }
        extra = emergency if i % 3 == 1 else {}
        visits.append(cast.make_visit(Status.REQUESTED, start=_future_at(i), **_variant(i), **extra))
    return visits


def _audit_school(cast: Cast) -> School:
    """A school of its own, so that its trail holds only the entries a test writes."""
    return School.objects.filter(name="Audit School").first() or make_school("Audit School", cast.school.trust)


def _audit_lead(cast: Cast) -> User:
    school = _audit_school(cast)
    return User.objects.filter(username="lead.audit").first() or make_user("lead.audit", school, Role.LEAD)


def _audit_entries(cast: Cast, indices: range) -> list:
    school = _audit_school(cast)
    base = timezone.now() - dt.timedelta(hours=1)
    actions = [AuditAction.VIEW, AuditAction.TRANSITION, AuditAction.LIST, AuditAction.DOWNLOAD]
    return AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                # Four entries share each time, so that the id has to break the tie.
                at=base - dt.timedelta(seconds=i // 4),
                user_id=cast.office.pk,
                username=f"staff.{i}",
                school=school,
                object_type="visit",
                object_code=f"00000000-0000-4000-8000-{i:012d}" if i % 2 == 0 else "",
                action=actions[i % len(actions)],
                detail=f"entry {i}",
                ip_address="127.0.0.1",
            )
            for i in indices
        ]
    )


def _trust_admin(cast: Cast) -> User:
    return User.objects.filter(username="admin.viewer").first() or make_user("admin.viewer")


def _trust_schools(cast: Cast, indices: range) -> list:
    viewer = _trust_admin(cast)
    schools = []
    for i in indices:
        school = make_school(f"Trust School {i}", cast.school.trust)
        Membership.objects.create(user=viewer, school=school, role=Role.TRUST_ADMIN)
        Membership.objects.create(user=make_user(f"staff.{i}", school, Role.OFFICE), school=school, role=Role.VISITOR)
        schools.append(school)
    return schools


@dataclass(frozen=True)
class ListPage:
    url_name: str
    viewer: Callable[[Cast], User]
    make: Callable[[Cast, range], list]
    # The order the page shows its rows in, as a sort key of a row.
    key: Callable[[object], tuple] | None = None
    params: dict[str, str] = field(default_factory=dict)
    per_page: int = 25
    rows: str = "page"  # the context variable holding the rows


def _ascending(v) -> tuple:
    return (v.scheduled_start, v.pk)


def _descending(v) -> tuple:
    return (-v.scheduled_start.timestamp(), -v.pk)


PAGES: dict[str, ListPage] = {
    "today": ListPage(
        "visits:today",
        lambda cast: cast.office,
        _visits(
            [
                Status.REQUESTED,
                Status.AUTHORISED,
                Status.IN_PROGRESS,
                Status.COMPLETED,
                Status.CANCELLED,
                Status.SENT_BACK,
            ],
            _today_at,
        ),
        _ascending,
    ),
    "mine-upcoming": ListPage(
        "visits:mine",
        lambda cast: cast.visitor,
        _visits([Status.REQUESTED, Status.AUTHORISED, Status.IN_PROGRESS, Status.SENT_BACK], _future_at),
        _ascending,
        params={"show": "upcoming"},
    ),
    "mine-past": ListPage(
        "visits:mine",
        lambda cast: cast.visitor,
        _visits([Status.COMPLETED, Status.CANCELLED, Status.DECLINED], _future_at),
        _descending,
        params={"show": "past"},
    ),
    "overview": ListPage(
        "visits:overview",
        lambda cast: cast.head,
        _visits([Status.REQUESTED, Status.AUTHORISED, Status.SENT_BACK, Status.IN_PROGRESS], _future_at),
        _ascending,
    ),
    "queue": ListPage(
        "safeguarding:queue",
        lambda cast: cast.lead,
        _queue_visits,
        lambda v: (0 if v.visit_type == VisitType.EMERGENCY else 1, v.scheduled_start, v.pk),
    ),
    "audit": ListPage(
        "safeguarding:audit",
        _audit_lead,
        _audit_entries,
        lambda e: (-e.at.timestamp(), -e.pk),
        per_page=50,
    ),
    "trust": ListPage("visits:trust", _trust_admin, _trust_schools, rows="rows"),
}
PAGINATED = [name for name, page in PAGES.items() if page.key is not None]


def _rows(response, page: ListPage) -> list[int]:
    rows = response.context[page.rows]
    return [row.pk for row in (rows.rows if page.rows == "page" else rows)]


def _get(client, page: ListPage, **params):
    return client.get(reverse(page.url_name), {**page.params, **params})


def _link(response, label: str) -> str | None:
    """The href of the pager link whose text starts with `label` ("Later", "&larr; Earlier")."""
    match = re.search(r'href="(\?[^"]*)">' + label, response.content.decode())
    return html.unescape(match.group(1)) if match else None


# --- query counts --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PAGES))
def test_list_page_query_count_same_for_1_and_5_rows(cast, login, name):
    # Arrange
    page = PAGES[name]
    client = login(page.viewer(cast))
    page.make(cast, range(0, 1))
    _get(client, page)  # warm the per-process caches (content types, permissions)

    # Act
    with CaptureQueriesContext(connection) as one_row:
        one = _get(client, page)
    page.make(cast, range(1, 5))
    with CaptureQueriesContext(connection) as five_rows:
        five = _get(client, page)

    # Assert
    assert (one.status_code, five.status_code) == (200, 200)
    assert (len(_rows(one, page)), len(_rows(five, page))) == (1, 5)
    assert len(five_rows) == len(one_row), f"{len(one_row)} queries for 1 row, {len(five_rows)} for 5:\n" + "\n".join(
        q["sql"] for q in five_rows.captured_queries
    )


# --- keyset pagination ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGINATED)
def test_list_page_paginates_by_cursor_without_overlap_or_gap(cast, login, name):
    # Arrange: a page and a bit more.
    page = PAGES[name]
    client = login(page.viewer(cast))
    total = page.per_page + 5
    expected = [row.pk for row in sorted(page.make(cast, range(total)), key=page.key)]

    # Act
    first = _get(client, page)
    # A newest-first list (the audit trail) says Older / Newer; the others Later / Earlier.
    onward, backward = ("Older", "&larr; Newer") if name == "audit" else ("Later", "&larr; Earlier")
    later = _link(first, onward)
    second = client.get(reverse(page.url_name) + later)
    earlier = _link(second, backward)
    back = client.get(reverse(page.url_name) + earlier)

    # Assert
    assert [r.status_code for r in (first, second, back)] == [200, 200, 200]
    assert _rows(first, page) == expected[: page.per_page]
    assert _rows(second, page) == expected[page.per_page :]
    assert _rows(first, page) + _rows(second, page) == expected
    assert _link(first, "&larr; Earlier") is None
    assert _link(second, "Later") is None
    assert _rows(back, page) == expected[: page.per_page]
    for key, value in page.params.items():
        assert f"{key}={value}" in later, "the pager keeps the page's own parameters"


def test_list_page_paginates_across_three_pages(cast, login):
    # Arrange
    page = PAGES["today"]
    client = login(page.viewer(cast))
    expected = [row.pk for row in sorted(page.make(cast, range(2 * page.per_page + 3)), key=page.key)]

    # Act
    seen, response = [], _get(client, page)
    while True:
        seen += _rows(response, page)
        later = _link(response, "Later")
        if later is None:
            break
        response = client.get(reverse(page.url_name) + later)

    # Assert
    assert seen == expected


@pytest.mark.parametrize("name", PAGINATED)
def test_list_page_sql_has_no_offset_and_no_count(cast, login, name, settings):
    # Arrange: without the navigation's badges (the lead's counts of what waits for them, which
    # are small by nature), so that only the list page's own queries are judged.
    templates = settings.TEMPLATES[0]
    processors = templates["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [
        {
            **templates,
            "OPTIONS": {
                **templates["OPTIONS"],
                "context_processors": [p for p in processors if p != "safeguarding.context_processors.lead_counts"],
            },
        }
    ]
    page = PAGES[name]
    client = login(page.viewer(cast))
    page.make(cast, range(page.per_page + 2))
    cursor = _get(client, page).context["page"].next_cursor

    # Act
    with CaptureQueriesContext(connection) as queries:
        response = _get(client, page, after=cursor)

    # Assert
    assert response.status_code == 200
    sql = [q["sql"].upper() for q in queries.captured_queries]
    assert [s for s in sql if " OFFSET " in s or "COUNT(*)" in s] == []
    assert any(f"LIMIT {page.per_page + 1}" in s for s in sql), "one page is one LIMIT query"


TAMPERED = {
    "garbage": {"after": "garbage"},
    "empty": {"after": ""},
    "before-garbage": {"before": "garbage"},
    "other-salt": {"after": signing.dumps(["2025-01-01T09:00:00+00:00", 1], salt="other", compress=True)},
    "wrong-length": {"after": signing.dumps([1], salt=SALT, compress=True)},
    "wrong-types-2": {"after": signing.dumps(["x", "y"], salt=SALT, compress=True)},
    "wrong-types-3": {"after": signing.dumps(["x", "y", "z"], salt=SALT, compress=True)},
    "not-a-list": {"before": signing.dumps({"id": 1}, salt=SALT, compress=True)},
    "both": {"after": "garbage", "before": "garbage"},
}


@pytest.mark.parametrize("tamper", list(TAMPERED))
@pytest.mark.parametrize("name", PAGINATED)
def test_list_page_tampered_cursor_gives_first_page(cast, login, name, tamper):
    # Arrange
    page = PAGES[name]
    client = login(page.viewer(cast))
    expected = [row.pk for row in sorted(page.make(cast, range(3)), key=page.key)]

    # Act
    response = _get(client, page, **TAMPERED[tamper])

    # Assert
    assert response.status_code == 200
    assert _rows(response, page) == expected


@pytest.mark.parametrize("name", PAGINATED)
def test_list_page_edited_real_cursor_gives_first_page(cast, login, name):
    # Arrange: a real cursor with one character changed breaks its signature.
    page = PAGES[name]
    client = login(page.viewer(cast))
    expected = [row.pk for row in sorted(page.make(cast, range(page.per_page + 1)), key=page.key)]
    cursor = _get(client, page).context["page"].next_cursor
    edited = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")

    # Act
    response = _get(client, page, after=edited)

    # Assert
    assert response.status_code == 200
    assert _rows(response, page) == expected[: page.per_page]
