"""Quiz grades to the LMS gradebook (LTI Assignment and Grade Services).

The grade is stored locally first (the attempt and a pending delivery: the outbox that
app.dispatch sends after commit); sending it is a Celery task retried with backoff, and
`flask --app wsgi lti sync-grades` resends whatever is still pending or failed. Nothing is lost
when the LMS is down.

What is sent is the quiz grade, never one attempt's score on its own: the bank's grading method
over all the person's submitted attempts at that quiz, read when the grade is sent, which is the
grade the product's pages show. So a retry or a resend of an older attempt's delivery sends the
same score and timestamp as the newest one, and the gradebook cannot fall back to a stale score.
"""

from __future__ import annotations

from collections.abc import Iterable

import requests
from sqlalchemy import select

from app.domain.quizzes import GradingMethod, QuizGrade, quiz_grade
from app.extensions import content, db
from app.lti.ags import REFUSALS, Gradebook, GradebookRefused, Score, post_score
from app.lti.refusals import describe
from app.lti.tool_configuration import SCORE_SCOPE
from app.models.base import utc_now
from app.models.people import Person
from app.models.quizzes import DELIVERED, FAILED, PENDING, SUBMITTED, GradeDelivery, QuizAttempt
from app.models.tenancy import Cohort, Organisation


class DeliveryFailed(Exception):
    """The LMS did not take the grade this time (it may on a retry)."""


def queue_delivery(attempt: QuizAttempt) -> GradeDelivery | None:
    """A pending delivery when the attempt's course was launched with grade services."""
    cohort = db.session.get_one(Cohort, attempt.cohort_id)
    if not cohort.ags_lineitems_url or SCORE_SCOPE not in (cohort.ags_scopes or []):
        return None
    delivery = GradeDelivery(attempt_id=attempt.id, status=PENDING)
    db.session.add(delivery)
    db.session.flush()
    return delivery


def grade_of(grading: GradingMethod, attempts: Iterable[QuizAttempt]) -> QuizGrade | None:
    """The quiz grade the pages show and the gradebook receives, over the submitted attempts."""
    return quiz_grade(grading, [a for a in attempts if a.status == SUBMITTED])


def _grade_to_send(attempt: QuizAttempt) -> QuizGrade:
    bank = content().quizzes.get(attempt.quiz_id)
    attempts = db.session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.person_id == attempt.person_id,
            QuizAttempt.organisation_id == attempt.organisation_id,
            QuizAttempt.quiz_id == attempt.quiz_id,
        )
    )
    grade = grade_of(bank.grading if bank else GradingMethod.HIGHEST, attempts)
    if grade is None:
        raise GradebookRefused("the attempt has no score yet, so there is no grade to send")
    return grade


def _gradebook_and_score(delivery: GradeDelivery, title: str) -> tuple[Gradebook, Score]:
    attempt = delivery.attempt
    cohort = db.session.get_one(Cohort, attempt.cohort_id)
    organisation = db.session.get_one(Organisation, cohort.organisation_id)
    person = db.session.get_one(Person, attempt.person_id)
    gradebook = Gradebook(
        organisation.platform, cohort.ags_lineitems_url or "", tuple(cohort.ags_scopes or ())
    )
    grade = _grade_to_send(attempt)
    return gradebook, Score(
        attempt.quiz_id, title, person.subject, float(grade.percent), grade.graded_at
    )


def deliver(delivery_id: int, title: str) -> None:
    """Send one grade; record the outcome; raise DeliveryFailed so the task can retry."""
    delivery = db.session.get_one(GradeDelivery, delivery_id)
    if delivery.status == DELIVERED:
        return
    delivery.tries += 1
    delivery.last_tried_at = utc_now()
    db.session.commit()  # named step: never hold a write transaction across the LMS's HTTP calls
    try:
        post_score(*_gradebook_and_score(delivery, title))
    except (*REFUSALS, requests.RequestException, GradebookRefused) as error:
        delivery.status, delivery.last_error = FAILED, describe(error)
        db.session.commit()
        raise DeliveryFailed(delivery.last_error) from error
    delivery.status, delivery.delivered_at, delivery.last_error = DELIVERED, utc_now(), None
    db.session.commit()


def undelivered() -> list[int]:
    """Deliveries still pending or failed, oldest first."""
    query = (
        select(GradeDelivery.id)
        .where(GradeDelivery.status.in_([PENDING, FAILED]))
        .order_by(GradeDelivery.id)
    )
    return list(db.session.scalars(query))
