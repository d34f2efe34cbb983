"""Names print as they are spelt, on the certificate, the fidelity report and the handouts, in any
European script: each font a PDF uses is embedded and has a glyph for every letter of the names
on it; a long one is fitted to its place.

Bitstream Vera printed empty boxes for ś, Ż, ř, ễ and all of Greek and Cyrillic, and the
fidelity report's Helvetica is neither embedded nor able to print any of them.
"""

from __future__ import annotations

import io
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont

from app.content.loader import load_catalog
from app.content.rubrics import load_rubric
from app.content.toolkit import load_toolkit
from app.pdf.certificate import TEXT_WIDTH, CertificateFace, render
from app.pdf.fidelity import ReviewReport, report
from app.pdf.fonts import BOLD, REGULAR, TYPEFACES
from app.pdf.lettering import HAN, HANGUL, KANA, fitted_size, seen
from app.pdf.lettering import RIGHT_TO_LEFT as RIGHT_TO_LEFT_LETTERS
from app.pdf.toolkit import render as handout
from config import ROOT_DIR

EAST_ASIAN = {
    "Chinese": ("李小龍", "STSong-Light"),
    "Japanese": ("山田さくら", "HeiseiKakuGo-W5"),
    "Korean": ("김민준", "HYGothic-Medium"),
}
EAST_ASIAN_FACES = {
    "STSong-Light": lambda c: bool(HAN.match(c)),
    "HeiseiKakuGo-W5": lambda c: bool(HAN.match(c) or KANA.match(c)),
    "HYGothic-Medium": lambda c: bool(HAN.match(c) or HANGUL.match(c)),
}
NAMES = {
    "Polish": "Małgorzata Żółkiewska-Wiśniewska",
    "Czech": "Jiří Dvořák",
    "Turkish": "Şule Öztürk",
    "Vietnamese": "Nguyễn Văn Ánh",
    "Ukrainian": "Олена Коваленко",
    "Greek": "Γιώργος Παπαδόπουλος",
}


def _certificate(holder: str) -> bytes:
    return render(
        CertificateFace(
            holder_name=holder,
            credential="IMR Practitioner",
            organisation_name="Przystań Łódź Community Mental Health",
            program_name="Zdrowie i Powrót",
            issued_on=date(2026, 3, 2),
            expires_on=date(2029, 3, 2),
            training_hours="30",
            consultation_hours="12",
            code="7K3Q-9XMD-2RPA-W4HN",
            verify_url="https://imr.example/verify/7K3Q-9XMD-2RPA-W4HN",
            signatory_name="Ewa Brzęczyszczykiewicz",
            signatory_title="Dyrektorka programów IMR",
        )
    )


def _review(reviewers: str) -> bytes:
    return report(
        ReviewReport(
            program="Słoneczna Przystań",
            organisation="Łódź CMHC",
            reviewed_on=date(2026, 5, 1),
            version=1,
            reviewers=reviewers,
            sources=("interviews",),
            mean=3.5,
            classification="good implementation",
            correction_reason=None,
            items=(("Motivational strategies", "4", "Ćwiczenia łączone z zapisami"),),
        )
    )


def _fonts(pdf: bytes) -> dict[str, bool]:
    """Each font the PDF's pages use (subset prefix dropped), and whether its file is embedded."""
    fonts: dict[str, bool] = {}
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            described = descendant[0].get_object() if descendant else font
            descriptor = described.get("/FontDescriptor")
            embedded = descriptor is not None and "/FontFile2" in descriptor.get_object()
            fonts[str(font["/BaseFont"]).split("+")[-1]] = embedded
    return fonts


def _drawn(pdf: bytes) -> list[tuple[str, str]]:
    """Each run of text the PDF draws, with the font it is drawn in (subset prefix dropped)."""
    found: list[tuple[str, str]] = []

    def seen(text: str, cm: object, tm: object, font: dict | None, size: float) -> None:
        if font is not None and text.strip():
            found.append((str(font["/BaseFont"]).split("+")[-1].lstrip("/"), text.strip()))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=seen)
    return found


def _undrawable(pdf: bytes) -> dict[str, str]:
    """Letters drawn in a font that has no glyph for them (each printed as an empty box): an
    embedded face lacking the letter, or an East Asian face given a letter of another script."""
    missing: dict[str, set[str]] = {}
    for font, text in _drawn(pdf):
        if font in EAST_ASIAN_FACES:
            lacking = {c for c in text if not c.isspace() and not EAST_ASIAN_FACES[font](c)}
        else:
            assert (TYPEFACES / f"{font}.ttf").exists(), f"drawn in {font}, which is not ours"
            glyphs = TTFont(font, str(TYPEFACES / f"{font}.ttf")).face.charToGlyph
            lacking = {c for c in text if not c.isspace() and ord(c) not in glyphs}
        if lacking:
            missing.setdefault(font, set()).update(lacking)
    return {font: "".join(sorted(letters)) for font, letters in missing.items()}


def _text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.mark.parametrize("language", NAMES)
def test_a_certificate_prints_the_holders_name_as_spelt(language: str):
    name = NAMES[language]
    pdf = _certificate(name)
    assert all(_fonts(pdf).values()), f"a font is not embedded: {_fonts(pdf)}"
    assert _undrawable(pdf) == {}
    assert name in _text(pdf)


@pytest.mark.parametrize("language", EAST_ASIAN)
def test_a_chinese_japanese_or_korean_name_is_set_in_a_face_that_has_it(language: str):
    """DejaVu has no Han, kana or Hangul: such a name is set in Adobe's face for the language,
    and the Latin around it stays in DejaVu."""
    name, face = EAST_ASIAN[language]
    pdf = _certificate(f"Maya {name} Chen")
    assert (face, name) in _drawn(pdf)
    assert _undrawable(pdf) == {}
    assert f"Maya {name} Chen" in _text(pdf).replace("\n", "")


def test_the_fidelity_report_prints_the_reviewers_names_in_embedded_fonts():
    reviewers = " and ".join(NAMES.values())
    pdf = _review(reviewers)
    fonts = _fonts(pdf)
    assert fonts
    assert all(fonts.values()), f"a font is not embedded: {fonts}"
    assert _undrawable(pdf) == {}
    assert "Słoneczna Przystań" in _text(pdf)


def test_a_long_name_is_set_smaller_to_fit_the_page_and_printed_whole():
    long_name = "Maximiliane Alexandrina von Habsburg-Lothringen Featherstonehaugh-Cholmondeley"
    assert stringWidth(long_name, BOLD, 28) > TEXT_WIDTH, "at its full size it runs off the page"
    size = fitted_size(long_name, BOLD, 28, TEXT_WIDTH, 14)
    assert 14 <= size < 28
    assert stringWidth(long_name, BOLD, size) <= TEXT_WIDTH + 0.01
    assert long_name in _text(_certificate(long_name))


def _foot(pdf: bytes) -> list[tuple[str, float, float]]:
    """What the first page draws along its foot: each text with its x and font size, left first."""
    runs: list[tuple[str, float, float]] = []

    def seen(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if text.strip() and cm[5] + tm[5] < 70:
            runs.append((text.strip(), cm[4] + tm[4], size))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=seen)
    return sorted(runs, key=lambda run: run[1])


def test_a_handouts_footer_shortens_a_long_organisation_name_clear_of_the_page_number():
    catalog = load_catalog(ROOT_DIR / "courses")
    rubric = load_rubric(ROOT_DIR / "rubrics" / "treatment-integrity.yaml")
    item = load_toolkit(ROOT_DIR / "toolkit", catalog, rubric).items[0]
    name = (
        "Słoneczna Przystań Community Mental Health Services of Greater Łódź, Outpatient Division"
    )
    for large in (False, True):
        pdf = handout(item, name, large)
        assert all(_fonts(pdf).values())
        (shown, start, size), (label, label_x, _) = _foot(pdf)
        assert shown.startswith("Słoneczna Przystań")
        assert shown.endswith("…"), "the name is shortened, not run into the page number"
        assert label.startswith("IMR Academy toolkit · page 1")
        assert start + stringWidth(shown, REGULAR, size) < label_x


RIGHT_TO_LEFT = {"Hebrew": "שרה לוי", "Arabic": "نور الهدى"}


def _read(pdf: bytes) -> str:
    """The text as a reader reads it: pypdf takes a right-to-left run the PDF draws (left to
    right, as PDFs draw) back into reading order, and NFKC undoes Arabic's joined forms."""
    return unicodedata.normalize("NFKC", _text(pdf))


@pytest.mark.parametrize("language", RIGHT_TO_LEFT)
def test_a_hebrew_or_arabic_name_is_printed_in_the_order_it_is_read(language: str):
    """The name was drawn in the order it is typed, so it printed backwards, and Arabic
    letters stood apart instead of joining."""
    name = RIGHT_TO_LEFT[language]
    pdf = _certificate(name)
    assert all(_fonts(pdf).values())
    assert _undrawable(pdf) == {}
    assert name in _read(pdf)
    if language == "Arabic":
        drawn = "".join(text for _, text in _drawn(pdf) if RIGHT_TO_LEFT_LETTERS.search(text))
        assert drawn
        assert all(not "\u0621" <= c <= "\u064a" for c in drawn), "each letter in its joined form"


def test_a_name_mixing_scripts_keeps_each_script_in_its_own_direction():
    """In a line that begins in Latin, the Hebrew run is reversed for display and the rest
    stays where it is read (the Unicode bidirectional algorithm)."""
    assert seen("Dr. Sarah שרה לוי, MSW") == "Dr. Sarah יול הרש, MSW"
    assert seen("Maya Chen") == "Maya Chen"
