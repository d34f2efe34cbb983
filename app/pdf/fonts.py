"""The fonts every PDF uses: DejaVu Sans, embedded so text is real and names print as spelt.

DejaVu Sans extends Bitstream Vera (which reportlab ships) from Western European letters to
the rest of the Latin script (Polish, Czech, Turkish, Vietnamese), Greek and Cyrillic: a
certificate for Małgorzata Wiśniewska or Олена Коваленко printed empty boxes in Vera. The files
are kept in `typefaces/` with their licence, so every machine renders the same bytes, which the
reproducible PDFs rely on. Embedded TrueType keeps the text selectable and readable by screen
readers. Chinese, Japanese and Korean letters, which DejaVu lacks, are set by `lettering`.
"""

from pathlib import Path
from typing import Any

from reportlab.lib.fonts import addMapping
from reportlab.lib.styles import StyleSheet1, getSampleStyleSheet
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import TableStyle

TYPEFACES = Path(__file__).with_name("typefaces")
REGULAR, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"

for _name in (REGULAR, BOLD, ITALIC):
    pdfmetrics.registerFont(TTFont(_name, str(TYPEFACES / f"{_name}.ttf")))
addMapping(REGULAR, 0, 0, REGULAR)
addMapping(REGULAR, 1, 0, BOLD)
addMapping(REGULAR, 0, 1, ITALIC)
addMapping(REGULAR, 1, 1, BOLD)


_IN_PLACE_OF = {
    "Helvetica": REGULAR,
    "Helvetica-Bold": BOLD,
    "Helvetica-Oblique": ITALIC,
    "Helvetica-BoldOblique": BOLD,
}


def style_sheet() -> StyleSheet1:
    """reportlab's sample styles set in these fonts: its own are Helvetica, which is neither
    embedded nor able to print a letter outside Western European (ł, ř, ş, Cyrillic)."""
    sheet = getSampleStyleSheet()
    for style in sheet.byName.values():
        font = getattr(style, "fontName", None)
        if font in _IN_PLACE_OF:
            style.fontName = _IN_PLACE_OF[font]
    return sheet


def table_style(commands: list[Any]) -> TableStyle:
    """A table's style with its cells set in the regular face: reportlab's own default is
    Helvetica, drawn even in an empty cell, so a table would bring in a font never embedded."""
    return TableStyle([("FONTNAME", (0, 0), (-1, -1), REGULAR), *commands])
