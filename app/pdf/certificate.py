"""The certificate as a PDF (reportlab): landscape, with a QR code that opens its verification page.

The same certificate always renders to the same bytes (reportlab's invariant mode), which is
what lets anyone check a PDF against the SHA-256 recorded when it was issued.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import qrcode
from qrcode.image.pil import PilImage
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from app.domain.certificates import date_in_words
from app.pdf.fonts import BOLD, REGULAR
from app.pdf.lettering import draw_centred, fitted_size, lines

BRAND = HexColor("#164766")
INK = HexColor("#1b1f24")
MUTED = HexColor("#4a5560")
PAGE_WIDTH = landscape(A4)[0]
TEXT_WIDTH = PAGE_WIDTH - 2 * 80  # inside the double border, with a margin
SIGNATURE_WIDTH = 380  # between the dates on the left and the QR code on the right


@dataclass(frozen=True)
class CertificateFace:
    """Everything printed on the certificate, fixed at issue."""

    holder_name: str
    credential: str
    organisation_name: str
    program_name: str | None
    issued_on: date
    expires_on: date
    training_hours: str
    consultation_hours: str
    code: str
    verify_url: str
    signatory_name: str
    signatory_title: str


def _qr(url: str) -> ImageReader:
    image = qrcode.make(url, box_size=8, border=2, image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    buffer.seek(0)
    return ImageReader(buffer)


def _centred(
    canvas: Canvas,
    text: str,
    y: float,
    font: str,
    size: float,
    colour: Color = INK,
    *,
    width: float = TEXT_WIDTH,
) -> None:
    """A line centred on the page. A long name or title is set smaller until it fits (down to
    half its size), and only past that wrapped, the lines centred on the same place: never cut,
    never off the page."""
    fitted = fitted_size(text, font, size, width, size / 2)
    canvas.setFillColor(colour)
    wrapped = lines(text, font, fitted, width)
    leading = fitted * 1.15
    top = y + (len(wrapped) - 1) * leading / 2
    for number, line in enumerate(wrapped):
        draw_centred(canvas, PAGE_WIDTH / 2, top - number * leading, line, font, fitted)


def _border(canvas: Canvas, width: float, height: float) -> None:
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(6)
    canvas.rect(24, 24, width - 48, height - 48)
    canvas.setLineWidth(1)
    canvas.rect(36, 36, width - 72, height - 72)


def _statement(canvas: Canvas, face: CertificateFace, height: float) -> None:
    """Who is certified, as what, and for what they did (the middle of the page)."""
    _centred(canvas, face.organisation_name, height - 95, BOLD, 16, BRAND)
    _centred(canvas, "Certificate of Competency", height - 140, BOLD, 30)
    _centred(canvas, "This certifies that", height - 180, REGULAR, 13, MUTED)
    _centred(canvas, face.holder_name, height - 220, BOLD, 28)
    _centred(canvas, f"is certified as an {face.credential}", height - 255, REGULAR, 14)
    if face.program_name:
        _centred(canvas, f"{face.program_name} program", height - 277, REGULAR, 12, MUTED)
    _centred(
        canvas,
        "having completed the five-day intensive training, passed the competency quizzes,",
        height - 310,
        REGULAR,
        11,
    )
    _centred(
        canvas,
        "taken part in weekly consultation and been signed off by a trainer after an observed session.",
        height - 326,
        REGULAR,
        11,
    )
    _centred(
        canvas,
        f"Training {face.training_hours} hours · Consultation {face.consultation_hours} hours",
        height - 356,
        REGULAR,
        11,
        MUTED,
    )


def _footer(canvas: Canvas, face: CertificateFace, width: float) -> None:
    """Dates, signature and the way to verify: the code, its address and a QR code of it."""
    canvas.setFont(REGULAR, 11)
    canvas.setFillColor(INK)
    canvas.drawString(70, 120, f"Issued {date_in_words(face.issued_on)}")
    canvas.drawString(70, 103, f"Valid until {date_in_words(face.expires_on)}")
    canvas.line(width / 2 - 110, 120, width / 2 + 110, 120)
    _centred(canvas, face.signatory_name, 104, BOLD, 11, width=SIGNATURE_WIDTH)
    _centred(canvas, face.signatory_title, 89, REGULAR, 10, MUTED, width=SIGNATURE_WIDTH)
    canvas.drawImage(_qr(face.verify_url), width - 190, 70, 120, 120)
    canvas.setFont(REGULAR, 9)
    canvas.setFillColor(MUTED)
    canvas.drawRightString(width - 70, 58, f"Verify: {face.code}")
    canvas.drawString(70, 58, face.verify_url)


def render(face: CertificateFace) -> bytes:
    """The certificate's PDF bytes (invariant, so the same face gives the same bytes)."""
    buffer = io.BytesIO()
    width, height = landscape(A4)
    # The stubs type initialFontName as a number; reportlab takes a registered font's name.
    canvas = Canvas(
        buffer,
        pagesize=(width, height),
        invariant=1,
        initialFontName=REGULAR,  # type: ignore[arg-type]
    )
    canvas.setTitle(f"IMR certificate {face.code}")
    canvas.setAuthor(face.organisation_name)
    canvas.setSubject(face.credential)
    _border(canvas, width, height)
    _statement(canvas, face, height)
    _footer(canvas, face, width)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
