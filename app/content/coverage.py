"""What each topic area has across the content, and what is still missing.

The completeness rules are reported by `flask --app wsgi content check` and fail it, but they do
not stop the app: content for a topic area (its module, handout, sessions) lands in pieces, and
the app must keep serving what is already there. Invalid files still stop it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app.content.loader import untaught_topic_areas
from app.content.model import TOPIC_AREAS, Catalog
from app.domain.quizzes import QuizBank
from app.domain.toolkit import Toolkit


@dataclass(frozen=True)
class TopicRow:
    """One line of the coverage table."""

    topic: str
    modules: tuple[str, ...]
    handout: str | None
    sessions: int
    of: int | None
    groups: int
    quiz_items: int


def topic_rows(catalog: Catalog, toolkit: Toolkit, banks: Mapping[str, QuizBank]) -> list[TopicRow]:
    """Per topic area: its training modules, handout, session plans and tagged quiz questions."""
    questions = [q for bank in banks.values() for q in bank.questions.values()]
    rows = []
    for topic in TOPIC_AREAS:
        found = toolkit.coverage(topic)
        rows.append(
            TopicRow(
                topic=topic,
                modules=tuple(m.id for m in catalog.ordered_modules if topic in m.topic_areas),
                handout=found.handout,
                sessions=len(found.sessions),
                of=found.of,
                groups=len(found.group_sessions),
                quiz_items=sum(1 for q in questions if topic in q.topic_areas),
            )
        )
    return rows


def completeness_problems(catalog: Catalog, toolkit: Toolkit) -> list[str]:
    """Every completeness rule broken: a topic area no module teaches, and the toolkit's gaps."""
    untaught = [f"{topic} has no training module" for topic in untaught_topic_areas(catalog)]
    return untaught + toolkit.completeness(TOPIC_AREAS)


def coverage_text(rows: list[TopicRow]) -> str:
    """The table `content check` prints."""
    header = ("topic area", "handout", "plans", "group", "quiz items", "training modules")
    lines = [
        (
            row.topic,
            row.handout or "—",
            f"{row.sessions}/{row.of or '?'}",
            str(row.groups),
            str(row.quiz_items),
            ", ".join(row.modules) or "—",
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()
        for cells in [header, *lines]
    )
