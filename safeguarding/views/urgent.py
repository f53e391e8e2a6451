"""The tablet's urgent controls (issue 5, hc17, hc15): "child alone / unsupervised" and "immediate
danger". Each control opens a confirmation page (GET, changes nothing) whose one big button POSTs
the raise; "immediate danger" then shows the "Call 999" page with the address to read out.

Who and when: `visits.access.may_raise_urgent_now` (the visitors on the visit, from authorisation
until it is over): others who see the visit get 403, everyone else 404. What changes:
`safeguarding.concerns.raise_concern`, which writes the concern, the timeline event and the audit
entry, and emails the leads (and, for immediate danger, the office) on commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from visits import access, lifecycle
from visits.exceptions import AlreadyDone, LifecycleError
from visits.models import Visit
from visits.views.outbox import for_outbox, repeat_answer

from .. import concerns as service
from ..models import ConcernKind


@dataclass(frozen=True)
class Urgent:
    kind: str
    title: str
    confirm: str
    # The fixed words of the concern; `{time}` is the time it was raised. Nothing typed (hc25).
    details: str
    told: str


URGENT: dict[str, Urgent] = {
    "child-alone": Urgent(
        kind=ConcernKind.CHILD_ALONE,
        title="Child alone or unsupervised",
        confirm="Tell the safeguarding leads now",
        details="A child was found alone or unsupervised at the visit's address at {time} (urgent button on the tablet).",
        told=(
            "The safeguarding leads have been told ({time}). Do not go in: a child alone must never let you in. "
            "Stay outside where it is safe and wait for a lead to call you. If the child is in danger, call 999."
        ),
    ),
    "danger": Urgent(
        kind=ConcernKind.IMMEDIATE_DANGER,
        title="Immediate danger",
        confirm="Alert the school and show the 999 page",
        details="Immediate danger reported from the visit at {time} (urgent button on the tablet): call 999 shown.",
        told="The office and the safeguarding leads have been alerted ({time}). Call 999 now.",
    ),
}


def _urgent_visit(request: HttpRequest, code: UUID, name: str, detail: str = "") -> tuple[Visit, Urgent]:
    if name not in URGENT:
        raise Http404
    # Seen but not theirs to raise now (the office, a lead, a visit not under way): 403.
    visit, _ = access.visit_for_user(request, code, need="raise_urgent", detail=detail or f"urgent: {name}")
    return visit, URGENT[name]


@require_GET
@login_required
def confirm(request: HttpRequest, code: UUID, name: str) -> HttpResponse:
    """The confirmation page of an urgent control: what happens, and one big button."""
    visit, urgent = _urgent_visit(request, code, name)
    return render(request, "safeguarding/urgent/confirm.html", {"visit": visit, "urgent": urgent, "name": name})


@require_POST
@login_required
@for_outbox
def raise_control(request: HttpRequest, code: UUID, name: str) -> HttpResponse:
    """Raise the control. From the tablet's outbox (issue 16), with its key and the time it was
    pressed: a repeat is answered as done and raises nothing; the concern says the pressed time."""
    if repeated := repeat_answer(request, code):
        return repeated
    visit, urgent = _urgent_visit(request, code, name)

    def press(at):
        details = urgent.details.format(time=timezone.localtime(at).strftime("%H:%M"))
        return (*service.raise_urgent(visit, request.user, urgent.kind, details), at)

    try:
        concern, new, at = lifecycle.taken_once(visit, request.user, name, lifecycle.sent_from(request.POST), press)
    except AlreadyDone:
        return redirect("visits:detail", code=visit.code)  # the same press, sent twice at once
    except LifecycleError as exc:
        messages.error(request, f"{exc} Phone the school office now.")
        return redirect("visits:detail", code=visit.code)
    told = urgent.told.format(time=timezone.localtime(at).strftime("%H:%M"))
    if not new:
        when = timezone.localtime(concern.raised_at).strftime("%H:%M")
        told = f"Already raised at {when} by {concern.raised_by}: the leads were told then. " + told
    messages.warning(request, told)
    if urgent.kind == ConcernKind.IMMEDIATE_DANGER:
        return redirect("safeguarding:urgent_999", code=visit.code)
    return redirect("visits:detail", code=visit.code)


@require_GET
@login_required
def call_999(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc17: "Call 999" with the address and postcode to read out, full screen."""
    visit, _ = _urgent_visit(request, code, "danger", detail="urgent: call 999 page")
    return render(request, "safeguarding/urgent/call_999.html", {"visit": visit})
