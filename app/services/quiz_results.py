"""Reading quiz results: the cohort table and item analysis, in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, func, select
from sqlalchemy.orm import InstrumentedAttribute

from app.domain.item_analysis import ItemStatistics, Response, analyse
from app.domain.paging import Page, PageRequest, page_in_python
from app.domain.quizzes import AttemptStatus, Draw, QuizBank, QuizGrade
from app.domain.roles import Role
from app.extensions import db
from app.models.people import Enrolment, Person
from app.models.quizzes import QuizAttempt
from app.models.tenancy import Cohort
from app.services.grades import grade_of
from app.services.listing import ordered, paged


@dataclass(frozen=True)
class QuizCell:
    """A practitioner's standing on one quiz: the grade they see and the gradebook receives."""

    attempts: int
    grade: QuizGrade | None


def _organisation_of(cohort_id: int) -> ScalarSelect[int]:
    return select(Cohort.organisation_id).where(Cohort.id == cohort_id).scalar_subquery()


def _cells(
    people: list[Person], cohort_id: int, banks: list[QuizBank]
) -> list[tuple[Person, dict[str, QuizCell]]]:
    """Each person's attempts and quiz grade per quiz, from one query.

    Every attempt in the organisation counts, as the practitioner's own page and the gradebook
    count them.
    """
    attempts: dict[tuple[int, str], list[QuizAttempt]] = defaultdict(list)
    for attempt in db.session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.organisation_id == _organisation_of(cohort_id),
            QuizAttempt.person_id.in_([p.id for p in people]),
        )
    ):
        attempts[attempt.person_id, attempt.quiz_id].append(attempt)
    table = []
    for person in people:
        cells = {}
        for bank in banks:
            mine = attempts[person.id, bank.id]
            cells[bank.id] = QuizCell(len(mine), grade_of(bank.grading, mine))
        table.append((person, cells))
    return table


def cohort_table(
    cohort_id: int, banks: list[QuizBank], request: PageRequest
) -> tuple[Page, list[tuple[Person, dict[str, QuizCell]]]]:
    """One page of the cohort's practitioners with their attempts and quiz grade per quiz.

    The page sorts by name or by the best submitted score at one quiz (its id is the sort key):
    under either grading method, who has reached the highest score is what a trainer scans for.
    """
    query = (
        select(Person)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.cohort_id == cohort_id, Enrolment.role == Role.PRACTITIONER)
    )
    orders: dict[str, list[ColumnElement[Any] | InstrumentedAttribute[Any]]] = {
        "name": [Person.name, Person.id]
    }
    if request.sort != "name":
        # The organisation's attempts, as the cells count them (a pass in an earlier course too).
        best = (
            select(QuizAttempt.person_id, func.max(QuizAttempt.percent).label("best"))
            .where(
                QuizAttempt.organisation_id == _organisation_of(cohort_id),
                QuizAttempt.quiz_id == request.sort,
                QuizAttempt.status == AttemptStatus.SUBMITTED,
            )
            .group_by(QuizAttempt.person_id)
            .subquery()
        )
        query = query.outerjoin(best, best.c.person_id == Person.id)
        orders[request.sort] = [best.c.best, Person.name, Person.id]
    page, rows = paged(ordered(query, request, orders), request)
    return page, _cells(list(db.session.scalars(rows)), cohort_id, banks)


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
        answers = Draw.of(attempt.draw).decode(attempt.answers)
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


def item_report(organisation_id: int, banks: Mapping[str, QuizBank]) -> list[ItemReport]:
    """Item statistics over every submitted attempt in the organisation, worst items first."""
    attempts = list(
        db.session.scalars(
            select(QuizAttempt).where(
                QuizAttempt.organisation_id == organisation_id,
                QuizAttempt.status == AttemptStatus.SUBMITTED,
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


ITEM_SORTS = ("question", "responses", "facility", "discrimination", "point_biserial", "concerns")


def item_page(report: list[ItemReport], request: PageRequest) -> tuple[Page, list[ItemReport]]:
    """One page of the item analysis in the order asked for; `concerns` is the worst-first order.

    The statistics need every attempt, so the report is computed whole and only shown in pages.
    """
    rank = {id(row): position for position, row in enumerate(report)}
    keys: dict[str, Callable[[ItemReport], Any]] = {
        "question": lambda r: (r.quiz_title, r.stats.question_id),
        "responses": lambda r: r.stats.responses,
        "facility": lambda r: r.stats.facility,
        "discrimination": lambda r: r.stats.discrimination,
        "point_biserial": lambda r: r.stats.point_biserial,
        "concerns": lambda r: rank[id(r)],
    }
    return page_in_python(report, request, keys)
