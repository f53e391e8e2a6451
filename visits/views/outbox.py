"""What the tablet's outbox (static/js/outbox.js) is told about a step it sends (issue 16).

The step views answer a browser as always (a redirect with a message). The outbox sends the same
forms with `fetch` and the header `X-Outbox: 1`; it must know whether the school has the step,
so `for_outbox` turns the view's answer into JSON for it:

- {"ok": true, "redirect": ...}: saved (or saved before: a repeat is a success, never an error);
- {"ok": false, "error": ...} with 409: refused by the school (the visit moved on): never saved;
- {"ok": false, "invalid": true} with 400: the form came back to be corrected.

Anything else (a sign-in page, a 5xx, no answer) the outbox keeps and sends again.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from visits import lifecycle


def from_outbox(request: HttpRequest) -> bool:
    return request.headers.get("X-Outbox") == "1"


def _said(request: HttpRequest) -> tuple[str, bool]:
    """The messages the view queued (kept for the next page), and whether one is an error."""
    storage = messages.get_messages(request)
    queued = list(storage)
    storage.used = False  # read, not consumed: the next page still shows them
    return " ".join(str(m) for m in queued), any(m.level >= messages.ERROR for m in queued)


def for_outbox(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer the outbox in JSON (see the module); a browser's request is answered as the view does.
    Goes under `login_required`, so a signed-out tablet gets the sign-in page, which the outbox
    reads as "not sent yet"."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if not from_outbox(request) or isinstance(response, JsonResponse):
            return response
        text, refused = _said(request)
        target = response.get("Location", "")
        if response.status_code in (301, 302, 303) and not refused:
            return JsonResponse({"ok": True, "redirect": target, "message": text})
        if response.status_code == 200:
            return JsonResponse({"ok": False, "invalid": True}, status=400)
        return JsonResponse({"ok": False, "error": text or "Not saved.", "redirect": target}, status=409)

    return wrapped


def repeat_answer(request: HttpRequest, code) -> HttpResponse | None:
    """A step this person sent before under the same key: answered as done, whatever the visit's
    state now, before any other check (`lifecycle.kept_for`); None for a step not seen before."""
    kept = lifecycle.kept_for(request.user, code, lifecycle.sent_from(request.POST))
    if kept is None:
        return None
    text = f"Already saved at {timezone.localtime(kept.happened_at):%H:%M}."
    messages.success(request, text)
    if request.headers.get("Accept", "").startswith("application/json"):  # record.js's own sending
        return JsonResponse({"ok": True, "redirect": reverse("visits:detail", args=[code]), "message": text})
    return redirect("visits:detail", code=code)
