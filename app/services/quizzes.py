"""Quiz attempts: start or resume, save, submit exactly once, score, review, grant extra attempts."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.content.model import Catalog, Module
from app.domain.competency import CompetencyResult, competency_profile
from app.domain.quizzes import (
    AttemptStatus,
    Draw,
    DrawnQuestion,
    QuestionState,
    QuizBank,
    draw_attempt,
    review_open,
)
from app.domain.scoring import AttemptScore, Question, QuestionScore, score_attempt
from app.extensions import db, rows_changed
from app.models.base import utc_now
from app.models.people import Person
from app.models.quizzes import ExtraAttempt, QuizAttempt
from app.services.audit import audit
from app.services.grades import queue_delivery

GRACE = timedelta(seconds=30)


class QuizRefused(Exception):
    """The practitioner cannot do this now; the message says why and what to do."""


def attempts_of(
    person_id: int, organisation_id: int, quiz_id: str | None = None
) -> list[QuizAttempt]:
    query = select(QuizAttempt).where(
        QuizAttempt.person_id == person_id, QuizAttempt.organisation_id == organisation_id
    )
    if quiz_id is not None:
        query = query.where(QuizAttempt.quiz_id == quiz_id)
    return list(db.session.scalars(query.order_by(QuizAttempt.quiz_id, QuizAttempt.number)))


def extra_attempts(person_id: int, organisation_id: int, quiz_id: str) -> int:
    query = (
        select(func.count())
        .select_from(ExtraAttempt)
        .filter_by(person_id=person_id, organisation_id=organisation_id, quiz_id=quiz_id)
    )
    return db.session.scalar(query) or 0


def allowed_attempts(bank: QuizBank, person_id: int, organisation_id: int) -> int:
    return bank.attempts_allowed + extra_attempts(person_id, organisation_id, bank.id)


def question_review_open(bank: QuizBank, person_id: int, organisation_id: int) -> bool:
    """Whether the bank's review setting lets this practitioner see their attempts' keys now."""
    submitted = [
        a
        for a in attempts_of(person_id, organisation_id, bank.id)
        if a.status == AttemptStatus.SUBMITTED
    ]
    return review_open(
        bank.question_review,
        used=len(submitted),
        allowed=allowed_attempts(bank, person_id, organisation_id),
        passed=any(a.passed for a in submitted),
    )


def expired(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    """Past its time limit (and the grace for a slow network): only saved answers count now."""
    return attempt.deadline is not None and (now or utc_now()) > attempt.deadline + GRACE


def seconds_left(attempt: QuizAttempt, now: datetime | None = None) -> int | None:
    """Whole seconds until the time limit, by the server's clock; None when there is none."""
    if attempt.deadline is None:
        return None
    return max(0, int((attempt.deadline - (now or utc_now())).total_seconds()))


def new_attempt(
    bank: QuizBank,
    person_id: int,
    organisation_id: int,
    cohort_id: int,
    number: int,
    now: datetime,
    rng: random.Random | None = None,
) -> QuizAttempt:
    """Attempt `number`, freshly drawn and added to the session (neither flushed nor committed).

    start_or_resume commits it at once to claim the number; the demo seed, which replays a
    whole history in one transaction, flushes it instead.
    """
    deadline = now + timedelta(minutes=bank.time_limit_minutes) if bank.time_limit_minutes else None
    attempt = QuizAttempt(
        person_id=person_id,
        organisation_id=organisation_id,
        cohort_id=cohort_id,
        quiz_id=bank.id,
        bank_version=bank.version,
        number=number,
        started_at=now,
        deadline=deadline,
        draw=draw_attempt(bank, rng or random.SystemRandom()),
        answers={},
    )
    db.session.add(attempt)
    return attempt


def start_or_resume(
    bank: QuizBank,
    person_id: int,
    organisation_id: int,
    cohort_id: int,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> QuizAttempt:
    """The open attempt if there is one; otherwise a new one, within the attempts allowed."""
    now = now or utc_now()
    attempts = attempts_of(person_id, organisation_id, bank.id)
    for attempt in attempts:
        if attempt.status == AttemptStatus.IN_PROGRESS:
            if not expired(attempt, now):
                return attempt
            submit(attempt.id, bank, None, now)
    if len(attempts) >= allowed_attempts(bank, person_id, organisation_id):
        raise QuizRefused(
            f"You have used all {len(attempts)} attempts at {bank.title}. Your trainer can grant another."
        )
    attempt = new_attempt(bank, person_id, organisation_id, cohort_id, len(attempts) + 1, now, rng)
    try:
        # Named step: the attempt number is claimed now, so a second tab that starts the same
        # quiz a moment later meets the unique constraint and resumes this attempt instead.
        db.session.commit()
    except IntegrityError:  # a second tab started the same attempt number a moment earlier
        db.session.rollback()
        return start_or_resume(bank, person_id, organisation_id, cohort_id, now, rng)
    return attempt


def save_answers(
    attempt: QuizAttempt,
    raw: Mapping[str, Any],
    flagged: Iterable[str] = (),
    now: datetime | None = None,
) -> None:
    """Keep the answers and flags so far: a draft the attempt resumes from, and what is graded
    if time runs out before the practitioner submits."""
    if attempt.status != AttemptStatus.IN_PROGRESS or expired(attempt, now):
        raise QuizRefused("This attempt is closed: its answers can no longer change.")
    attempt.answers = dict(raw)
    drawn = {d.question.id for d in Draw.of(attempt.draw).questions}
    attempt.flagged = [question_id for question_id in flagged if question_id in drawn]
    db.session.flush()


def states(attempt: QuizAttempt) -> list[QuestionState]:
    """Each question of the attempt, answered or not and flagged or not, as last saved."""
    return Draw.of(attempt.draw).states(attempt.answers, attempt.flagged or [])


def _decimal(value: Fraction, places: int) -> Decimal:
    return round(Decimal(value.numerator) / Decimal(value.denominator), places)


def _results(scored: AttemptScore) -> list[dict[str, Any]]:
    return [
        {
            "id": q.question_id,
            "points": str(q.points),
            "maximum": str(q.maximum),
            "explanation": q.explanation,
        }
        for q in scored.questions
    ]


def submit(
    attempt_id: int, bank: QuizBank, raw: Mapping[str, Any] | None, now: datetime | None = None
) -> QuizAttempt:
    """Close and score an attempt. Of two concurrent submissions only the first is recorded.

    The status change is a conditional UPDATE: the database lets exactly one transaction move the
    attempt from in-progress to submitted; the other finds nothing to update and returns the result.
    Answers arriving after the time limit (plus a short grace) are ignored: the saved ones count.
    """
    now = now or utc_now()
    claimed = rows_changed(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt_id, QuizAttempt.status == AttemptStatus.IN_PROGRESS)
        .values(status=AttemptStatus.IN_PROGRESS.submit(), submitted_at=now)
    )
    attempt = db.session.get_one(QuizAttempt, attempt_id)
    if not claimed:
        db.session.rollback()
        return db.session.get_one(QuizAttempt, attempt_id)
    db.session.refresh(attempt)
    if raw is not None and not expired(attempt, now):
        attempt.answers = dict(raw)
    draw = Draw.of(attempt.draw)
    scored = score_attempt(
        [d.question for d in draw.questions], draw.decode(attempt.answers), bank.pass_mark
    )
    attempt.points, attempt.max_points = _decimal(scored.total, 4), _decimal(scored.maximum, 4)
    attempt.percent, attempt.passed = _decimal(scored.percent, 3), scored.passed
    attempt.results = _results(scored)
    queue_delivery(attempt)  # the pending row is the outbox: sent after commit (app.dispatch)
    db.session.flush()
    return attempt


@dataclass(frozen=True)
class ReviewedQuestion:
    """One question of an attempt as it was shown, with what was answered and how it scored."""

    question: Question
    drawn: DrawnQuestion
    answer: Any
    score: QuestionScore | None


def review(attempt: QuizAttempt) -> list[ReviewedQuestion]:
    """The attempt exactly as drawn, with its answers and (once submitted) its scores."""
    draw = Draw.of(attempt.draw)
    answers = draw.decode(attempt.answers)
    stored = {r["id"]: r for r in attempt.results or []}
    reviewed = []
    for drawn in draw.questions:
        question = drawn.question
        result = stored.get(question.id)
        score = (
            QuestionScore(
                question.id,
                Fraction(result["points"]),
                Fraction(result["maximum"]),
                result["explanation"],
            )
            if result
            else None
        )
        reviewed.append(ReviewedQuestion(question, drawn, answers.get(question.id), score))
    return reviewed


def competencies(attempts: list[QuizAttempt]) -> dict[str, CompetencyResult]:
    """Strengths and gaps over the latest submitted attempt of each quiz."""
    latest: dict[str, QuizAttempt] = {}
    for attempt in attempts:
        if attempt.status == AttemptStatus.SUBMITTED:
            latest[attempt.quiz_id] = attempt
    scored = [
        (r.question, r.score) for a in latest.values() for r in review(a) if r.score is not None
    ]
    return competency_profile(scored)


def grant_extra_attempt(
    person_id: int, organisation_id: int, quiz_id: str, granted_by_id: int, reason: str
) -> ExtraAttempt:
    """A trainer allows one more attempt; the reason is kept."""
    audit(
        organisation_id,
        granted_by_id,
        "extra quiz attempt granted",
        f"{db.session.get_one(Person, person_id).display_name}: {quiz_id}",
        reason.strip(),
    )
    grant = ExtraAttempt(
        person_id=person_id,
        organisation_id=organisation_id,
        quiz_id=quiz_id,
        granted_by_id=granted_by_id,
        reason=reason.strip(),
    )
    db.session.add(grant)
    db.session.flush()
    return grant


WEAK = 70  # below this percentage a competency is a gap to work on (as its table marks it)


def modules_teaching(
    catalog: Catalog, bank: QuizBank | None, profile: Mapping[str, CompetencyResult]
) -> dict[str, Module]:
    """For each weak competency, the module to study: the quiz's own first (those of the days it
    assesses, which are open to whoever took it), then any that teaches it."""
    own = [m for m in catalog.ordered_modules if bank and bank.assesses(m.id, m.day)]
    rest = [m for m in catalog.ordered_modules if m not in own]
    teaching = {}
    for tag, found in profile.items():
        if found.percent >= WEAK:
            continue
        module = next((m for m in [*own, *rest] if tag in _tags(m)), None)
        if module is not None:
            teaching[tag] = module
    return teaching


def _tags(module: Module) -> set[str]:
    return {*(s.value for s in module.strategies), *module.topic_areas}


@dataclass(frozen=True)
class NextStep:
    """What the practitioner does after an attempt, put at the top of its result."""

    kind: Literal["retry", "next", "ask", "done"]
    bank: QuizBank | None = None  # the quiz to retry or take next


def next_step(attempt: QuizAttempt, bank: QuizBank, banks: list[QuizBank]) -> NextStep:
    """Try again while attempts are left; once passed, the next quiz not yet passed; else ask."""
    mine = attempts_of(attempt.person_id, attempt.organisation_id)
    passed = {a.quiz_id for a in mine if a.passed}
    if bank.id not in passed:
        used = sum(1 for a in mine if a.quiz_id == bank.id)
        if used < allowed_attempts(bank, attempt.person_id, attempt.organisation_id):
            return NextStep("retry", bank)
        return NextStep("ask", bank)
    waiting = next((b for b in banks if b.id not in passed), None)
    return NextStep("next", waiting) if waiting else NextStep("done")
