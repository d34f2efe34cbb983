"""Item analysis and competency profiles, computed by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from app.domain.competency import competency_profile
from app.domain.item_analysis import Response, analyse, item_statistics
from app.domain.scoring import Question, QuestionScore


def _responses(
    question: str, pairs: list[tuple[float, float]], chosen: list[str] | None = None
) -> list[Response]:
    return [
        Response(i, question, score, total, (chosen[i],) if chosen else ())
        for i, (score, total) in enumerate(pairs)
    ]


def test_facility_discrimination_and_choice_counts():
    # 10 attempts; the question is right exactly in the top half
    pairs = [
        (0.0, 0.1),
        (0.0, 0.2),
        (0.0, 0.3),
        (0.0, 0.4),
        (0.0, 0.5),
        (1.0, 0.6),
        (1.0, 0.7),
        (1.0, 0.8),
        (1.0, 0.9),
        (1.0, 1.0),
    ]
    chosen = ["b", "b", "c", "b", "d", "a", "a", "a", "a", "a"]
    stats = item_statistics("q", _responses("q", pairs, chosen), dict.fromkeys(range(10), 10))
    assert stats.facility == pytest.approx(0.5)
    assert stats.discrimination == pytest.approx(1.0)  # top 3 all right, bottom 3 all wrong
    assert stats.point_biserial is not None
    assert stats.point_biserial > 0.8
    assert stats.choice_counts == {"a": 5, "b": 3, "c": 1, "d": 1}
    assert stats.concerns == []


def test_an_item_stronger_attempts_get_wrong_is_flagged_first():
    good = [(1.0 if t > 0.5 else 0.0, t) for t in (0.1, 0.3, 0.5, 0.7, 0.9, 0.95)]
    inverted = [(0.0 if t > 0.5 else 1.0, t) for t in (0.1, 0.3, 0.5, 0.7, 0.9, 0.95)]
    report = analyse(
        _responses("fine", good)
        + [Response(i, "suspect", s, t) for i, (s, t) in enumerate(inverted)]
    )
    assert report[0].question_id == "suspect"
    assert "the key may be wrong" in " ".join(report[0].concerns)
    assert report[0].discrimination == pytest.approx(-1.0)


def test_too_few_responses_give_no_statistics_only_facility():
    stats = item_statistics("q", _responses("q", [(1.0, 0.9), (0.0, 0.2)]), {0: 5, 1: 5})
    assert stats.facility == 0.5
    assert stats.discrimination is None
    assert stats.point_biserial is None


def test_an_item_with_too_few_responses_is_never_flagged_and_says_what_it_needs():
    # one and two wrong answers: facility 0, which with enough responses reads "very hard"
    one = item_statistics("q", _responses("q", [(0.0, 0.2)]), {0: 5})
    two = item_statistics("q", _responses("q", [(0.0, 0.2), (0.0, 0.4)]), {0: 5, 1: 5})
    four = item_statistics("q", _responses("q", [(0.0, t) for t in (0.1, 0.2, 0.3, 0.4)]), {})
    assert (one.concerns, one.responses_needed, one.waiting) == ([], 4, "4 more responses needed")
    assert (two.concerns, two.waiting) == ([], "3 more responses needed")
    assert (four.concerns, four.waiting) == ([], "1 more response needed")
    five = item_statistics("q", _responses("q", [(0.0, t) for t in (0.1, 0.2, 0.3, 0.4, 0.5)]), {})
    assert five.responses_needed == 0
    assert five.waiting == ""
    assert "very hard: check the key and the wording" in five.concerns


def test_items_still_waiting_for_responses_come_after_the_ones_with_statistics():
    inverted = [(0.0 if t > 0.5 else 1.0, t) for t in (0.1, 0.3, 0.5, 0.7, 0.9, 0.95)]
    report = analyse(
        [Response(0, "new", 0.0, 0.9)]
        + [Response(i, "suspect", s, t) for i, (s, t) in enumerate(inverted)]
    )
    assert [s.question_id for s in report] == ["suspect", "new"]


def test_competency_profile_adds_points_by_tag():
    q1 = Question("q1", "single-choice", "?", "r", ("motivational",), ("medication",))
    q2 = Question("q2", "true-false", "?", "r", ("motivational",), (), answer=True)
    profile = competency_profile(
        [
            (q1, QuestionScore("q1", Fraction(1), Fraction(1), "")),
            (q2, QuestionScore("q2", Fraction(0), Fraction(1), "")),
        ]
    )
    assert profile["motivational"].percent == 50
    assert profile["motivational"].questions == 2
    assert profile["medication"].percent == 100
