"""The parent's signature pages (hc23): the signature page on the tablet and the stored image.

What the pad sends is refused with a message on the form (never a 500, nothing saved, an earlier
good signature kept); what is kept is a PNG we re-encoded; the image is served only through a
permission-checked view with headers that keep it out of caches and sniffers.
"""

from __future__ import annotations

import base64
import html
import io
import zlib
from urllib.parse import urlparse

import pytest
import weasyprint  # noqa: F401 - sets Pillow's LOAD_TRUNCATED_IMAGES, as in a running server
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import timezone
from PIL import Image

from tests.factories import drawn_png
from tests.matrix import ACTORS, acts, visit_action
from tests.matrix.signature import SIGNERS
from visits import access, lifecycle, signature, tablet
from visits.enums import AuditAction, EventKind, Status
from visits.models import AuditEntry, ParentSignature, VisitEvent

PNG_PREFIX = signature.DATA_URL_PREFIX


def encoded(raw: bytes, prefix: str = PNG_PREFIX) -> str:
    return prefix + base64.b64encode(raw).decode()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 200), (255, 255, 255)).save(out, format="JPEG")
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (600, 200)).save(out, format="GIF")
    return out.getvalue()


def png_bomb() -> bytes:
    """A few KB of PNG that declare 20000 x 20000 pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    ihdr = (20000).to_bytes(4, "big") * 2 + bytes([8, 0, 0, 0, 0])
    idat = zlib.compress(b"\0" * 200_000)
    return signature.PNG_MAGIC + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200"><script>alert(1)</script></svg>'
HTML = b"<html><body><script>alert(1)</script></body></html>"

# (what the tablet sends, the words of the message the visitor sees)
REFUSED = {
    "jpeg-as-jpeg": (encoded(jpeg(), "data:image/jpeg;base64,"), "did not arrive as a PNG"),
    "jpeg-as-png": (encoded(jpeg()), "is not a PNG image"),
    "gif-as-gif": (encoded(gif(), "data:image/gif;base64,"), "did not arrive as a PNG"),
    "gif-as-png": (encoded(gif()), "is not a PNG image"),
    "svg-as-svg": (encoded(SVG, "data:image/svg+xml;base64,"), "did not arrive as a PNG"),
    "svg-as-png": (encoded(SVG), "is not a PNG image"),
    "html-as-html": (encoded(HTML, "data:text/html;base64,"), "did not arrive as a PNG"),
    "png-with-other-mime": (encoded(drawn_png(), "data:application/octet-stream;base64,"), "did not arrive as a PNG"),
    "png-with-mime-parameters": (encoded(drawn_png(), "data:image/png;name=x.png;base64,"), "did not arrive as a PNG"),
    "not-a-data-url": ("https://example.org/signature.png", "did not arrive as a PNG"),
    "oversized": (encoded(drawn_png() + b"\0" * (signature.MAX_UPLOAD_BYTES + 1)), "too large"),
    "malformed-base64": (PNG_PREFIX + "iVBORw0KGgo@@@%%%not base64", "damaged on the way"),
    "truncated": (encoded(drawn_png()[:300]), "damaged on the way"),
    "png-bomb": (encoded(png_bomb()), "damaged on the way"),  # refused on opening, never decoded
    "too-wide": (encoded(drawn_png(signature.MAX_WIDTH + 1, 200)), "unexpected size"),
    "too-tall": (encoded(drawn_png(600, signature.MAX_HEIGHT + 1)), "unexpected size"),
    "too-small": (encoded(drawn_png(signature.MIN_WIDTH - 1, signature.MIN_HEIGHT)), "unexpected size"),
    "empty-drawing": (encoded(drawn_png(ink=False)), "pad is empty"),
}


def sign_url(visit) -> str:
    return reverse("visits:signature", args=[visit.code])


def image_url(visit) -> str:
    return reverse("visits:signature_image", args=[visit.code])


def page_text(response) -> str:
    return html.unescape(response.content.decode())


def sign(client, visit, data_url: str, name: str = "Pat Parent", **extra):
    return client.post(sign_url(visit), {"signer_name": name, "signature": data_url, "action": "sign", **extra})


def events(visit, kind) -> int:
    return VisitEvent.objects.filter(visit=visit, kind=kind).count()


@pytest.fixture
def under_way(cast):
    return cast.make_visit(Status.IN_PROGRESS)


@pytest.fixture
def signed(cast, under_way):
    """A visit under way whose parent has signed (through the lifecycle)."""
    clean = signature.clean_data_url(encoded(drawn_png()))
    lifecycle.record_signature(under_way, cast.visitor, signer_name="Pat Parent", image=clean)
    return under_way


# --- the page ----------------------------------------------------------------------------------------


def test_hc23_signature_page_shows_the_pad_name_and_decline_path(cast, login, under_way):
    # Act
    response = login(cast.visitor).get(sign_url(under_way))

    # Assert
    text = page_text(response)
    assert response.status_code == 200
    assert 'id="sig-canvas"' in text
    assert "vendor/signature_pad/signature_pad.umd.min.js" in text and "js/signature.js" in text
    assert f'value="{under_way.person_visited}"' in text  # the person visited, ready to correct
    assert "Check the signature" in text and "Confirm: this is my signature" in text
    assert "The parent does not want to sign" in text
    assert "https://" not in text.split("<main", 1)[1]  # nothing from a CDN


def test_hc23_signature_page_says_what_is_already_recorded(cast, login, under_way):
    lifecycle.record_signature(under_way, cast.visitor, signer_name="Sam Guardian", declined_reason="Busy.")

    text = page_text(login(cast.second).get(sign_url(under_way)))

    assert "did not sign (Busy.)" in text
    assert 'value="Sam Guardian"' in text  # the name already given, not the person visited
    assert image_url(under_way) not in text


def test_hc23_signature_page_shows_the_signature_already_kept(cast, login, signed):
    text = page_text(login(cast.visitor).get(sign_url(signed)))

    assert "Signing again replaces this signature." in text
    assert f'src="{image_url(signed)}"' in text


def test_hc23_visitor_saves_a_signature_re_encoded_without_metadata(cast, login, under_way):
    # Arrange
    upload = drawn_png(text_chunk="Made with SomePaintApp <script>")

    # Act
    response = sign(login(cast.visitor), under_way, encoded(upload))

    # Assert
    assert response.status_code == 302 and response["Location"] == reverse("visits:detail", args=[under_way.code])
    stored = ParentSignature.objects.get(visit=under_way)
    kept = bytes(stored.image)
    assert kept != upload
    assert kept.startswith(signature.PNG_MAGIC)
    assert b"tEXt" not in kept and b"SomePaintApp" not in kept
    assert b"tEXt" in upload  # the test's upload really carried the chunk
    with Image.open(io.BytesIO(kept)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "L", (600, 200))
        assert image.info == {}  # no text, no profile, no other chunk survives
    assert (stored.signer_name, stored.declined_reason, stored.captured_by) == ("Pat Parent", "", cast.visitor)
    assert events(under_way, EventKind.SIGNED) == 1


@pytest.mark.parametrize("case", list(REFUSED))
def test_hc23_signature_upload_refused_with_a_message_and_nothing_saved(cast, login, under_way, case):
    # Arrange
    sent, words = REFUSED[case]
    client = login(cast.visitor)

    # Act
    response = sign(client, under_way, sent)

    # Assert
    assert response.status_code == 200
    assert words in page_text(response)
    assert "Nothing was saved." in page_text(response)
    assert sent.split(",", 1)[-1][:64] not in response.content.decode()  # never echoed back
    assert not ParentSignature.objects.filter(visit=under_way).exists()
    assert events(under_way, EventKind.SIGNED) == 0


@pytest.mark.parametrize("case", ["jpeg-as-png", "oversized", "truncated", "png-bomb", "empty-drawing"])
def test_hc23_refused_upload_keeps_the_earlier_good_signature(cast, login, signed, case):
    # Arrange
    before = ParentSignature.objects.get(visit=signed)

    # Act
    response = sign(login(cast.visitor), signed, REFUSED[case][0], name="Someone Else")

    # Assert
    after = ParentSignature.objects.get(visit=signed)
    assert response.status_code == 200 and REFUSED[case][1] in page_text(response)
    assert (bytes(after.image), after.signer_name, after.captured_at) == (
        bytes(before.image),
        "Pat Parent",
        before.captured_at,
    )


def test_hc23_a_post_beyond_djangos_upload_limit_is_a_400_not_a_500(cast, login, signed, settings):
    # Arrange: far more than any pad sends, and more than Django reads into memory.
    before = bytes(ParentSignature.objects.get(visit=signed).image)
    huge = PNG_PREFIX + "A" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    # Act
    response = sign(login(cast.visitor), signed, huge)

    # Assert
    assert response.status_code == 400
    assert bytes(ParentSignature.objects.get(visit=signed).image) == before


def test_hc23_signing_again_replaces_the_signature(cast, login, signed):
    # Arrange
    before = bytes(ParentSignature.objects.get(visit=signed).image)
    wider = drawn_png(900, 300)

    # Act
    response = sign(login(cast.second), signed, encoded(wider), name="Sam Guardian")

    # Assert
    stored = ParentSignature.objects.get(visit=signed)
    assert response.status_code == 302
    assert bytes(stored.image) != before
    assert (stored.signer_name, stored.width, stored.height, stored.captured_by) == (
        "Sam Guardian",
        900,
        300,
        cast.second,
    )
    assert ParentSignature.objects.filter(visit=signed).count() == 1
    assert events(signed, EventKind.SIGNED) == 2


def test_hc23_name_is_required(cast, login, under_way):
    response = sign(login(cast.visitor), under_way, encoded(drawn_png()), name="   ")

    assert response.status_code == 200
    assert "Enter the name of the parent or guardian." in page_text(response)
    assert not ParentSignature.objects.filter(visit=under_way).exists()


def test_hc23_both_a_signature_and_a_reason_is_refused(cast, login, under_way):
    response = sign(login(cast.visitor), under_way, encoded(drawn_png()), declined_reason="Would not sign.")

    assert response.status_code == 200
    assert "not both" in page_text(response)
    assert not ParentSignature.objects.filter(visit=under_way).exists()


def test_hc23_neither_a_signature_nor_a_reason_is_refused(cast, login, under_way):
    client = login(cast.visitor)

    signing = sign(client, under_way, "")
    declining = client.post(sign_url(under_way), {"signer_name": "Pat Parent", "action": "decline"})

    assert (signing.status_code, declining.status_code) == (200, 200)
    assert "Ask the parent to sign in the box" in page_text(signing)
    assert "Write why the parent does not want to sign." in page_text(declining)
    assert not ParentSignature.objects.filter(visit=under_way).exists()


def test_hc23_parent_declines_with_a_reason(cast, login, under_way):
    # Act
    response = login(cast.visitor).post(
        sign_url(under_way),
        {
            "signer_name": "Pat Parent",
            "declined_reason": "Wants to read it with her partner first.",
            "action": "decline",
        },
    )

    # Assert
    stored = ParentSignature.objects.get(visit=under_way)
    assert response.status_code == 302
    assert (stored.image, stored.declined_reason) == (None, "Wants to read it with her partner first.")
    assert events(under_way, EventKind.NOT_SIGNED) == 1


def test_hc23_declining_after_a_signature_replaces_it_and_the_image_is_gone(cast, login, signed):
    client = login(cast.visitor)

    client.post(
        sign_url(signed), {"signer_name": "Pat Parent", "declined_reason": "Changed her mind.", "action": "decline"}
    )

    assert ParentSignature.objects.get(visit=signed).image is None
    assert client.get(image_url(signed)).status_code == 404


def test_hc23_a_too_long_reason_is_a_message_not_a_500(cast, login, under_way):
    response = login(cast.visitor).post(
        sign_url(under_way), {"signer_name": "Pat", "declined_reason": "x" * 2001, "action": "decline"}
    )

    assert response.status_code == 200
    assert "at most 2000 characters" in page_text(response)
    assert not ParentSignature.objects.filter(visit=under_way).exists()


# --- who may take the signature, and when --------------------------------------------------------


@pytest.mark.parametrize("role", ["visitor", "second"])
def test_hc23_the_visitors_on_the_visit_may_open_and_save(cast, login, under_way, role):
    client = login(getattr(cast, role))

    page = client.get(sign_url(under_way))
    saved = sign(client, under_way, encoded(drawn_png()))

    assert (page.status_code, saved.status_code) == (200, 302)
    assert ParentSignature.objects.get(visit=under_way).captured_by == getattr(cast, role)


@pytest.mark.parametrize("role", ["bystander", "office", "lead", "deputy", "head"])
def test_hc23_others_who_see_the_visit_are_sent_back_on_get_and_refused_on_post(cast, login, under_way, role):
    # Arrange
    client = login(getattr(cast, role))

    # Act: open the page, follow where it sends them, then try to post anyway.
    page = client.get(sign_url(under_way))
    detail = client.get(page["Location"]) if page.status_code == 302 else None
    saved = sign(client, under_way, encoded(drawn_png()))

    # Assert
    if role == "bystander":  # a visitor not on this visit does not see it at all (hc25)
        assert (page.status_code, saved.status_code) == (404, 404)
    else:
        assert page.status_code == 302 and page["Location"] == reverse("visits:detail", args=[under_way.code])
        assert saved.status_code == 403
        assert "Only the visitors on this visit take the parent" in page_text(detail)
    assert not ParentSignature.objects.filter(visit=under_way).exists()


@pytest.mark.parametrize("role", ["other_visitor", "other_office", "other_lead", "other_head", "trust_admin"])
def test_hc23_other_school_gets_404(cast, login, under_way, role):
    client = login(getattr(cast, role))

    page = client.get(sign_url(under_way))
    saved = sign(client, under_way, encoded(drawn_png()))

    assert (page.status_code, saved.status_code) == (404, 404)
    assert not ParentSignature.objects.filter(visit=under_way).exists()


@pytest.mark.parametrize("state", [Status.REQUESTED, Status.AUTHORISED, Status.COMPLETED, Status.CANCELLED])
def test_hc23_no_signature_outside_a_visit_under_way(cast, login, state):
    # Arrange
    visit = cast.make_visit(state)
    client = login(cast.visitor)

    # Act
    page = client.get(sign_url(visit), follow=True)
    saved = sign(client, visit, encoded(drawn_png()))

    # Assert
    assert page.redirect_chain == [(reverse("visits:detail", args=[visit.code]), 302)]
    assert "The parent signs during the visit" in page_text(page) or "no longer be changed" in page_text(page)
    assert saved.status_code == 302
    assert not ParentSignature.objects.filter(visit=visit).exists()
    assert events(visit, EventKind.SIGNED) == 0


def test_hc25_saving_a_signature_every_actor(cast, client, login):
    """The POST side of `visits:signature` in the access matrix's terms: the visitors save and go
    back to the visit; others who see it get 403; everyone else 404; only a save changes anything."""
    # Arrange
    expected = visit_action(*SIGNERS)
    outcomes = {}

    # Act
    for actor in ACTORS:
        visit = cast.make_visit(Status.IN_PROGRESS)
        if actor == "anonymous":
            client.logout()
        else:
            login(getattr(cast, actor))
        response = sign(client, visit, encoded(drawn_png()))
        outcome = response.status_code
        if outcome == 302:
            outcome = f"302 {resolve(urlparse(response['Location']).path).view_name}"
        saved = ParentSignature.objects.filter(visit=visit).exists()
        outcomes[actor] = (outcome, saved)

    # Assert
    assert outcomes == {actor: (want, acts(want)) for actor, want in expected.items()}


def test_hc23_signature_page_refuses_other_methods(cast, login, under_way):
    response = login(cast.visitor).put(sign_url(under_way))

    assert response.status_code == 405


def test_hc23_anonymous_is_sent_to_sign_in(client, under_way):
    page = client.get(sign_url(under_way))
    image = client.get(image_url(under_way))

    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert image.status_code == 302 and "/accounts/login/" in image["Location"]


# --- the stored image -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["visitor", "second", "office", "lead", "deputy", "head"])
def test_hc23_signature_image_for_those_who_see_the_form(cast, login, signed, role):
    # Act
    response = login(getattr(cast, role)).get(image_url(signed))

    # Assert
    assert response.status_code == 200
    assert response.content == bytes(ParentSignature.objects.get(visit=signed).image)
    assert response["Content-Type"] == "image/png"
    assert {part.strip() for part in response["Cache-Control"].split(",")} == {"private", "no-store"}
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="signature-{signed.code.hex[:12]}.png"'


@pytest.mark.parametrize("role", ["bystander", "other_visitor", "other_office", "other_lead", "other_head"])
def test_hc23_signature_image_is_404_to_those_who_do_not_see_the_visit(cast, login, signed, role):
    response = login(getattr(cast, role)).get(image_url(signed))

    assert response.status_code == 404
    assert response.content != bytes(ParentSignature.objects.get(visit=signed).image)


def test_hc23_signature_image_is_404_when_there_is_none(cast, login, under_way):
    client = login(cast.visitor)
    missing = client.get(image_url(under_way))
    lifecycle.record_signature(under_way, cast.visitor, signer_name="Pat", declined_reason="No.")
    declined = client.get(image_url(under_way))

    assert (missing.status_code, declined.status_code) == (404, 404)


def test_hc23_signature_image_refuses_post(cast, login, signed):
    assert login(cast.visitor).post(image_url(signed)).status_code == 405


def test_hc23_signature_image_is_audited_with_fixed_words(cast, login, signed):
    # Arrange
    before = AuditEntry.objects.filter(action=AuditAction.VIEW, object_code=str(signed.code)).count()

    # Act
    login(cast.office).get(image_url(signed))

    # Assert
    entries = AuditEntry.objects.filter(action=AuditAction.VIEW, object_code=str(signed.code))
    assert entries.count() == before + 1
    entry = entries.latest("id")
    assert (entry.username, entry.detail) == (cast.office.username, "Image: parent's signature")
    assert "Pat Parent" not in entry.detail


def test_hc23_saving_writes_no_image_or_name_to_the_audit_trail(cast, login, under_way):
    sign(login(cast.visitor), under_way, encoded(drawn_png()), name="Unusual Name Xyzzy")

    details = list(AuditEntry.objects.filter(object_code=str(under_way.code)).values_list("detail", flat=True))
    assert details and not any("Xyzzy" in d or "base64" in d or "PNG" in d for d in details)


# --- the card on the visit page ----------------------------------------------------------------------


def card_context(visit, user) -> dict:
    can = access.VisitAccess(user, visit)
    return {"visit": visit, "can": can, "doorstep": tablet.doorstep_parts(visit, can, has_record=False)}


def card(visit, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return html.unescape(render_to_string("visits/tablet/_signature_card.html", card_context(visit, user), request))


def test_hc23_card_offers_the_pad_only_once_the_visitors_have_arrived(cast, under_way):
    """Issue 16: "Parent signs" before "Arrived" is a button that cannot be right (no parent yet)."""
    before = card(under_way, cast.visitor)
    lifecycle.record_step(under_way, cast.visitor, "arrived")
    after = card(under_way, cast.visitor)

    assert reverse("visits:signature", args=[under_way.code]) not in before
    assert reverse("visits:signature", args=[under_way.code]) in after


def test_hc23_card_says_not_signed_yet_and_offers_the_pad_to_the_visitors(cast, under_way):
    lifecycle.record_step(under_way, cast.visitor, "arrived")
    visitor, office = card(under_way, cast.visitor), card(under_way, cast.office)

    assert "Not signed yet." in visitor and "Not signed yet." in office
    assert reverse("visits:signature", args=[under_way.code]) in visitor
    assert reverse("visits:signature", args=[under_way.code]) not in office


def test_hc23_card_shows_who_signed_when_and_the_image(cast, signed):
    stored = ParentSignature.objects.get(visit=signed)
    text = card(signed, cast.lead)

    when = timezone.localtime(stored.captured_at)
    assert f"Signed by <strong>Pat Parent</strong> at {when:%H:%M} on {when:%d/%m/%Y}." in text
    assert f'src="{image_url(signed)}"' in text
    assert reverse("visits:signature", args=[signed.code]) not in text  # the lead does not sign


def test_hc23_card_shows_a_declined_signature_with_its_reason_escaped(cast, under_way):
    lifecycle.record_signature(
        under_way, cast.visitor, signer_name="<b>Pat</b>", declined_reason="<script>x</script> no."
    )
    under_way.refresh_from_db()

    lifecycle.record_step(under_way, cast.visitor, "arrived")
    raw = render_to_string("visits/tablet/_signature_card.html", card_context(under_way, cast.visitor))

    assert "did not want to sign" in raw and "&lt;script&gt;" in raw and "<script>" not in raw
    assert image_url(under_way) not in raw
    assert "Take the signature again" in raw
