"""Creating and editing requests, and what an authorisation covers (hc01): changing what the lead
saw sends an authorised visit back to the queue, its authorisation cleared."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from .. import audit, notify, who
from ..enums import AuditAction, EventKind, Reason, Role, Status
from ..exceptions import NotPermitted, TransitionNotAllowed
from ..models import Household, Membership, Pupil, School, User, Visit, VisitReason
from ..moves import Action
from ..request_fields import AUTHORISED_FIELDS
from .core import append_event, lock, refresh_caller_copy, transition

# What an authorisation covers (hc01): changing any of these after it sends the visit back.
MATERIAL_FIELDS = AUTHORISED_FIELDS


def _validate_people(visit: Visit) -> None:
    """Cross-object rules a form cannot see alone, as field errors a secretary understands."""
    errors: dict[str, str] = {}
    visiting = set(
        Membership.objects.filter(school_id=visit.school_id, role=Role.VISITOR, is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if visit.lead_visitor_id not in visiting:
        errors["lead_visitor"] = "The lead visitor must be visiting staff at this school."
    if visit.second_visitor_id and visit.second_visitor_id not in visiting:
        errors["second_visitor"] = "The second visitor must be visiting staff at this school."
    if (
        visit.slt_consulted_id
        and not Membership.objects.filter(
            school_id=visit.school_id,
            user_id=visit.slt_consulted_id,
            role__in=[Role.HEAD, Role.LEAD, Role.DEPUTY_LEAD],
            is_active=True,
        ).exists()
    ):
        errors["slt_consulted"] = "Choose a member of this school's senior leadership team."
    if visit.household.school_id != visit.school_id:
        errors["household"] = "Choose a household of this school."
    if visit.is_lone_against_pairs and not visit.lone_visit_reason.strip():
        errors["lone_visit_reason"] = "This school requires visits in pairs: add a second visitor or say why not."
    if errors:
        raise ValidationError(errors)


def _check_pupils(visit: Visit, pupils: Iterable[Pupil]) -> list[Pupil]:
    pupils = list(pupils)
    if not pupils:
        raise ValidationError({"pupils": "Choose at least one pupil."})
    if any(p.household_id != visit.household_id for p in pupils):
        raise ValidationError({"pupils": "Every pupil must live in the household being visited."})
    return pupils


def _check_reasons(reasons: Iterable[str]) -> list[str]:
    reasons = list(dict.fromkeys(reasons))
    if not reasons:
        raise ValidationError({"reasons": "Choose at least one reason for the visit."})
    if any(r not in Reason.values for r in reasons):
        raise ValidationError({"reasons": "Choose reasons from the list."})
    return reasons


def _sync_permissions(visit: Visit, previous_visitor_ids: set[int]) -> None:
    """Grant the requester and the visitors their object permissions; take them back from a
    visitor who was removed (unless they are also the requester)."""
    assign_perm("view_visit", visit.requested_by, visit)
    assign_perm("change_visit", visit.requested_by, visit)
    current = visit.visitor_ids
    for user in User.objects.filter(pk__in=current):
        assign_perm("view_visit", user, visit)
        assign_perm("conduct_visit", user, visit)
    for user in User.objects.filter(pk__in=previous_visitor_ids - current):
        remove_perm("conduct_visit", user, visit)
        if user.pk != visit.requested_by_id:
            remove_perm("view_visit", user, visit)


def create_request(
    actor: User,
    school: School,
    household: Household,
    fields: dict[str, Any],
    *,
    pupils: Iterable[Pupil],
    reasons: Iterable[str],
    submit: bool = False,
) -> Visit:
    """Create a visit request as a draft (and submit it to the leads if `submit`)."""
    if not who.may_request_at(actor, school.pk):
        raise NotPermitted("You may not request visits for this school.")
    with transaction.atomic():
        visit = Visit(school=school, household=household, requested_by=actor, status=Status.DRAFT, **fields)
        visit.full_clean(exclude=["pupils"])
        _validate_people(visit)
        pupils = _check_pupils(visit, pupils)
        reasons = _check_reasons(reasons)
        visit.save()
        visit.pupils.set(pupils)
        VisitReason.objects.bulk_create([VisitReason(visit=visit, reason=r) for r in reasons])
        _sync_permissions(visit, set())
        append_event(visit, actor, EventKind.CREATED, to_status=Status.DRAFT)
        audit.record(actor, AuditAction.CREATE, visit)
    who.forget_object_perms(actor)
    if submit:
        transition(visit, actor, Action.SUBMIT)
    return visit


def update_request(
    visit: Visit,
    actor: User,
    fields: dict[str, Any],
    *,
    pupils: Iterable[Pupil] | None = None,
    reasons: Iterable[str] | None = None,
) -> Visit:
    """Change a request's details. Changing what the lead saw on an authorised visit returns it
    to the queue with its authorisation cleared (hc01)."""
    with transaction.atomic():
        locked = lock(visit)
        if not who.may_edit_request(actor, locked):
            raise NotPermitted("You may not change this visit.")
        if locked.status not in Status.editable():
            raise TransitionNotAllowed(
                f"This visit can no longer be changed: it is {locked.get_status_display().lower()}."
            )
        previous_visitors = locked.visitor_ids
        changed = []
        for name, value in fields.items():
            field = locked._meta.get_field(name)
            if not field.editable or name in {"status", "school", "requested_by"}:
                raise ValueError(f"{name} is not an editable field")
            current = getattr(locked, field.attname)
            incoming = value.pk if field.is_relation and value is not None else value
            if current != incoming:
                setattr(locked, name, value)
                changed.append(name)
        locked.full_clean(exclude=["pupils"])
        _validate_people(locked)
        if pupils is not None:
            new_pupils = _check_pupils(locked, pupils)
            if {p.pk for p in new_pupils} != set(locked.pupils.values_list("pk", flat=True)):
                locked.pupils.set(new_pupils)
                changed.append("pupils")
        if reasons is not None:
            new_reasons = _check_reasons(reasons)
            if set(new_reasons) != set(locked.reasons.values_list("reason", flat=True)):
                locked.reasons.all().delete()
                VisitReason.objects.bulk_create([VisitReason(visit=locked, reason=r) for r in new_reasons])
                changed.append("reasons")
        if not changed:
            refresh_caller_copy(visit, locked)
            return locked
        material = sorted(set(changed) & (MATERIAL_FIELDS | {"pupils", "reasons"}))
        update_fields = [c for c in changed if c not in {"pupils", "reasons"}] + ["updated_at"]
        locked.save(update_fields=update_fields)
        _sync_permissions(locked, previous_visitors)
        who.forget_object_perms(actor)
        # Field names only: never values, so the code word cannot reach the timeline or audit.
        append_event(locked, actor, EventKind.EDITED, note="Changed: " + ", ".join(sorted(changed)))
        audit.record(actor, AuditAction.UPDATE, locked, detail="changed " + ", ".join(sorted(changed)))
        if locked.status == Status.AUTHORISED and material:
            _return_to_queue(locked, actor, "The authorisation no longer covers the visit: " + ", ".join(material))
    refresh_caller_copy(visit, locked)
    return locked


def _return_to_queue(locked: Visit, actor: User, note: str) -> None:
    """An authorised visit whose details the lead saw have changed goes back to the queue with its
    authorisation cleared (hc01). Runs inside the caller's transaction, on a locked row."""
    locked.status = Status.REQUESTED
    locked.authorised_at = None
    locked.authorised_by = None
    locked.lone_working_approved = False
    locked.high_risk_reason = ""
    locked.high_risk_controls = ""
    locked.requested_at = timezone.now()
    locked.save(
        update_fields=[
            "status",
            "authorised_at",
            "authorised_by",
            "lone_working_approved",
            "high_risk_reason",
            "high_risk_controls",
            "requested_at",
            "updated_at",
        ]
    )
    append_event(
        locked, actor, EventKind.RETURNED_TO_QUEUE, from_status=Status.AUTHORISED, to_status=Status.REQUESTED, note=note
    )
    audit.record(actor, AuditAction.TRANSITION, locked, detail=f"{Status.AUTHORISED} -> {Status.REQUESTED}")
    transaction.on_commit(lambda: notify.status_changed(locked.pk, "return_to_queue", actor.pk), robust=True)


def lock_for_change(visit: Visit) -> Visit:
    """The visit re-read under its row lock, for an app built on visits (safeguarding's risk
    review) that changes what an authorisation covers. Call inside `transaction.atomic()`, then
    `authorisation_changed` if the visit was authorised."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_for_change() must run inside transaction.atomic()")
    return lock(visit)


def authorisation_changed(locked: Visit, actor: User, what: str) -> bool:
    """Something the lead relied on changed (`what`, fixed words: never typed text): an authorised
    visit goes back to the queue (hc01). Returns whether it did."""
    if locked.status != Status.AUTHORISED:
        return False
    _return_to_queue(locked, actor, f"The authorisation no longer covers the visit: {what}")
    return True
