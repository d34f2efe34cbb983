"""Certification rules by hand: codes, the rubric, every eligibility requirement and combination."""

from __future__ import annotations

import itertools
from datetime import date
from fractions import Fraction

import pytest

from app.domain.certification import (
    CertificationRules,
    Evidence,
    RatingError,
    Rubric,
    RubricItem,
    RubricResult,
    Standing,
    add_months,
    eligibility,
    score_rubric,
    standing,
)
from app.domain.codes import new_code, normalise


def test_codes_carry_80_bits_read_aloud_and_catch_typos():
    code = new_code(random_bits=(1 << 80) - 1)
    assert code == "ZZZZ-ZZZZ-ZZZZ-ZZZZ-" + code[-1]
    assert normalise(code) == code
    fresh = new_code()
    assert len(fresh.replace("-", "")) == 17
    assert normalise(fresh.lower().replace("-", " ")) == fresh
    assert normalise(fresh.replace("0", "O").replace("1", "I")) == fresh
    symbols = fresh.replace("-", "")
    for position in range(16):
        wrong = (
            symbols[:position]
            + ("A" if symbols[position] != "A" else "B")
            + symbols[position + 1 :]
        )
        assert normalise(wrong) is None, "a single mistyped symbol is caught"
    assert normalise("not a code") is None
    assert normalise(symbols[:-1]) is None


RUBRIC = Rubric(
    "r",
    "Rubric",
    Fraction(3),
    (
        (Fraction(1), "Unsatisfactory"),
        (Fraction(2), "Needs improvement"),
        (Fraction(3), "Satisfactory"),
        (Fraction(4), "Very good"),
        (Fraction(5), "Excellent"),
    ),
    (
        RubricItem("a", "A", True, ""),
        RubricItem("b", "B", True, ""),
        RubricItem("opt", "Optional", False, ""),
    ),
)


@pytest.mark.parametrize(
    ("ratings", "mean", "band", "passed"),
    [
        ({"a": 3, "b": 3}, 3, "Satisfactory", True),  # the pass mark itself passes
        ({"a": 3, "b": 2}, Fraction(5, 2), "Needs improvement", False),
        ({"a": 3, "b": 2, "opt": 4}, 3, "Satisfactory", True),  # rated optional items count
        ({"a": 5, "b": 5, "opt": None}, 5, "Excellent", True),
        ({"a": 1, "b": 1}, 1, "Unsatisfactory", False),
        ({"a": 4, "b": 4, "opt": 5}, Fraction(13, 3), "Very good", True),
    ],
)
def test_rubric_mean_band_and_pass(ratings, mean, band, passed):
    result = score_rubric(RUBRIC, ratings, "individual")
    assert (result.mean, result.band, result.passed) == (Fraction(mean), band, passed)


@pytest.mark.parametrize(
    ("ratings", "message"),
    [({"a": 3}, "rate “B”: it is required"), ({"a": 3, "b": 6}, "from 1 to 5")],
)
def test_rubric_refuses_incomplete_or_out_of_range_ratings(ratings, message):
    with pytest.raises(RatingError, match=message):
        score_rubric(RUBRIC, ratings, "individual")


RULES = CertificationRules(consultation_sessions=12, consultation_rate=75)
PASSED = RubricResult(Fraction(7, 2), "Satisfactory", True, 13)
COMPLETE = Evidence((), (), 12, Fraction(80), PASSED, {"day-3": "Day 3 quiz"})


def test_everything_done_is_eligible():
    assert eligibility(COMPLETE, RULES).eligible


@pytest.mark.parametrize(
    ("change", "key", "missing"),
    [
        ({"days_incomplete": (3,)}, "training", "Day 3 of the training not yet complete"),
        (
            {"days_incomplete": (3, 4, 5)},
            "training",
            "Day 3, Day 4 and Day 5 of the training not yet complete",
        ),
        ({"quizzes_not_passed": ("day-3",)}, "quizzes", "Day 3 quiz not yet passed"),
        ({"consultation_credited": 8}, "consultation", "4 more consultation sessions"),
        ({"consultation_credited": 11}, "consultation", "1 more consultation session"),
        ({"consultation_rate": Fraction(60)}, "consultation", "attendance 60% of the 75% required"),
        (
            {"consultation_credited": None, "consultation_rate": None},
            "consultation",
            "Not yet in a consultation group",
        ),
        ({"signoff": None}, "signoff", "No competency sign-off yet"),
        (
            {"signoff": RubricResult(Fraction(5, 2), "Needs improvement", False, 13)},
            "signoff",
            "Latest sign-off rated 2.50 (Needs improvement): below the pass mark",
        ),
    ],
)
def test_each_missing_requirement_is_explained(change, key, missing):
    result = eligibility(Evidence(**{**COMPLETE.__dict__, **change}), RULES)
    assert not result.eligible
    [unmet] = [r for r in result.requirements if not r.met]
    assert (unmet.key, unmet.missing) == (key, missing)


def test_every_combination_of_gaps_is_reported_together():
    gaps = {
        "days_incomplete": (5,),
        "quizzes_not_passed": ("final",),
        "consultation_credited": 3,
        "signoff": None,
    }
    for size in range(1, len(gaps) + 1):
        for chosen in itertools.combinations(gaps, size):
            result = eligibility(
                Evidence(**{**COMPLETE.__dict__, **{k: gaps[k] for k in chosen}}), RULES
            )
            assert len([r for r in result.requirements if not r.met]) == size


def test_a_policy_without_signoff_skips_that_requirement():
    rules = CertificationRules(require_signoff=False)
    assert eligibility(Evidence(**{**COMPLETE.__dict__, "signoff": None}), rules).eligible


@pytest.mark.parametrize(
    ("today", "flags", "expected"),
    [
        (date(2027, 1, 1), {}, Standing.VALID),
        (date(2028, 6, 2), {}, Standing.EXPIRED),
        (date(2028, 6, 1), {}, Standing.VALID),  # valid through its expiry date
        (date(2027, 1, 1), {"revoked": True}, Standing.REVOKED),
        (date(2027, 1, 1), {"suspended": True}, Standing.SUSPENDED),
        (date(2027, 1, 1), {"replaced": True}, Standing.REPLACED),
    ],
)
def test_standing(today, flags, expected):
    arguments = {"revoked": False, "suspended": False, "replaced": False, **flags}
    assert standing(date(2028, 6, 1), today, **arguments) is expected


def test_validity_months_land_on_real_dates():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 24), 24) == date(2028, 11, 24)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
