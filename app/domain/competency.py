"""Strengths and gaps by competency: each question's tags map its points to strategies and topics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from app.domain.scoring import Question, QuestionScore


@dataclass(frozen=True)
class CompetencyResult:
    tag: str
    points: Fraction
    maximum: Fraction
    questions: int

    @property
    def percent(self) -> Fraction:
        return Fraction(0) if not self.maximum else self.points * 100 / self.maximum


def competency_profile(
    scored: Iterable[tuple[Question, QuestionScore]],
) -> dict[str, CompetencyResult]:
    """Points earned and available per strategy and topic area, over the given answered questions."""
    totals: dict[str, list[Fraction | int]] = {}
    for question, score in scored:
        for tag in (*question.strategies, *question.topic_areas):
            entry = totals.setdefault(tag, [Fraction(0), Fraction(0), 0])
            entry[0] += score.points
            entry[1] += score.maximum
            entry[2] += 1
    return {
        tag: CompetencyResult(tag, Fraction(p), Fraction(m), int(n))
        for tag, (p, m, n) in totals.items()
    }
