"""Reading quiz results: the cohort table and item analysis, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import select

from app.domain.item_analysis import ItemStatistics, Response, analyse
from app.domain.quizzes import QuizBank, QuizGrade, answers_from_form
from app.domain.roles import Role
from app.extensions import db
from app.models.people import Enrolment, Person
from app.models.quizzes import SUBMITTED, QuizAttempt
from app.models.tenancy import Cohort
from app.services.grades import grade_of


@dataclass(frozen=True)
class QuizCell:
    """A practitioner's standing on one quiz: the grade they see and the gradebook receives."""

    attempts: int
    grade: QuizGrade | None


def cohort_table(cohort_id: int, banks: list[QuizBank]) -> list[tuple[Person, dict[str, QuizCell]]]:
    """Each practitioner of the cohort with their attempts and quiz grade per quiz."""
    people = list(
        db.session.scalars(
            select(Person)
            .join(Enrolment, Enrolment.person_id == Person.id)
            .where(Enrolment.cohort_id == cohort_id, Enrolment.role == Role.PRACTITIONER)
            .order_by(Person.name)
        )
    )
    # every attempt in the organisation, as the practitioner's own page and the gradebook count
    organisation = select(Cohort.organisation_id).where(Cohort.id == cohort_id).scalar_subquery()
    attempts = list(
        db.session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.organisation_id == organisation,
                QuizAttempt.person_id.in_([p.id for p in people]),
            )
        )
    )
    table = []
    for person in people:
        cells = {}
        for bank in banks:
            mine = [a for a in attempts if a.person_id == person.id and a.quiz_id == bank.id]
            cells[bank.id] = QuizCell(len(mine), grade_of(bank.grading, mine))
        table.append((person, cells))
    return table


@dataclass(frozen=True)
class ItemReport:
    quiz_title: str
    prompt: str
    stats: ItemStatistics
    choices: list[tuple[str, int]]


def _responses(
    attempts: list[QuizAttempt],
) -> tuple[list[Response], dict[str, tuple[str, dict[str, Any]]]]:
    responses: list[Response] = []
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    for attempt in attempts:
        answers = answers_from_form(attempt.draw, attempt.answers)
        scores = {
            r["id"]: Fraction(r["points"]) / Fraction(r["maximum"]) for r in attempt.results or []
        }
        share = float(attempt.percent or 0) / 100
        for item in attempt.draw:
            for drawn in item["questions"]:
                question = drawn["question"]
                given = answers.get(question["id"])
                chosen = tuple(
                    given
                    if isinstance(given, list) and question["type"] == "multiple-response"
                    else [given]
                    if isinstance(given, str)
                    else []
                )
                responses.append(
                    Response(
                        attempt.id,
                        question["id"],
                        float(scores.get(question["id"], 0)),
                        share,
                        chosen,
                    )
                )
                seen.setdefault(question["id"], (attempt.quiz_id, question))
    return responses, seen


def item_report(organisation_id: int, banks: dict[str, QuizBank]) -> list[ItemReport]:
    """Item statistics over every submitted attempt in the organisation, worst items first."""
    attempts = list(
        db.session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.organisation_id == organisation_id, QuizAttempt.status == SUBMITTED
            )
        )
    )
    responses, seen = _responses(attempts)
    report = []
    for stats in analyse(responses):
        quiz_id, question = seen[stats.question_id]
        texts = {
            c["id"]: f"{c['id']}{' (key)' if c['correct'] else ''}" for c in question["choices"]
        }
        bank = banks.get(quiz_id)
        report.append(
            ItemReport(
                bank.title if bank else quiz_id,
                question["prompt"],
                stats,
                [(texts[c], stats.choice_counts.get(c, 0)) for c in texts],
            )
        )
    return report
