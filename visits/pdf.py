"""The PDFs of a visit (hc08, hc09, hc23, hc24): the one module that imports WeasyPrint.

Five documents, each one of our templates under `templates/pdf/` with one print stylesheet
(`templates/pdf/print.css`): the Home Visit Form (school copy), the copy left at the home, the
Record of Home Visit, the Lone Working Risk Assessment as reviewed for the visit, and the
appointment letter. Who may download which, and from which step of the visit each exists, is
decided in `visits.access` (the documents block); this module only renders.

What goes into a PDF is decided here and in the templates, never by the user's text:
- every value reaches the HTML through Django's autoescaping, so typed text is text, never markup;
- WeasyPrint fetches through `OwnFilesFetcher`, which serves our own static files (`hv-static:`)
  and the images this render was handed (`hv-image:`, such as a parent's captured signature), and
  refuses everything else: no `file://`, no `http(s)://`, no `data:`, no redirects. The document
  has no base URL, so a relative URL resolves to nothing;
- no attachments are added, and a `<link rel=attachment>` could only be fetched by that fetcher.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.core.exceptions import ObjectDoesNotExist, SuspiciousFileOperation
from django.template.loader import get_template, render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from . import family_words
from .models import StaffSignature, Visit

STATIC_SCHEME = "hv-static"
IMAGE_SCHEME = "hv-image"
# What a template may take from our static files: stylesheets and pictures, nothing that runs.
STATIC_TYPES = {".css": "text/css", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


class RefusedURL(ValueError):
    """A URL the PDF may not load. WeasyPrint logs it and leaves the resource out."""


class OwnFilesFetcher(URLFetcher):
    """WeasyPrint's fetcher for our PDFs: our static files and this render's images, nothing else.

    `requested` lists every URL WeasyPrint asked for and `refused` those it did not get, so a test
    can prove that nothing a user typed was ever fetched.
    """

    def __init__(self, images: dict[str, tuple[bytes, str]] | None = None) -> None:
        super().__init__(allowed_protocols=(STATIC_SCHEME, IMAGE_SCHEME), allow_redirects=False)
        self.images = dict(images or {})
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None) -> URLFetcherResponse:
        self.requested.append(url)
        scheme, _, name = url.partition(":")
        if scheme == IMAGE_SCHEME and name in self.images:
            data, content_type = self.images[name]
            return URLFetcherResponse(url, data, {"Content-Type": content_type})
        if scheme == STATIC_SCHEME:
            path = static_file(name)
            if path is not None:
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": STATIC_TYPES[path.suffix.lower()]})
        self.refused.append(url)
        # The URL may hold whatever a user typed: it goes no further than this short message.
        raise RefusedURL(f"not one of our files: {url[:60]!r}")


def static_file(name: str) -> Path | None:
    """The static file `name` (as `{% static %}` takes it) if it is one we serve, else None."""
    if not name or name.startswith(("/", "\\")) or "\\" in name or ".." in name.split("/") or "?" in name:
        return None
    if Path(name).suffix.lower() not in STATIC_TYPES:
        return None
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    return Path(found) if isinstance(found, str) else None


@cache
def _fonts() -> FontConfiguration:
    """One font configuration per process: WeasyPrint builds one per render otherwise (fontconfig,
    tens of milliseconds each). Safe to share: our stylesheet declares no @font-face to add."""
    return FontConfiguration()


@cache
def _stylesheet() -> CSS:
    """The print stylesheet, parsed once per process (it holds no user text)."""
    return CSS(string=get_template("pdf/print.css").render(), url_fetcher=OwnFilesFetcher(), font_config=_fonts())


def html_to_pdf(html: str, *, images: dict[str, tuple[bytes, str]] | None = None, fetcher=None) -> bytes:
    """Render our HTML to PDF bytes with our stylesheet and fetcher. `fetcher` lets a test watch."""
    fetcher = fetcher or OwnFilesFetcher()
    fetcher.images.update(images or {})
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[_stylesheet()], attachments=[], font_config=_fonts())


# --- what the documents say about a visit ----------------------------------------------------------


def pupil_initials(visit: Visit, pupils: list | None = None) -> str:
    """ASCII initials of the visit's pupils for a file name: "SP" or "SP-AB"; "pupil" if none."""
    pupils = list(visit.pupils.all()) if pupils is None else pupils
    parts = []
    for pupil in pupils:
        letters = unicodedata.normalize("NFKD", pupil.initials).encode("ascii", "ignore").decode()
        letters = "".join(c for c in letters if c.isalpha()).upper()
        if letters:
            parts.append(letters)
    return "-".join(parts) or "pupil"


def _related(visit: Visit, name: str):
    """A one-to-one row of the visit (its record, risk review, CPOMS entry), or None."""
    try:
        return getattr(visit, name)
    except (ObjectDoesNotExist, AttributeError):
        return None


def parent_signature(visit: Visit) -> bytes | None:
    """The parent's captured signature (issue 5: `visit.parent_signature.image`, a PNG re-encoded
    by `visits.signature`), or None: the documents then print a line to sign by hand."""
    image = getattr(_related(visit, "parent_signature"), "image", None)
    return bytes(image) if image else None


# The steps the visit's timeline stamps, printed beside the booked slot (issue 16).
ACTUAL_STEPS = (
    ("Set off", "started_at"),
    ("Arrived", "arrived_at"),
    ("Left", "left_at"),
    ("Back", "returned_at"),
    ("Rang: not returning", "not_returning_at"),
)


def actual_times(visit: Visit) -> list[str]:
    """When the visit really happened, from its timeline's stamps: "Set off 09:45", with the date
    where it is not the booked day. Empty before the visitors set off."""
    booked = timezone.localtime(visit.scheduled_start).date()
    times = []
    for label, field in ACTUAL_STEPS:
        at = getattr(visit, field)
        if at is not None:
            at = timezone.localtime(at)
            times.append(f"{label} {at:%H:%M}" if at.date() == booked else f"{label} {at:%d/%m/%Y %H:%M}")
    return times


def staff_signatures(visit: Visit) -> dict[int, StaffSignature]:
    """The visitors' own signatures (issue 16), by the signer's id."""
    return {s.signer_id: s for s in StaffSignature.objects.filter(visit=visit)}


def _visit_context(visit: Visit) -> dict[str, Any]:
    pupils = list(visit.pupils.all())
    return {
        "visit": visit,
        "school": visit.school,
        "pupils": pupils,
        "reasons": [r.get_reason_display() for r in visit.reasons.all()],
        "visitors": family_words.visitors(visit),
        "start": timezone.localtime(visit.scheduled_start),
        "end": timezone.localtime(visit.expected_end),
        "actual": actual_times(visit),
        "names": family_words.first_names(pupils),
        "initials": pupil_initials(visit, pupils),
    }


def _form_context(visit: Visit) -> dict[str, Any]:
    return _visit_context(visit) | {"authorised_at": _local(visit.authorised_at)}


def _home_copy_context(visit: Visit) -> dict[str, Any]:
    context = _visit_context(visit)
    return context | {"plain_reasons": family_words.plain_reasons(visit, context["pupils"])}


def _family_copy_context(visit: Visit) -> dict[str, Any]:
    """The copy left at the home: what was agreed with the family, once the record says it. Only
    that one field of the record reaches the template: the rest of it is not the family's."""
    record = _related(visit, "record")
    agreed = record.agreed_with_family.strip() if record else ""
    return _home_copy_context(visit) | {"agreed": agreed}


def _record_context(visit: Visit) -> dict[str, Any]:
    cpoms = _related(visit, "cpoms")
    steps = [
        ("Requested", visit.requested_at, visit.requested_by),
        ("Authorised", visit.authorised_at, visit.authorised_by),
        ("Set off", visit.started_at, None),
        ("Arrived", visit.arrived_at, None),
        ("Left the property", visit.left_at, None),
        ("Back at school", visit.returned_at, None),
        ("Completed", visit.completed_at, None),
    ]
    return _visit_context(visit) | {
        "record": _related(visit, "record"),
        "steps": [(label, _local(at), who) for label, at, who in steps],
        "cpoms": cpoms,
    }


def _risk_context(visit: Visit) -> dict[str, Any]:
    review = _related(visit, "risk_review")
    assessment = review.assessment if review else None
    return _visit_context(visit) | {
        "review": review,
        "assessment": assessment,
        "rows": list(assessment.rows.all()) if assessment else [],
        "household": visit.household,
    }


def _letter_context(visit: Visit) -> dict[str, Any]:
    return _home_copy_context(visit) | {"today": timezone.localdate()}


def _local(moment: datetime | None) -> datetime | None:
    return timezone.localtime(moment) if moment else None


# --- the documents ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    kind: str
    title: str
    template: str
    file_prefix: str
    # For the school only: marked OFFICIAL-SENSITIVE on every page.
    internal: bool
    context: Callable[[Visit], dict[str, Any]]
    # What staff call it on screen (the printed title of the family's copy is only "Home visit").
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or self.title

    def filename(self, visit: Visit, initials: str | None = None) -> str:
        """What and when: `home-visit-form-2026-11-24-SP.pdf`."""
        day = timezone.localtime(visit.scheduled_start).date()
        return f"{self.file_prefix}-{day:%Y-%m-%d}-{initials or pupil_initials(visit)}.pdf"


DOCUMENTS: dict[str, Document] = {
    doc.kind: doc
    for doc in [
        Document(
            "form",
            "Home Visit Form",
            "pdf/form.html",
            "home-visit-form",
            True,
            _form_context,
            label="Home Visit Form (school copy)",
        ),
        Document(
            "home_copy",
            "Home visit",
            "pdf/home_copy.html",
            "home-visit-family-copy",
            False,
            _family_copy_context,
            label="Copy for the home",
        ),
        Document("record", "Record of Home Visit", "pdf/record.html", "record-of-home-visit", True, _record_context),
        Document(
            "risk_assessment",
            "Lone Working Risk Assessment",
            "pdf/risk_assessment.html",
            "lone-working-risk-assessment",
            True,
            _risk_context,
        ),
        Document("letter", "Appointment letter", "pdf/letter.html", "appointment-letter", False, _letter_context),
    ]
}


@dataclass(frozen=True)
class Rendered:
    """A document's HTML as our template renders it now, the images it draws ({name: (bytes,
    content type)}, fetched as `hv-image:<name>`) and its file name: everything its PDF is made from
    (`visits.stored_documents` keeps it)."""

    html: str
    images: dict[str, tuple[bytes, str]]
    filename: str


def render_document(kind: str, visit: Visit, *, signature: bytes | None = None, fetcher=None) -> tuple[bytes, str]:
    """(PDF bytes, file name) of document `kind` for `visit` as it is now. Access and state are the
    caller's business (`visits.access`); `signature` overrides the parent's captured signature."""
    rendered = render_html(kind, visit, signature=signature)
    return html_to_pdf(rendered.html, images=rendered.images, fetcher=fetcher), rendered.filename


def render_html(kind: str, visit: Visit, *, signature: bytes | None = None) -> Rendered:
    """Document `kind` of `visit` as HTML (milliseconds; the PDF is made from it later)."""
    doc = DOCUMENTS[kind]
    context = doc.context(visit) | {"title": doc.title, "internal": doc.internal}
    signature = signature if signature is not None else parent_signature(visit)
    images = {}
    if signature:
        content_type = _image_type(signature)
        if content_type:
            images["parent-signature"] = (signature, content_type)
    context["parent_signature"] = f"{IMAGE_SCHEME}:parent-signature" if images else ""
    context["signed"] = _related(visit, "parent_signature") if images else None
    context["staff_signs"] = _staff_signs(visit, images)
    html = render_to_string(doc.template, context)
    return Rendered(html, images, doc.filename(visit, context["initials"]))


def _staff_signs(visit: Visit, images: dict[str, tuple[bytes, str]]) -> list[dict[str, Any]]:
    """The staff member's line for each visitor (hc23): their signature from the tablet when they
    signed (its image added to this render's `images`), else a line to sign by hand."""
    signed = staff_signatures(visit)
    signs = []
    for n, user in enumerate(u for u in (visit.lead_visitor, visit.second_visitor) if u is not None):
        found = signed.get(user.pk)
        data = bytes(found.image) if found else b""
        content_type = _image_type(data) if data else None
        if content_type:
            images[f"staff-signature-{n}"] = (data, content_type)
        signs.append(
            {
                "name": str(user),
                "image": f"{IMAGE_SCHEME}:staff-signature-{n}" if content_type else "",
                "at": _local(found.captured_at) if content_type else None,
            }
        )
    return signs


def _image_type(data: bytes) -> str | None:
    """The type of an image by its first bytes: only PNG and JPEG are drawn."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return None
