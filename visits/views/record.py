"""The Record of Home Visit on the tablet (issue 5: hc15, hc20-hc22): who is present, the record
form, and its server draft. Thin views: access decides who, `visits.lifecycle` writes.

Only the visitors on a visit under way use these pages (others who see the visit get 403, everyone
else 404). A visit that is not under way sends the visitor back to its page with the reason.
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from homevisits.validators import MESSAGE as CONTROL_MESSAGE
from homevisits.validators import has_control_characters
from visits import access, lifecycle
from visits.enums import Status
from visits.exceptions import AlreadyDone, LifecycleError, PreconditionFailed
from visits.models import ParentSignature, Visit, VisitRecord
from visits.record_forms import NotConductedForm, PresenceForm, RecordForm, as_form_value

from .outbox import for_outbox, repeat_answer

PRESENCE_FIELDS = ("adult_spoken_to", "adult_relationship", "adult_authority")
# The largest draft request body read at all: the draft's own bound plus room for JSON quoting.
DRAFT_BODY_MAX = lifecycle.DRAFT_MAX_BYTES + 4096


def _visitor_visit(request: HttpRequest, code: UUID) -> tuple[Visit, access.VisitAccess]:
    """The visit, for one of its visitors: 404 for those who may not see it, 403 for the others.
    Audited by the page once shown (`record_read`): a visit not under way sends them back to it."""
    return access.visit_for_user(request, code, need="conduct", read=False)


def _not_under_way(request: HttpRequest, visit: Visit) -> HttpResponse:
    if visit.status == Status.COMPLETED:
        messages.info(request, "This visit is complete: its record can no longer be changed.")
    else:
        messages.error(
            request,
            f"The record is written during the visit: this one is {visit.get_status_display().lower()}.",
        )
    return redirect("visits:detail", code=visit.code)


def _existing_record(visit: Visit) -> VisitRecord | None:
    return VisitRecord.objects.filter(visit=visit).first()


@require_http_methods(["GET", "POST"])
@login_required
@for_outbox
def present(request: HttpRequest, code: UUID) -> HttpResponse:
    """hc15: who is present. A responsible adult goes into the draft and on to the record form; no
    responsible adult shows the warning, and its confirmation ends the visit as not conducted.
    From the tablet's outbox (issue 16) with its key and time: a repeat is answered as done."""
    if request.method == "POST" and (repeated := repeat_answer(request, code)):
        return repeated
    visit, can = _visitor_visit(request, code)
    if not can.can_write_record:
        return _not_under_way(request, visit)
    draft = lifecycle.draft_of(visit, request.user)
    if request.method == "GET":
        access.record_read(request, visit, detail="who is present")
        # The adult as the record has them (when rewriting), then as the visitor's draft has them.
        record = _existing_record(visit)
        initial = {k: getattr(record, k) for k in PRESENCE_FIELDS} if record else {}
        initial |= {k: v for k, v in (draft.data if draft else {}).items() if k in PRESENCE_FIELDS}
        return render(
            request, "visits/tablet/present.html", {"visit": visit, "can": can, "form": PresenceForm(initial=initial)}
        )

    form = PresenceForm(request.POST)
    if not form.is_valid():
        return render(request, "visits/tablet/present.html", {"visit": visit, "can": can, "form": form})
    if not form.no_responsible_adult:
        data = {**(draft.data if draft else {}), **{k: form.cleaned_data[k].strip() for k in PRESENCE_FIELDS}}
        try:
            lifecycle.save_draft(visit, request.user, data, sent=lifecycle.sent_from(request.POST))
        except AlreadyDone:
            pass  # the same step, sent twice at once: saved by the first
        except LifecycleError as exc:
            messages.error(request, str(exc))
            return redirect("visits:detail", code=visit.code)
        return redirect("visits:record", code=visit.code)

    return _no_responsible_adult(request, visit, can)


def _no_responsible_adult(request: HttpRequest, visit: Visit, can) -> HttpResponse:
    """hc15, no responsible adult: the warning first; only its confirmation ends the visit."""
    confirm = NotConductedForm(request.POST if "confirm_not_conducted" in request.POST else None)
    if "confirm_not_conducted" in request.POST and confirm.is_valid():
        try:
            lifecycle.end_not_conducted(
                visit,
                request.user,
                child_seen=confirm.cleaned_data["child_seen"],
                note=confirm.cleaned_data["note"],
                sent=lifecycle.sent_from(request.POST),
            )
        except AlreadyDone as exc:
            messages.success(request, str(exc))
        except LifecycleError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Visit ended as not conducted: no responsible adult was present. Recorded.")
        return redirect("visits:detail", code=visit.code)
    return render(request, "visits/tablet/present_none.html", {"visit": visit, "can": can, "form": confirm})


def _record_initial(visit: Visit, user, record: VisitRecord | None) -> tuple[dict[str, Any], Any]:
    """What the form starts with: the record as written (when rewriting), then the user's server
    draft over it (if newer). Returns the values and the time the newest of them was saved."""
    initial: dict[str, Any] = {}
    saved_at = None
    if record is not None:
        initial = {name: as_form_value(getattr(record, name)) for name in lifecycle.RECORD_FIELDS}
        saved_at = record.written_at
    draft = lifecycle.draft_of(visit, user)
    if draft is not None and (record is None or draft.saved_at >= record.written_at):
        initial |= {k: as_form_value(v) for k, v in draft.data.items() if v is not None}
        saved_at = max(saved_at, draft.saved_at) if saved_at else draft.saved_at
    return initial, saved_at


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


@require_http_methods(["GET", "POST"])
@login_required
@for_outbox
def record(request: HttpRequest, code: UUID) -> HttpResponse:
    """The Record of Home Visit (hc20). Sending it writes the record and, once "left the property"
    is logged, completes the visit (lifecycle.submit_record). record.js sends it with
    `Accept: application/json` so it knows the school has it before it clears the tablet's copy,
    with its key and time (issue 16): a repeat is answered as done."""
    if request.method == "POST" and (repeated := repeat_answer(request, code)):
        return repeated
    visit, can = _visitor_visit(request, code)
    if not can.can_write_record:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": _refusal_text(visit)}, status=409)
        return _not_under_way(request, visit)
    existing = _existing_record(visit)
    initial, saved_at = _record_initial(visit, request.user, existing)
    form = RecordForm(request.POST if request.method == "POST" else None, initial=initial, visit=visit)
    if request.method == "POST" and form.is_valid() and (sent := _send_record(request, visit, form)):
        return sent
    if request.method == "POST" and _wants_json(request):
        # record.js then sends the form the ordinary way, so the page shows each error by its field.
        return JsonResponse({"ok": False, "invalid": True}, status=400)
    if request.method == "GET":
        access.record_read(request, visit, detail="record form")
    context = {"visit": visit, "can": can, "form": form, "server_saved_at": saved_at}
    context |= {
        "rewriting": existing is not None,
        "record_version": lifecycle.record_version(existing),
        "storage_key": f"hv-record:{visit.code}:{request.user.pk}",
    }
    return render(request, "visits/tablet/record.html", context)


def _send_record(request: HttpRequest, visit: Visit, form: RecordForm) -> HttpResponse | None:
    """Write the record the form holds; None when the form is to be shown again with its errors."""
    try:
        result = lifecycle.submit_record(
            visit, request.user, form.record_fields(), sent=lifecycle.sent_from(request.POST)
        )
    except AlreadyDone:  # the same record, sent twice at once: saved by the first
        return _record_saved(request, visit, completed=visit.status == Status.COMPLETED)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    except PreconditionFailed as exc:
        # A receiver's refusal (the incident's time, say): nothing was saved.
        form.add_error(None, exc.problems)
    except LifecycleError as exc:
        if _wants_json(request):
            return JsonResponse({"ok": False, "error": str(exc)}, status=409)
        messages.error(request, str(exc))
        return redirect("visits:detail", code=visit.code)
    else:
        return _record_saved(request, visit, completed=result.completed)
    return None


def _record_saved(request: HttpRequest, visit: Visit, *, completed: bool) -> HttpResponse:
    """What the visitor is told once the record is in, and where they go: the next step at the door."""
    if completed:
        text = "Record saved. The visit is complete."
    elif not ParentSignature.objects.filter(visit=visit).exists():
        text = "Record saved. Next: the parent's signature, then Left the property."
    else:
        text = "Record saved. Tap Left the property when you leave: the visit then completes."
    messages.success(request, text)
    target = reverse("visits:detail", args=[visit.code])
    if _wants_json(request):
        return JsonResponse({"ok": True, "redirect": target, "message": text})
    return redirect(target)


def _refusal_text(visit: Visit) -> str:
    return f"The record can no longer be sent: the visit is {visit.get_status_display().lower()}."


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"ok": False, "error": message}, status=status)


@require_POST
@login_required
def record_draft(request: HttpRequest, code: UUID) -> HttpResponse:
    """Keep what the visitor has typed on the server (issue 5: a dropped connection loses
    nothing). A JSON object of record fields, as text; answers {saved_at}."""
    visit, _ = _visitor_visit(request, code)
    if not request.content_type == "application/json":
        return _json_error("The draft must be sent as JSON.", 400)
    if len(request.body) > DRAFT_BODY_MAX:
        return _json_error("The draft is too long to keep.", 413)
    try:
        data = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return _json_error("The draft was not readable.", 400)
    if not isinstance(data, dict):
        return _json_error("The draft was not readable.", 400)
    unknown = set(data) - lifecycle.RECORD_FIELDS
    if unknown:
        return _json_error("The draft holds fields the record does not have.", 400)
    if any(not isinstance(v, str | bool | None) for v in data.values()):
        return _json_error("The draft's answers must be text.", 400)
    if any(isinstance(v, str) and has_control_characters(v) for v in data.values()):
        return _json_error(CONTROL_MESSAGE, 400)
    try:
        based_on = request.headers.get("X-Record-Version")
        draft = lifecycle.save_draft(visit, request.user, data, based_on=based_on)
    except PreconditionFailed as exc:
        status = 413 if "too long" in str(exc) else 400
        return _json_error(str(exc), status)
    except LifecycleError as exc:
        return _json_error(str(exc), 409)
    local = timezone.localtime(draft.saved_at)
    return JsonResponse({"saved_at": draft.saved_at.isoformat(), "saved_at_display": local.strftime("%H:%M")})
