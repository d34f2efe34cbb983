"""Quiz grades to the LMS gradebook (LTI Assignment and Grade Services).

The grade is stored locally first (the attempt and a pending delivery); sending it is a Celery
task retried with backoff, and `flask --app wsgi lti sync-grades` resends whatever is still
pending or failed. Nothing is lost when the LMS is down.
"""

from __future__ import annotations

from datetime import UTC

import requests
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem
from sqlalchemy import select

from app.extensions import db
from app.lti.tool import service_connector
from app.lti.tool_configuration import LINEITEM_SCOPE, SCORE_SCOPE
from app.models.base import utc_now
from app.models.people import Person
from app.models.quizzes import DELIVERED, FAILED, PENDING, GradeDelivery, QuizAttempt
from app.models.tenancy import Cohort, Organisation

RESOURCE_PREFIX = "imr-quiz-"


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


def _lineitem(
    ags: AssignmentsGradesService, attempt: QuizAttempt, title: str, scopes: list[str]
) -> LineItem:
    """The quiz's gradebook column, found by its stable resource id, created if missing."""
    wanted = (
        LineItem()
        .set_resource_id(RESOURCE_PREFIX + attempt.quiz_id)
        .set_tag("imr-academy")
        .set_label(title)
        .set_score_maximum(100)
    )
    if LINEITEM_SCOPE not in scopes:
        raise DeliveryFailed(
            "the LMS did not grant the line item scope, so the quiz's gradebook column cannot be made"
        )
    return ags.find_or_create_lineitem(wanted, find_by="resource_id")


def _send(delivery: GradeDelivery, title: str) -> None:
    attempt = delivery.attempt
    cohort = db.session.get_one(Cohort, attempt.cohort_id)
    organisation = db.session.get_one(Organisation, cohort.organisation_id)
    person = db.session.get_one(Person, attempt.person_id)
    scopes = list(cohort.ags_scopes or [])
    ags = AssignmentsGradesService(
        service_connector(organisation.platform),
        {"scope": scopes, "lineitems": cohort.ags_lineitems_url},
    )
    grade = (
        Grade()
        .set_score_given(float(attempt.percent))
        .set_score_maximum(100)
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_timestamp(attempt.submitted_at.astimezone(UTC).isoformat())
        .set_user_id(person.subject)
    )
    ags.put_grade(grade, _lineitem(ags, attempt, title, scopes))


def deliver(delivery_id: int, title: str) -> None:
    """Send one grade; record the outcome; raise DeliveryFailed so the task can retry."""
    delivery = db.session.get_one(GradeDelivery, delivery_id)
    if delivery.status == DELIVERED:
        return
    delivery.tries += 1
    delivery.last_tried_at = utc_now()
    db.session.commit()  # never hold a write transaction (or a row lock) across the LMS's HTTP calls
    try:
        _send(delivery, title)
    except (LtiServiceException, LtiException, requests.RequestException, DeliveryFailed) as error:
        delivery.status, delivery.last_error = FAILED, _describe(error)
        db.session.commit()
        raise DeliveryFailed(delivery.last_error) from error
    delivery.status, delivery.delivered_at, delivery.last_error = DELIVERED, utc_now(), None
    db.session.commit()


def _describe(error: Exception) -> str:
    status = getattr(
        getattr(error, "response", None), "status_code", None
    )  # a 500 Response is falsy
    if status is not None:
        return f"the LMS answered HTTP {status}"
    return str(error) or type(error).__name__


def undelivered() -> list[int]:
    """Deliveries still pending or failed, oldest first."""
    query = (
        select(GradeDelivery.id)
        .where(GradeDelivery.status.in_([PENDING, FAILED]))
        .order_by(GradeDelivery.id)
    )
    return list(db.session.scalars(query))
