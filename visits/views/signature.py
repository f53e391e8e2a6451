"""The parent's signature on the tablet (hc23). Thin: `visits.access` says who may take or see it,
`visits.signature` checks and re-encodes what the pad sent, `visits.lifecycle` keeps it."""

from __future__ import annotations

from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from homevisits.validators import PlainTextForm
from visits import access, lifecycle, signature, who
from visits.enums import Status
from visits.exceptions import AlreadyDone, LifecycleError, PreconditionFailed
from visits.models import ParentSignature, Visit

from .outbox import for_outbox, repeat_answer

# Fixed words for the audit trail: never the image, never the name typed on the tablet.
AUDIT_DETAIL_IMAGE = "Image: parent's signature"
BOTH_GIVEN = "Either the parent signs, or say why they did not: not both. Ask the parent which, and try again."
NO_REASON = "Write why the parent does not want to sign."
NEITHER_GIVEN = "Ask the parent to sign in the box, or record why they did not want to sign."


class SignatureForm(PlainTextForm, forms.Form):
    """What the signature page posts: the signer's name, and either the drawn image (a PNG data
    URL, put in the hidden field only when the parent confirmed it) or the reason they did not sign."""

    signer_name = forms.CharField(
        label="Name of the parent or guardian",
        max_length=150,
        error_messages={"required": "Enter the name of the parent or guardian."},
    )
    signature = forms.CharField(required=False, strip=True, widget=forms.HiddenInput)
    declined_reason = forms.CharField(
        label="Why the parent does not want to sign",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_signature(self) -> signature.CleanSignature | None:
        sent = self.cleaned_data["signature"]
        if not sent:
            return None
        return signature.clean_data_url(sent)  # a ValidationError here is the field's message

    def clean(self) -> dict:
        cleaned = super().clean()
        if "signature" in self.errors or "declined_reason" in self.errors:
            return cleaned
        image, reason = cleaned.get("signature"), cleaned.get("declined_reason", "")
        if image is not None and reason:
            raise ValidationError(BOTH_GIVEN)
        if image is None and not reason:
            if self.data.get("action") == "decline":
                self.add_error("declined_reason", NO_REASON)
            else:
                raise ValidationError(NEITHER_GIVEN)
        return cleaned


def _why_not(visit: Visit, can: access.VisitAccess) -> str:
    """Why this person may not take the signature now, in words for them."""
    if not can.is_visitor:
        return "Only the visitors on this visit take the parent's signature, on their tablet."
    if visit.status == Status.COMPLETED:
        return "The visit is complete: the parent's signature can no longer be changed."
    if visit.status == Status.AUTHORISED:
        return "The parent signs during the visit: set off first."
    return f"The parent signs during the visit: this one is {visit.get_status_display().lower()}."


def _existing(visit: Visit) -> ParentSignature | None:
    return ParentSignature.objects.filter(visit=visit).first()


def _page(request: HttpRequest, visit: Visit, can, form: SignatureForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "visits/tablet/signature.html",
        {"visit": visit, "can": can, "form": form, "existing": _existing(visit), "limits": signature},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@for_outbox
def sign(request: HttpRequest, code: UUID) -> HttpResponse:
    """The signature page (hc23): the parent signs on the pad, sees it back and confirms; or the
    visitor records why they did not sign. Only the visitors, only while the visit is under way.
    From the tablet's outbox (issue 16) with its key and time: a repeat is answered as done."""
    if request.method == "POST" and (repeated := repeat_answer(request, code)):
        return repeated
    # Audited below, once the page is shown: others who see the visit are sent back to it.
    visit, can = access.visit_for_user(request, code, read=False)
    if request.method == "POST" and not can.is_visitor:
        raise PermissionDenied
    if not can.can_sign:
        messages.error(request, _why_not(visit, can))
        return redirect("visits:detail", code=visit.code)
    if request.method == "GET":
        access.record_read(request, visit, detail="signature page")
        existing = _existing(visit)
        initial = {"signer_name": existing.signer_name if existing else visit.person_visited}
        return _page(request, visit, can, SignatureForm(initial=initial))

    form = SignatureForm(request.POST)
    if not form.is_valid():
        return _page(request, visit, can, form)
    return _keep(request, visit, can, form)


def _keep(request: HttpRequest, visit: Visit, can, form: SignatureForm) -> HttpResponse:
    """Keep the signature (or the reason) the valid form holds, and say so."""
    try:
        lifecycle.record_signature(
            visit,
            request.user,
            signer_name=form.cleaned_data["signer_name"],
            image=form.cleaned_data["signature"],
            declined_reason=form.cleaned_data["declined_reason"],
            sent=lifecycle.sent_from(request.POST),
        )
    except AlreadyDone as exc:  # the same signature, sent twice at once: saved by the first
        messages.success(request, str(exc))
        return redirect("visits:detail", code=visit.code)
    except PreconditionFailed as exc:
        for problem in exc.problems:
            form.add_error(None, problem)
        return _page(request, visit, can, form)
    except LifecycleError as exc:  # someone else finished the visit meanwhile: nothing was saved
        messages.error(request, str(exc))
        return redirect("visits:detail", code=visit.code)
    if form.cleaned_data["signature"] is not None:
        messages.success(request, "The parent's signature is saved.")
    else:
        messages.success(request, "Saved: the parent did not sign, and why.")
    return redirect("visits:detail", code=visit.code)


@login_required
@require_GET
def image(request: HttpRequest, code: UUID) -> HttpResponse:
    """The stored signature as a PNG (hc23), for whoever may see the form it is printed on; 404
    for everyone else and when there is no image (not signed, or declined)."""
    visit, _ = access.visit_for_user(request, code, read=False)  # audited below, once there is an image
    if not who.may_see_signature(request.user, visit):
        raise Http404("No such signature")
    stored = ParentSignature.objects.filter(visit=visit, image__isnull=False).values_list("image", flat=True).first()
    if stored is None:
        raise Http404("No such signature")
    access.record_read(request, visit, detail=AUDIT_DETAIL_IMAGE)
    response = HttpResponse(bytes(stored), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    # A name made of the visit's code only: nothing typed by anyone reaches a header.
    response["Content-Disposition"] = f'inline; filename="signature-{visit.code.hex[:12]}.png"'
    return response
