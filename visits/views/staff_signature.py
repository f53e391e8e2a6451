"""The visitor's own signature on the Home Visit Form and the Record (hc23). Thin: `visits.access`
says who may sign and when, `visits.signature` checks and re-encodes what the pad sent (the
parent's checks), `visits.staff_signatures` keeps it."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from homevisits.validators import PlainTextForm
from visits import access, signature, staff_signatures
from visits.exceptions import LifecycleError
from visits.models import Visit

# The parent's checks speak to the visitor about the parent; here the visitor signs.
STAFF_WORDS = {
    "Ask the parent to sign again.": "Please sign again.",
    "Ask the parent to sign, or record why they did not.": "Please sign in the box.",
}
NOT_SIGNED = "Please sign in the box, press \u201cCheck the signature\u201d, then confirm it."


def _for_staff(message: str) -> str:
    for parent, staff in STAFF_WORDS.items():
        message = message.replace(parent, staff)
    return message


class StaffSignatureForm(PlainTextForm, forms.Form):
    """The drawn signature (a PNG data URL, put in the hidden field only once the visitor confirmed
    it). The signer is the person signed in: nothing typed names them."""

    signature = forms.CharField(widget=forms.HiddenInput, error_messages={"required": NOT_SIGNED})

    def clean_signature(self) -> signature.CleanSignature:
        try:
            return signature.clean_data_url(self.cleaned_data["signature"])
        except ValidationError as exc:
            raise ValidationError([_for_staff(m) for m in exc.messages]) from None


def _page(request: HttpRequest, visit: Visit, can, form: StaffSignatureForm) -> HttpResponse:
    context = {
        "visit": visit,
        "can": can,
        "form": form,
        "existing": staff_signatures.signed_by(visit, request.user),
        "limits": signature,
    }
    return render(request, "visits/tablet/staff_signature.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, code: UUID) -> HttpResponse:
    """The visitor signs the form as the staff member, on the tablet's pad (hc23): only the
    visitors on the visit (403 for others who see it), each for themselves, once set off."""
    visit, can = access.visit_for_user(request, code, need="conduct", read=False)  # audited below
    if not can.can_staff_sign:
        messages.error(request, staff_signatures.refusal(request.user, visit))
        return redirect("visits:detail", code=visit.code)
    if request.method == "GET":
        access.record_read(request, visit, detail="staff signature page")
        return _page(request, visit, can, StaffSignatureForm())
    form = StaffSignatureForm(request.POST)
    if not form.is_valid():
        return _page(request, visit, can, form)
    try:
        staff_signatures.record_staff_signature(visit, request.user, form.cleaned_data["signature"])
    except LifecycleError as exc:  # the visit moved on meanwhile: nothing was saved
        messages.error(request, str(exc))
        return redirect("visits:detail", code=visit.code)
    messages.success(request, "Your signature is saved: it is printed on the Home Visit Form and the Record.")
    return redirect("visits:detail", code=visit.code)
