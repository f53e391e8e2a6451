"""The parent's signature (hc23): what the tablet sends, checked and re-encoded before it is kept.

The signature pad sends a PNG as a data URL. We never keep what was sent: the bytes must be a
PNG by their signature, within size and pixel limits, that Pillow can decode completely; it is
then flattened onto white, reduced to greyscale and re-encoded as a fresh PNG (no metadata, no
trailing data, no other chunks), which must itself be small. Anything else is refused with a
message the visitor can act on.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from PIL import Image, ImageFile

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DATA_URL_PREFIX = "data:image/png;base64,"
MAX_UPLOAD_BYTES = 512 * 1024  # what the tablet may send (a 1600x600 pad is ~40 KB)
MAX_WIDTH, MAX_HEIGHT = 2400, 1200
MIN_WIDTH, MIN_HEIGHT = 100, 40
MAX_STORED_BYTES = 200 * 1024
# Fewer dark pixels than this is an empty pad or a dot, not a signature.
MIN_INK_PIXELS = 50


@dataclass(frozen=True)
class CleanSignature:
    png: bytes
    width: int
    height: int


def decode_data_url(data_url: str) -> bytes:
    if not isinstance(data_url, str) or not data_url.startswith(DATA_URL_PREFIX):
        raise ValidationError("The signature did not arrive as a PNG image. Ask the parent to sign again.")
    encoded = data_url[len(DATA_URL_PREFIX) :]
    if len(encoded) > MAX_UPLOAD_BYTES * 4 // 3 + 4:
        raise ValidationError("The signature image is too large. Clear the pad and sign again.")
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError("The signature image was damaged on the way. Ask the parent to sign again.") from None


def clean_png(raw: bytes) -> CleanSignature:
    """`raw` checked and re-encoded, or a ValidationError saying what to do."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ValidationError("The signature image is too large. Clear the pad and sign again.")
    if not raw.startswith(PNG_MAGIC):
        raise ValidationError("The signature is not a PNG image. Ask the parent to sign again.")
    # WeasyPrint sets Pillow's process-wide LOAD_TRUNCATED_IMAGES on import; a signature must be
    # whole, so ask for an intact file explicitly: every chunk's CRC, then a full decode.
    try:
        with Image.open(io.BytesIO(raw)) as checked:
            checked.verify()
    except Exception:  # noqa: BLE001 - any failure of a damaged file is the same answer
        raise ValidationError("The signature image was damaged on the way. Ask the parent to sign again.") from None
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as probe:
                if probe.format != "PNG":
                    raise ValidationError("The signature is not a PNG image. Ask the parent to sign again.")
                width, height = probe.size
                if not (MIN_WIDTH <= width <= MAX_WIDTH and MIN_HEIGHT <= height <= MAX_HEIGHT):
                    raise ValidationError("The signature image has an unexpected size. Ask the parent to sign again.")
                probe.load()  # decode every pixel: a truncated or corrupt file fails here
                rgba = probe.convert("RGBA")
    except ValidationError:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError("The signature image was damaged on the way. Ask the parent to sign again.") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    grey = flat.convert("L")
    ink = sum(grey.histogram()[:160])
    if ink < MIN_INK_PIXELS:
        raise ValidationError("The signature pad is empty. Ask the parent to sign, or record why they did not.")
    out = io.BytesIO()
    grey.save(out, format="PNG", optimize=True)
    png = out.getvalue()
    if len(png) > MAX_STORED_BYTES:
        raise ValidationError("The signature is too detailed to keep. Clear the pad and sign again.")
    return CleanSignature(png=png, width=width, height=height)


def clean_data_url(data_url: str) -> CleanSignature:
    return clean_png(decode_data_url(data_url))
