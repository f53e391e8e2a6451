"""The parent's signature (hc23) and the record's drafts: what the tablet sends is checked and
re-encoded before it is kept, and only the visitors of a visit under way may keep either."""

from __future__ import annotations

import base64
import io
import zlib

import pytest
import weasyprint  # noqa: F401 - sets Pillow's LOAD_TRUNCATED_IMAGES, as in a running server
from django.core.exceptions import ValidationError
from PIL import Image

from tests.factories import CAST_ROLES, drawn_png
from visits import lifecycle, signature
from visits.enums import EventKind, Status
from visits.exceptions import LifecycleError, NotPermitted, PreconditionFailed, TransitionNotAllowed
from visits.models import ParentSignature, RecordDraft, VisitEvent


def data_url(raw: bytes) -> str:
    return signature.DATA_URL_PREFIX + base64.b64encode(raw).decode()


# --- cleaning what the pad sends ------------------------------------------------------------------


def test_hc23_signature_is_re_encoded_as_a_plain_greyscale_png():
    # Arrange
    raw = drawn_png(text_chunk="<script>alert(1)</script>") + b"trailing bytes after IEND"

    # Act
    clean = signature.clean_data_url(data_url(raw))

    # Assert
    assert clean.png.startswith(signature.PNG_MAGIC)
    assert (clean.width, clean.height) == (600, 200)
    assert b"script" not in clean.png and b"trailing" not in clean.png
    with Image.open(io.BytesIO(clean.png)) as image:
        assert image.mode == "L"
        assert image.size == (600, 200)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("data:image/jpeg;base64,/9j/4AAQ", "did not arrive as a PNG"),
        ("not a data url", "did not arrive as a PNG"),
        (signature.DATA_URL_PREFIX + "@@@not base64@@@", "damaged"),
        (data_url(b"GIF89a" + b"\0" * 100), "not a PNG"),
        (data_url(drawn_png()[:300]), "damaged"),  # truncated: fails when every pixel is decoded
        (data_url(drawn_png(3000, 200)), "unexpected size"),
        (data_url(drawn_png(50, 20)), "unexpected size"),
        (data_url(drawn_png(ink=False)), "empty"),
    ],
    ids=["jpeg", "no-data-url", "bad-base64", "gif", "truncated", "too-wide", "too-small", "empty-pad"],
)
def test_hc23_signature_upload_rejects_non_png_oversized_and_malformed(payload, message):
    with pytest.raises(ValidationError) as refused:
        signature.clean_data_url(payload)

    assert message in refused.value.messages[0]


def test_hc23_signature_upload_rejects_too_many_bytes():
    raw = drawn_png() + b"\0" * (signature.MAX_UPLOAD_BYTES + 1)

    with pytest.raises(ValidationError) as refused:
        signature.clean_data_url(data_url(raw))

    assert "too large" in refused.value.messages[0]


def test_hc23_signature_upload_rejects_a_decompression_bomb():
    # Arrange: a few KB that claim 20000 x 20000 pixels.
    width = height = 20000
    header = signature.PNG_MAGIC
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])

    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")

    bomb = header + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 100_000)) + chunk(b"IEND", b"")

    # Act / Assert
    with pytest.raises(ValidationError):
        signature.clean_data_url(data_url(bomb))


# --- keeping the signature -----------------------------------------------------------------------


def test_hc23_visitor_records_the_parents_signature_with_an_event(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)
    clean = signature.clean_data_url(data_url(drawn_png()))

    # Act
    lifecycle.record_signature(visit, cast.visitor, signer_name="Pat Parent", image=clean)

    # Assert
    stored = ParentSignature.objects.get(visit=visit)
    assert (bytes(stored.image), stored.signer_name, stored.signed) == (clean.png, "Pat Parent", True)
    assert VisitEvent.objects.filter(visit=visit, kind=EventKind.SIGNED).count() == 1


def test_hc23_parent_may_decline_to_sign_with_a_reason(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)

    with pytest.raises(PreconditionFailed):
        lifecycle.record_signature(visit, cast.visitor, signer_name="Pat Parent")
    lifecycle.record_signature(visit, cast.visitor, signer_name="Pat Parent", declined_reason="Would not sign.")

    stored = ParentSignature.objects.get(visit=visit)
    assert (stored.image, stored.declined_reason, stored.signed) == (None, "Would not sign.", False)


@pytest.mark.parametrize("role", [r for r in CAST_ROLES if r not in {"visitor", "second"}])
def test_hc23_only_the_visitors_take_the_signature(cast, role):
    visit = cast.make_visit(Status.IN_PROGRESS)

    with pytest.raises(NotPermitted):
        lifecycle.record_signature(visit, getattr(cast, role), signer_name="Pat", declined_reason="No.")

    assert not ParentSignature.objects.filter(visit=visit).exists()


@pytest.mark.parametrize("state", [Status.REQUESTED, Status.AUTHORISED, Status.COMPLETED])
def test_hc01_no_signature_outside_a_visit_under_way(cast, state):
    visit = cast.make_visit(state)

    with pytest.raises(TransitionNotAllowed):
        lifecycle.record_signature(visit, cast.visitor, signer_name="Pat", declined_reason="No.")

    assert not ParentSignature.objects.filter(visit=visit).exists()


# --- drafts of the record ------------------------------------------------------------------------


def test_record_draft_keeps_only_record_fields_and_is_replaced(cast):
    # Arrange
    visit = cast.make_visit(Status.IN_PROGRESS)

    # Act
    lifecycle.save_draft(visit, cast.visitor, {"outcome": "Half typed", "status": "completed", "x": 1})
    lifecycle.save_draft(visit, cast.visitor, {"outcome": "Typed more", "child_seen": True})

    # Assert
    draft = RecordDraft.objects.get(visit=visit, author=cast.visitor)
    assert draft.data == {"outcome": "Typed more", "child_seen": True}


@pytest.mark.parametrize("role", ["office", "lead", "head", "bystander", "other_visitor"])
def test_record_draft_only_for_the_visitors(cast, role):
    visit = cast.make_visit(Status.IN_PROGRESS)

    with pytest.raises(LifecycleError):
        lifecycle.save_draft(visit, getattr(cast, role), {"outcome": "x"})

    assert not RecordDraft.objects.filter(visit=visit).exists()


def test_record_draft_refuses_a_huge_draft_and_a_finished_visit(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    done = cast.make_visit(Status.COMPLETED)

    with pytest.raises(PreconditionFailed):
        lifecycle.save_draft(visit, cast.visitor, {"notes": "x" * (lifecycle.DRAFT_MAX_BYTES + 1)})
    with pytest.raises(TransitionNotAllowed):
        lifecycle.save_draft(done, cast.visitor, {"notes": "x"})

    assert not RecordDraft.objects.exists()


def test_hc20_writing_the_record_clears_every_draft_of_it(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    lifecycle.save_draft(visit, cast.visitor, {"outcome": "Draft one"})
    lifecycle.save_draft(visit, cast.second, {"outcome": "Draft two"})

    lifecycle.write_record(visit, cast.visitor, {"people_seen": "Mother", "child_seen": True, "outcome": "Done."})

    assert not RecordDraft.objects.filter(visit=visit).exists()


def test_hc15_no_responsible_adult_means_not_conducted(cast):
    visit = cast.make_visit(Status.IN_PROGRESS)
    fields = {"people_seen": "Child at the door", "child_seen": True, "outcome": "Did not go in."}

    with pytest.raises(ValidationError) as refused:
        lifecycle.write_record(visit, cast.visitor, {**fields, "adult_authority": "none"})
    record = lifecycle.write_record(visit, cast.visitor, {**fields, "adult_authority": "none", "conducted": False})

    assert "adult_authority" in refused.value.message_dict
    assert (record.conducted, record.adult_authority) == (False, "none")
