"""A toolkit item as a printable PDF (reportlab): real text, headings in the outline, places to write.

Fill-in parts are drawn as lines, boxes and grids on paper, never as form fields: what a person
in recovery writes stays on their sheet. The large-print version scales every size up. Output
is reproducible (invariant mode), so the same content version always gives the same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    ListFlowable,
    ListItem,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from app.content.model import TOPIC_AREAS
from app.domain.toolkit import (
    LEAFLET_AUDIENCES,
    SESSION_STAGES,
    Block,
    Focus,
    Section,
    ToolkitItem,
)
from app.pdf import lettering
from app.pdf.fonts import BOLD, ITALIC, REGULAR, table_style

INK = colors.HexColor("#1b1f24")
BRAND = colors.HexColor("#164766")
RULE = colors.HexColor("#6b7680")
MARGIN = 18 * mm


@dataclass(frozen=True)
class Print:
    """Sizes for normal or large print."""

    body: float
    line_gap: float

    @classmethod
    def of(cls, large: bool) -> Print:
        return cls(body=16, line_gap=13 * mm) if large else cls(body=11, line_gap=9 * mm)

    def style(
        self, name: str, scale: float = 1.0, font: str = REGULAR, **extra: Any
    ) -> ParagraphStyle:
        size = self.body * scale
        settings: dict[str, Any] = {
            "fontName": font,
            "fontSize": size,
            "leading": size * 1.35,
            "textColor": INK,
        }
        return ParagraphStyle(name, **(settings | extra))


class OutlinedParagraph(Paragraph):
    """A Paragraph with the outline entry that _Document.afterFlowable reads."""

    outline: tuple[str, int]


def heading(text: str, style: ParagraphStyle, level: int) -> Paragraph:
    """A paragraph that is also an entry in the PDF's outline (bookmarks), at a level."""
    paragraph = OutlinedParagraph(escape(text), style)
    paragraph.outline = (text, level)
    return paragraph


class WritingLines(Flowable):
    """Ruled lines to write on."""

    def __init__(self, count: int, gap: float) -> None:
        super().__init__()
        self.count, self.gap = count, gap

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, self.count * self.gap

    def draw(self) -> None:
        self.canv.setStrokeColor(RULE)
        self.canv.setLineWidth(0.6)
        for line in range(self.count):
            self.canv.line(0, line * self.gap, self.width, line * self.gap)


class TickBox(Flowable):
    """An empty square to tick."""

    def __init__(self, size: float) -> None:
        super().__init__()
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.9)
        self.canv.rect(0, 0, self.size, self.size)


class _Document(BaseDocTemplate):
    """Adds every Heading to the outline as it is laid out."""

    headings = 0

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 (reportlab's hook name)
        outline = getattr(flowable, "outline", None)
        if outline:
            self.headings += 1
            key = f"heading-{self.headings}"
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(outline[0], key, outline[1])


def render(
    item: ToolkitItem,
    organisation_name: str,
    large: bool = False,
    module_titles: Mapping[str, str] | None = None,
) -> bytes:
    """The item's PDF, with the organisation's name in the footer of every page."""
    size = Print.of(large)
    titles = module_titles or {}
    buffer = io.BytesIO()
    document = _Document(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 8 * mm,
        title=item.title,
        author=organisation_name,
        subject=item.summary,
        creator="IMR Academy",
        lang="en-GB",
        invariant=1,
        initialFontName=REGULAR,
    )
    frame = Frame(MARGIN, MARGIN + 8 * mm, A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN - 8 * mm)
    footer = _footer(item, organisation_name, size)
    document.addPageTemplates([PageTemplate("page", [frame], onPage=footer)])
    document.build(_story(item, size, titles))
    return buffer.getvalue()


def _footer(item: ToolkitItem, organisation_name: str, size: Print):
    """The footer: the organisation's name on the left, set smaller and then shortened if it
    would run into the page number on the right."""
    base = max(8, size.body * 0.75)

    def draw(canvas, document) -> None:
        page = f"IMR Academy toolkit · page {document.page}"
        room = A4[0] - 2 * MARGIN - stringWidth(page, REGULAR, base) - 6 * mm
        fitted = lettering.fitted_size(organisation_name, REGULAR, base, room, base * 0.8)
        canvas.saveState()
        canvas.setFillColor(INK)
        shown = lettering.shortened(organisation_name, REGULAR, fitted, room)
        lettering.draw(canvas, MARGIN, MARGIN, shown, REGULAR, fitted)
        canvas.setFont(REGULAR, base)
        canvas.drawRightString(A4[0] - MARGIN, MARGIN, page)
        canvas.restoreState()

    return draw


def _story(item: ToolkitItem, size: Print, titles: Mapping[str, str]) -> list[Flowable]:
    body = size.style("body", spaceAfter=size.body * 0.5)
    story: list[Flowable] = [
        heading(item.title, size.style("title", 1.9, BOLD, spaceAfter=6), 0),
        Paragraph(escape(_subtitle(item)), size.style("subtitle", 0.9, ITALIC, spaceAfter=4)),
        Paragraph(escape(item.summary), body),
    ]
    if item.notes_print and item.practitioner_notes:
        reader = "trainer" if item.kind.trainers_only else "practitioner"
        story += [_room(size), heading(f"For the {reader}", _section_style(size), 1)]
        story += [Paragraph(escape(note), body) for note in item.practitioner_notes]
    if item.adaptations:
        story += [_room(size), heading("Adapting this session", _section_style(size), 1)]
        label = size.style("label", 1.0, BOLD, spaceAfter=2)
        for adaptation in item.adaptations:
            story += [
                Paragraph(escape(adaptation.label), label),
                Paragraph(escape(adaptation.text), body),
            ]
    if item.prework:
        story += [_room(size), heading("Read before the day", _section_style(size), 1)]
        story.append(_listing(tuple(titles.get(m, m) for m in item.prework), body, False))
    for section in item.sections:
        story += [_room(size), heading(_section_heading(section), _section_style(size), 1)]
        for block in section.blocks:
            story += _block(block, size, body, titles, _questions_label(item))
    if item.focuses:
        story += [
            _room(size),
            heading("Skill focuses for the weeks after training", _section_style(size), 1),
        ]
        story.append(_focuses(item.focuses, size, body))
    return story


def _subtitle(item: ToolkitItem) -> str:
    topics = ", ".join(TOPIC_AREAS[t] for t in item.topic_areas) or "Every topic area"
    parts = [item.kind.label + (" (group version)" if item.group_version else ""), topics]
    if item.session and item.of:
        parts.append(
            f"Session {item.session} of {item.of}" + (", group" if item.is_group_plan else "")
        )
    if item.minutes:
        parts.append(f"about {item.minutes} minutes")
    if item.audience:
        parts.append(f"For {LEAFLET_AUDIENCES[item.audience].lower()}")
    if item.day:
        parts.append(f"Day {item.day}")
    return " · ".join(parts)


def _room(size: Print) -> CondPageBreak:
    """A new page before a heading that would otherwise sit alone at the foot of one."""
    return CondPageBreak(size.body * 8)


def _section_style(size: Print) -> ParagraphStyle:
    return size.style("section", 1.3, BOLD, spaceBefore=size.body, spaceAfter=4, textColor=BRAND)


def _section_heading(section: Section) -> str:
    if section.stage and section.minutes:
        return f"{section.heading} ({SESSION_STAGES[section.stage]}, {section.minutes} min)"
    return section.heading


def _listing(texts: tuple[str, ...], style: ParagraphStyle, numbered: bool) -> ListFlowable:
    items = [ListItem(Paragraph(escape(text), style)) for text in texts]
    bullets = {"bulletType": "1"} if numbered else {"bulletType": "bullet", "start": "•"}
    # reportlab lays out ListItems; types-reportlab's stub leaves them out of what it accepts.
    return ListFlowable(items, bulletFontName=REGULAR, **bullets)  # type: ignore[arg-type]


def _questions_label(item: ToolkitItem) -> str:
    """A practitioner asks a plan's questions; a handout's reader thinks about its own."""
    return "Questions to think about" if item.kind.belongs_to_reader else "Questions to ask"


def _block(
    block: Block,
    size: Print,
    body: ParagraphStyle,
    titles: Mapping[str, str],
    questions_label: str = "Questions to ask",
) -> list[Flowable]:
    label = size.style("label", 1.0, BOLD, spaceAfter=2)
    if block.kind == "agenda":
        return [_agenda(block, size, body, titles), Spacer(1, 4)]
    if block.kind == "text":
        return [Paragraph(escape(block.text), body)]
    if block.kind in {"bullets", "steps", "questions"}:
        lead = [Paragraph(questions_label, label)] if block.kind == "questions" else []
        return [*lead, _listing(block.items, body, block.kind == "steps"), Spacer(1, 3)]
    if block.kind == "practice":
        return [_practice(block, size, body, label)]
    if block.kind == "write":
        return [
            CondPageBreak(size.body * 3 + size.line_gap * min(block.lines, 4)),
            Paragraph(escape(block.prompt), label),
            Spacer(1, size.line_gap * 0.6),
            WritingLines(block.lines, size.line_gap),
        ]
    if block.kind == "checkboxes":
        return [_checkboxes(block, size, body)]
    if block.kind == "fields":
        return [_fields(block, size, body)]
    if block.kind == "table":
        return [_grid(block, size, body)]
    return [_rating(block, size, body)]


def _practice(block: Block, size: Print, body: ParagraphStyle, label: ParagraphStyle) -> Table:
    rows = [[Paragraph(escape(f"Practice: {block.title}"), label)]]
    rows += [[Paragraph(escape(f"{n}. {step}"), body)] for n, step in enumerate(block.items, 1)]
    table = Table(rows, colWidths=[A4[0] - 2 * MARGIN])  # a row per step, so it can split
    table.setStyle(
        table_style(
            [
                ("BOX", (0, 0), (-1, -1), 1.2, BRAND),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#eef3f7")),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return table


def _checkboxes(block: Block, size: Print, body: ParagraphStyle) -> Table:
    box = size.body * 1.1
    rows = [[TickBox(box), Paragraph(escape(text), body)] for text in block.items]
    table = Table(rows, colWidths=[box + 8, None])
    table.setStyle(table_style([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _fields(block: Block, size: Print, body: ParagraphStyle) -> Table:
    rows = [[Paragraph(escape(label), body), ""] for label in block.items]
    width = A4[0] - 2 * MARGIN
    table = Table(rows, colWidths=[width * 0.42, width * 0.58])
    table.setStyle(
        table_style(
            [
                ("LINEBELOW", (1, 0), (1, -1), 0.6, RULE),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("TOPPADDING", (0, 0), (-1, -1), size.line_gap * 0.5),
            ]
        )
    )
    return table


def _grid_style() -> TableStyle:
    return table_style(
        [
            ("GRID", (0, 0), (-1, -1), 0.6, RULE),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e9eef2")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )


def _grid(block: Block, size: Print, body: ParagraphStyle) -> Table:
    """An empty table; with row labels, the first column holds them under the first heading."""
    header = [Paragraph(escape(column), size.style("th", 0.95, BOLD)) for column in block.columns]
    labels = block.row_labels or ("",) * block.rows
    blanks = len(block.columns) - (1 if block.row_labels else 0)
    rows = [
        ([Paragraph(escape(label), body)] if block.row_labels else []) + [""] * blanks
        for label in labels
    ]
    heights = [None] + [size.line_gap * 2] * len(rows)
    return Table([header, *rows], repeatRows=1, rowHeights=heights, style=_grid_style())


def _rating(block: Block, size: Print, body: ParagraphStyle) -> Table:
    hint = size.style("hint", 0.8, ITALIC)
    header = [Paragraph("", body)] + [
        Paragraph(escape(point), size.style("th", 0.95, BOLD, alignment=1)) for point in block.scale
    ]
    rows = []
    for line in block.rating_lines:
        cell = [Paragraph(escape(line.label), body)]
        if line.hint:
            cell.append(Paragraph(escape(line.hint), hint))
        rows.append([cell] + [""] * len(block.scale))
    width = A4[0] - 2 * MARGIN
    point = min(22 * mm, width * 0.45 / len(block.scale))
    widths = [width - point * len(block.scale)] + [point] * len(block.scale)
    return Table([header, *rows], colWidths=widths, repeatRows=1, style=_grid_style())


def _agenda(block: Block, size: Print, body: ParagraphStyle, titles: Mapping[str, str]) -> Table:
    """A timed table: when, how long, what (and its module), how."""
    th = size.style("th", 0.95, BOLD)
    small = size.style("small", 0.9)
    header = [Paragraph(text, th) for text in ("Time", "Min", "Activity", "How")]
    rows = []
    for entry in block.agenda:
        activity = [Paragraph(escape(entry.activity), size.style("activity", 1.0, BOLD))]
        if entry.module:
            activity.append(Paragraph(escape(titles.get(entry.module, entry.module)), small))
        rows.append(
            [
                Paragraph(f"{entry.start}–{entry.end}", small),
                Paragraph(str(entry.minutes), small),
                activity,
                Paragraph(escape(entry.how), small),
            ]
        )
    width = A4[0] - 2 * MARGIN
    widths = [width * 0.17, width * 0.08, width * 0.33, width * 0.42]
    return Table([header, *rows], colWidths=widths, repeatRows=1, style=_grid_style())


def _focuses(focuses: tuple[Focus, ...], size: Print, body: ParagraphStyle) -> Table:
    th = size.style("th", 0.95, BOLD)
    small = size.style("small", 0.9)
    header = [Paragraph(text, th) for text in ("Week", "Focus", "The skill", "What the group does")]
    rows = [
        [
            Paragraph(str(focus.week), small),
            Paragraph(escape(focus.title), size.style("focus", 0.9, BOLD)),
            Paragraph(escape(focus.skill), small),
            Paragraph(escape(focus.activity), small),
        ]
        for focus in focuses
    ]
    width = A4[0] - 2 * MARGIN
    widths = [width * 0.09, width * 0.23, width * 0.3, width * 0.38]
    return Table([header, *rows], colWidths=widths, repeatRows=1, style=_grid_style())
