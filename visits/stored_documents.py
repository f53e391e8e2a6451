"""Documents kept as they were (issue 17): the one module that decides when a visit's PDF is kept,
whether its content changed, and what a download serves.

How a document is kept, and what it costs:
- At the moment it becomes true (see `MOMENTS`), inside the transaction that made it true, the
  document's HTML is rendered from our template (milliseconds) with the images it draws (the
  parent's and the visitors' signatures). That snapshot IS the content, fixed as it was: its
  SHA-256 (`snapshot_sha256`, over the HTML and each image) is compared with the newest kept
  version of that kind, and a new version is added only when it differs. Nothing else is done in
  the request: WeasyPrint (0.2-0.6 s a document) is not run at a transition.
- The PDF is made from the stored snapshot once: at its first download (`pdf_of`), or before that
  by `manage.py make_documents` (run beside the alert runner). Its bytes and their SHA-256
  (`sha256`, `size`, `rendered_at`) are stored, and every download serves them from then on:
  never re-rendered, never made from today's data.

The moments (`MOMENTS`; connected in `visits.apps` to the lifecycle's signals `visit_moved`,
`step_logged`, `record_written`, `parent_signed` and `staff_signed`, all sent inside the
transaction that made the moment, on the locked visit):
- "Authorised": the Home Visit Form (school copy) and the risk assessment as reviewed for it
  (a new assessment version sends the visit back to the lead, so it is kept again at the next
  authorisation);
- "Set off": the copy for the home;
- "Parent signed" / "Parent did not sign" / "Staff member signed": the documents that print the
  signatures: the form, the copy for the home, the record once written;
- "Record written": the Record of Home Visit (a correction while under way makes a new version)
  and the copy for the home (it prints what was agreed with the family);
- "Completed", and after it "Back at school" / "Not returning to school": the Record and the form,
  which print when the visit really happened;
- the appointment letter is kept when it is printed (each download, a new version only when what
  it says changed: it is dated the day it is printed).
A kind is kept only once it exists for the visit (`visits.access.DOCUMENT_RULES` says when), and
a new version only when its snapshot's hash differs from the newest kept one. A download of a
kind with no kept version yet (a visit from before issue 17) keeps one then ("First downloaded").

The API for other apps (disclosure, retention, reports), all by visit:
- `versions(visit, kind=None)`: the kept versions, by kind then version (a QuerySet of
  `StoredDocument` with `made_by`: kind, version, occasion, made_at, made_by, filename,
  snapshot_sha256, sha256 and size once the PDF is made, erased_at once erased);
- `newest(visit, kind)`: the newest version of one kind, or None; `version_of(visit, code)`: one;
- `pdf_of(document)`: the PDF's bytes: stored ones, or made once from the snapshot and stored
  (0.2-0.6 s the first time), b"" once erased;
- `erase(visit) -> int`: empties every version's PDF, HTML, images and file name (it carries the
  pupils' initials) and stamps `erased_at`, keeping the rows (hashes, occasion, when, who), and
  returns how many it emptied. Under the caller's transaction; the caller writes the audit row.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from . import access, pdf
from .models import ParentSignature, StoredDocument, User, Visit

logger = logging.getLogger(__name__)

KINDS = tuple(pdf.DOCUMENTS)

# The moments a visit's documents become true: what each is called on the list of versions, and
# which documents it keeps (each only if it differs from its newest kept version, and only once
# it exists for the visit). Keyed by the lifecycle's action, or by the signal's name.
MOMENTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "authorise": ("Authorised", ("form", "risk_assessment")),
    # The risk assessment cannot change between authorisation and set off (a new review sends the
    # visit back to the lead), so set off keeps the copy for the home only.
    "start": ("Set off", ("home_copy",)),
    "parent_signed": ("Parent signed", ("home_copy", "form", "record")),
    "parent_did_not_sign": ("Parent did not sign", ("home_copy", "form", "record")),
    "staff_signed": ("Staff member signed", ("form", "home_copy", "record")),
    "record_written": ("Record written", ("record", "home_copy")),
    # The copy for the home prints no times and nothing completion adds: not kept again here.
    "complete": ("Completed", ("record", "form")),
    # The form and the record print when the visit really happened: after completion, the
    # visitors' return (or their call to say they are not coming back) is their last time.
    "back": ("Back at school", ("form", "record")),
    "not_returning": ("Not returning to school", ("form", "record")),
}
# Kept when printed (each download; a new version only when what it says changed): the letter,
# which is dated the day it is printed and has no moment of its own.
KEPT_WHEN_PRINTED = ("letter",)
PRINTED = "Printed"
# A download of a document that has no kept version (a visit from before issue 17) keeps one then.
FIRST_DOWNLOADED = "First downloaded"


def versions(visit: Visit, kind: str | None = None) -> QuerySet[StoredDocument]:
    """The kept versions of `visit`'s documents (of one `kind` if given), by kind then version,
    with who made each. The PDF bytes and snapshot are deferred: read them with `pdf_of`."""
    found = StoredDocument.objects.filter(visit=visit).select_related("made_by").defer("content", "html", "images")
    if kind is not None:
        found = found.filter(kind=kind)
    return found.order_by("kind", "version")


def version_of(visit: Visit, code) -> StoredDocument | None:
    """The kept version with this code, if it is one of `visit`'s."""
    return StoredDocument.objects.filter(visit=visit, code=code).select_related("made_by").first()


def newest(visit: Visit, kind: str) -> StoredDocument | None:
    return StoredDocument.objects.filter(visit=visit, kind=kind).order_by("-version").first()


def erase(visit: Visit) -> int:
    """Empty the content of every kept version of `visit`'s documents (the PDF's bytes, the HTML
    snapshot and its images, and the file name, which carries the pupils' initials) and stamp
    `erased_at`; the rows stay with their hashes, occasion, when and who, so the list of versions
    keeps its shape. Returns how many were emptied now (those erased before are left as they
    are). Runs in the caller's transaction if any."""
    return StoredDocument.objects.filter(visit=visit, erased_at__isnull=True).update(
        content=b"", html="", images={}, filename="", erased_at=timezone.now()
    )


# --- keeping --------------------------------------------------------------------------------------


def snapshot_hash(html: str, images: dict[str, tuple[bytes, str]]) -> str:
    """SHA-256 of what the PDF is made from: the HTML and each image (name, type and bytes)."""
    digest = hashlib.sha256(html.encode())
    for name in sorted(images):
        data, content_type = images[name]
        digest.update(f"\0{name}\0{content_type}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def newest_hashes(visit: Visit) -> dict[str, tuple[int, str]]:
    """{kind: (newest version, its snapshot's hash)} of `visit`'s kept documents, in one query."""
    found: dict[str, tuple[int, str]] = {}
    for kind, version, digest in StoredDocument.objects.filter(visit=visit).values_list(
        "kind", "version", "snapshot_sha256"
    ):
        if version > found.get(kind, (0, ""))[0]:
            found[kind] = (version, digest)
    return found


def keep(
    visit: Visit,
    kind: str,
    occasion: str,
    actor: User | None = None,
    *,
    last: dict[str, tuple[int, str]] | None = None,
) -> StoredDocument | None:
    """Keep document `kind` of `visit` as it is now, as a new version if its content differs
    from the newest kept one; returns the new version, or None when nothing changed. Cheap: the
    HTML only. The caller holds the visit's row lock (two keeps of one visit never race).
    `last`: `newest_hashes(visit)`, when the caller keeps several kinds at once."""
    rendered = pdf.render_html(kind, visit)
    digest = snapshot_hash(rendered.html, rendered.images)
    version, last_digest = (newest_hashes(visit) if last is None else last).get(kind, (0, ""))
    if last_digest == digest:
        return None
    return StoredDocument.objects.create(
        visit=visit,
        kind=kind,
        version=version + 1,
        html=rendered.html,
        images={
            name: [content_type, base64.b64encode(data).decode()]
            for name, (data, content_type) in rendered.images.items()
        },
        snapshot_sha256=digest,
        content=b"",
        sha256="",
        size=0,
        filename=rendered.filename,
        occasion=occasion,
        made_at=timezone.now(),
        made_by=actor if actor is not None and actor.is_authenticated else None,
    )


def keep_all(visit: Visit, kinds: Iterable[str], occasion: str, actor: User | None = None) -> list[StoredDocument]:
    kinds = list(kinds)
    last = newest_hashes(visit) if kinds else {}
    return [made for kind in kinds if (made := keep(visit, kind, occasion, actor, last=last)) is not None]


# What every document reads of a visit, fetched once for all the documents of a moment (measured:
# joining more, such as the visitors or the record, costs more than their own small queries).
FRESH_RELATED = ("school", "household")
FRESH_PREFETCH = ("pupils", "reasons")


def keep_moment(visit: Visit, moment: str, actor: User | None = None) -> list[StoredDocument]:
    """Keep the documents of `moment` (a key of MOMENTS) that exist for `visit` now. Read from a
    fresh copy of the row the caller holds locked, so no related row cached before is stale."""
    occasion, kinds = MOMENTS[moment]
    fresh = Visit.objects.select_related(*FRESH_RELATED).prefetch_related(*FRESH_PREFETCH).get(pk=visit.pk)
    wanted = [kind for kind in kinds if not access.document_unavailable(fresh, kind)]
    try:
        # A savepoint: a document that fails to render must never undo or refuse the step that
        # made it true (a visitor setting off, a parent signing). The step stands, the failure is
        # logged, and the document is kept at its first download instead ("First downloaded").
        with transaction.atomic():
            return keep_all(fresh, wanted, occasion, actor)
    except Exception:  # noqa: BLE001 - any failure of a render is the same answer: the step goes on
        logger.exception("visit %s: the documents of %r were not kept", visit.pk, moment)
        return []


def for_download(visit: Visit, kind: str, actor: User) -> StoredDocument:
    """The version a download of `kind` serves: the newest kept one. The letter is kept first as
    it prints now (a new version only if it changed); a document with no kept version yet (a
    visit from before issue 17) is kept now. The caller has checked that it exists for the visit."""
    found = newest(visit, kind)
    if found is None or kind in KEPT_WHEN_PRINTED:
        with transaction.atomic():
            locked = Visit.objects.select_for_update().get(pk=visit.pk)
            keep(locked, kind, PRINTED if kind in KEPT_WHEN_PRINTED else FIRST_DOWNLOADED, actor)
        found = newest(visit, kind)
    return found


# --- the lifecycle's signals (connected in visits.apps) ---------------------------------------------


def on_visit_moved(sender, visit: Visit, actor: User, action: str, **kwargs) -> None:
    if action in MOMENTS:
        keep_moment(visit, action, actor)


def on_step_logged(sender, visit: Visit, actor: User, step: str, **kwargs) -> None:
    if step in MOMENTS:
        keep_moment(visit, step, actor)


def on_record_written(sender, record, actor: User, **kwargs) -> None:
    keep_moment(record.visit, "record_written", actor)


def on_parent_signed(sender, visit: Visit, actor: User, **kwargs) -> None:
    image = ParentSignature.objects.filter(visit=visit).values_list("image", flat=True).first()
    signed = bool(image)
    keep_moment(visit, "parent_signed" if signed else "parent_did_not_sign", actor)


def on_staff_signed(sender, visit: Visit, actor: User, **kwargs) -> None:
    keep_moment(visit, "staff_signed", actor)


# --- the PDF ----------------------------------------------------------------------------------------


def _images(document: StoredDocument) -> dict[str, tuple[bytes, str]]:
    return {name: (base64.b64decode(data), content_type) for name, (content_type, data) in document.images.items()}


def pdf_of(document: StoredDocument) -> bytes:
    """The PDF of a kept version: its stored bytes, made once from its snapshot (and stored, with
    their SHA-256) when they are not yet. b"" once erased."""
    if document.erased_at is not None:
        return b""
    content = bytes(document.content or b"")
    if content:
        return content
    with transaction.atomic():
        locked = StoredDocument.objects.select_for_update().get(pk=document.pk)
        if not locked.content and locked.erased_at is None:
            _make(locked)
    document.refresh_from_db()
    return bytes(document.content or b"")


def _make(locked: StoredDocument) -> None:
    content = pdf.html_to_pdf(locked.html, images=_images(locked))
    locked.content = content
    locked.sha256 = hashlib.sha256(content).hexdigest()
    locked.size = len(content)
    locked.rendered_at = timezone.now()
    locked.save(update_fields=["content", "sha256", "size", "rendered_at"])


def make_waiting(limit: int | None = None) -> int:
    """Make the PDFs of kept versions that have none yet (oldest first, at most `limit`): what
    `manage.py make_documents` runs beside the alert runner. Returns how many it made."""
    waiting = StoredDocument.objects.filter(size=0, erased_at__isnull=True).order_by("made_at", "pk")
    made = 0
    for pk in waiting.values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            locked = StoredDocument.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if locked is not None and not locked.content and locked.erased_at is None:
                _make(locked)
                made += 1
    return made
