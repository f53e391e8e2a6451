"""The vocabulary of the access matrix (hc25): the actors, the outcomes they get, and `Route`.

Each area of the product lists its routes in a module of this package (`ROUTES: dict[str, Route]`);
`tests/test_access_matrix.py` joins them and asks every route of every actor.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.factories import CAST_ROLES, Cast
from visits import lifecycle
from visits.models import Visit

ACTORS = ("anonymous", *CAST_ROLES)
# hc25: who sees a visit of `cast.school` (its office, leads, head, requester and visitors)...
SEES_VISIT = ("office", "lead", "deputy", "visitor", "second", "head")
# ... and who does not: staff of the school not tied to it (its governor sees counts only, issue
# 17), and everyone of the other school.
VISIT_HIDDEN = ("bystander", "trust_admin", "governor", "other_office", "other_lead", "other_visitor", "other_head")
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


# Those who open the booking pages (`who.BOOKING_ROLES`, issue 14): the office, leads and head of a
# school, who see its households; not visiting staff (hc25), not the trust administrator.
BOOKERS = ("office", "lead", "deputy", "head", "other_office", "other_lead", "other_head")


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
