"""Routes of the documents kept as they were (issue 17): one kept version of a visit's PDF.

A kept version answers as its kind does (`visits.access.DOCUMENT_RULES`): the matrix asks for a
version of the Record of Home Visit (hc24: the visitors, the leads and the head; not the office,
403), and everyone who may not see the visit gets 404 (hc25). The other kinds' versions are
tested in tests/visits/test_stored_documents.py."""

from __future__ import annotations

from tests.factories import Cast
from tests.matrix import Route, visit_view
from visits.enums import Status
from visits.models import StoredDocument


def _newest_record_version(cast: Cast) -> dict[str, str]:
    """The Record's first kept version on the newest visit of the school (the route's visit,
    built before the URL)."""
    kept = StoredDocument.objects.filter(visit__school=cast.school, kind="record", version=1).latest("pk")
    return {"document": str(kept.code)}


ROUTES: dict[str, Route] = {
    "visits:pdf_version": Route(
        "GET",
        visit_view("lead", "deputy", "visitor", "second", "head"),
        visit=Status.COMPLETED,
        url_kwargs=_newest_record_version,
    ),
}
