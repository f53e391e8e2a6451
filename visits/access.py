"""Fetching an object for a user, and what the user may do to it now.

Who may act is `visits.who`'s; when is the table of moves in `visits.moves`. This module combines
the two for pages: every queryset of visits a user sees is built by `visible_visits()`; a visit
the user may not see answers 404 (`visit_for_user`), one they may see but not act on answers 403;
and `VisitAccess` carries the flags templates read (never their own logic). Layers: above `who`
and `moves`, beside `lifecycle`, below forms and views; it imports neither `lifecycle` nor
anything of `safeguarding`, which adds its own needs (`register_need`).

Every read is audited by construction: a fetch that hands a page its object (`visit_for_user`,
`household_for_user`, `contact_for_user`, `pupil_for_user`, and safeguarding's fetches of a
concern, an incident and an assessment version) writes the one "Viewed" row itself, through
`record_read`, when it returns the object for a GET; a refusal (404, 403) writes none. A POST
writes no "Viewed" row here: the change it makes writes its own row (a transition, an update);
where a refused POST shows stored data again (a concern, an incident, a visit's review), its view
writes that row (`record_read`). A view that may still send the person elsewhere after the fetch
(a form for a visit not under way, a PDF not written yet) fetches with `read=False` and calls
`record_read` once it shows the page, so a redirect writes nothing. `tests/test_reads_audited.py`
walks every URL with a path parameter and holds each 200 to exactly one row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from guardian.shortcuts import get_objects_for_user

from . import audit, moves, watch, whereabouts, who
from .enums import AuditAction, Role, Status
from .models import Contact, Household, Pupil, User, Visit

# The methods whose fetch is a read: a POST's row is the one its change writes.
SAFE_METHODS = frozenset({"GET", "HEAD"})


def record_read(
    request: HttpRequest,
    obj,
    *,
    detail: str = "",
    object_type: str = "",
    action: AuditAction = AuditAction.VIEW,
    school=None,
) -> None:
    """One audit row: `request.user` read `obj` (fixed words in `detail`, never typed text);
    `school` for an object that has none of its own (a member of staff)."""
    audit.record(request.user, action, obj, object_type=object_type, detail=detail, school=school, request=request)


def read_by_fetch(request: HttpRequest, obj, read: bool, **row) -> None:
    """What every fetch does as it returns `obj`: the read's row, for a GET the view did not take
    over (`read=False`). Safeguarding's fetches call it too."""
    if read and request.method in SAFE_METHODS:
        record_read(request, obj, **row)


# --- lists and single objects ----------------------------------------------------------------------


def visible_visits(user: User, base: QuerySet[Visit] | None = None) -> QuerySet[Visit]:
    """Every visit `user` may see (hc25): the only source of visit lists."""
    base = Visit.objects.all() if base is None else base
    roles = who.roles_of(user)
    if not roles.by_school:
        return base.none()
    base = base.filter(school_id__in=roles.school_ids)
    whole_school = roles.schools_with(Role.whole_school())
    by_role = base.filter(school_id__in=whole_school)
    by_object = get_objects_for_user(
        user,
        "visits.view_visit",
        klass=base,
        use_groups=False,
        with_superuser=False,
        accept_global_perms=False,
    )
    return by_role | by_object


def _household_checked(request: HttpRequest, household: Household | None, need: str) -> Household:
    if household is None or not who.may_view_households(request.user, household.school_id):
        raise Http404("No such household")
    if need == "manage" and not who.may_manage_households(request.user, household.school_id):
        raise PermissionDenied
    return household


def household_for_user(
    request: HttpRequest,
    code,
    need: str = "view",
    *,
    detail: str = "",
    object_type: str = "household",
    read: bool = True,
) -> Household:
    """The household with this code if the user may see it, else 404; 403 if they may see it
    but `need` is "manage" and they may not change it (the head). A GET is audited under the
    household (`object_type`, `detail`: what of it the page shows)."""
    household = Household.objects.select_related("school").filter(code=code).first()
    household = _household_checked(request, household, need)
    read_by_fetch(request, household, read, detail=detail, object_type=object_type)
    return household


def contact_for_user(request: HttpRequest, code, need: str = "manage", *, detail: str = "contact form") -> Contact:
    """A household's contact, on the household's rules (`household_for_user`); a GET is audited
    under the household, as every page of a family is (so the trail finds it by family)."""
    contact = Contact.objects.select_related("household__school").filter(code=code).first()
    household = _household_checked(request, contact.household if contact else None, need)
    read_by_fetch(request, household, True, detail=detail, object_type="household")
    return contact


def pupil_for_user(request: HttpRequest, code, need: str = "manage", *, detail: str = "pupil form") -> Pupil:
    """A pupil, on their household's rules (`household_for_user`); a GET is audited under the
    household."""
    pupil = Pupil.objects.select_related("household__school", "school").filter(code=code).first()
    household = _household_checked(request, pupil.household if pupil else None, need)
    read_by_fetch(request, household, True, detail=detail, object_type="household")
    return pupil


# --- the documents of a visit (issue 6) ------------------------------------------------------------
# The PDFs of a visit (`visits/pdf.py`): who may download each (`visits.who`), and from which step of
# the visit it exists. The download views and the visit page's Documents card read these only.


def _has(visit: Visit, related_name: str) -> bool:
    """The visit has its one-to-one `related_name` row (its record, its risk review)."""
    try:
        return getattr(visit, related_name) is not None
    except ObjectDoesNotExist:
        return False


# kind -> (who may download it, why it does not exist yet for this visit: "" when it does).
DOCUMENT_RULES: dict[str, tuple[Callable[[User, Visit], bool], Callable[[Visit], str]]] = {
    "form": (
        who.may_download_form,
        lambda v: (
            "" if v.status in moves.PRINTED_STATES else "the Home Visit Form is printed once the visit is authorised"
        ),
    ),
    "home_copy": (
        who.may_download_home_copy,
        lambda v: (
            "" if v.status in moves.PRINTED_STATES else "the copy for the home is printed once the visit is authorised"
        ),
    ),
    "record": (
        who.may_download_record,
        lambda v: "" if _has(v, "record") else "the Record of Home Visit has not been written yet",
    ),
    "risk_assessment": (
        # Whoever may read the assessment as reviewed for the visit (hc09): safeguarding's rule.
        lambda user, visit: may(user, visit, "see_risk"),
        lambda v: "" if _has(v, "risk_review") else "the risk assessment has not been reviewed for this visit yet",
    ),
    "letter": (
        who.may_download_letter,
        lambda v: "" if v.status in Status.editable() else "the appointment letter is for a visit still to happen",
    ),
}


def may_download(user: User, visit: Visit, kind: str) -> bool:
    return DOCUMENT_RULES[kind][0](user, visit)


def document_unavailable(visit: Visit, kind: str) -> str:
    """Why document `kind` does not exist for `visit` in its present state ("" when it does)."""
    return DOCUMENT_RULES[kind][1](visit)


def downloadable_documents(user: User, visit: Visit) -> list[str]:
    """The documents `user` may download for `visit` now, in the order of DOCUMENT_RULES."""
    return [
        kind for kind in DOCUMENT_RULES if may_download(user, visit, kind) and not document_unavailable(visit, kind)
    ]


# --- who and when together: what a person may do to a visit now ------------------------------------

# When a visitor may sign the form and the record themselves (hc23).
STAFF_SIGN_STATES = moves.UNDER_WAY | {Status.COMPLETED}


def may_write_record_now(user: User, visit: Visit) -> bool:
    """hc20: the Record of Home Visit, by the visitors, while the visit is under way (hc01)."""
    return visit.status in moves.UNDER_WAY and who.may_conduct(user, visit)


def may_take_signature_now(user: User, visit: Visit) -> bool:
    """hc23: the parent signs on the visitors' tablet, during the visit."""
    return visit.status in moves.UNDER_WAY and who.may_conduct(user, visit)


def may_staff_sign_now(user: User, visit: Visit) -> bool:
    """hc23: a visitor signs the Home Visit Form and the Record themselves, on the tablet, once
    they have set off: during the visit or after it is complete."""
    return visit.status in STAFF_SIGN_STATES and who.may_conduct(user, visit)


def may_raise_urgent_now(user: User, visit: Visit) -> bool:
    """hc17: "child alone" and "immediate danger", one tap each, for the visitors on the road."""
    return visit.status in moves.URGENT_STATES and who.is_visitor(user, visit)


def may_raise_code_word_now(user: User, visit: Visit) -> bool:
    """hc18: the board offers "Code word used" while the school waits on visitors who have set off
    (on the road, or left and not back: `watch.deadline`), to the office and the leads; nobody can
    say the code word from a visit not set off. (The lifecycle takes a raise on any visit someone
    may be out on: a call is never refused.)"""
    return visit.started_at is not None and watch.deadline(visit) is not None and who.may_handle_alarms(user, visit)


def may_reveal_code_word_now(user: User, visit: Visit) -> bool:
    """hc11: the board shows a code word, on a tap, to those who may know it, only while it may be
    needed: the visitors are on the road, or leave today (`whereabouts.code_word_needed`)."""
    return whereabouts.code_word_needed(visit) and who.may_see_code_word(user, visit)


def may_handle_alarms_now(user: User, visit: Visit) -> bool:
    """hc18/hc19: raise the code-word alarm, log escalation steps; only once the visit is under
    way, about to be, or finished (an alarm must never be refused for a step not logged)."""
    return visit.status in moves.ALARM_STATES and who.may_handle_alarms(user, visit)


def may_edit_now(user: User, visit: Visit) -> bool:
    """Change the request (booking form): while its details may still change."""
    return visit.status in Status.editable() and who.may_edit_request(user, visit)


def may_follow_up_now(user: User, visit: Visit) -> bool:
    """mp02: book a follow-up, once the visit is completed."""
    return visit.status == Status.COMPLETED and who.may_request_at(user, visit.school_id)


def may_print_letter_now(user: User, visit: Visit) -> bool:
    """hc08: the appointment letter, while the visit is still to happen."""
    return visit.status in Status.editable() and who.may_print_letter(user, visit)


# --- needs: what `visit_for_user(need=...)` checks after "may see it" -------------------------------

Need = Callable[[User, Visit], bool]
# need -> who may (a 403 for anyone else who sees the visit). Every lifecycle action is a need
# too (`moves.actor_may`). Apps built on visits add theirs with `register_need`.
NEEDS: dict[str, Need] = {
    "log_call": who.may_log_call,
    "conduct": who.may_conduct,
    "handle_alarms": who.may_handle_alarms,
    "see_code_word": who.may_see_code_word,
    "edit_request": who.may_edit_request,
    "request_at_school": lambda user, visit: who.may_request_at(user, visit.school_id),
    "print_letter": who.may_print_letter,
    "raise_urgent": may_raise_urgent_now,
    **{f"download_{kind}": rule[0] for kind, rule in DOCUMENT_RULES.items()},
}


def register_need(name: str, predicate: Need) -> None:
    """Add a need that `visit_for_user` checks (safeguarding's pages: review the risk, raise a
    concern, record on CPOMS...). A name is registered once, by one app."""
    if name in NEEDS or name in moves.MOVES:
        if NEEDS.get(name) is predicate:
            return
        raise ValueError(f"need {name!r} is already registered")
    NEEDS[name] = predicate


def may(user: User, visit: Visit, need: str) -> bool:
    """Whether `user` holds the right `need` (a lifecycle action or a registered need) on `visit`
    (who, not when)."""
    if need in moves.MOVES:
        return moves.actor_may(visit, user, need)
    return NEEDS[need](user, visit)


def visit_for_user(
    request: HttpRequest,
    code,
    need: str = "view",
    *,
    detail: str = "",
    object_type: str = "",
    read: bool = True,
) -> tuple[Visit, VisitAccess]:
    """The visit with this code if the user may see it, else 404; 403 if they may see it but not
    do `need` (a lifecycle action, a registered need, or "view"). A GET is audited as a read of
    the visit (`detail`: which page of it); `read=False` for a view that may still redirect and
    calls `record_read` itself when it shows the page."""
    visit = (
        Visit.objects.select_related("school", "household", "lead_visitor", "second_visitor", "requested_by")
        .filter(code=code)
        .first()
    )
    if visit is None or not who.can_view(request.user, visit):
        raise Http404("No such visit")
    if need != "view" and not may(request.user, visit, need):
        raise PermissionDenied
    read_by_fetch(request, visit, read, detail=detail, object_type=object_type)
    return visit, VisitAccess(request.user, visit)


def _step_flag(name: str) -> cached_property:
    return cached_property(lambda self: moves.step_allowed(self.visit, self.user, name))


def _move_flag(action: str) -> cached_property:
    return cached_property(lambda self: moves.is_allowed(self.visit, self.user, action))


def _flag(predicate: Callable[[User, Visit], bool]) -> cached_property:
    return cached_property(lambda self: predicate(self.user, self.visit))


@dataclass
class VisitAccess:
    """What `user` may do to `visit` now: the flags templates read (never their own logic). Each
    is who (`visits.who`) and when (`visits.moves`), read from the table where the table has it."""

    user: User
    visit: Visit

    is_visitor = _flag(who.is_visitor)
    # The moves of the table (MOVES).
    can_submit = _move_flag(moves.Action.SUBMIT)
    can_decide = _move_flag(moves.Action.AUTHORISE)
    can_cancel = _move_flag(moves.Action.CANCEL)
    can_complete = _move_flag(moves.Action.COMPLETE)
    # The steps on the road (STEPS).
    can_log_arrival = _step_flag("arrived")
    can_log_leaving = _step_flag("left")
    can_log_back = _step_flag("back")
    can_log_not_returning = _step_flag("not_returning")
    # hc11: visitors, the office and the leads of the school; not the head, not the requester as such.
    can_see_code_word = _flag(who.may_see_code_word)
    can_handle_alarms = _flag(may_handle_alarms_now)
    can_raise_code_word = _flag(may_raise_code_word_now)
    can_reveal_code_word = _flag(may_reveal_code_word_now)
    can_edit = _flag(may_edit_now)
    can_follow_up = _flag(may_follow_up_now)
    can_print_letter = _flag(may_print_letter_now)
    can_write_record = _flag(may_write_record_now)
    can_sign = _flag(may_take_signature_now)
    can_staff_sign = _flag(may_staff_sign_now)
    can_see_signature = _flag(who.may_see_signature)
    can_raise_urgent = _flag(may_raise_urgent_now)
    can_extend = _flag(moves.may_extend_now)
    documents = _flag(downloadable_documents)

    @cached_property
    def start_blockers(self) -> list[str]:
        """What else stops "Set off" for someone who could set off now (hc09, hc10: the risk
        assessment; the checks apps register with `moves.register_start_check`)."""
        if not moves.is_allowed(self.visit, self.user, moves.Action.START):
            return []
        return moves.start_blockers(self.visit)

    @cached_property
    def can_start(self) -> bool:
        return moves.is_allowed(self.visit, self.user, moves.Action.START) and not self.start_blockers

    @cached_property
    def start_refusal(self) -> str:
        """Why "Set off" is not offered, in words for the visitor (hc01, hc09, hc10)."""
        return moves.start_refusal_reason(self.visit) or " ".join(self.start_blockers)
