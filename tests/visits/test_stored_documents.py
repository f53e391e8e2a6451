"""Documents kept as they were (issue 17, part 3): `visits.stored_documents`."""

from __future__ import annotations

from tests.factories import Cast
from visits import stored_documents
from visits.enums import Status


def test_erase_empties_every_version_and_keeps_the_rows(cast: Cast):
    visit = cast.make_visit(Status.AUTHORISED)
    kept = stored_documents.keep(visit, "form", "Authorised", cast.lead)
    stored_documents.pdf_of(kept)
    assert stored_documents.erase(visit) == 1
    kept.refresh_from_db()
    assert (bytes(kept.content), kept.html, kept.images) == (b"", "", {})
    assert kept.erased_at is not None and kept.sha256 and kept.snapshot_sha256 and kept.made_by == cast.lead
    assert stored_documents.pdf_of(kept) == b""
    assert stored_documents.erase(visit) == 0
