"""What the family reads about a visit, in plain words: the appointment letter (hc08) and the copy
left at the home (hc23) say it the same way, as page and as PDF. Nothing here may carry the code
word, the briefing, comments or any internal note."""

from __future__ import annotations

from collections.abc import Sequence

from .enums import Reason
from .models import Pupil, Visit

# {names} is the pupils' first names; {is}, {starts} agree with how many pupils there are.
LETTER_REASONS = {
    Reason.REFUSING_SCHOOL: "to talk with you about how we can help {names} come into school",
    Reason.ATTENDANCE: "to talk with you about {names}'s attendance at school",
    Reason.EDUCATED_AT_HOME: "to talk with you about {names}'s education at home",
    Reason.CONTACT_FAILED: "as we have not been able to reach you by phone or letter",
    Reason.DISCUSS_AT_HOME: "to talk with you about {names} at home",
    Reason.WELFARE_CHECK: "to see how {names} {is} getting on",
    Reason.ATTENDANCE_STRATEGIES: "to agree together how we can help {names} attend school",
    Reason.COLLECT_DROP_CHILD: "to help with {names}'s journey to or from school",
    Reason.COLLECT_DROP_WORK: "to bring or collect school work for {names}",
    Reason.OFF_SICK: "to see how {names} {is} and keep them in touch with school",
    Reason.TERM_TIME_HOLIDAY: "to talk with you about {names}'s attendance at school",
    Reason.NEW_STARTER: "to meet you and {names} at home before {they} {starts} school",
    Reason.FAMILY_WELLBEING: "to see how we can support you and your family",
}
FALLBACK_REASON = "to talk with you about {names}"


def first_names(pupils: Sequence[Pupil]) -> str:
    """ "Sam", "Sam and Ali", "Sam, Ali and Jo"."""
    names = [p.first_name for p in pupils]
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def plain_reasons(visit: Visit, pupils: Sequence[Pupil]) -> list[str]:
    """Why we are visiting, once each, in words for the family ("to see how Sam and Ali are
    getting on")."""
    names = first_names(pupils) or "your child"
    several = len(pupils) > 1
    words = {
        "names": names,
        "is": "are" if several else "is",
        "starts": "start" if several else "starts",
        "they": "they" if several else names,
    }
    seen: list[str] = []
    for reason in visit.reasons.order_by("pk").values_list("reason", flat=True):
        text = LETTER_REASONS.get(reason, FALLBACK_REASON).format(**words)
        if text not in seen:
            seen.append(text)
    return seen


def visitors(visit: Visit) -> list[tuple[str, str]]:
    """(name, job role) of each person carrying out the visit, as the family will meet them."""
    people = [(str(visit.lead_visitor), visit.lead_visitor_role)]
    if visit.second_visitor_id:
        people.append((str(visit.second_visitor), visit.second_visitor_role))
    elif visit.agency_worker_name:
        role = ", ".join(p for p in [visit.second_visitor_role, visit.agency_worker_organisation] if p)
        people.append((visit.agency_worker_name, role))
    return people
