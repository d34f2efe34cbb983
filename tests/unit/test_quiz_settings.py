"""A quiz's grading method and question review: which grade counts, and when the key opens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.quizzes import GradingMethod, QuestionReview, quiz_grade, review_open

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Attempt:
    number: int
    percent: Decimal | None
    passed: bool | None
    submitted_at: datetime | None


def attempts(*percents: float, pass_mark: float = 80) -> list[Attempt]:
    """Attempts submitted an hour apart, in order, scoring these percents."""
    return [
        Attempt(n, Decimal(str(p)), p >= pass_mark, START + timedelta(hours=n))
        for n, p in enumerate(percents, start=1)
    ]


def test_the_highest_method_grades_the_best_attempt_stamped_with_the_latest_submission():
    grade = quiz_grade(GradingMethod.HIGHEST, attempts(0, 38.5, 0))
    assert grade is not None
    assert (grade.percent, grade.attempt.number) == (Decimal("38.5"), 2)
    assert grade.graded_at == START + timedelta(hours=3)
    assert grade.passed is False


def test_the_last_method_grades_the_latest_submission_whatever_came_before():
    grade = quiz_grade(GradingMethod.LAST, attempts(0, 100, 0))
    assert grade is not None
    assert (grade.percent, grade.attempt.number) == (Decimal(0), 3)
    assert grade.graded_at == START + timedelta(hours=3)
    assert grade.passed is True, "a pass shown once stays a pass; the grade is the last score"


def test_equal_best_scores_grade_the_earliest_attempt_reaching_it():
    grade = quiz_grade(GradingMethod.HIGHEST, attempts(90, 90))
    assert grade is not None
    assert grade.attempt.number == 1


def test_attempts_not_yet_scored_do_not_count():
    open_attempt = Attempt(3, None, None, None)
    assert quiz_grade(GradingMethod.LAST, [open_attempt]) is None
    grade = quiz_grade(GradingMethod.LAST, [*attempts(40, 60), open_attempt])
    assert grade is not None
    assert grade.attempt.number == 2


def test_the_last_method_follows_submission_time_not_list_order():
    first, second = attempts(70, 20)
    grade = quiz_grade(GradingMethod.LAST, [second, first])
    assert grade is not None
    assert grade.percent == Decimal(20)


def test_no_attempts_no_grade():
    assert quiz_grade(GradingMethod.HIGHEST, []) is None


# used, allowed, passed -> open under each setting
CASES = [
    ((1, 3, False), {"after-last-attempt": False, "once-passed": False, "either": False}),
    ((1, 3, True), {"after-last-attempt": False, "once-passed": True, "either": True}),
    ((3, 3, False), {"after-last-attempt": True, "once-passed": False, "either": True}),
    ((3, 4, False), {"after-last-attempt": False, "once-passed": False, "either": False}),
    ((3, 3, True), {"after-last-attempt": True, "once-passed": True, "either": True}),
]
SETTINGS = {
    "after-last-attempt": QuestionReview.AFTER_LAST_ATTEMPT,
    "once-passed": QuestionReview.ONCE_PASSED,
    "either": QuestionReview.AFTER_LAST_ATTEMPT_OR_PASSED,
}


@pytest.mark.parametrize(("situation", "expected"), CASES)
def test_question_review_opens_only_when_the_setting_says(situation, expected):
    used, allowed, passed = situation
    for name, setting in SETTINGS.items():
        assert review_open(setting, used, allowed, passed) is expected[name], (name, situation)


def test_a_quiz_that_never_opens_its_review_keeps_it_closed_even_after_a_pass():
    assert review_open(QuestionReview.NEVER, 3, 3, True) is False


def test_the_default_setting_is_named_in_the_file_format():
    assert (
        QuestionReview("after-last-attempt-or-passed")
        is QuestionReview.AFTER_LAST_ATTEMPT_OR_PASSED
    )
    assert GradingMethod("highest") is GradingMethod.HIGHEST
