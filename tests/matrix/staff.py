"""Routes of the school's own staff pages, its settings and a person's profile (issue 14, items 2
and 8): the head of the school and the trust administrator manage; everyone else signed in gets
404 (another school's head included); the profile is everyone's own."""

from __future__ import annotations

import itertools

from tests.factories import Cast, make_user
from tests.matrix import LOGIN, SIGNED_IN, Route, role_page, signed_in_page
from visits.enums import Role

MANAGERS = ("head", "trust_admin")
_leavers = itertools.count(1)


def _school(cast: Cast) -> dict[str, str]:
    return {"key": cast.school.slug}


def _member(cast: Cast) -> dict[str, str]:
    return {"key": cast.school.slug, "username": cast.visitor.username}


def _leaver(cast: Cast) -> dict[str, str]:
    """A fresh member of visiting staff for each request, so that each allowed POST has someone to
    mark as left."""
    person = make_user(f"leaver.matrix{next(_leavers)}", cast.school, Role.VISITOR)
    return {"key": cast.school.slug, "username": person.username}


ROUTES: dict[str, Route] = {
    # A head goes straight to their school's list; the trust administrator chooses among theirs.
    "accounts:staff": Route(
        "GET",
        {"anonymous": LOGIN}
        | {actor: 404 for actor in SIGNED_IN}
        | {"head": "302 accounts:staff_list", "other_head": "302 accounts:staff_list", "trust_admin": 200},
    ),
    "accounts:staff_list": Route("GET", role_page(*MANAGERS), url_kwargs=_school),
    "accounts:staff_add": Route("GET", role_page(*MANAGERS), url_kwargs=_school),
    "accounts:staff_member": Route("GET", role_page(*MANAGERS), url_kwargs=_member),
    "accounts:staff_leave": Route(
        "POST",
        {"anonymous": LOGIN}
        | {actor: ("302 accounts:staff_list" if actor in MANAGERS else 404) for actor in SIGNED_IN},
        url_kwargs=_leaver,
    ),
    "accounts:staff_second_factor_remove": Route(
        "POST",
        {"anonymous": LOGIN}
        | {actor: ("302 accounts:staff_member" if actor in MANAGERS else 404) for actor in SIGNED_IN},
        url_kwargs=_member,
    ),
    "accounts:school_new": Route("GET", role_page("trust_admin")),
    "accounts:school_settings": Route("GET", role_page(*MANAGERS), url_kwargs=_school),
    "accounts:profile": Route("GET", signed_in_page()),
}
