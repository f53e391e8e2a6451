"""The versions of a visit's documents kept as they were (issue 17), for the visit page's
Documents card: only those of the documents this person may download (`visits.access`)."""

from __future__ import annotations

from django import template

from visits import access, pdf, stored_documents
from visits.models import User, Visit

register = template.Library()


@register.simple_tag
def kept_versions(visit: Visit, user: User) -> list[dict]:
    """The kept versions `user` may download, document by document, newest first: title,
    version, what made it, when, by whom, and its code (for `visits:pdf_version`)."""
    order = {kind: n for n, kind in enumerate(access.DOCUMENT_RULES)}
    allowed = {kind for kind in access.DOCUMENT_RULES if access.may_download(user, visit, kind)}
    rows = [kept for kept in stored_documents.versions(visit) if kept.kind in allowed]
    rows.sort(key=lambda kept: (order.get(kept.kind, len(order)), -kept.version))
    return [
        {
            "title": pdf.DOCUMENTS[kept.kind].name,
            "version": kept.version,
            "occasion": kept.occasion,
            "made_at": kept.made_at,
            "made_by": str(kept.made_by) if kept.made_by else "",
            "erased": kept.erased_at is not None,
            "code": kept.code,
        }
        for kept in rows
    ]
