"""Downloads of a visit's PDFs (hc08, hc09, hc23, hc24). Thin: `visits.access` says who may have
which document and whether it exists yet, `visits.stored_documents` says which kept version is
served (its stored bytes, never re-rendered from today's data), the audit trail records it."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from visits import access, stored_documents
from visits.enums import AuditAction
from visits.models import StoredDocument, Visit

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
    """The newest kept version of one PDF of the visit: 404 to anyone who may not see the visit,
    403 to those who see it but may not have this document, and back to the visit with a message
    when it does not exist yet."""
    # Audited as the download (below): a document not written yet sends them back to the visit.
    visit, _ = access.visit_for_user(request, code, need=f"download_{kind}", read=False)
    refusal = access.document_unavailable(visit, kind)
    if refusal:
        messages.error(request, f"No PDF yet: {refusal}.")
        return redirect("visits:detail", code=visit.code)
    return _serve(request, visit, stored_documents.for_download(visit, kind, request.user), newest=True)


@login_required
@require_GET
def version(request: HttpRequest, code: UUID, document: UUID) -> HttpResponse:
    """One kept version of one PDF of the visit, as it was made: the same rules as its kind (404
    to anyone who may not see the visit, 403 to those who may not have that document)."""
    visit, _ = access.visit_for_user(request, code, read=False)
    kept = stored_documents.version_of(visit, document)
    if kept is None:
        raise Http404("No such document")
    if not access.may_download(request.user, visit, kept.kind):
        raise PermissionDenied
    return _serve(request, visit, kept, newest=False)


def _serve(request: HttpRequest, visit: Visit, kept: StoredDocument, *, newest: bool) -> HttpResponse:
    """The kept version's stored bytes (made once from its snapshot), audited as a download."""
    if kept.erased_at is not None:
        erased = timezone.localtime(kept.erased_at)
        messages.error(request, f"This document was erased on {erased:%d/%m/%Y} under the school's retention rules.")
        return redirect("visits:detail", code=visit.code)
    content = stored_documents.pdf_of(kept)
    detail = AUDIT_DETAIL[kept.kind] + ("" if newest else f", version {kept.version}")
    access.record_read(request, visit, detail=detail, action=AuditAction.DOWNLOAD)
    response = HttpResponse(content, content_type="application/pdf")
    # Inline, so that a tablet opens it ready to print on the spot; the name is used when saved.
    filename = kept.filename if newest else kept.filename.replace(".pdf", f"-v{kept.version}.pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
