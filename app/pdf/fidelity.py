"""A fidelity review as a PDF report (reportlab): scores, class, sources and the evidence per item."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import PropertySet, StyleSheet1
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table

from app.domain.certificates import date_in_words
from app.pdf.fonts import REGULAR, style_sheet, table_style
from app.pdf.lettering import marked


@dataclass(frozen=True)
class ReviewReport:
    """What the printed review says, as plain values: the renderer never reads a database row."""

    program: str
    organisation: str
    reviewed_on: date
    version: int
    reviewers: str
    sources: tuple[str, ...]
    mean: float
    classification: str
    correction_reason: str | None
    items: tuple[tuple[str, str, str], ...]  # each item's title, rating and evidence


def report(review: ReviewReport) -> bytes:
    """The review's PDF: who reviewed what, from which sources, each item's rating and evidence."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Fidelity review: {review.program}",
        author=review.organisation,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        invariant=1,
        initialFontName=REGULAR,
    )
    styles = style_sheet()
    document.build([*_heading(review, styles), _items(review, styles)])
    return buffer.getvalue()


def _paragraph(text: str, style: PropertySet) -> Paragraph:
    """A paragraph of plain text (escaped), any Chinese, Japanese or Korean in a face for it."""
    return Paragraph(marked(text, getattr(style, "fontName", REGULAR)), style)


def _heading(review: ReviewReport, styles: StyleSheet1) -> list[Flowable]:
    sources = ", ".join(review.sources) or "not recorded"
    heading: list[Flowable] = [
        _paragraph(f"IMR Fidelity Review: {review.program}", styles["Title"]),
        _paragraph(
            f"{review.organisation} · reviewed {date_in_words(review.reviewed_on)} · "
            f"version {review.version}",
            styles["Normal"],
        ),
        _paragraph(f"Reviewers: {review.reviewers}. Sources: {sources}.", styles["Normal"]),
        Spacer(1, 4 * mm),
        _paragraph(
            f"Mean score {review.mean:.2f} of 5: {review.classification}", styles["Heading2"]
        ),
    ]
    if review.correction_reason:
        correction = f"Correction of an earlier version: {review.correction_reason}"
        heading.append(_paragraph(correction, styles["Italic"]))
    return heading


def _items(review: ReviewReport, styles: StyleSheet1) -> Table:
    body = styles["BodyText"]
    rows: list[list[str | Paragraph]] = [["Item", "Rating", "Evidence"]]
    rows += [
        [_paragraph(title, body), rating, _paragraph(evidence, body)]
        for title, rating, evidence in review.items
    ]
    table = Table(rows, colWidths=[62 * mm, 16 * mm, 96 * mm], repeatRows=1)
    table.setStyle(
        table_style(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table
