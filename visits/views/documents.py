"""Downloads of a visit's PDFs (hc08, hc09, hc23, hc24). Thin: `visits.access` says who may have
which document and whether it exists yet, `visits.pdf` renders it, the audit trail records it."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from visits import access, pdf
from visits.enums import AuditAction

# Fixed words for the audit trail: never anything typed by a user, never the code word.
AUDIT_DETAIL = {
    "form": "PDF: Home Visit Form (school copy)",
    "home_copy": "PDF: Home Visit Form (copy for the home)",
    "record": "PDF: Record of Home Visit",
    "risk_assessment": "PDF: Lone Working Risk Assessment",
    "letter": "PDF: appointment letter",
}


@login_required
@require_GET
def document(request: HttpRequest, code: UUID, kind: str) -> HttpResponse:
    """One PDF of the visit: 404 to anyone who may not see the visit, 403 to those who see it but
    may not have this document, and back to the visit with a message when it does not exist yet."""
    # Audited as the download (below): a document not written yet sends them back to the visit.
    visit, _ = access.visit_for_user(request, code, need=f"download_{kind}", read=False)
    refusal = access.document_unavailable(visit, kind)
    if refusal:
        messages.error(request, f"No PDF yet: {refusal}.")
        return redirect("visits:detail", code=visit.code)
    content, filename = pdf.render_document(kind, visit)
    access.record_read(request, visit, detail=AUDIT_DETAIL[kind], action=AuditAction.DOWNLOAD)
    response = HttpResponse(content, content_type="application/pdf")
    # Inline, so that a tablet opens it ready to print on the spot; the name is used when saved.
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
