"""A fidelity review as a PDF report (reportlab): scores, class, sources and the evidence per item."""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.domain.fidelity import FidelityScale
from app.models.fidelity import FidelityReview


def report(
    review: FidelityReview, scale: FidelityScale, program_name: str, organisation_name: str
) -> bytes:
    """The review's PDF: who reviewed what, from which sources, each item's rating and evidence."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Fidelity review: {program_name}",
        author=organisation_name,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        invariant=1,
    )
    story = [
        Paragraph(escape(f"IMR Fidelity Review: {program_name}"), styles["Title"]),
        Paragraph(
            escape(
                f"{organisation_name} · reviewed {review.reviewed_on:%d %B %Y} · "
                f"version {review.version}"
            ),
            styles["Normal"],
        ),
        Paragraph(
            escape(
                f"Reviewers: {review.reviewers}. "
                f"Sources: {', '.join(review.sources) or 'not recorded'}."
            ),
            styles["Normal"],
        ),
        Spacer(1, 4 * mm),
        Paragraph(
            f"Mean score {float(review.mean or 0):.2f} of 5: {review.classification}",
            styles["Heading2"],
        ),
    ]
    if review.correction_reason:
        story.append(
            Paragraph(
                escape(f"Correction of an earlier version: {review.correction_reason}"),
                styles["Italic"],
            )
        )
    rows = [["Item", "Rating", "Evidence"]]
    for item in scale.items:
        rows.append(
            [
                Paragraph(escape(item.title), styles["BodyText"]),
                str(review.ratings.get(item.id, "")),
                Paragraph(escape(review.evidence.get(item.id, "")), styles["BodyText"]),
            ]
        )
    table = Table(rows, colWidths=[62 * mm, 16 * mm, 96 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(table)
    document.build(story)
    return buffer.getvalue()
