"""Every read is in the audit trail, once (issue 15, item 4; hc25).

The fetch that turns a URL's code into an object the user may see writes the read's row itself
(`visits.access.read_by_fetch`), so a view cannot forget it. This walks every URL pattern with a
path parameter, with the access matrix's table (tests/matrix: the routes, the objects their URLs
name, what each actor gets), and asks each GET route of every actor:

- a 200 writes exactly ONE audit row, by that actor, about the object the URL names;
- anything else (404, 403, a redirect to sign in or back to the visit) writes NONE;
- a POST route refused (404, 403) writes none, and an allowed POST writes no "Viewed" row (its
  change writes its own).

List pages and pickers that show families write one row a page; the day board's 20-second
refresh writes one summary row per 5 minutes (`visits.views.board.REFRESH_SUMMARY`).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tests.factories import Cast
from tests.matrix import ACTORS, Route, acts
from tests.test_access_matrix import TABLE, build_visit, walk
from visits.enums import AuditAction, Status
from visits.models import AuditEntry
from visits.views.board import REFRESH_SUMMARY

pytestmark = [pytest.mark.postgres]

# GET routes with a path parameter whose 200 is no read of anyone's data, and why.
NOT_READS = {
    # The password-reset link's page: public, the link's own token, nobody's data.
    "password_reset_confirm": "a sign-in page, open to anyone with the link",
    # A blank form to add a member of staff to the school named in the URL: no one's details.
    "accounts:staff_add": "a blank form",
}

# A read's row: a page of one object, a download, or a list under an object (a school's staff).
READ_ACTIONS = (AuditAction.VIEW, AuditAction.DOWNLOAD, AuditAction.LIST)
WITH_PARAMETER = sorted(name for name, route in walk() if "<" in route)
GET_ROUTES = [name for name in WITH_PARAMETER if TABLE[name].method == "GET"]
POST_ROUTES = [name for name in WITH_PARAMETER if TABLE[name].method == "POST"]


def _request(client, login, cast: Cast, actor: str, name: str, route: Route, visit, method: str):
    """One request as `actor`, signed in first; returns the response, the rows it wrote and the
    codes the URL names (the visit's, or those from `url_kwargs`, and the cast's household)."""
    kwargs = dict(route.kwargs)
    if route.url_kwargs is not None:
        kwargs.update(route.url_kwargs(cast))
    if visit is not None:
        kwargs["code"] = visit.code
    url = reverse(name, kwargs=kwargs or None)
    if actor == "anonymous":
        client.logout()
    else:
        login(getattr(cast, actor))
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    response = client.get(url) if method == "GET" else client.post(url, route.data)
    rows = list(AuditEntry.objects.filter(id__gt=before).order_by("id"))
    codes = {str(kwargs["code"]), str(cast.household.code)} if "code" in kwargs else set()
    return response, rows, codes


def _describe(rows) -> list[tuple]:
    return [(r.username, r.action, r.object_type, r.detail) for r in rows]


def test_the_walk_covers_every_route_with_a_path_parameter():
    """The number walked, for the README and the note: every pattern with a parameter is here."""
    assert set(NOT_READS) <= set(GET_ROUTES)
    assert len(GET_ROUTES) + len(POST_ROUTES) == len(WITH_PARAMETER)
    assert len(GET_ROUTES) >= 35, GET_ROUTES
    # Every route whose object is a read has someone entitled to it, so it is walked with a 200.
    entitled = {n for n in GET_ROUTES if 200 in TABLE[n].expect.values()}
    assert set(GET_ROUTES) - entitled - set(NOT_READS) == {"safeguarding:feed"}  # a made-up token


@pytest.mark.parametrize("name", GET_ROUTES)
def test_every_read_writes_one_audit_row_and_every_refusal_none(name, cast, client, login):
    # Arrange: one object for the route, shared by every actor (a GET changes nothing).
    route = TABLE[name]
    visit = build_visit(cast, route) if route.visit else None
    wrong: dict[str, tuple] = {}
    actors = {}

    # Act
    for actor in ACTORS:
        expected = route.expect[actor]
        response, rows, codes = _request(client, login, cast, actor, name, route, visit, "GET")
        actors[actor] = response.status_code
        if response.status_code != (expected if isinstance(expected, int) else 302):
            wrong[actor] = ("status", expected, response.status_code)
        elif expected == 200 and name not in NOT_READS:
            row = rows[0] if len(rows) == 1 else None
            if row is None:
                wrong[actor] = ("rows per 200", 1, _describe(rows))
            elif row.user_id != getattr(cast, actor).pk or row.action not in READ_ACTIONS:
                wrong[actor] = ("the row", _describe(rows))
            elif codes and row.object_code not in codes:
                wrong[actor] = ("the object", codes, row.object_code)
        elif rows:
            wrong[actor] = ("rows for a refusal or a page of no one's data", 0, _describe(rows))

    # Assert
    assert wrong == {}, f"{name}: {wrong}"
    assert set(actors) == set(ACTORS)


@pytest.mark.parametrize("name", POST_ROUTES)
def test_a_post_writes_no_view_row_and_a_refused_post_none(name, cast, client, login):
    # Arrange
    route = TABLE[name]
    wrong: dict[str, tuple] = {}

    # Act: a refused actor shares one object; an allowed one gets a fresh one (the action changes it).
    shared = None
    for actor in ACTORS:
        expected = route.expect[actor]
        if route.visit is None:
            visit = None
        elif acts(expected):
            visit = build_visit(cast, route)
        else:
            visit = shared = shared or build_visit(cast, route)
        response, rows, _ = _request(client, login, cast, actor, name, route, visit, "POST")
        if response.status_code in (403, 404) and rows:
            wrong[actor] = ("rows for a refusal", _describe(rows))
        elif any(r.action == AuditAction.VIEW for r in rows):
            wrong[actor] = ("a Viewed row for a POST", _describe(rows))

    # Assert
    assert wrong == {}, f"{name}: {wrong}"


# --- lists and pickers: one row a page ------------------------------------------------------------


def _list_pages(cast: Cast) -> list[tuple[str, str, str]]:
    """(who, url, the row's detail) of each page listing families."""
    household = f"?household={cast.household.code}"
    return [
        ("office", reverse("visits:households"), "household list"),
        ("office", reverse("visits:households") + "?q=a", "household search"),
        ("office", reverse("visits:new"), "booking: household picker"),
        ("office", reverse("visits:new") + "?q=a", "booking: household search"),
        ("office", reverse("visits:new") + household, "booking form: the household and its other visits"),
        ("office", reverse("visits:new_starters"), "new starters"),
        ("office", reverse("visits:today"), None),
        ("visitor", reverse("visits:mine"), None),
        ("head", reverse("visits:overview"), "head overview"),
        ("office", reverse("visits:board"), "day board"),
        ("lead", reverse("safeguarding:queue"), "authorisation queue"),
        ("lead", reverse("safeguarding:cpoms"), None),
        ("lead", reverse("safeguarding:concerns"), "inbox"),
        ("lead", reverse("safeguarding:incidents"), "incidents"),
    ]


def test_list_pages_and_pickers_write_one_row_a_page(cast, client, login):
    # Arrange
    cast.make_visit(Status.AUTHORISED)
    seen = {}

    # Act
    for actor, url, detail in _list_pages(cast):
        login(getattr(cast, actor))
        before = AuditEntry.objects.count()
        response = client.get(url)
        rows = list(AuditEntry.objects.order_by("-id")[: AuditEntry.objects.count() - before])
        seen[url] = (response.status_code, [(r.action, r.detail if detail else None) for r in rows])

    # Assert
    assert seen == {url: (200, [(AuditAction.LIST, detail)]) for actor, url, detail in _list_pages(cast)}


def test_the_household_picker_writes_no_search_words(cast, client, login):
    # Act
    login(cast.office).get(reverse("visits:new") + "?q=Smith")

    # Assert
    row = AuditEntry.objects.order_by("-id").first()
    assert (row.action, row.detail, "Smith" in row.path) == (AuditAction.LIST, "booking: household search", False)


def test_the_board_refresh_writes_one_summary_row_per_five_minutes(cast, client, login, pinned_clock):
    """The board polls every 20 seconds: the first refresh more than 5 minutes after the board's
    last row writes one row that stands for the refreshes of the next 5 minutes (issue 15)."""
    # Arrange
    client = login(cast.office)
    client.get(reverse("visits:board"))
    rows = reverse("visits:board_rows")
    start = AuditEntry.objects.count()

    # Act: 30 polls 20.1 s apart (10 minutes).
    written = []
    for _ in range(30):
        pinned_clock.shift(dt.timedelta(seconds=20.1))
        assert client.get(rows).status_code == 200
        written.append(AuditEntry.objects.count() - start)

    # Assert: a summary row at the first poll past 5 minutes after the board's row (the 15th), the
    # next at the first past 5 minutes after that (the 30th); none for the 28 others.
    details = set(AuditEntry.objects.order_by("-id").values_list("detail", flat=True)[:2])
    assert written == [0] * 14 + [1] * 15 + [2]
    assert details == {REFRESH_SUMMARY}
