"""Scoring by hand: every question type, partial credit at its edges, pass marks exactly."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.domain.scoring import Choice, Question, score_attempt, score_question


def _choices(correct: str, ids: str = "abcde") -> tuple[Choice, ...]:
    return tuple(Choice(i, f"choice {i}", i in correct, "because") for i in ids)


SINGLE = Question(
    "s1", "single-choice", "?", "r", ("motivational",), (), choices=_choices("c", "abcd")
)
MULTI = Question(
    "m1", "multiple-response", "?", "r", (), ("medication",), choices=_choices("abc", "abcde")
)
TRUE_FALSE = Question("t1", "true-false", "?", "r", ("educational",), (), answer=False)
ORDERING = Question(
    "o1", "ordering", "?", "r", ("cognitive-behavioural",), (), steps=("a", "b", "c", "d")
)
ALTERNATIVE = Question(
    "o2",
    "ordering",
    "?",
    "r",
    ("cognitive-behavioural",),
    (),
    steps=("a", "b", "c", "d"),
    orders=((0, 2, 1, 3),),
)
HEAVY = Question(
    "m2",
    "multiple-response",
    "?",
    "r",
    (),
    ("medication",),
    points=Fraction(2),
    choices=_choices("ab", "abcd"),
)


@pytest.mark.parametrize(
    ("question", "answer", "expected"),
    [
        (SINGLE, "c", 1),
        (SINGLE, "a", 0),
        (SINGLE, None, 0),
        (SINGLE, ["c"], 0),
        (TRUE_FALSE, False, 1),
        (TRUE_FALSE, True, 0),
        (TRUE_FALSE, "false", 0),
        (TRUE_FALSE, None, 0),
        # multiple response, 3 correct (a b c) of 5: (right − wrong) ÷ 3, floor 0
        (MULTI, ["a", "b", "c"], 1),
        (MULTI, ["a", "b"], Fraction(2, 3)),
        (MULTI, ["a"], Fraction(1, 3)),
        (MULTI, ["a", "b", "c", "d"], Fraction(2, 3)),
        (MULTI, ["a", "b", "d"], Fraction(1, 3)),
        (MULTI, ["a", "d"], 0),
        (MULTI, ["a", "d", "e"], 0),  # would be −1/3: never below zero
        (MULTI, ["d", "e"], 0),
        (MULTI, ["a", "b", "c", "d", "e"], Fraction(1, 3)),  # ticking everything is not a strategy
        (MULTI, ["a", "a", "zz"], Fraction(1, 3)),  # duplicates and unknown ids count for nothing
        (MULTI, [], 0),
        (HEAVY, ["a"], 1),  # 2 points × 1/2
        # ordering, 4 steps (6 pairs): position given to each step of the right order;
        # points × pairs in the right relative order ÷ all pairs
        (ORDERING, [0, 1, 2, 3], 1),
        (ORDERING, [1, 0, 2, 3], Fraction(5, 6)),  # one neighbouring swap
        (ORDERING, [3, 2, 1, 0], 0),  # reversed
        (ORDERING, [0, 2, 3, 1], Fraction(4, 6)),  # the second step moved to the end
        (ORDERING, [0, 1], Fraction(1, 6)),  # two steps unplaced: only the placed pair counts
        (ORDERING, [0, None, 2, None], Fraction(1, 6)),
        (ORDERING, [0, 0, 0, 0], 0),  # every step in one place: no pair is in order
        (ORDERING, [True, 2, 3, 4], Fraction(3, 6)),  # a boolean is not a position
        (ORDERING, None, 0),
        (ORDERING, "0123", 0),
        # accepted alternative: steps 1, 3, 2, 4 (0-based (0, 2, 1, 3)); the best order counts
        (ALTERNATIVE, [0, 2, 1, 3], 1),
        (ALTERNATIVE, [0, 1, 2, 3], 1),
        (ALTERNATIVE, [1, 0, 2, 3], Fraction(5, 6)),
        (ALTERNATIVE, [3, 2, 1, 0], Fraction(1, 6)),  # reversed alternative differs by one pair
    ],
)
def test_question_scores(question, answer, expected):
    assert score_question(question, answer).points == Fraction(expected)


def test_explanations_show_the_arithmetic():
    assert (
        "2 of 3 correct choices chosen, 1 wrong: (2 − 1) ÷ 3"
        in score_question(MULTI, ["a", "b", "d"]).explanation
    )
    assert (
        "4 of 6 pairs of steps in the right relative order: 1 × 4 ÷ 6 → 0.7 of 1"
        in score_question(ORDERING, [0, 2, 3, 1]).explanation
    )
    assert "against another accepted order" in score_question(ALTERNATIVE, [0, 2, 1, 3]).explanation
    assert "another" not in score_question(ALTERNATIVE, [0, 1, 2, 3]).explanation


def test_a_sequence_shifted_by_one_step_keeps_most_of_its_credit():
    five = Question("o3", "ordering", "?", "r", (), ("medication",), steps=tuple("abcde"))
    shifted = [1, 2, 3, 4, 0]  # the last step put first, everything else one place later
    assert score_question(five, shifted).points == Fraction(6, 10)
    assert score_question(five, [0, 1, 2, 4, 3]).points == Fraction(9, 10)
    assert score_question(five, [4, 3, 2, 1, 0]).points == 0


def test_attempt_totals_and_the_pass_mark_edge():
    questions = [SINGLE, MULTI, TRUE_FALSE, ORDERING, HEAVY]  # 6 points available
    answers = {"s1": "c", "m1": ["a", "b", "c"], "t1": False, "o1": [0, 1, 2, 3], "m2": ["a", "b"]}
    full = score_attempt(questions, answers, pass_mark=80)
    assert (full.total, full.maximum, full.percent, full.passed) == (6, 6, 100, True)
    five = [
        SINGLE,
        MULTI,
        TRUE_FALSE,
        ORDERING,
        Question(
            "s2", "single-choice", "?", "r", ("educational",), (), choices=_choices("a", "abc")
        ),
    ]
    right = {"s1": "c", "m1": ["a", "b", "c"], "t1": False, "o1": [0, 1, 2, 3], "s2": "a"}
    at_mark = score_attempt(five, {**right, "s2": "b"}, pass_mark=80)  # 4 of 5 = exactly 80%
    assert (at_mark.percent, at_mark.passed) == (80, True)
    below = score_attempt(
        five, {**right, "s2": "b", "o1": [0, 1, 3, 2]}, pass_mark=80
    )  # ordering 5 of 6 pairs: 3 5/6 of 5 = 76.67%
    assert (below.percent, below.passed) == (Fraction(230, 3), False)
    just_below = score_attempt(
        [
            *five,
            MULTI.__class__(
                "m3",
                "multiple-response",
                "?",
                "r",
                (),
                ("medication",),
                choices=_choices("abc", "abcde"),
            ),
        ],
        {**right, "s2": "b", "m3": ["a", "b", "c", "d", "e"]},
        pass_mark=80,
    )
    assert just_below.percent == Fraction(1300, 18)  # (4 + 1/3) of 6 = 72.2…%
    assert not just_below.passed
    exact = score_attempt(
        [MULTI, SINGLE, TRUE_FALSE], {"m1": ["a", "b"], "s1": "c", "t1": True}, pass_mark=55
    )
    assert exact.percent == Fraction(500, 9)  # 1 2/3 of 3 = 55.55…%
    assert exact.passed


def test_unanswered_questions_score_zero():
    result = score_attempt([SINGLE, TRUE_FALSE], {}, pass_mark=50)
    assert result.total == 0
    assert not result.passed
