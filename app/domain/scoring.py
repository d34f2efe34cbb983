"""Scoring competency quizzes: exact, explainable, and the same every time.

Scores are Fractions, never floats, so a total is exactly the sum of its parts and a pass at
80% is never lost to rounding. Each question type has its own grader, registered by name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Choice:
    id: str
    text: str
    correct: bool
    why: str


@dataclass(frozen=True)
class Question:
    """A question as the bank defines it (answers included: never sent to the browser)."""

    id: str
    type: str
    prompt: str
    rationale: str
    strategies: tuple[str, ...]
    topic_areas: tuple[str, ...]
    points: Fraction = Fraction(1)
    choices: tuple[Choice, ...] = ()
    answer: bool | None = None
    steps: tuple[str, ...] = ()
    scenario: str | None = None
    # ordering only: further accepted orders, each the 0-based indices of `steps` in sequence
    orders: tuple[tuple[int, ...], ...] = ()

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(choice.id for choice in self.choices if choice.correct)


@dataclass(frozen=True)
class QuestionScore:
    question_id: str
    points: Fraction
    maximum: Fraction
    explanation: str

    @property
    def correct(self) -> bool:
        return self.points == self.maximum


@dataclass(frozen=True)
class AttemptScore:
    questions: tuple[QuestionScore, ...]
    pass_mark: int
    total: Fraction = field(init=False)
    maximum: Fraction = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "total", sum((q.points for q in self.questions), Fraction(0)))
        object.__setattr__(self, "maximum", sum((q.maximum for q in self.questions), Fraction(0)))

    @property
    def percent(self) -> Fraction:
        return Fraction(0) if not self.maximum else self.total * 100 / self.maximum

    @property
    def passed(self) -> bool:
        return self.percent >= self.pass_mark


Grader = Callable[[Question, Any], QuestionScore]
GRADERS: dict[str, Grader] = {}


def grader(kind: str) -> Callable[[Grader], Grader]:
    def register(function: Grader) -> Grader:
        GRADERS[kind] = function
        return function

    return register


def _fmt(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.1f}"


@grader("single-choice")
def _single(question: Question, answer: Any) -> QuestionScore:
    right = isinstance(answer, str) and answer in question.correct_ids
    points = question.points if right else Fraction(0)
    said = (
        "the correct choice"
        if right
        else ("no choice" if not answer else "a choice that is not the best one")
    )
    return QuestionScore(
        question.id,
        points,
        question.points,
        f"You chose {said}: {_fmt(points)} of {_fmt(question.points)}.",
    )


@grader("true-false")
def _true_false(question: Question, answer: Any) -> QuestionScore:
    right = isinstance(answer, bool) and answer is question.answer
    points = question.points if right else Fraction(0)
    return QuestionScore(
        question.id,
        points,
        question.points,
        f"The statement is {'true' if question.answer else 'false'}: {_fmt(points)} of {_fmt(question.points)}.",
    )


@grader("multiple-response")
def _multiple(question: Question, answer: Any) -> QuestionScore:
    chosen = (
        frozenset(answer) if isinstance(answer, list | tuple | set | frozenset) else frozenset()
    )
    valid = frozenset(choice.id for choice in question.choices)
    chosen &= valid
    right, wrong = len(chosen & question.correct_ids), len(chosen - question.correct_ids)
    available = len(question.correct_ids)
    fraction = max(Fraction(0), Fraction(right - wrong, available))
    points = question.points * fraction
    return QuestionScore(
        question.id,
        points,
        question.points,
        f"{right} of {available} correct choices chosen, {wrong} wrong: "
        f"({right} − {wrong}) ÷ {available}, never below 0 → {_fmt(points)} of {_fmt(question.points)}.",
    )


def _pairs_in_order(order: Sequence[int], positions: Sequence[Any]) -> int:
    """Pairs of steps (earlier, later in `order`) that the answer also puts earlier and later.

    A step the practitioner left unplaced (no whole-number position) is in no pair's right order.
    """
    placed = [
        positions[step] if step < len(positions) and _is_position(positions[step]) else None
        for step in order
    ]
    return sum(
        1
        for i, first in enumerate(placed)
        for second in placed[i + 1 :]
        if first is not None and second is not None and first < second
    )


def _is_position(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@grader("ordering")
def _ordering(question: Question, answer: Any) -> QuestionScore:
    """Partial credit by relative order: points times pairs in the right relative order ÷ all pairs.

    `answer[i]` is the position (0-based) the practitioner gave to the i-th step as written.
    A sequence shifted by one place keeps most pairs right and scores high; a reversed one
    scores 0. With further accepted `orders`, the answer is scored against each accepted order
    and keeps the best.
    """
    positions = list(answer) if isinstance(answer, list | tuple) else []
    count = len(question.steps)
    written = tuple(range(count))
    accepted = [written, *(order for order in question.orders if order != written)]
    best_order = max(accepted, key=lambda order: _pairs_in_order(order, positions))
    right = _pairs_in_order(best_order, positions)
    pairs = count * (count - 1) // 2
    points = question.points * Fraction(right, pairs) if pairs else Fraction(0)
    against = "" if best_order == written else " (against another accepted order)"
    return QuestionScore(
        question.id,
        points,
        question.points,
        f"{right} of {pairs} pairs of steps in the right relative order{against}: "
        f"{_fmt(question.points)} × {right} ÷ {pairs} → {_fmt(points)} of {_fmt(question.points)}.",
    )


def score_question(question: Question, answer: Any) -> QuestionScore:
    """Score one answer with its question type's grader."""
    return GRADERS[question.type](question, answer)


def score_attempt(
    questions: Sequence[Question], answers: Mapping[str, Any], pass_mark: int
) -> AttemptScore:
    """Score every drawn question (unanswered ones score 0) and decide pass or fail."""
    return AttemptScore(tuple(score_question(q, answers.get(q.id)) for q in questions), pass_mark)
