"""Certification rules by hand: codes, the rubric, every eligibility requirement and combination."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from fractions import Fraction
from typing import NamedTuple

import pytest

from app.domain.certification import (
    CertificationRules,
    Evidence,
    RatingError,
    Rubric,
    RubricItem,
    RubricResult,
    Shortfall,
    SignoffRecord,
    SignoffRule,
    add_months,
    check_observed_on,
    closest_to_met,
    eligibility,
    renewal_opens,
    score_rubric,
)
from app.domain.codes import in_file_names, new_code, normalise
from app.exports import safe_filename


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


def test_every_code_keeps_its_name_in_a_download_whatever_its_check_symbol():
    codes = [new_code(random_bits=value) for value in range(37)]  # every check symbol once
    assert {code[-1] for code in codes} >= set("*~$=U")
    for code in codes:
        name = f"imr-badge-{in_file_names(code)}.jwt"
        assert safe_filename(name) == name, "no symbol a browser or a file system would rewrite"
        assert name == f"imr-badge-{code[:19]}.jwt"


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
ROLE_PLAY = SignoffRecord(date(2026, 10, 1), "role-play", PASSED)
REAL = SignoffRecord(date(2026, 11, 1), "real session", PASSED)
COMPLETE = Evidence((), (), 12, 15, (ROLE_PLAY, REAL), {"day-3": "Day 3 quiz"})  # 80%
FAILED_ON_MINIMUM = RubricResult(
    Fraction(19, 5), "Satisfactory", False, 11, (Shortfall("Agrees a weekly action plan", 2, 3),)
)


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
        (
            {"consultation_credited": 8},
            "consultation",
            "4 more consultation sessions (at least 12 are needed)",
        ),
        (
            {"consultation_credited": 11},
            "consultation",
            "1 more consultation session (at least 12 are needed)",
        ),
        (
            {"consultation_credited": 14, "consultation_counted": 23},  # 12 made, 61% of 23
            "consultation",
            "4 more consultation sessions (18 are needed: 75% of the period's 23)",
        ),
        (
            {"consultation_credited": None, "consultation_counted": None},
            "consultation",
            "Not yet in a consultation group",
        ),
        ({"signoffs": ()}, "signoff", "No competency sign-off yet"),
        ({"signoffs": (REAL,)}, "signoff", "1 more sign-off needed"),
        (
            {"signoffs": (ROLE_PLAY, ROLE_PLAY)},
            "signoff",
            "at least one sign-off must observe a real or recorded session, not a role-play",
        ),
        (
            {
                "signoffs": (
                    ROLE_PLAY,
                    SignoffRecord(
                        date(2026, 11, 20),
                        "real session",
                        RubricResult(Fraction(5, 2), "Needs improvement", False, 13),
                    ),
                )
            },
            "signoff",
            "The sign-off of 20 November 2026 rated 2.50 (Needs improvement): below the pass mark",
        ),
        (
            {
                "signoffs": (
                    ROLE_PLAY,
                    SignoffRecord(date(2026, 11, 20), "real session", FAILED_ON_MINIMUM),
                )
            },
            "signoff",
            "The sign-off of 20 November 2026 rated 3.80 (Satisfactory), not passed: "
            "“Agrees a weekly action plan” rated 2, below the minimum of 3",
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
        "signoffs": (),
    }
    for size in range(1, len(gaps) + 1):
        for chosen in itertools.combinations(gaps, size):
            result = eligibility(
                Evidence(**{**COMPLETE.__dict__, **{k: gaps[k] for k in chosen}}), RULES
            )
            assert len([r for r in result.requirements if not r.met]) == size


def test_a_policy_without_signoff_skips_that_requirement():
    rules = CertificationRules(require_signoff=False)
    assert eligibility(Evidence(**{**COMPLETE.__dict__, "signoffs": ()}), rules).eligible


FAILED = SignoffRecord(date(2026, 9, 1), "real session", FAILED_ON_MINIMUM)


def test_the_latest_sign_offs_count_by_default_so_an_early_failure_is_overtaken():
    later = Evidence(**{**COMPLETE.__dict__, "signoffs": (FAILED, ROLE_PLAY, REAL)})
    assert eligibility(later, RULES).eligible
    each = CertificationRules(signoff_rule=SignoffRule.EACH)
    assert not eligibility(later, each).eligible


def test_one_sign_off_and_role_plays_are_enough_where_the_policy_says_so():
    relaxed = CertificationRules(signoffs_needed=1, real_session_needed=False)
    one = Evidence(**{**COMPLETE.__dict__, "signoffs": (ROLE_PLAY,)})
    assert eligibility(one, relaxed).eligible
    assert not eligibility(one, RULES).eligible


def test_validity_months_land_on_real_dates():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 24), 24) == date(2028, 11, 24)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)


def test_an_observed_session_is_dated_today_or_earlier_and_not_before_imr():
    today = date(2026, 12, 4)
    assert check_observed_on(date(2026, 12, 5), today) == date(2026, 12, 5)  # east of UTC
    assert check_observed_on(date(2000, 1, 1), today) == date(2000, 1, 1)
    for impossible in (date(2026, 12, 6), date(1999, 12, 31), date(9999, 12, 31)):
        with pytest.raises(RatingError, match="today or earlier"):
            check_observed_on(impossible, today)


class _Standing(NamedTuple):
    credited: int
    counted: int


def test_the_group_closest_to_meeting_consultation_counts():
    rules = CertificationRules(consultation_sessions=12, consultation_rate=75)
    twenty_short, twelve_met = _Standing(13, 20), _Standing(12, 12)
    assert closest_to_met([twenty_short, twelve_met], rules) == twelve_met
    assert closest_to_met([_Standing(10, 20), twenty_short], rules) == twenty_short
    assert closest_to_met([_Standing(12, 12), _Standing(16, 20)], rules) == _Standing(16, 20)
    assert closest_to_met([], rules) is None


@pytest.mark.parametrize(
    ("expires", "opens"),
    [
        (date(2028, 4, 30), date(2028, 3, 1)),  # 29 February + 2 months is 29 April
        (date(2027, 4, 30), date(2027, 3, 1)),
        (date(2027, 12, 31), date(2027, 10, 31)),
        (date(2027, 5, 31), date(2027, 3, 31)),
        (date(2027, 6, 15), date(2027, 4, 15)),
    ],
)
def test_renewal_opens_on_the_first_day_two_months_from_which_reach_the_expiry(expires, opens):
    assert renewal_opens(expires) == opens
    assert add_months(opens, 2) >= expires
    assert add_months(opens - timedelta(days=1), 2) < expires
