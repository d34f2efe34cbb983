"""Quiz banks and the draw of one attempt: which items, in which order, under which tokens.

A draw is plain JSON, stored with the attempt, so the attempt can be shown and reviewed exactly
as it was seen. Choices and steps are shown under random per-attempt tokens: neither their ids
nor their positions in the bank can tell the browser which answer is right.

Each bank also owns two settings, as Moodle's quizzes do: its grading method (which attempt's
score is the quiz grade, shown and sent to the gradebook alike) and when a practitioner may
review their attempts question by question.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, Protocol

from app.domain.scoring import Choice, Question


@dataclass(frozen=True)
class Item:
    """What a draw picks: one question, or a vignette (a scenario with its questions)."""

    id: str
    questions: tuple[Question, ...]
    scenario: str | None = None


@dataclass(frozen=True)
class Pool:
    id: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class DrawRule:
    pool: str
    count: int


class GradingMethod(StrEnum):
    """Which attempt's score is the quiz grade (Moodle's grading method)."""

    HIGHEST = "highest"
    LAST = "last"


class QuestionReview(StrEnum):
    """When a practitioner may see their attempts question by question, right or wrong and why.

    The score, pass or fail and the competencies of an attempt are always shown; the per-question
    key is what a candidate could learn and carry into the next attempt, so it opens only when no
    attempt is left to carry it into, or once the quiz is passed, as the bank chooses.
    """

    AFTER_LAST_ATTEMPT = "after-last-attempt"
    ONCE_PASSED = "once-passed"
    AFTER_LAST_ATTEMPT_OR_PASSED = "after-last-attempt-or-passed"
    NEVER = "never"


def review_open(setting: QuestionReview, used: int, allowed: int, passed: bool) -> bool:
    """Whether a practitioner may review their attempts question by question now.

    `used` counts submitted attempts and `allowed` the attempts they may make (extra ones
    granted included), so an extra attempt closes the review again until it too is used.
    """
    last_used = used >= allowed
    return {
        QuestionReview.AFTER_LAST_ATTEMPT: last_used,
        QuestionReview.ONCE_PASSED: passed,
        QuestionReview.AFTER_LAST_ATTEMPT_OR_PASSED: last_used or passed,
        QuestionReview.NEVER: False,
    }[setting]


class Graded(Protocol):
    """What grading reads of a submitted attempt (its id, so pages can link to it)."""

    @property
    def id(self) -> int: ...

    @property
    def number(self) -> int: ...

    @property
    def percent(self) -> Decimal | None: ...

    @property
    def passed(self) -> bool | None: ...

    @property
    def submitted_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class QuizGrade:
    """A person's grade on one quiz: what the product shows and the LMS gradebook receives."""

    attempt: Graded  # the attempt whose score is the grade
    percent: Decimal
    graded_at: datetime  # the latest submission: the gradebook's timestamp for this grade
    passed: bool  # some attempt reached the pass mark: competence shown once stays shown


def quiz_grade(method: GradingMethod, submitted: Sequence[Graded]) -> QuizGrade | None:
    """The quiz grade over a person's submitted attempts; None before any is scored.

    Highest: the best score (the earliest attempt reaching it). Last: the latest submission's.
    The timestamp is always the latest submission, whichever attempt the grade comes from, so
    resending the grade later sends exactly the same score and time.
    """
    scored = sorted(
        (
            (a.submitted_at, a.number, a.percent, a)
            for a in submitted
            if a.percent is not None and a.submitted_at is not None
        ),
        key=lambda entry: entry[:2],
    )
    if not scored:
        return None
    graded_at = scored[-1][0]
    _, _, percent, chosen = (
        scored[-1]
        if method is GradingMethod.LAST
        else max(scored, key=lambda entry: entry[2])  # the first of equal bests: the earliest
    )
    return QuizGrade(chosen, percent, graded_at, any(entry[3].passed for entry in scored))


@dataclass(frozen=True)
class QuizBank:
    """One competency quiz as its file defines it, at one version."""

    id: str
    title: str
    days: tuple[int, ...]
    modules: tuple[str, ...]
    pass_mark: int
    attempts_allowed: int
    time_limit_minutes: int | None
    grading: GradingMethod
    question_review: QuestionReview
    draws: tuple[DrawRule, ...]
    pools: tuple[Pool, ...]
    version: str
    source: str
    # where things sit in `source`, for messages that name a line: item and question ids,
    # "<question id>#<choice id>" for a choice, "draw:<pool id>" for a draw rule
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def line(self, key: str) -> str:
        """`file:line` of an item, question, choice or draw rule; the file alone if unknown."""
        return f"{self.source}:{self.lines[key]}" if key in self.lines else self.source

    @property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for pool in self.pools for item in pool.items for q in item.questions}

    @property
    def items(self) -> dict[str, Item]:
        return {item.id: item for pool in self.pools for item in pool.items}


def _token(rng: random.Random) -> str:
    return f"{rng.getrandbits(40):010x}"


def snapshot(question: Question) -> dict[str, Any]:
    """The whole question as JSON, kept server-side with the attempt (answers included)."""
    return {
        "id": question.id,
        "type": question.type,
        "prompt": question.prompt,
        "rationale": question.rationale,
        "strategies": list(question.strategies),
        "topic_areas": list(question.topic_areas),
        "points": str(question.points),
        "answer": question.answer,
        "steps": list(question.steps),
        "orders": [list(order) for order in question.orders],
        "scenario": question.scenario,
        "choices": [
            {"id": c.id, "text": c.text, "correct": c.correct, "why": c.why}
            for c in question.choices
        ],
    }


def from_snapshot(data: Mapping[str, Any]) -> Question:
    """A question back from its snapshot, exactly as it was when drawn."""
    return Question(
        id=data["id"],
        type=data["type"],
        prompt=data["prompt"],
        rationale=data["rationale"],
        strategies=tuple(data["strategies"]),
        topic_areas=tuple(data["topic_areas"]),
        points=Fraction(data["points"]),
        answer=data["answer"],
        steps=tuple(data["steps"]),
        scenario=data["scenario"],
        # snapshots taken before accepted orders existed have no "orders": the written one only
        orders=tuple(tuple(order) for order in data.get("orders", ())),
        choices=tuple(Choice(**choice) for choice in data["choices"]),
    )


def _drawn_question(question: Question, rng: random.Random) -> dict[str, Any]:
    drawn: dict[str, Any] = {"question": snapshot(question)}
    if question.choices:
        order = list(question.choices)
        rng.shuffle(order)
        drawn["choices"] = [[_token(rng), choice.id] for choice in order]
    if question.steps:
        steps = list(range(len(question.steps)))
        rng.shuffle(steps)
        drawn["steps"] = [[_token(rng), index] for index in steps]
    return drawn


def draw_attempt(bank: QuizBank, rng: random.Random) -> list[dict[str, Any]]:
    """Pick each rule's items from its pool, shuffle everything, and token every choice and step."""
    pools = {pool.id: pool for pool in bank.pools}
    items = [
        item for rule in bank.draws for item in rng.sample(list(pools[rule.pool].items), rule.count)
    ]
    rng.shuffle(items)
    return [
        {
            "item": item.id,
            "scenario": item.scenario,
            "questions": [_drawn_question(q, rng) for q in item.questions],
        }
        for item in items
    ]


def drawn_questions(draw: Sequence[Mapping[str, Any]]) -> list[Question]:
    """The questions an attempt drew, as they were then, in the order it showed them."""
    return [from_snapshot(q["question"]) for item in draw for q in item["questions"]]


def _ordering_positions(
    question: Question, drawn: Mapping[str, Any], given: Any
) -> list[int | None]:
    steps = dict(map(tuple, drawn.get("steps", [])))
    positions: list[int | None] = [None] * len(question.steps)
    for token, position in given.items() if isinstance(given, Mapping) else ():
        if token in steps and isinstance(position, int):
            positions[steps[token]] = position - 1
    return positions


def answers_from_form(draw: Sequence[Mapping[str, Any]], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Turn tokens the browser sent back into the answers scoring understands.

    `raw` maps a question id to: a choice token (single choice), a list of tokens (multiple
    response), "true"/"false", or for ordering a mapping of step token to 1-based position.
    Unknown tokens are ignored, so a forged form can only lose points.
    """
    answers: dict[str, Any] = {}
    for item in draw:
        for drawn in item["questions"]:
            question = from_snapshot(drawn["question"])
            given = raw.get(question.id)
            if given is None:
                continue
            tokens = dict(map(tuple, drawn.get("choices", [])))
            if question.type == "single-choice":
                answers[question.id] = tokens.get(given)
            elif question.type == "multiple-response":
                answers[question.id] = [tokens[t] for t in given if t in tokens]
            elif question.type == "true-false":
                answers[question.id] = {"true": True, "false": False}.get(given)
            else:
                answers[question.id] = _ordering_positions(question, drawn, given)
    return answers


def answers_for(draw: Sequence[Mapping[str, Any]], right: Callable[[str], bool]) -> dict[str, Any]:
    """The answers a practitioner sends for a drawn attempt, right where `right(question id)` says.

    The inverse of answers_from_form, for the demo's seeded attempts and the tests: a wrong
    answer picks the wrong choices, the opposite truth value, or the steps in reverse order
    (the one order with no pair of steps right).
    """
    answers: dict[str, Any] = {}
    for item in draw:
        for drawn in item["questions"]:
            question = drawn["question"]
            answers[question["id"]] = _answer(question, drawn, right(question["id"]))
    return answers


def _answer(question: Mapping[str, Any], drawn: Mapping[str, Any], right: bool) -> Any:
    if question["type"] in ("single-choice", "multiple-response"):
        chosen = {c["id"] for c in question["choices"] if c["correct"] == right}
        tokens = [token for token, choice in drawn["choices"] if choice in chosen]
        return tokens if question["type"] == "multiple-response" else tokens[0]
    if question["type"] == "true-false":
        return str(question["answer"] == right).lower()
    count = len(question["steps"])
    return {token: index + 1 if right else count - index for token, index in drawn["steps"]}
