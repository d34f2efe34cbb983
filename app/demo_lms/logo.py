"""The demo organisation's logo, drawn here so the seeded verification pages show one.

Drawn rather than shipped as a file: a few shapes (an open sky over a horizon, a rising sun)
are easier to review as code than as a binary, and the upload path still checks and re-encodes
the result as it would any director's file.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

SIDE = 240
SCALE = 4  # drawn four times larger and reduced, so the curves come out smooth
SKY = (31, 95, 139)
SUN = (247, 197, 72)
LAND = (27, 67, 50)


def open_sky_logo() -> bytes:
    """A PNG of the Open Sky Community Services mark."""
    big = SIDE * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 6, fill=SKY)
    horizon = big * 5 // 8
    radius = big // 4
    centre = big // 2
    draw.ellipse((centre - radius, horizon - radius, centre + radius, horizon + radius), fill=SUN)
    draw.rounded_rectangle(
        (0, horizon, big - 1, big - 1),
        radius=big // 6,
        fill=LAND,
        corners=(False, False, True, True),
    )
    for step in range(3):
        y = horizon + big // 16 + step * big // 14
        inset = big // 5 + step * big // 12
        draw.line((inset, y, big - inset, y), fill=SKY, width=big // 60)
    out = io.BytesIO()
    image.resize((SIDE, SIDE), Image.Resampling.LANCZOS).save(out, format="PNG")
    return out.getvalue()
