"""THE PLAN's visits, made as real users would: requested through `visits.lifecycle`, the
household's risk assessment reviewed (`safeguarding.risk`), then taken along the normal path to
their state, each step with the clock at the moment it would have happened."""

from __future__ import annotations

import dataclasses
import datetime as dt

from demo import data
from safeguarding import risk
from visits import lifecycle
from visits.enums import AdultAuthority, AppointmentMethod, NotInformedException, Status, VisitType
from visits.models import Household, Visit

from .clock import clock
from .signature import demo_signature
from .state import SETTINGS, Demo


def make_visits(demo: Demo) -> None:
    # In the order they happened: a visit is set off only once its visitors have left the one
    # before (hc14: one place at a time).
    for planned in sorted(data.PLAN, key=lambda p: demo.at(p.start)):
        visit = request(demo, planned)
        times = Times.of(demo, visit)
        for step in PATHS[planned.status]:
            step(demo, visit, planned, times)


# --- the request ----------------------------------------------------------------------------------


def request(demo: Demo, planned: data.Planned) -> Visit:
    """The draft, made by the school's office (or the plan's requester) a couple of days ahead."""
    school = demo.schools[planned.school]
    household = demo.households[planned.school][planned.household]
    start = demo.at(planned.start)
    fields = request_fields(demo, planned, household, start) | pair_fields(demo, planned)
    actor = demo.users[planned.requester] if planned.requester else demo.staff(planned.school, "office")
    with clock(min(start - dt.timedelta(days=2, hours=3), demo.now - dt.timedelta(hours=3))):
        return lifecycle.create_request(
            actor, school, household, fields, pupils=list(household.pupils.all()), reasons=list(planned.reasons)
        )


def request_fields(demo: Demo, planned: data.Planned, household: Household, start: dt.datetime) -> dict:
    contact = household.contacts.first()
    lead = demo.staff(planned.school, planned.lead)
    slt = SETTINGS[planned.school].slt_consulted
    emergency = planned.emergency
    return {
        "visit_type": VisitType.EMERGENCY if emergency else VisitType.PLANNED,
        "reason_detail": planned.detail,
        "purpose": data.PURPOSE,
        "why_not_in_school": "" if emergency else planned.why_not_in_school,
        "family_informed": not emergency,
        "not_informed_exception": NotInformedException.EMERGENCY_SAFEGUARDING if emergency else "",
        "appointment_method": AppointmentMethod.NONE if emergency else AppointmentMethod.PHONE,
        "person_visited": str(contact),
        "contact": contact,
        "address_line1": household.address_line1,
        "town": household.town,
        "postcode": household.postcode,
        "scheduled_start": start,
        "expected_end": start + dt.timedelta(minutes=planned.minutes),
        "people_to_see": f"{contact} and the child",
        "briefing": data.BRIEFING,
        "lead_visitor": lead,
        "lead_visitor_role": lead.job_title,
        "code_word": demo.rng.choice(data.CODE_WORDS),
        "slt_consulted": demo.users[slt] if slt else None,
    }


def pair_fields(demo: Demo, planned: data.Planned) -> dict:
    """The second visitor: the outside agency's worker, the school's second visitor, or none."""
    if planned.agency:
        worker = data.AGENCY_WORKER
        return {
            "agency_worker_name": worker.name,
            "agency_worker_organisation": worker.organisation,
            "agency_worker_phone": worker.phone,
            "second_visitor_role": worker.role,
        }
    if planned.alone:
        return {"lone_visit_reason": planned.alone}
    other = demo.staff(planned.school, "visitor2" if planned.lead == "visitor1" else "visitor1")
    return {"second_visitor": other, "second_visitor_role": other.job_title}


# --- the steps, each at a believable time ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Times:
    """When the visit was to start, was requested and decided: read once, from the visit as it was
    requested (its start in local time, so that "a day and 20 hours before" counts wall-clock hours
    across a clock change)."""

    start: dt.datetime
    requested: dt.datetime
    decided: dt.datetime

    @classmethod
    def of(cls, demo: Demo, visit: Visit) -> Times:
        start = visit.scheduled_start
        requested = min(start - dt.timedelta(days=1, hours=20), demo.now - dt.timedelta(hours=2))
        decided = min(requested + dt.timedelta(hours=2), demo.now - dt.timedelta(hours=1))
        return cls(start=start, requested=requested, decided=decided)

    @property
    def arrived(self) -> dt.datetime:
        return self.start + dt.timedelta(minutes=3)


def move(demo: Demo, visit: Visit, when: dt.datetime, actor: str, action: str, **kwargs) -> None:
    with clock(when):
        if action in lifecycle.STEPS:
            lifecycle.record_step(visit, demo.users[actor], action)
        else:
            lifecycle.transition(visit, demo.users[actor], action, **kwargs)


def submit(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
    """hc09: the requester reviews the household's risk assessment (the first from the template),
    then sends the request."""
    requester = visit.requested_by.username
    with clock(times.requested - dt.timedelta(minutes=30)):
        if risk.current_assessment(visit.household) is None:
            rows = [dataclasses.asdict(h) for h in risk.template_for(visit.school)]
            risk.review_for_visit(visit, demo.users[requester], rows, data.FROM_TEMPLATE)
        else:
            risk.review_for_visit(visit, demo.users[requester])
    move(demo, visit, times.requested, requester, "submit")


def decide(action: str):
    def step(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
        lead = demo.staff(planned.school, "lead").username
        move(demo, visit, times.decided, lead, action, note=planned.note)

    return step


def authorise(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
    lead = demo.staff(planned.school, "lead").username
    move(
        demo,
        visit,
        times.decided,
        lead,
        "authorise",
        conditions=planned.conditions,
        approve_lone_working=True,
        confirm_evening=True,
    )


def cancel(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
    office = demo.staff(planned.school, "office").username
    move(demo, visit, times.decided + dt.timedelta(hours=1), office, "cancel", note=planned.note)


def set_out(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
    """Started a quarter of an hour before the visit; arrived three minutes after, if that has come."""
    visitor = visit.lead_visitor.username
    move(demo, visit, times.start - dt.timedelta(minutes=15), visitor, "start")
    if times.arrived < demo.now:
        move(demo, visit, times.arrived, visitor, "arrived")


def keep_draft(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
    """What the visitor has typed of the record so far, kept on the server (issue 5)."""
    if not planned.record_draft or times.arrived >= demo.now:
        return
    with clock(times.arrived + dt.timedelta(minutes=2)):
        lifecycle.save_draft(visit, visit.lead_visitor, adult_seen(visit))


def adult_seen(visit: Visit) -> dict:
    return {
        "adult_spoken_to": visit.person_visited,
        "adult_relationship": "Parent",
        "adult_authority": AdultAuthority.PARENTAL_RESPONSIBILITY,
        "people_seen": f"{visit.person_visited} and the child",
    }


def come_back(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
    if planned.not_conducted:
        not_conducted(demo, visit, planned, times)
    else:
        conducted(demo, visit, planned, times)


def not_conducted(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
    """hc15: nobody with parental responsibility at home; the visitors did not go in."""
    visitor = visit.lead_visitor
    with clock(times.arrived + dt.timedelta(minutes=4)):
        lifecycle.end_not_conducted(visit, visitor, child_seen=False, note=planned.not_conducted)
    move(demo, visit, times.arrived + dt.timedelta(minutes=30), visitor.username, "back")


def conducted(demo: Demo, visit: Visit, planned: data.Planned, times: Times) -> None:
    """Signed (or declined, hc23), left, the record written, back, completed."""
    visitor = visit.lead_visitor
    office = demo.staff(planned.school, "office").username
    end = visit.expected_end - dt.timedelta(minutes=5)
    sign(demo, visit, end - dt.timedelta(minutes=2), planned)
    move(demo, visit, end, visitor.username, "left")
    with clock(end + dt.timedelta(minutes=20)):
        lifecycle.write_record(visit, visitor, record(visit, planned))
    move(demo, visit, end + dt.timedelta(minutes=25), office, "back")
    move(demo, visit, end + dt.timedelta(minutes=30), visitor.username, "complete")


def sign(demo: Demo, visit: Visit, when: dt.datetime, planned: data.Planned) -> None:
    """hc23: the parent signs on the tablet (a drawn line, cleaned as a real one is), or declines."""
    visitor = visit.lead_visitor
    with clock(when):
        if planned.declined_to_sign:
            lifecycle.record_signature(
                visit, visitor, signer_name=visit.person_visited, declined_reason=planned.declined_to_sign
            )
        else:
            lifecycle.record_signature(visit, visitor, signer_name=visit.person_visited, image=demo_signature(demo.rng))


def record(visit: Visit, planned: data.Planned) -> dict:
    return adult_seen(visit) | {
        "child_seen": True,
        "outcome": planned.outcome or data.OUTCOME,
        "action_required": data.ACTION_REQUIRED,
        "child_protection_concern": False,
        "follow_up_wanted": False,
        "agreed_with_family": planned.agreed_with_family or data.AGREED_WITH_FAMILY,
        "notes": "",
    }


# The path to each state: the steps after the request, in order.
PATHS = {
    Status.DRAFT: (),
    Status.REQUESTED: (submit,),
    Status.SENT_BACK: (submit, decide("send_back")),
    Status.DECLINED: (submit, decide("decline")),
    Status.AUTHORISED: (submit, authorise),
    Status.CANCELLED: (submit, authorise, cancel),
    Status.IN_PROGRESS: (submit, authorise, set_out, keep_draft),
    Status.COMPLETED: (submit, authorise, set_out, come_back),
}
