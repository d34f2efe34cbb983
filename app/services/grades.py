"""Quiz grades to the LMS gradebook (LTI Assignment and Grade Services).

The grade is stored locally first (the attempt and a pending delivery: the outbox that
app.dispatch sends after commit); sending it is a Celery task retried with backoff, and
`flask --app wsgi lti sync-grades` resends whatever is still pending or failed. Nothing is lost
when the LMS is down.

What is sent is the quiz grade, never one attempt's score on its own: the bank's grading method
over all the person's submitted attempts at that quiz, read when the grade is sent, which is the
grade the product's pages show. So a retry or a resend of an older attempt's delivery sends the
same score and timestamp as the newest one, and the gradebook cannot fall back to a stale score.

A grade may be handed to two workers at once: the periodic resend queues a delivery that is
still waiting in the queue, and the broker hands a message out again when the worker that had it
lost its connection before acknowledging it. So a sender first claims the row in the database,
in one UPDATE that only one of them can win, and the grade is posted once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import requests
from sqlalchemy import ColumnElement, and_, or_, select, update

from app.domain.grades import DeliveryStatus
from app.domain.quizzes import AttemptStatus, GradingMethod, QuizGrade, quiz_grade
from app.extensions import content, db, rows_changed
from app.lti.ags import REFUSALS, Gradebook, GradebookRefused, Score, post_score
from app.lti.refusals import describe
from app.lti.tool_configuration import SCORE_SCOPE
from app.models.base import utc_now
from app.models.people import Person
from app.models.quizzes import GradeDelivery, QuizAttempt
from app.models.tenancy import Cohort, Organisation

# How long a claim holds: longer than one delivery's calls to the LMS (token, line items, score,
# each with a 15-second timeout). A worker that died while sending leaves its claim to expire.
SENDING_CLAIM_SECONDS = 300


class DeliveryFailed(Exception):
    """The LMS did not take the grade this time (it may on a retry)."""


def queue_delivery(attempt: QuizAttempt) -> GradeDelivery | None:
    """A pending delivery when the attempt's course was launched with grade services."""
    cohort = db.session.get_one(Cohort, attempt.cohort_id)
    if not cohort.ags_lineitems_url or SCORE_SCOPE not in (cohort.ags_scopes or []):
        return None
    delivery = GradeDelivery(attempt_id=attempt.id, status=DeliveryStatus.PENDING)
    db.session.add(delivery)
    db.session.flush()
    return delivery


def grade_of(grading: GradingMethod, attempts: Iterable[QuizAttempt]) -> QuizGrade | None:
    """The quiz grade the pages show and the gradebook receives, over the submitted attempts."""
    return quiz_grade(grading, [a for a in attempts if a.status == AttemptStatus.SUBMITTED])


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


def _claimable(now: datetime) -> ColumnElement[bool]:
    """Failed, or pending without a try begun within SENDING_CLAIM_SECONDS.

    A pending row whose try began less than that ago is being sent: its claim holds. A claim
    sets the row back to pending, which is what the practitioner sees ("being sent").
    """
    expired = now - timedelta(seconds=SENDING_CLAIM_SECONDS)
    unclaimed = or_(GradeDelivery.last_tried_at.is_(None), GradeDelivery.last_tried_at < expired)
    return or_(
        GradeDelivery.status == DeliveryStatus.FAILED,
        and_(GradeDelivery.status == DeliveryStatus.PENDING, unclaimed),
    )


def _claim(delivery_id: int) -> bool:
    """Take the delivery for this sender, unless it is delivered or another sender holds it."""
    now = utc_now()
    claimed = rows_changed(
        update(GradeDelivery)
        .where(GradeDelivery.id == delivery_id, _claimable(now))
        .values(status=DeliveryStatus.PENDING, tries=GradeDelivery.tries + 1, last_tried_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()  # named step: the claim must be visible before the LMS is called
    return claimed == 1


def deliver(delivery_id: int, title: str) -> bool:
    """Send one grade if this sender wins its claim; record the outcome, which releases it.

    False when there was nothing to send: the grade is delivered, or another sender holds it.
    Raises DeliveryFailed when the LMS did not take it, so the task can retry. Any other error
    (the shared store down, a bug) ends the claim too, and the periodic resend tries again.
    """
    if not _claim(delivery_id):
        return False
    delivery = db.session.get_one(GradeDelivery, delivery_id)
    try:
        post_score(*_gradebook_and_score(delivery, title))
    except (*REFUSALS, requests.RequestException, GradebookRefused) as error:
        raise DeliveryFailed(_failed(delivery_id, error)) from error
    except Exception as error:
        _failed(delivery_id, error)
        raise
    outcome = DeliveryStatus(delivery.status).delivered()
    delivery.status, delivery.delivered_at, delivery.last_error = outcome, utc_now(), None
    db.session.commit()
    return True


def _failed(delivery_id: int, error: Exception) -> str:
    """Record a try that failed, which releases its claim; the description recorded."""
    db.session.rollback()  # the error may have come from the database itself
    description = describe(error)
    delivery = db.session.get_one(GradeDelivery, delivery_id)
    delivery.status, delivery.last_error = DeliveryStatus(delivery.status).failed(), description
    db.session.commit()
    return description


def undelivered() -> list[int]:
    """Deliveries still pending or failed, oldest first."""
    query = (
        select(GradeDelivery.id)
        .where(GradeDelivery.status != DeliveryStatus.DELIVERED)
        .order_by(GradeDelivery.id)
    )
    return list(db.session.scalars(query))
