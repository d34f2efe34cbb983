"""LTI Assignment and Grade Services: a quiz's gradebook column and one person's score in it.

The grade is found by its stable resource id (so every attempt at a quiz lands in the same
column) and created when missing; scores go as AGS 2.0 score objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException, LtiServiceException
from pylti1p3.grade import Grade
from pylti1p3.lineitem import LineItem

from app.lti.tool import service_connector
from app.lti.tool_configuration import LINEITEM_SCOPE, SCORE_SCOPE
from app.models.lti import Platform

RESOURCE_PREFIX = "imr-quiz-"
# What an LMS may answer when it refuses a grade; callers retry on these.
REFUSALS = (LtiServiceException, LtiException)


class GradebookRefused(Exception):
    """The LMS cannot take this grade as things stand (the message says why)."""


@dataclass(frozen=True)
class Gradebook:
    """A course's AGS endpoint, as a launch granted it."""

    platform: Platform
    lineitems_url: str
    scopes: tuple[str, ...]

    @property
    def takes_scores(self) -> bool:
        return SCORE_SCOPE in self.scopes


@dataclass(frozen=True)
class Score:
    """One person's score on one quiz, out of 100."""

    quiz_id: str
    quiz_title: str
    subject: str
    percent: float
    submitted_at: datetime


def _lineitem(ags: AssignmentsGradesService, gradebook: Gradebook, score: Score) -> LineItem:
    if LINEITEM_SCOPE not in gradebook.scopes:
        raise GradebookRefused(
            "the LMS did not grant the line item scope, so the quiz's gradebook column cannot be made"
        )
    wanted = (
        LineItem()
        .set_resource_id(RESOURCE_PREFIX + score.quiz_id)
        .set_tag("imr-academy")
        .set_label(score.quiz_title)
        .set_score_maximum(100)
    )
    return ags.find_or_create_lineitem(wanted, find_by="resource_id")


def post_score(gradebook: Gradebook, score: Score) -> None:
    """Put the score in the quiz's column (made if missing); raises what the LMS refused."""
    # The scopes are the LMS's own words from the launch; pylti1p3 types them as the four it knows.
    scopes: list[Any] = list(gradebook.scopes)
    ags = AssignmentsGradesService(
        service_connector(gradebook.platform),
        {"scope": scopes, "lineitems": gradebook.lineitems_url},
    )
    grade = (
        Grade()
        .set_score_given(score.percent)
        .set_score_maximum(100)
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_timestamp(score.submitted_at.astimezone(UTC).isoformat())
        .set_user_id(score.subject)
    )
    ags.put_grade(grade, _lineitem(ags, gradebook, score))
