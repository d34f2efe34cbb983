"""An organisation's logo: checked from its real bytes, re-encoded, stored, served and removed.

Only PNG and JPEG are taken, and what decides is what Pillow finds in the bytes, never the file's
name or the type the browser claims: a renamed text file, an SVG (which can carry script) or any
other format is refused in words that say what is allowed. The stored image is always a fresh PNG
drawn from the decoded pixels, so no metadata (camera, location, comments, colour profiles) and
nothing else of the upload survives.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.orm import undefer

from app.extensions import db
from app.models.base import utc_now
from app.models.tenancy import OrganisationLogo
from app.services.audit import audit

MAX_BYTES = 512 * 1024
MAX_SIDE = 2000  # pixels of the upload; larger ones are refused before they are decoded
MIN_SIDE = 16
STORED_SIDE = 400  # the stored logo fits in this square: the page shows it at 96 pixels high
FORMATS = ["PNG", "JPEG"]  # the only decoders tried (a phone's multi-picture JPEG is a JPEG)
AUDITED_AS = "the logo on the organisation's verification pages"
ALLOWED = (
    "Upload the logo as a PNG or JPEG file of at most 512 KB, between 16 and 2,000 pixels on "
    "each side."
)


class LogoRefused(ValueError):
    """The upload is not a logo IMR Academy will show (the message says what is allowed)."""


@dataclass(frozen=True)
class CleanLogo:
    """A logo as stored: a PNG IMR Academy encoded itself, with its size and fingerprint."""

    png: bytes
    width: int
    height: int

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.png).hexdigest()


DAMAGED = f"The image is damaged or incomplete. {ALLOWED}"


def _opened(data: bytes) -> Image.Image:
    """The upload opened as an image, refused when it is too large or not PNG or JPEG at all."""
    if len(data) > MAX_BYTES:
        raise LogoRefused(f"The file is larger than {MAX_BYTES // 1024} KB. {ALLOWED}")
    if not data:
        raise LogoRefused(f"The file is empty. {ALLOWED}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=FORMATS)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoRefused(f"The file is not a PNG or JPEG image. {ALLOWED}") from None
    except (OSError, ValueError, SyntaxError):  # a known format cut short in its header
        raise LogoRefused(DAMAGED) from None
    return image


def _checked_size(image: Image.Image) -> None:
    width, height = image.size
    if max(width, height) > MAX_SIDE or min(width, height) < MIN_SIDE:
        raise LogoRefused(f"The image is {width} × {height} pixels. {ALLOWED}")


def _pixels(image: Image.Image) -> Image.Image:
    """The decoded pixels, upright, in a new image that carries none of the upload's metadata."""
    try:
        image.load()
    except (OSError, ValueError, SyntaxError):
        raise LogoRefused(DAMAGED) from None
    upright = ImageOps.exif_transpose(image)
    clear = upright.mode in {"RGBA", "LA", "PA", "P"} or "transparency" in upright.info
    converted = upright.convert("RGBA" if clear else "RGB")
    converted.thumbnail((STORED_SIDE, STORED_SIDE))
    return Image.frombytes(converted.mode, converted.size, converted.tobytes())


def cleaned(data: bytes) -> CleanLogo:
    """The uploaded bytes as a logo to store, or LogoRefused saying what is allowed."""
    image = _opened(data)
    _checked_size(image)
    pixels = _pixels(image)
    out = io.BytesIO()
    pixels.save(out, format="PNG", optimize=True)
    return CleanLogo(out.getvalue(), pixels.width, pixels.height)


def logo_of(organisation_id: int) -> OrganisationLogo | None:
    """The organisation's logo without its image (enough to link to it), or None."""
    return db.session.get(OrganisationLogo, organisation_id)


def logo_png(organisation_id: int) -> OrganisationLogo | None:
    """The organisation's logo with its image loaded, to serve it."""
    found = select(OrganisationLogo).where(OrganisationLogo.organisation_id == organisation_id)
    return db.session.scalars(found.options(undefer(OrganisationLogo.png))).one_or_none()


def save_logo(organisation_id: int, actor_id: int | None, data: bytes) -> OrganisationLogo:
    """Check, clean and store an upload as the organisation's logo (replacing any before it).

    The audit log keeps who changed it: the logo is how the public recognises the issuer.
    """
    logo = cleaned(data)
    row = logo_of(organisation_id) or OrganisationLogo(organisation_id=organisation_id)
    row.png, row.sha256, row.width, row.height = logo.png, logo.sha256, logo.width, logo.height
    row.updated_at = utc_now()
    db.session.add(row)
    audit(organisation_id, actor_id, "logo uploaded", AUDITED_AS)
    db.session.flush()
    return row


def remove_logo(organisation_id: int, actor_id: int | None) -> bool:
    """Remove the organisation's logo; False when it had none."""
    row = logo_of(organisation_id)
    if row is None:
        return False
    db.session.delete(row)
    audit(organisation_id, actor_id, "logo removed", AUDITED_AS)
    db.session.flush()
    return True
