"""A believable drawn signature for the demo's parents (hc23)."""

from __future__ import annotations

import io
import math
import random

from visits.signature import CleanSignature, clean_png


def demo_signature(rng: random.Random) -> CleanSignature:
    """A loop and a flourish, as the tablet's pad would send it, cleaned as a real one is."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    x, y, points = 40.0, 120.0, []
    for step in range(60):
        x += 8 + rng.random() * 2
        y = 110 + 45 * math.sin(step / 3.5 + rng.random() * 0.3) * (1 - step / 90)
        points.append((x, y))
    pen.line(points, fill=(10, 20, 60, 255), width=4, joint="curve")
    pen.line([(60, 160), (x, 150)], fill=(10, 20, 60, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return clean_png(out.getvalue())
