"""The bundle sent to the family (or the next school): the dossier of `disclosure.finder` with the
lead's redactions applied, as ONE PDF (`visits.pdf.html_to_pdf`, our template, the print
stylesheet of every PDF) and the same as machine-readable JSON.

A redacted value is replaced by REDACTED in both; nothing of it reaches either. The JSON's keys
(format "home-visits/disclosure/1"):

    format          "home-visits/disclosure/1"
    purpose         "subject access" or "pupil file for the next school"
    school          the school's name
    made_at         when the bundle was made (ISO 8601, UTC)
    redacted_marker the text that stands for a redacted value
    about           {"kind": "pupil" | "contact", "request": {...} or "leaver": {...}}
    sections        [{"key", "title", "entries": [{"key", "title",
                      "items": [{"key", "label", "value", "redacted"}]}]}]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone

from visits.pdf import html_to_pdf

from .finder import Dossier

REDACTED = "[redacted: third party]"
FORMAT = "home-visits/disclosure/1"


@dataclass(frozen=True)
class Bundle:
    pdf: bytes
    pdf_sha256: str
    json: bytes
    json_sha256: str


def redact(dossier: Dossier, keys: Iterable[str]) -> Dossier:
    """The dossier with each item whose key is in `keys` (and may be redacted) replaced by REDACTED."""
    marked = set(keys)
    for item in dossier.items():
        if item.redactable and item.key in marked:
            item.value, item.redacted = REDACTED, True
    return dossier


def as_data(dossier: Dossier, purpose: str, about: dict) -> dict:
    return {
        "format": FORMAT,
        "purpose": purpose,
        "school": dossier.school.name,
        "made_at": timezone.now().astimezone(dt.UTC).isoformat(),
        "redacted_marker": REDACTED,
        "about": {"kind": dossier.subject_kind, **about},
        "sections": [
            {
                "key": section.key,
                "title": section.title,
                "entries": [
                    {
                        "key": entry.key,
                        "title": entry.title,
                        "items": [
                            {"key": i.key, "label": i.label, "value": i.value, "redacted": i.redacted}
                            for i in entry.items
                        ],
                    }
                    for entry in section.entries
                ],
            }
            for section in dossier.sections
        ],
    }


def build(
    dossier: Dossier, *, title: str, purpose: str, about: dict, facts: list[tuple[str, str]], internal: bool = False
) -> Bundle:
    """The PDF and the JSON of `dossier` (redactions already applied), with their SHA-256. An
    `internal` PDF (a file between schools) carries the OFFICIAL-SENSITIVE marking on every page."""
    data = json.dumps(as_data(dossier, purpose, about), ensure_ascii=False, indent=1).encode()
    html = render_to_string(
        "disclosure/bundle.html",
        {"title": title, "school": dossier.school, "dossier": dossier, "facts": facts, "internal": internal},
    )
    pdf = html_to_pdf(html)
    return Bundle(pdf, hashlib.sha256(pdf).hexdigest(), data, hashlib.sha256(data).hexdigest())
