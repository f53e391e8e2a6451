"""Families with unique strings, for proving what a bundle holds and what it does not."""

from __future__ import annotations

import datetime as dt

from safeguarding import concerns
from tests import clock
from tests.factories import Cast, make_household, make_pupil, review_risk, setting_off_freely, visit_fields
from visits import lifecycle
from visits.enums import IncidentKind, Reason
from visits.models import Household, Pupil, User, Visit


def visit_with_everything(
    cast: Cast,
    household: Household,
    pupils: list[Pupil],
    tag: str,
    *,
    school=None,
    lead: User | None = None,
    visitor: User | None = None,
) -> Visit:
    """A completed visit whose every free-text field holds `tag`: the request, the record, the
    concern it raises, its incident and the parent's refusal to sign."""
    school = school or cast.school
    visitor = visitor or cast.visitor
    start = clock.now().replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=3)
    fields = visit_fields(
        visitor,
        None,
        start=start,
        purpose=f"{tag}-PURPOSE",
        comments=f"{tag}-COMMENTS",
        briefing=f"{tag}-BRIEFING",
        person_visited=f"{tag}-PERSONVISITED",
        agency_worker_name=f"{tag}-AGENCYWORKER",
        agency_worker_organisation="Early Help",
        lone_visit_reason="",
    )
    visit = lifecycle.create_request(
        cast.office if school == cast.school else cast.other_office,
        school,
        household,
        fields,
        pupils=pupils,
        reasons=[Reason.WELFARE_CHECK],
    )
    lead = lead or cast.lead
    _drive(visit, lead, visitor, tag)
    return visit


def _drive(visit: Visit, lead: User, visitor: User, tag: str) -> None:
    review_risk(visit, visit.requested_by)
    lifecycle.transition(visit, visit.requested_by, "submit")
    lifecycle.transition(visit, lead, "authorise", approve_lone_working=True, confirm_evening=True)
    with setting_off_freely():
        lifecycle.transition(visit, visitor, "start")
    lifecycle.record_step(visit, visitor, "arrived")
    lifecycle.record_signature(visit, visitor, signer_name=f"{tag}-SIGNER", declined_reason=f"{tag}-DECLINED")
    lifecycle.record_step(visit, visitor, "left")
    lifecycle.write_record(
        visit,
        visitor,
        {
            "people_seen": f"{tag}-PEOPLESEEN",
            "child_seen": True,
            "adult_spoken_to": f"{tag}-ADULT",
            "adult_relationship": "Aunt",
            "adult_authority": "delegated",
            "outcome": f"{tag}-OUTCOME",
            "action_required": f"{tag}-ACTION",
            "agreed_with_family": f"{tag}-AGREED",
            "notes": f"{tag}-NOTES",
            "child_protection_concern": True,
            "concern_details": f"{tag}-CONCERN",
            "incident_kind": IncidentKind.THREAT,
            "incident_at": clock.now() - dt.timedelta(hours=2),
            "incident_details": f"{tag}-INCIDENT",
        },
    )
    lifecycle.transition(visit, visitor, "complete")
    visit.refresh_from_db()
    concern = visit.concerns.get()
    concerns.record_action(concern, lead, "referral_csc", reference=f"{tag}-REF", note=f"{tag}-ACTIONNOTE")


def second_family(cast: Cast, tag: str) -> tuple[Household, Pupil]:
    household = make_household(cast.school, f"{tag}-HOUSEHOLD")
    pupil = make_pupil(household, f"{tag}-PUPIL")
    return household, pupil


def other_school_family(cast: Cast, tag: str) -> tuple[Household, Pupil, Visit]:
    household = make_household(cast.other_school, f"{tag}-HOUSEHOLD")
    pupil = make_pupil(household, f"{tag}-PUPIL")
    visit = lifecycle.create_request(
        cast.other_office,
        cast.other_school,
        household,
        visit_fields(cast.other_visitor, None, purpose=f"{tag}-PURPOSE"),
        pupils=[pupil],
        reasons=[Reason.ATTENDANCE],
    )
    return household, pupil, visit


TAG_FIELDS = (
    "PURPOSE",
    "COMMENTS",
    "BRIEFING",
    "OUTCOME",
    "ACTION",
    "AGREED",
    "NOTES",
    "CONCERN",
    "REF",
    "ACTIONNOTE",
    "INCIDENT",
    "DECLINED",
)
# Suggested for redaction by default: what the visit's records say about other people.
THIRD_PARTY_FIELDS = ("PERSONVISITED", "AGENCYWORKER", "SIGNER", "ADULT", "PEOPLESEEN")
