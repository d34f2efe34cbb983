"""The fonts every PDF uses: Bitstream Vera (shipped with reportlab), embedded so text is real.

Embedded TrueType fonts keep the text selectable and readable by screen readers, and render the
same on every machine, which the reproducible PDFs rely on.
"""

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

REGULAR, BOLD, ITALIC = "Vera", "VeraBd", "VeraIt"

for _name, _file in ((REGULAR, "Vera.ttf"), (BOLD, "VeraBd.ttf"), (ITALIC, "VeraIt.ttf")):
    pdfmetrics.registerFont(TTFont(_name, _file))
addMapping(REGULAR, 0, 0, REGULAR)
addMapping(REGULAR, 1, 0, BOLD)
addMapping(REGULAR, 0, 1, ITALIC)
addMapping(REGULAR, 1, 1, BOLD)
