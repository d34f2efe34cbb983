"""Pictures for the logo tests, drawn with Pillow: a small logo-like image in any format."""

from __future__ import annotations

import io
from random import Random

from PIL import Image


def image_bytes(kind: str, size: tuple[int, int] = (240, 120), **save: object) -> bytes:
    """A coloured bar on white (as a simple logo looks) encoded as `kind` (PNG, JPEG, GIF...)."""
    picture = Image.new("RGB", size, "white")
    picture.paste((31, 95, 139), (0, 0, size[0], size[1] // 2))
    out = io.BytesIO()
    picture.save(out, format=kind, **save)
    return out.getvalue()


def logo_png() -> bytes:
    return image_bytes("PNG")


def noisy_png(side: int = 600, seed: int = 1) -> bytes:
    """A real PNG too large for a logo (random pixels do not compress: about 1 MB at 600 px)."""
    noise = Random(seed).randbytes(side * side * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), noise).save(out, format="PNG")
    return out.getvalue()
