"""Routes of issue 16's board and documents: a row's code word on the day board (hc11), and the
visitor's own signature on the Home Visit Form (hc23)."""

from __future__ import annotations

from tests.matrix import LOGIN, SEES_VISIT, VISIT_HIDDEN, Route
from visits.enums import Status

# hc11: who may know the code word (the visitors, the office, the leads; not the head). A reveal
# is a read: a 200 writes one audit row (tests/test_reads_audited.py walks it).
CODE_WORD_KNOWN = ("office", "lead", "deputy", "visitor", "second")

ROUTES: dict[str, Route] = {
    "visits:reveal_code_word": Route(
        "GET",
        {"anonymous": LOGIN}
        | {actor: (200 if actor in CODE_WORD_KNOWN else 403) for actor in SEES_VISIT}
        | dict.fromkeys(VISIT_HIDDEN, 404),
        visit=Status.IN_PROGRESS,
    ),
    # hc23: the visitor's own signature, on their tablet: the visitors, each for themselves; others
    # who see the visit get 403 (the POST side is asked in tests/visits/test_staff_signature.py).
    "visits:staff_signature": Route(
        "GET",
        {"anonymous": LOGIN}
        | {actor: (200 if actor in ("visitor", "second") else 403) for actor in SEES_VISIT}
        | dict.fromkeys(VISIT_HIDDEN, 404),
        visit=Status.IN_PROGRESS,
    ),
}
