"""Item analysis across attempts, as quiz statistics in Moodle report it.

For each question: how many answered it, facility (mean score as a share of its points),
discrimination index (facility among the top 27% of attempts minus the bottom 27%),
point-biserial correlation between the question's score and the rest of the attempt, how often
each choice was picked, and whether the item needs attention.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GROUP_SHARE = 0.27
MIN_FOR_STATISTICS = 5


@dataclass(frozen=True)
class Response:
    """One attempt's answer to one question: its score (0..1) and the attempt's overall share (0..1)."""

    attempt_id: int
    question_id: str
    score: float
    attempt_score: float
    chosen: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemStatistics:
    question_id: str
    responses: int
    facility: float
    discrimination: float | None
    point_biserial: float | None
    choice_counts: dict[str, int]

    @property
    def responses_needed(self) -> int:
        """How many more responses before the statistics, and so any concern, mean anything."""
        return max(0, MIN_FOR_STATISTICS - self.responses)

    @property
    def waiting(self) -> str:
        """What a trainer reads instead of concerns while the item has too few responses."""
        needed = self.responses_needed
        if not needed:
            return ""
        return f"{needed} more response{'s' if needed > 1 else ''} needed"

    @property
    def concerns(self) -> list[str]:
        """Why this item may need fixing, in words a trainer can act on.

        None below MIN_FOR_STATISTICS responses: one or two answers say nothing about an item,
        and a false "check the key" sends trainers to fix questions that are fine.
        """
        if self.responses_needed:
            return []
        found = []
        if self.facility < 0.3:
            found.append("very hard: check the key and the wording")
        if self.facility > 0.95:
            found.append("almost everyone answers correctly: it tells little")
        if self.discrimination is not None and self.discrimination < 0.2:
            found.append("does not separate stronger from weaker attempts")
        if self.point_biserial is not None and self.point_biserial < 0:
            found.append("stronger attempts do worse on it: the key may be wrong")
        return found

    @property
    def priority(self) -> float:
        """Lower is worse: negative correlation first, then poor discrimination, then extremes."""
        correlation = self.point_biserial if self.point_biserial is not None else 0.5
        discrimination = self.discrimination if self.discrimination is not None else 0.5
        extremity = abs(self.facility - 0.65)
        return min(correlation, discrimination) - extremity / 2


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    cov = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    var_x = sum((x - mean_x) ** 2 for x in xs)
    var_y = sum((y - mean_y) ** 2 for y in ys)
    if var_x == 0 or var_y == 0:
        return None
    return cov / math.sqrt(var_x * var_y)


def _discrimination(responses: Sequence[Response]) -> float | None:
    if len(responses) < MIN_FOR_STATISTICS:
        return None
    ranked = sorted(responses, key=lambda r: r.attempt_score)
    size = max(1, round(len(ranked) * GROUP_SHARE))
    low, high = ranked[:size], ranked[-size:]
    return sum(r.score for r in high) / size - sum(r.score for r in low) / size


def item_statistics(
    question_id: str, responses: Sequence[Response], questions_per_attempt: dict[int, int]
) -> ItemStatistics:
    """Statistics of one question; the rest-of-attempt score removes the item's own share."""
    scores = [r.score for r in responses]
    rest = [
        (r.attempt_score * questions_per_attempt.get(r.attempt_id, 1) - r.score)
        / max(1, questions_per_attempt.get(r.attempt_id, 1) - 1)
        for r in responses
    ]
    counts = Counter(choice for r in responses for choice in r.chosen)
    return ItemStatistics(
        question_id=question_id,
        responses=len(responses),
        facility=sum(scores) / len(scores) if scores else 0.0,
        discrimination=_discrimination(responses),
        point_biserial=_pearson(scores, rest) if len(responses) >= MIN_FOR_STATISTICS else None,
        choice_counts=dict(counts),
    )


def analyse(responses: Iterable[Response]) -> list[ItemStatistics]:
    """Every question's statistics, the ones most in need of fixing first.

    Items still short of MIN_FOR_STATISTICS responses come last: nothing is known about them yet.
    """
    by_question: dict[str, list[Response]] = {}
    per_attempt: Counter[int] = Counter()
    for response in responses:
        by_question.setdefault(response.question_id, []).append(response)
        per_attempt[response.attempt_id] += 1
    stats = [item_statistics(q, rs, dict(per_attempt)) for q, rs in by_question.items()]
    return sorted(stats, key=lambda s: (s.responses_needed > 0, s.priority, s.question_id))
