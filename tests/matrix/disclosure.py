"""Routes of subject access and pupils leaving (issue 17, parts 5 and 6).

Only the school's designated safeguarding lead and deputies: the head, the office, visiting staff,
governors and the trust administrator get 404, as does everyone of the other school for this
school's requests, leavers and people (hc25). The other school's lead opens the two lists (their
own school's)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tests.factories import Cast, make_pupil
from tests.matrix import ACTORS, LOGIN, Route

LEADS = ("lead", "deputy")
TODAY = "11/11/2026"  # the suite's pinned morning (tests/clock.py)


def _only(outcome, *allowed: str) -> dict[str, int | str]:
    return {actor: (LOGIN if actor == "anonymous" else outcome if actor in allowed else 404) for actor in ACTORS}


def _request(cast: Cast, **built):
    from disclosure.models import SubjectAccessRequest

    return SubjectAccessRequest.objects.create(
        school=cast.school,
        pupil=cast.pupil,
        requester_name="Pat Parent",
        relationship="parent",
        received_on=dt.date(2026, 11, 2),
        identity_check="known",
        due_on=dt.date(2026, 12, 2),
        recorded_by=cast.lead,
        **built,
    )


def _built() -> dict:
    return {
        "bundle_pdf": b"%PDF-1.7 matrix",
        "bundle_pdf_sha256": "0" * 64,
        "bundle_json": b"{}",
        "bundle_json_sha256": "0" * 64,
        "built_at": timezone.now(),
    }


def _leaver(cast: Cast, **more):
    from disclosure.models import Leaver

    pupil = make_pupil(cast.household, "Leaving")
    return Leaver.objects.create(
        school=cast.school,
        pupil=pupil,
        left_on=dt.date(2026, 11, 10),
        next_school="St Anne's",
        due_on=dt.date(2026, 11, 17),
        recorded_by=cast.lead,
        **more,
    )


def _leaver_built() -> dict:
    return {"file_pdf": b"%PDF-1.7 matrix", "file_sha256": "0" * 64, "built_at": timezone.now()}


def _code(obj) -> dict[str, str]:
    return {"code": str(obj.code)}


ROUTES: dict[str, Route] = {
    "disclosure:requests": Route("GET", _only(200, *LEADS, "other_lead")),
    "disclosure:request_new": Route(
        "GET", _only(200, *LEADS), url_kwargs=lambda cast: {"kind": "pupil", "code": str(cast.pupil.code)}
    ),
    "disclosure:request": Route("GET", _only(200, *LEADS), url_kwargs=lambda cast: _code(_request(cast))),
    "disclosure:pdf_request_bundle": Route(
        "GET", _only(200, *LEADS), url_kwargs=lambda cast: _code(_request(cast, **_built()))
    ),
    "disclosure:json_request_bundle": Route(
        "GET", _only(200, *LEADS), url_kwargs=lambda cast: _code(_request(cast, **_built()))
    ),
    "disclosure:request_redactions": Route(
        "POST", _only("302 disclosure:request", *LEADS), url_kwargs=lambda cast: _code(_request(cast))
    ),
    "disclosure:request_build": Route(
        "POST", _only("302 disclosure:request", *LEADS), url_kwargs=lambda cast: _code(_request(cast))
    ),
    "disclosure:request_close": Route(
        "POST",
        _only("302 disclosure:requests", *LEADS),
        url_kwargs=lambda cast: _code(_request(cast, **_built())),
        data={"sent_on": TODAY},
    ),
    "disclosure:leavers": Route("GET", _only(200, *LEADS, "other_lead")),
    "disclosure:leaver_new": Route("GET", _only(200, *LEADS), url_kwargs=lambda cast: _code(cast.pupil)),
    "disclosure:leaver": Route("GET", _only(200, *LEADS), url_kwargs=lambda cast: _code(_leaver(cast))),
    "disclosure:pdf_leaver_file": Route(
        "GET", _only(200, *LEADS), url_kwargs=lambda cast: _code(_leaver(cast, **_leaver_built()))
    ),
    "disclosure:leaver_build": Route(
        "POST", _only("302 disclosure:leaver", *LEADS), url_kwargs=lambda cast: _code(_leaver(cast))
    ),
    "disclosure:leaver_sent": Route(
        "POST",
        _only("302 disclosure:leaver", *LEADS),
        url_kwargs=lambda cast: _code(_leaver(cast, **_leaver_built())),
        data={"sent_on": TODAY, "sent_how": "cpoms"},
    ),
    "disclosure:leaver_received": Route(
        "POST",
        _only("302 disclosure:leaver", *LEADS),
        url_kwargs=lambda cast: _code(
            _leaver(cast, **_leaver_built(), sent_on=dt.date(2026, 11, 11), sent_how="egress")
        ),
        data={"received_on": TODAY},
    ),
}
