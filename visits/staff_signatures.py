"""The visitor's own signature on the Home Visit Form and the Record of Home Visit (hc23).

The pad and the checks are the parent's (`static/js/signature.js`, `visits.signature`); what is kept
is one re-encoded PNG per visitor per visit, which the PDFs print on the staff member's line. A
visitor signs for themselves only (the person signed in), once they have set off; signing again
replaces their signature. The image never reaches the timeline or the audit trail.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from . import access, audit, signals, who
from .enums import AuditAction
from .exceptions import NotPermitted, TransitionNotAllowed
from .lifecycle.core import lock
from .models import StaffSignature, User, Visit
from .signature import CleanSignature

AUDIT_DETAIL = "staff member signed the form"


def refusal(user: User, visit: Visit) -> str:
    """Why `user` may not sign `visit`'s form now, in words for them ("" when they may)."""
    if access.may_staff_sign_now(user, visit):
        return ""
    if not who.may_conduct(user, visit):
        return "Only the visitors on this visit sign the form as the staff member, each for themselves."
    return "The staff member signs once the visit is under way: set off first."


def record_staff_signature(visit: Visit, actor: User, image: CleanSignature) -> StaffSignature:
    """Keep `actor`'s own signature for `visit` (replacing an earlier one), under the visit's row lock,
    with one audit row. Refused (nothing kept) for anyone not on the visit, or before they set off."""
    with transaction.atomic():
        locked = lock(visit)
        problem = refusal(actor, locked)
        if problem:
            raise NotPermitted(problem) if not who.may_conduct(actor, locked) else TransitionNotAllowed(problem)
        signature, _ = StaffSignature.objects.update_or_create(
            visit=locked,
            signer=actor,
            defaults={
                "image": image.png,
                "width": image.width,
                "height": image.height,
                "captured_at": timezone.now(),
            },
        )
        audit.record(actor, AuditAction.UPDATE, locked, detail=AUDIT_DETAIL)
        signals.staff_signed.send(sender=StaffSignature, visit=locked, actor=actor)
    return signature


def signed_by(visit: Visit, user: User) -> StaffSignature | None:
    return StaffSignature.objects.filter(visit=visit, signer=user).first()
