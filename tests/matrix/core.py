"""Routes of the foundation and the office: sign-in, visit pages and actions, the board, booking,
households and the MIS import."""

from __future__ import annotations

from tests.matrix import (
    ALARM,
    BOARD_ROLES,
    BOOKERS,
    FEED_ROLES,
    HOUSEHOLD_MANAGERS,
    HOUSEHOLD_VIEWERS,
    LOGIN,
    NOTE,
    SIGNED_IN,
    Route,
    _code_word_raised,
    _contact,
    _household,
    _left_property,
    _mis_upload,
    _pupil,
    _ready_to_complete,
    alarm_route,
    household_route,
    public,
    role_page,
    signed_in_page,
    visit_action,
    visit_page,
    visit_view,
)
from visits.enums import Status

DECIDED = dict.fromkeys(("lead", "deputy"), "302 safeguarding:queue")

ROUTES: dict[str, Route] = {
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
            "governor": "302 reports:governors",
            "other_office": "302 visits:today",
            "other_lead": "302 safeguarding:queue",
            "other_visitor": "302 visits:mine",
            "other_head": "302 visits:overview",
        },
    ),
    # Signing in and out, passwords: public, or for anyone signed in.
    "login": Route("GET", public(signed_in="302 home")),
    # Signing out opens the signed-out page, which clears that person's drafts (issue 14).
    "logout": Route("POST", dict.fromkeys(("anonymous", *SIGNED_IN), "302 accounts:signed_out")),
    "accounts:signed_out": Route("GET", {"anonymous": 200} | dict.fromkeys(SIGNED_IN, "302 home")),
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
    # Its CSV export (issue 15): the same people, each only their own school's trail.
    "safeguarding:audit_export": Route("GET", role_page("lead", "deputy", "head", "other_lead", "other_head")),
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
    "visits:not_returning": Route(
        "POST", visit_action("office", "visitor", "second"), visit=Status.IN_PROGRESS, prepare=_left_property
    ),
    # hc19, remind and extend: the visitors, on the road.
    "visits:extend": Route(
        "POST",
        visit_action("visitor", "second"),
        visit=Status.IN_PROGRESS,
        data={"minutes": "15", "reason": "Still with the family"},
    ),
    "visits:complete": Route(
        "POST", visit_action("visitor", "second"), visit=Status.IN_PROGRESS, prepare=_ready_to_complete
    ),
    # A decision sends the lead back to the queue for the next request.
    "safeguarding:authorise": Route("POST", visit_action("lead", "deputy") | DECIDED, visit=Status.REQUESTED),
    "safeguarding:decline": Route("POST", visit_action("lead", "deputy") | DECIDED, visit=Status.REQUESTED, data=NOTE),
    "safeguarding:send_back": Route(
        "POST", visit_action("lead", "deputy") | DECIDED, visit=Status.REQUESTED, data=NOTE
    ),
    # The day board (hc12) and the alarms on a visit (hc18, hc19).
    "visits:board": Route("GET", role_page(*BOARD_ROLES)),
    "visits:board_rows": Route("GET", role_page(*BOARD_ROLES)),
    "visits:alarm": Route("GET", alarm_route(200), visit=Status.IN_PROGRESS),
    "visits:raise_code_word": Route("POST", alarm_route(ALARM), visit=Status.IN_PROGRESS),
    "visits:rang_mobile": Route("POST", alarm_route(ALARM), visit=Status.IN_PROGRESS, data={"answered": "no"}),
    "visits:police_called": Route(
        "POST", alarm_route(ALARM), visit=Status.IN_PROGRESS, data={"reference": "Incident 0412"}
    ),
    "visits:acknowledge_alarm": Route("POST", alarm_route(ALARM), visit=Status.IN_PROGRESS, prepare=_code_word_raised),
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
    # Booking (GET pages; their POSTs are tested in tests/visits/test_booking.py): the roles that
    # see the school's households (who.BOOKING_ROLES); visiting staff get 404 (issue 14, hc25).
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
