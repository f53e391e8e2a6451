"""Routes of the parent's signature (hc23): the signature page on the visitors' tablet and the
stored image.

The page is the visitors' while the visit is under way: a GET by anyone else who sees the visit
goes back to the visit with a message, a POST by them is refused (403); the image is for whoever
may download the Home Visit Form it is printed on. The POST side (the matrix keys one method per
route) is asked of every actor in tests/visits/test_signature_views.py, with bad uploads,
states and the card.
"""

from __future__ import annotations

import base64
import io

from PIL import Image, ImageDraw

from tests.factories import Cast
from tests.matrix import DONE, LOGIN, SEES_VISIT, VISIT_HIDDEN, Route, visit_page
from visits import lifecycle, signature
from visits.enums import Status
from visits.models import Visit

SIGNERS = ("visitor", "second")


def _drawn() -> str:
    image = Image.new("L", (600, 200), 255)
    ImageDraw.Draw(image).line([(20, 150), (200, 40), (380, 160), (560, 60)], fill=0, width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return signature.DATA_URL_PREFIX + base64.b64encode(out.getvalue()).decode()


def _signed(visit: Visit, cast: Cast) -> None:
    lifecycle.record_signature(visit, cast.visitor, signer_name="Pat Parent", image=signature.clean_data_url(_drawn()))


def _signature_page() -> dict[str, int | str]:
    """GET: the visitors see the pad; others who see the visit are sent back to it (hc25)."""
    return (
        {"anonymous": LOGIN}
        | {actor: (200 if actor in SIGNERS else DONE) for actor in SEES_VISIT}
        | dict.fromkeys(VISIT_HIDDEN, 404)
    )


ROUTES: dict[str, Route] = {
    # hc23: the parent signs on the visitors' tablet during the visit.
    "visits:signature": Route("GET", _signature_page(), visit=Status.IN_PROGRESS),
    # hc23: the stored image, for everyone who may download the form it is printed on.
    "visits:signature_image": Route("GET", visit_page(), visit=Status.IN_PROGRESS, prepare=_signed),
}
