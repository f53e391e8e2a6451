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

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from tests.factories import CAST_ROLES, Cast, make_user
from visits import lifecycle
from visits.enums import Status
from visits.models import Visit, VisitEvent

ACTORS = ("anonymous", *CAST_ROLES)
# hc25: who sees a visit of `cast.school` (its office, leads, head, requester and visitors)...
SEES_VISIT = ("office", "lead", "deputy", "visitor", "second", "head")
# ... and who does not: staff of the school not tied to it, and everyone of the other school.
VISIT_HIDDEN = ("bystander", "trust_admin", "other_office", "other_lead", "other_visitor", "other_head")
SIGNED_IN = SEES_VISIT + VISIT_HIDDEN
LOGIN = "302 login"
DONE = "302 visits:detail"


def visit_page() -> dict[str, int | str]:
    """A page of one visit: 200 for those who may see it, 404 for everyone else (hc25)."""
    return {"anonymous": LOGIN} | dict.fromkeys(SEES_VISIT, 200) | dict.fromkeys(VISIT_HIDDEN, 404)


def visit_action(*allowed: str) -> dict[str, int | str]:
    """A POST action on a visit: `allowed` act (and are sent back to the visit), others who may
    see the visit get 403, everyone else 404 (hc25)."""
    assert set(allowed) <= set(SEES_VISIT)
    return (
        {"anonymous": LOGIN}
        | {actor: (DONE if actor in allowed else 403) for actor in SEES_VISIT}
        | dict.fromkeys(VISIT_HIDDEN, 404)
    )


def role_page(*allowed: str) -> dict[str, int | str]:
    """A list page for some roles: 200 for them, 404 for everyone else signed in."""
    return {"anonymous": LOGIN} | {actor: (200 if actor in allowed else 404) for actor in SIGNED_IN}


# Everyone signed in who may request visits at some school: all but the trust administrator.
BOOKERS = tuple(actor for actor in SIGNED_IN if actor != "trust_admin")


def visit_view(*allowed: str) -> dict[str, int | str]:
    """A GET page of one visit for some of those who see it: 200 for `allowed`, 403 for the others
    who see the visit, 404 for everyone else (hc25)."""
    assert set(allowed) <= set(SEES_VISIT)
    return (
        {"anonymous": LOGIN}
        | {actor: (200 if actor in allowed else 403) for actor in SEES_VISIT}
        | dict.fromkeys(VISIT_HIDDEN, 404)
    )


# The day board, alarms and diary feeds (hc12, hc18, hc19).
ALARM = "302 visits:alarm"
BOARD_ROLES = ("office", "lead", "deputy", "other_office", "other_lead")
FEED_ROLES = (
    "office",
    "lead",
    "deputy",
    "visitor",
    "second",
    "bystander",
    "other_office",
    "other_lead",
    "other_visitor",
)
ALARM_HANDLERS = ("office", "lead", "deputy")


def alarm_route(allowed_outcome: int | str) -> dict[str, int | str]:
    """A page or action of a visit's alarm: the office and leads of its school; others who see
    the visit get 403, everyone else 404."""
    return (
        {"anonymous": LOGIN}
        | {actor: (allowed_outcome if actor in ALARM_HANDLERS else 403) for actor in SEES_VISIT}
        | dict.fromkeys(VISIT_HIDDEN, 404)
    )


def acts(outcome: int | str) -> bool:
    """An allowed POST: redirected somewhere other than the sign-in page."""
    return isinstance(outcome, str) and outcome.startswith("302 ") and outcome != LOGIN


def _code_word_raised(visit: Visit, cast: Cast) -> None:
    lifecycle.raise_code_word_alarm(visit, cast.office)


def public(signed_in: int | str = 200) -> dict[str, int | str]:
    """A page of the sign-in machinery: open to anonymous visitors."""
    return {"anonymous": 200} | dict.fromkeys(SIGNED_IN, signed_in)


def signed_in_page() -> dict[str, int | str]:
    return {"anonymous": LOGIN} | dict.fromkeys(SIGNED_IN, 200)


def _left_property(visit: Visit, cast: Cast) -> None:
    lifecycle.record_step(visit, cast.visitor, "left")


def _ready_to_complete(visit: Visit, cast: Cast) -> None:
    lifecycle.record_step(visit, cast.visitor, "arrived")
    lifecycle.record_step(visit, cast.visitor, "left")
    lifecycle.write_record(
        visit, cast.visitor, {"people_seen": "Mother", "child_seen": True, "outcome": "Plan agreed."}
    )


@dataclass(frozen=True)
class Route:
    method: str
    expect: dict[str, int | str]
    # The state of the visit whose code goes into the URL (None: the URL takes no visit).
    visit: str | None = None
    # Steps taken after the visit reaches `visit`, so that the allowed action can succeed.
    prepare: Callable[[Visit, Cast], None] | None = None
    kwargs: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    # URL arguments made from the cast when the URL takes something other than a visit (a
    # household's code, an upload's code); called for every request, so a POST gets a fresh one.
    url_kwargs: Callable[[Cast], dict[str, str]] | None = None


NOTE = {"note": "Reason given for the access matrix."}

# Households, contacts and pupils: the office and leads of the school manage them, the head
# reads them (403 on the forms), everyone else gets 404 (hc25).
HOUSEHOLD_MANAGERS = ("office", "lead", "deputy")
HOUSEHOLD_VIEWERS = (*HOUSEHOLD_MANAGERS, "head")


def household_route(*allowed: str) -> dict[str, int | str]:
    return (
        {"anonymous": LOGIN}
        | {actor: (200 if actor in allowed else 403) for actor in HOUSEHOLD_VIEWERS}
        | {actor: 404 for actor in SIGNED_IN if actor not in HOUSEHOLD_VIEWERS}
    )


def _household(cast: Cast) -> dict[str, str]:
    return {"code": str(cast.household.code)}


def _contact(cast: Cast) -> dict[str, str]:
    return {"code": str(cast.household.contacts.first().code)}


def _pupil(cast: Cast) -> dict[str, str]:
    return {"code": str(cast.pupil.code)}


def _mis_upload(cast: Cast) -> dict[str, str]:
    """A fresh upload of one pupil to `cast.school`, waiting for confirmation (mp03)."""
    from visits.models import ImportBatch

    text = (
        "mis_id,first_name,last_name,date_of_birth,year_group,household_mis_id,address_line1,town,postcode\r\n"
        "MX1,Ada,Matrix,01/09/2019,Year 2,HX1,1 Test Street,Manchester,M14 5AB\r\n"
    )
    batch = ImportBatch.objects.create(school=cast.school, created_by=cast.office, content=text, row_count=1)
    return {"code": str(batch.code)}


TABLE: dict[str, Route] = {
    # Home sends each person to where their main role starts.
    "home": Route(
        "GET",
        {
            "anonymous": LOGIN,
            "office": "302 visits:today",
            "lead": "302 safeguarding:queue",
            "deputy": "302 safeguarding:queue",
            "visitor": "302 visits:mine",
            "second": "302 visits:mine",
            "bystander": "302 visits:mine",
            "head": "302 visits:overview",
            "trust_admin": "302 visits:trust",
            "other_office": "302 visits:today",
            "other_lead": "302 safeguarding:queue",
            "other_visitor": "302 visits:mine",
            "other_head": "302 visits:overview",
        },
    ),
    # Signing in and out, passwords: public, or for anyone signed in.
    "login": Route("GET", public(signed_in="302 home")),
    "logout": Route("POST", {"anonymous": LOGIN} | dict.fromkeys(SIGNED_IN, LOGIN)),
    "password_change": Route("GET", signed_in_page()),
    "password_change_done": Route("GET", signed_in_page()),
    "password_reset": Route("GET", public()),
    "password_reset_done": Route("GET", public()),
    # An unknown user and a made-up token: the page says the link is not valid (200).
    "password_reset_confirm": Route("GET", public(), kwargs={"uidb64": "MTIzNDU2Nzg", "token": "made-up-token"}),
    "password_reset_complete": Route("GET", public()),
    # Lists, each for its roles; everyone else gets 404.
    "visits:today": Route("GET", role_page("office", "other_office")),
    "visits:mine": Route("GET", role_page("visitor", "second", "bystander", "other_visitor")),
    "visits:overview": Route("GET", role_page("head", "other_head")),
    "visits:trust": Route("GET", role_page("trust_admin")),
    "safeguarding:queue": Route("GET", role_page("lead", "deputy", "other_lead")),
    "safeguarding:audit": Route("GET", role_page("lead", "deputy", "head", "other_lead", "other_head")),
    # One visit, and the actions on it.
    "visits:detail": Route("GET", visit_page(), visit=Status.AUTHORISED),
    "visits:submit": Route("POST", visit_action("office", "lead", "deputy"), visit=Status.DRAFT),
    "visits:cancel": Route("POST", visit_action("office", "lead", "deputy"), visit=Status.REQUESTED, data=NOTE),
    "visits:start": Route("POST", visit_action("visitor", "second"), visit=Status.AUTHORISED),
    "visits:arrived": Route("POST", visit_action("office", "visitor", "second"), visit=Status.IN_PROGRESS),
    "visits:left": Route("POST", visit_action("office", "visitor", "second"), visit=Status.IN_PROGRESS),
    "visits:back": Route(
        "POST", visit_action("office", "visitor", "second"), visit=Status.IN_PROGRESS, prepare=_left_property
    ),
    "visits:complete": Route(
        "POST", visit_action("visitor", "second"), visit=Status.IN_PROGRESS, prepare=_ready_to_complete
    ),
    "safeguarding:authorise": Route("POST", visit_action("lead", "deputy"), visit=Status.REQUESTED),
    "safeguarding:decline": Route("POST", visit_action("lead", "deputy"), visit=Status.REQUESTED, data=NOTE),
    "safeguarding:send_back": Route("POST", visit_action("lead", "deputy"), visit=Status.REQUESTED, data=NOTE),
    # The day board (hc12) and the alarms on a visit (hc18, hc19).
    "visits:board": Route("GET", role_page(*BOARD_ROLES)),
    "visits:board_rows": Route("GET", role_page(*BOARD_ROLES)),
    "visits:alarm": Route("GET", alarm_route(200), visit=Status.IN_PROGRESS),
    "visits:raise_code_word": Route("POST", alarm_route(ALARM), visit=Status.IN_PROGRESS),
    "visits:rang_mobile": Route("POST", alarm_route(ALARM), visit=Status.IN_PROGRESS, data={"answered": "no"}),
    "visits:police_called": Route(
        "POST", alarm_route(ALARM), visit=Status.IN_PROGRESS, data={"reference": "Incident 0412"}
    ),
    "visits:alarm_resolved": Route(
        "POST",
        alarm_route(ALARM),
        visit=Status.IN_PROGRESS,
        prepare=_code_word_raised,
        data={"outcome": "spoke_to_them"},
    ),
    # School diary feeds (hc12): the secret URL answers 404 to everyone for an unknown token;
    # making and revoking real feeds is tested in tests/visits/test_feeds.py.
    "safeguarding:feed": Route("GET", {"anonymous": 404} | dict.fromkeys(SIGNED_IN, 404), kwargs={"token": "made-up"}),
    "safeguarding:feeds": Route("GET", role_page(*FEED_ROLES)),
    "safeguarding:feed_create": Route(
        "POST",
        {"anonymous": LOGIN}
        | {actor: ("302 safeguarding:feeds" if actor in FEED_ROLES else 404) for actor in SIGNED_IN},
        data={"scope": "school"},
    ),
    "safeguarding:feed_revoke": Route(
        "POST",
        {"anonymous": LOGIN} | dict.fromkeys(SIGNED_IN, 404),
        kwargs={"code": "00000000-0000-4000-8000-000000000000"},
    ),
    # Booking (GET pages; their POSTs are tested in tests/visits/test_booking.py): anyone who may
    # request visits at a school (lifecycle.REQUESTER_ROLES), not the trust administrator.
    "visits:new": Route("GET", role_page(*BOOKERS)),
    "visits:new_starters": Route("GET", role_page(*BOOKERS)),
    # Editing: the requester (office here), the office and the leads; others who see it get 403.
    "visits:edit": Route("GET", visit_view("office", "lead", "deputy"), visit=Status.REQUESTED),
    # mp02: anyone who sees a completed visit and may request visits at its school.
    "visits:follow_up": Route("GET", visit_page(), visit=Status.COMPLETED),
    # hc08: the office, leads, requester and visitors; not the head.
    "visits:letter": Route("GET", visit_view("office", "lead", "deputy", "visitor", "second"), visit=Status.AUTHORISED),
    # Households, contacts and pupils; the MIS import (mp03).
    "visits:households": Route("GET", role_page(*HOUSEHOLD_VIEWERS, "other_office", "other_lead", "other_head")),
    "visits:household_new": Route("GET", role_page(*HOUSEHOLD_MANAGERS, "other_office", "other_lead")),
    "visits:household": Route("GET", household_route(*HOUSEHOLD_VIEWERS), url_kwargs=_household),
    "visits:household_edit": Route("GET", household_route(*HOUSEHOLD_MANAGERS), url_kwargs=_household),
    "visits:contact_new": Route("GET", household_route(*HOUSEHOLD_MANAGERS), url_kwargs=_household),
    "visits:contact_edit": Route("GET", household_route(*HOUSEHOLD_MANAGERS), url_kwargs=_contact),
    "visits:pupil_new": Route("GET", household_route(*HOUSEHOLD_MANAGERS), url_kwargs=_household),
    "visits:pupil_edit": Route("GET", household_route(*HOUSEHOLD_MANAGERS), url_kwargs=_pupil),
    "visits:import_upload": Route("GET", role_page(*HOUSEHOLD_MANAGERS, "other_office", "other_lead")),
    # An upload is for the managers of its school only: the head, too, gets 404.
    "visits:import_preview": Route("GET", role_page(*HOUSEHOLD_MANAGERS), url_kwargs=_mis_upload),
    "visits:import_confirm": Route(
        "POST",
        {"anonymous": LOGIN}
        | {actor: ("302 visits:import_preview" if actor in HOUSEHOLD_MANAGERS else 404) for actor in SIGNED_IN},
        url_kwargs=_mis_upload,
    ),
}


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
    assert missing == [], f"add these routes to TABLE in {__file__}: {[(n, walked[n]) for n in missing]}"
    assert stale == [], f"these TABLE entries match no URL pattern any more: {stale}"


def test_access_matrix_table_names_every_actor():
    incomplete = {name: sorted(set(ACTORS) ^ set(route.expect)) for name, route in TABLE.items()}

    assert {name: diff for name, diff in incomplete.items() if diff} == {}


def test_hc25_access_matrix_every_route_every_actor(cast, client, login):
    """Every route, every actor: the outcome in TABLE, and a change only when allowed."""
    # Arrange
    routes = [name for name, _ in walk()]
    mismatches: dict[tuple[str, str], tuple] = {}
    checked = 0
    shared_visit = {}

    # Act
    for name in routes:
        route = TABLE[name]
        for actor in ACTORS:
            if route.visit is None:
                visit = None
            elif route.method == "POST":
                visit = build_visit(cast, route)  # fresh: the action changes it
            else:
                visit = shared_visit.get(name) or shared_visit.setdefault(name, build_visit(cast, route))
            before = snapshot(visit) if visit is not None else None
            response = ask(client, login, cast, actor, route.method, url_for(name, route, visit, cast), route.data)
            outcome = observe(response)
            expected = route.expect[actor]
            if visit is not None and route.method == "POST":
                # An allowed action changes the visit; a refused one changes nothing.
                changed = snapshot(visit) != before
                outcome = (outcome, "changed" if changed else "unchanged")
                expected = (expected, "changed" if acts(expected) else "unchanged")
            if outcome != expected:
                mismatches[(name, actor)] = (expected, outcome)
        checked += 1
    print(f"access matrix: {checked} routes x {len(ACTORS)} actors checked")

    # Assert
    assert mismatches == {}, "\n".join(f"{key}: expected {exp}, got {got}" for key, (exp, got) in mismatches.items())
    assert checked == len(TABLE) == len(routes)


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
