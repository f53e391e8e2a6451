"""The access matrix: every URL of the project, asked by every member of the cast (hc25).

`TABLE` names each route with the method it answers, the visit (and its state) whose code goes
into the URL, and what each actor gets back. A URL pattern missing from the table fails
`test_access_matrix_covers_every_url_pattern`, so a new page or action cannot ship without
saying who may use it. The admin site guards itself and is checked separately below.

Outcomes are written as the test sees them:
- `200`, `403`, `404`, `405`: the status code;
- `"302 <url name>"`: a redirect, named by where it goes (`"302 login"` for the sign-in page).

An allowed POST action must also change the visit (its status, a step time or its timeline); a
refused one must change nothing. Each POST check gets a fresh visit.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

import tests.matrix
from tests.factories import Cast, make_user, setting_off_freely
from tests.matrix import ACTORS, Route, acts
from visits.enums import Status
from visits.models import Visit, VisitEvent


def _join_areas() -> dict[str, Route]:
    """Every area's routes (tests/matrix/*.py), refusing a route two areas both claim."""
    table: dict[str, Route] = {}
    for module_info in sorted(pkgutil.iter_modules(tests.matrix.__path__), key=lambda m: m.name):
        routes = importlib.import_module(f"tests.matrix.{module_info.name}").ROUTES
        clash = set(table) & set(routes)
        assert not clash, f"routes listed twice: {sorted(clash)}"
        table |= routes
    return table


TABLE: dict[str, Route] = _join_areas()


# --- walking the URL configuration ---------------------------------------------------------------


def walk(patterns=None, prefix: str = "", namespaces: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """(full name, full route) of every URL pattern, descending into includes; not the admin."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django's admin guards itself: see test_admin_* below.
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else route
            yield name, route


def observe(response) -> int | str:
    """The outcome in the table's terms: a status code, or "302 <name of the redirect target>"."""
    if response.status_code in (301, 302):
        return f"{response.status_code} {resolve(urlparse(response['Location']).path).view_name}"
    return response.status_code


def snapshot(visit: Visit) -> tuple:
    """What an action can change: the status, the step times and the timeline."""
    visit = Visit.objects.get(pk=visit.pk)
    steps = (visit.arrived_at, visit.left_at, visit.returned_at, visit.completed_at)
    return visit.status, steps, VisitEvent.objects.filter(visit=visit).count()


def build_visit(cast: Cast, route: Route) -> Visit:
    visit = cast.make_visit(route.visit)
    if route.prepare:
        route.prepare(visit, cast)
    return visit


def url_for(name: str, route: Route, visit: Visit | None, cast: Cast | None = None) -> str:
    kwargs = dict(route.kwargs)
    if route.url_kwargs is not None:
        kwargs.update(route.url_kwargs(cast))
    if visit is not None:
        kwargs["code"] = visit.code
    return reverse(name, kwargs=kwargs or None)


def ask(client, login, cast: Cast, actor: str, method: str, url: str, data: dict):
    if actor == "anonymous":
        client.logout()
    else:
        login(getattr(cast, actor))
    return client.get(url) if method == "GET" else client.post(url, data)


# --- the tests --------------------------------------------------------------------------------------


def test_access_matrix_covers_every_url_pattern():
    # Arrange
    walked = dict(walk())

    # Act
    missing = sorted(set(walked) - set(TABLE))
    stale = sorted(set(TABLE) - set(walked))

    # Assert
    assert missing == [], f"add these routes to TABLE in a module of tests/matrix/: {[(n, walked[n]) for n in missing]}"
    assert stale == [], f"these TABLE entries match no URL pattern any more: {stale}"


def test_access_matrix_table_names_every_actor():
    incomplete = {name: sorted(set(ACTORS) ^ set(route.expect)) for name, route in TABLE.items()}

    assert {name: diff for name, diff in incomplete.items() if diff} == {}


@pytest.mark.parametrize("name", [name for name, _ in walk()])
def test_hc25_access_matrix_every_route_every_actor(name, cast, client, login):
    """One route, every actor: the outcome in TABLE, and a change only when allowed."""
    # Arrange: a GET route's actors share one visit; so do a POST route's refused actors, as a
    # refused action changes nothing. Each actor allowed to act gets a fresh one.
    route = TABLE[name]
    mismatches: dict[tuple[str, str], tuple] = {}
    shared = None

    # Act (one small cast sets off on several visits: one place at a time is test_one_place's)
    for actor in ACTORS:
        expected = route.expect[actor]
        if route.visit is None:
            visit = None
        elif route.method == "POST" and acts(expected):
            visit = build_visit(cast, route)  # fresh: the action changes it
        else:
            visit = shared = shared or build_visit(cast, route)
        before = snapshot(visit) if visit is not None else None
        with setting_off_freely():
            response = ask(client, login, cast, actor, route.method, url_for(name, route, visit, cast), route.data)
        outcome = observe(response)
        if visit is not None and route.method == "POST":
            # An allowed action changes the visit; a refused one changes nothing.
            changed = snapshot(visit) != before
            outcome = (outcome, "changed" if changed else "unchanged")
            expected = (expected, "changed" if acts(expected) else "unchanged")
        if outcome != expected:
            mismatches[(name, actor)] = (expected, outcome)

    # Assert
    assert mismatches == {}, "\n".join(f"{key}: expected {exp}, got {got}" for key, (exp, got) in mismatches.items())


def test_post_only_routes_refuse_get_with_405(cast, client, login):
    # Arrange
    post_only = {name: route for name, route in TABLE.items() if route.method == "POST"}
    outcomes = {}

    # Act
    for name, route in post_only.items():
        visit = build_visit(cast, route) if route.visit else None
        # Someone allowed to act; or, where nobody is (a made-up feed), someone signed in.
        allowed = next((a for a, outcome in route.expect.items() if acts(outcome) and a != "anonymous"), "office")
        before = snapshot(visit) if visit is not None else None
        for actor in ("anonymous", allowed):
            response = ask(client, login, cast, actor, "GET", url_for(name, route, visit, cast), {})
            outcomes[(name, actor)] = (response.status_code, snapshot(visit) == before if visit else True)

    # Assert
    assert post_only != {}
    assert outcomes == dict.fromkeys(outcomes, (405, True))


def test_hc25_unknown_visit_code_is_404_even_for_whole_school_roles(cast, login):
    # Arrange
    url = reverse("visits:detail", args=["00000000-0000-4000-8000-000000000000"])

    # Act
    statuses = {name: login(getattr(cast, name)).get(url).status_code for name in ("office", "lead", "head")}

    # Assert
    assert statuses == {"office": 404, "lead": 404, "head": 404}


def test_admin_redirects_non_staff_user_to_admin_login(cast, login):
    # Act
    response = login(cast.lead).get("/admin/")

    # Assert
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("admin:login")


def test_hc25_superuser_without_school_role_gets_404_on_visit_detail(cast, login):
    # Arrange: the trust's IT person, staff and superuser, but with no role at any school.
    it_person = make_user("it.person", None, is_staff=True, is_superuser=True)
    visit = cast.make_visit(Status.AUTHORISED)
    client = login(it_person)

    # Act
    admin_index = client.get("/admin/")
    detail = client.get(reverse("visits:detail", args=[visit.code]))

    # Assert: the admin opens for them, the visit does not (need to know applies to everyone).
    assert admin_index.status_code == 200
    assert detail.status_code == 404
    assert visit.code.hex not in detail.content.decode()
