"""Text set in a face that has its letters, measured, fitted, wrapped and drawn.

DejaVu Sans draws the Latin, Greek and Cyrillic scripts but no Han, kana or Hangul, so a name
such as 李小龍 or 김민준 is set in one of Adobe's standard CID fonts, which reportlab names
without embedding (every reader that shows Chinese, Japanese or Korean text has them or a
substitute): Korean for Hangul, Japanese for kana, and for Han the language the rest of the
text shows (Chinese when it shows none). A letter no face has is left to the main face.

A PDF draws letters left to right as given, so a line holding Hebrew or Arabic is first put in
the order it is read in (the Unicode bidirectional algorithm: a name such as שרה לוי printed
as written, not backwards), with Arabic letters in their joined forms (DejaVu Sans has them);
lines are broken first, then each is reordered.
"""

from __future__ import annotations

import re
from functools import cache
from typing import cast
from xml.sax.saxutils import escape

import arabic_reshaper
from bidi import get_display
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

CHINESE, JAPANESE, KOREAN = "STSong-Light", "HeiseiKakuGo-W5", "HYGothic-Medium"
HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]")
KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff]")
HAN = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
# Hebrew, Arabic, Syriac, Thaana, N'Ko and their presentation forms: the right-to-left scripts.
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


@cache
def _registered(face: str) -> str:
    """A CID font, registered the first time a text needs it (reading its maps takes 50 ms)."""
    pdfmetrics.registerFont(UnicodeCIDFont(face))
    return face


@cache
def _covered(font: str) -> frozenset[int]:
    """The code points an embedded TrueType font has glyphs for."""
    embedded = cast(TTFont, pdfmetrics.getFont(font))
    return frozenset(embedded.face.charToGlyph)


def _east_asian(letter: str, text: str) -> str | None:
    if HANGUL.match(letter):
        return KOREAN
    if KANA.match(letter):
        return JAPANESE
    if HAN.match(letter):
        return JAPANESE if KANA.search(text) else KOREAN if HANGUL.search(text) else CHINESE
    return None


def seen(text: str) -> str:
    """One line in the order it is seen: right-to-left runs reversed for display and Arabic
    letters joined; a line without right-to-left letters as it is."""
    if not RIGHT_TO_LEFT.search(text):
        return text
    return str(get_display(arabic_reshaper.reshape(text)))


def runs(text: str, font: str) -> list[tuple[str, str]]:
    """The text as (face, part) runs: the main font wherever it has the letter."""
    covered = _covered(font)
    found: list[tuple[str, str]] = []
    for letter in text:
        face = font
        if not letter.isspace() and ord(letter) not in covered:
            other = _east_asian(letter, text)
            face = _registered(other) if other else font
        if found and found[-1][0] == face:
            found[-1] = (face, found[-1][1] + letter)
        else:
            found.append((face, letter))
    return found


def width(text: str, font: str, size: float) -> float:
    """How wide one line is set, as it is seen, each run in its own face."""
    return sum(stringWidth(part, face, size) for face, part in runs(seen(text), font))


def fitted_size(text: str, font: str, size: float, room: float, smallest: float) -> float:
    """The size at which one line of text fits the room: as given when it fits, smaller for a
    long name or title, never below `smallest` (past which the caller wraps or shortens it)."""
    natural = width(text, font, size)
    if natural <= room:
        return size
    return max(smallest, size * room / natural)


def lines(text: str, font: str, size: float, room: float) -> list[str]:
    """The text broken at spaces into lines that fit the room (a word longer than it stays
    whole on its own line)."""
    found: list[str] = []
    for word in text.split():
        joined = f"{found[-1]} {word}" if found else word
        if found and width(joined, font, size) <= room:
            found[-1] = joined
        else:
            found.append(word)
    return found or [""]


def shortened(text: str, font: str, size: float, room: float) -> str:
    """The text cut at a word to fit one line, with an ellipsis, for a running footer; whole
    when it fits. A certificate never uses this: what it states is printed whole."""
    if width(text, font, size) <= room:
        return text
    words = text.split()
    while words and width(" ".join(words) + "…", font, size) > room:
        words.pop()
    return " ".join(words) + "…" if words else "…"


def draw(canvas: Canvas, x: float, y: float, text: str, font: str, size: float) -> None:
    """Draw one line starting at x, as it is seen, each run in its own face."""
    for face, part in runs(seen(text), font):
        canvas.setFont(face, size)
        canvas.drawString(x, y, part)
        x += stringWidth(part, face, size)


def draw_centred(canvas: Canvas, x: float, y: float, text: str, font: str, size: float) -> None:
    draw(canvas, x - width(text, font, size) / 2, y, text, font, size)


def marked(text: str, font: str) -> str:
    """The text as Paragraph markup, escaped, each run the style's face cannot draw in a
    <font> of the face that can."""
    return "".join(
        escape(part) if face == font else f'<font face="{face}">{escape(part)}</font>'
        for face, part in runs(text, font)
    )
