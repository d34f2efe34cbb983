"""The practitioner's tracker: each requirement as done of needed, beside eligibility's verdict."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from app.domain.certification import (
    CertificationRules,
    Evidence,
    RubricResult,
    SignoffRecord,
    eligibility,
)
from app.domain.tracker import steps

PASSED = RubricResult(Fraction(7, 2), "Satisfactory", True, 13)
FAILED = RubricResult(Fraction(2), "Needs work", False, 13)


DEFAULTS = CertificationRules()


def _steps(evidence: Evidence, rules: CertificationRules = DEFAULTS):
    return {s.key: s for s in steps(evidence, rules, eligibility(evidence, rules), (12, 32), 6)}


def test_a_practitioner_part_way_sees_each_count_and_what_is_missing():
    evidence = Evidence(
        days_incomplete=(3, 4, 5),
        quizzes_not_passed=("day-2", "day-3", "day-4", "day-5", "final"),
        consultation_credited=9,
        consultation_counted=10,
        signoffs=(SignoffRecord(date(2026, 11, 1), "real session", PASSED),),
    )
    found = _steps(evidence)
    assert [(s.done, s.needed, s.met) for s in found.values()] == [
        (12, 32, False),
        (1, 6, False),
        (9, 12, False),
        (1, 2, False),
    ]
    assert found["consultation"].missing == "3 more consultation sessions (at least 12 are needed)"
    assert found["training"].label == "Training modules"


def test_only_passing_counted_signoffs_count_and_a_bar_never_runs_past_its_end():
    evidence = Evidence(
        days_incomplete=(),
        quizzes_not_passed=(),
        consultation_credited=15,
        consultation_counted=15,
        signoffs=(
            SignoffRecord(date(2026, 10, 1), "role-play", FAILED),
            SignoffRecord(date(2026, 11, 1), "real session", PASSED),
        ),
    )
    found = _steps(evidence)
    assert (found["signoff"].done, found["signoff"].met) == (1, False)
    assert (found["consultation"].done, found["consultation"].shown) == (15, 12)
    assert found["consultation"].met


def test_consultation_needs_the_share_of_a_long_period_not_only_the_minimum():
    # 10 credited of a 24-week period with one session forgiven: 75% of 23 is 18, not 12
    evidence = Evidence((), (), consultation_credited=10, consultation_counted=23)
    found = _steps(evidence)["consultation"]
    assert (found.done, found.needed, found.met) == (10, 18, False)
    assert found.missing == "8 more consultation sessions (18 are needed: 75% of the period's 23)"


def test_without_a_signoff_requirement_the_tracker_has_three_steps():
    rules = CertificationRules(require_signoff=False)
    evidence = Evidence((), (), None, None)
    found = _steps(evidence, rules)
    assert list(found) == ["training", "quizzes", "consultation"]
    assert found["consultation"].done == 0
    assert found["consultation"].missing == "Not yet in a consultation group"
