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
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any, Protocol, overload

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

    def assesses(self, module_id: str, day: int) -> bool:
        """Whether the quiz covers this module: named in its file, or taught on a day it assesses."""
        return module_id in self.modules or day in self.days

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


class AttemptClosed(ValueError):
    """A submitted attempt is final: it cannot be submitted again or have its answers changed."""


class AttemptStatus(StrEnum):
    """An attempt is in progress until it is submitted, once, for good (stored as these strings)."""

    IN_PROGRESS = "in-progress"
    SUBMITTED = "submitted"

    def submit(self) -> AttemptStatus:
        """The status after submitting; a second submission is refused, never recorded twice."""
        if self is AttemptStatus.SUBMITTED:
            raise AttemptClosed("This attempt was already submitted.")
        return AttemptStatus.SUBMITTED


class AnswerRefused(ValueError):
    """A posted answer the attempt did not offer (a forged or stale form): refused, never scored."""


PLACE = re.compile(r"[0-9]{1,3}")  # ASCII digits only: "²".isdigit() is true
NOT_THIS_ATTEMPT = (
    "An answer did not match this attempt's questions. Go back and reload the attempt: your "
    "saved answers are kept."
)


class PostedForm(Protocol):
    """What an answer format reads of a posted form (werkzeug's MultiDict has both)."""

    @overload
    def get(self, key: str) -> Any: ...

    @overload
    def get(self, key: str, default: Any) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


@dataclass(frozen=True)
class DrawnQuestion:
    """One question as an attempt drew it: the shown order of its choices and steps, by token."""

    question: Question
    choices: tuple[tuple[str, str], ...] = ()  # (token, choice id) in the order shown
    steps: tuple[tuple[str, int], ...] = ()  # (token, index of the step as written)

    @classmethod
    def of(cls, drawn: Mapping[str, Any]) -> DrawnQuestion:
        return cls(
            from_snapshot(drawn["question"]),
            tuple((token, choice) for token, choice in drawn.get("choices", [])),
            tuple((token, index) for token, index in drawn.get("steps", [])),
        )

    @property
    def field(self) -> str:
        """The form field (or, for ordering, the prefix of the fields) that carries the answer."""
        return f"q-{self.question.id}"

    @property
    def tokens(self) -> dict[str, str]:
        return dict(self.choices)

    @property
    def format(self) -> AnswerFormat:
        return ANSWER_FORMATS[self.question.type]


class AnswerFormat(Protocol):
    """How one question type travels: read from the posted form, decoded for its grader."""

    def read(self, drawn: DrawnQuestion, form: PostedForm) -> Any:
        """The answer as posted, still in the attempt's tokens; None when none was given.

        Raises AnswerRefused for anything the attempt did not offer.
        """

    def decode(self, drawn: DrawnQuestion, raw: Any) -> Any:
        """The stored raw answer as the question type's grader reads it (unknown tokens dropped)."""

    def answer(self, drawn: DrawnQuestion, right: bool) -> Any:
        """The raw answer of someone right (or wrong) about the question, in the attempt's
        tokens: what the demo's seeded attempts and the tests send."""


ANSWER_FORMATS: dict[str, AnswerFormat] = {}


def answer_format(kind: str) -> Callable[[type[Any]], type[Any]]:
    """Register a question type's answer format, as `scoring.grader` registers its grader."""

    def register(cls: type[Any]) -> type[Any]:
        ANSWER_FORMATS[kind] = cls()
        return cls

    return register


def _one_of(given: Any, allowed: Iterable[str]) -> str:
    if given not in set(allowed):
        raise AnswerRefused(NOT_THIS_ATTEMPT)
    return str(given)


@answer_format("single-choice")
class _SingleChoice:
    def read(self, drawn: DrawnQuestion, form: PostedForm) -> Any:
        given = form.get(drawn.field)
        return _one_of(given, drawn.tokens) if given else None

    def decode(self, drawn: DrawnQuestion, raw: Any) -> Any:
        return drawn.tokens.get(raw) if isinstance(raw, str) else None

    def answer(self, drawn: DrawnQuestion, right: bool) -> Any:
        return _tokens_of(drawn, right)[0]


@answer_format("multiple-response")
class _MultipleResponse:
    def read(self, drawn: DrawnQuestion, form: PostedForm) -> Any:
        return [_one_of(token, drawn.tokens) for token in form.getlist(drawn.field)]

    def decode(self, drawn: DrawnQuestion, raw: Any) -> Any:
        tokens = drawn.tokens
        return [tokens[t] for t in raw if t in tokens] if isinstance(raw, list) else []

    def answer(self, drawn: DrawnQuestion, right: bool) -> Any:
        return _tokens_of(drawn, right)


@answer_format("true-false")
class _TrueFalse:
    def read(self, drawn: DrawnQuestion, form: PostedForm) -> Any:
        given = form.get(drawn.field)
        return _one_of(given, ("true", "false")) if given else None

    def decode(self, drawn: DrawnQuestion, raw: Any) -> Any:
        return {"true": True, "false": False}.get(raw) if isinstance(raw, str) else None

    def answer(self, drawn: DrawnQuestion, right: bool) -> Any:
        return str(drawn.question.answer == right).lower()


@answer_format("ordering")
class _Ordering:
    def read(self, drawn: DrawnQuestion, form: PostedForm) -> Any:
        positions = {}
        for token, _ in drawn.steps:
            given = str(form.get(f"{drawn.field}-{token}", "")).strip()
            if not given:
                continue
            if not PLACE.fullmatch(given) or not 1 <= int(given) <= len(drawn.steps):
                raise AnswerRefused(
                    f"Give each step's place in the order as a number from 1 to {len(drawn.steps)}."
                )
            positions[token] = int(given)
        return positions

    def decode(self, drawn: DrawnQuestion, raw: Any) -> Any:
        """Position (0-based) of each step as written; None for a step left unplaced."""
        steps = dict(drawn.steps)
        positions: list[int | None] = [None] * len(drawn.question.steps)
        for token, position in raw.items() if isinstance(raw, Mapping) else ():
            if token in steps and isinstance(position, int):
                positions[steps[token]] = position - 1
        return positions

    def answer(self, drawn: DrawnQuestion, right: bool) -> Any:
        """Right: every step in its written place; wrong: the reverse, the one order in which no
        pair of steps is right."""
        count = len(drawn.steps)
        return {token: index + 1 if right else count - index for token, index in drawn.steps}


def _tokens_of(drawn: DrawnQuestion, correct: bool) -> list[str]:
    """The tokens of the choices that are (or are not) correct, in the order shown."""
    wanted = {choice.id for choice in drawn.question.choices if choice.correct == correct}
    return [token for token, choice in drawn.choices if choice in wanted]


def _given(raw: Any) -> bool:
    return raw is not None and raw != [] and raw != {}


@dataclass(frozen=True)
class QuestionState:
    """Where one question of an attempt stands, for the navigator and the summary before submitting."""

    number: int  # as the attempt shows it, from 1
    question_id: str
    prompt: str
    answered: bool
    flagged: bool


@dataclass(frozen=True)
class Draw:
    """An attempt's stored draw read as values: the one owner of its format.

    Pages post answers under the draw's tokens; `read` checks a posted form against them and
    `decode` turns stored answers into what the graders read, so the route, the services and the
    tests all read answers the same way.
    """

    questions: tuple[DrawnQuestion, ...]

    @classmethod
    def of(cls, draw: Sequence[Mapping[str, Any]]) -> Draw:
        return cls(tuple(DrawnQuestion.of(q) for item in draw for q in item["questions"]))

    def read(self, form: PostedForm) -> dict[str, Any]:
        """What a posted attempt form answers, by question id, still in the attempt's tokens.

        Anything that is not one of the attempt's own tokens, or a place in an order, raises
        AnswerRefused: a forged or stale form is refused, never scored.
        """
        raw = {d.question.id: d.format.read(d, form) for d in self.questions}
        return {question_id: given for question_id, given in raw.items() if given is not None}

    def decode(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Stored answers as scoring reads them; questions without an answer are left out."""
        return {
            d.question.id: d.format.decode(d, raw[d.question.id])
            for d in self.questions
            if raw.get(d.question.id) is not None
        }

    def answers(self, right: Callable[[str], bool]) -> dict[str, Any]:
        """The raw answers of someone right about the questions `right(question id)` names and
        wrong about the rest (the inverse of `decode`, for seeded attempts and tests)."""
        return {d.question.id: d.format.answer(d, right(d.question.id)) for d in self.questions}

    def states(self, raw: Mapping[str, Any], flagged: Iterable[str]) -> list[QuestionState]:
        """Each question in the order shown: answered (an empty choice is none) and flagged."""
        marked = set(flagged)
        return [
            QuestionState(
                number,
                d.question.id,
                d.question.prompt,
                _given(raw.get(d.question.id)),
                d.question.id in marked,
            )
            for number, d in enumerate(self.questions, start=1)
        ]
