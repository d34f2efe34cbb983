"""Quiz banks: the real ones are complete and valid; broken ones are reported by file and line."""

from __future__ import annotations

import random
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from app.content.loader import load_catalog
from app.content.model import TOPIC_AREAS, Strategy
from app.content.quizzes import load_quizzes
from app.content.source import ContentInvalid
from app.domain.quizzes import (
    GradingMethod,
    QuestionReview,
    draw_attempt,
    drawn_questions,
    from_snapshot,
    snapshot,
)
from app.domain.scoring import score_question
from config import ROOT_DIR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes"


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(ROOT_DIR / "courses")


def test_the_real_banks_cover_every_day_every_strategy_and_every_topic(catalog):
    banks = load_quizzes(ROOT_DIR / "quizzes", catalog)
    assert {"day-1", "day-2", "day-3", "day-4", "day-5", "final"} <= set(banks)
    questions = [q for bank in banks.values() for q in bank.questions.values()]
    assert len(questions) >= 150
    tags = {tag for q in questions for tag in (*q.strategies, *q.topic_areas)}
    # Healthy Lifestyles' questions come with its module: tests/unit/test_completeness.py.
    assert {s.value for s in Strategy} | set(TOPIC_AREAS) - {"healthy-lifestyles"} <= tags
    for bank in banks.values():
        assert {q.type for q in bank.questions.values()} == {
            "single-choice",
            "multiple-response",
            "true-false",
            "ordering",
        }
        assert all(q.rationale for q in bank.questions.values())
        assert all(c.why for q in bank.questions.values() for c in q.choices)
        assert any(item.scenario for item in bank.items.values()), f"{bank.id} has no vignette"


def test_every_real_bank_draws_a_fresh_varied_attempt(catalog):
    for bank in load_quizzes(ROOT_DIR / "quizzes", catalog).values():
        first = drawn_questions(draw_attempt(bank, random.Random(1)))
        second = drawn_questions(draw_attempt(bank, random.Random(2)))
        assert len(first) >= 10
        assert [q.id for q in first] != [q.id for q in second], (
            f"{bank.id} draws the same attempt every time"
        )


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "quizzes"
    shutil.copytree(FIXTURES, target)
    return target


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), start=1) if text in line)


STEPS_LINE = (
    "        steps: [Describe the situation, Name the feeling, Identify the thought, "
    "Check the evidence, Find a more accurate thought]"
)

BROKEN = {
    "no correct answer": (
        "correct: true, why: It links",
        "why: It links",
        "choices:",
        "a single-choice question needs exactly one correct choice, not 0",
        "choices",
    ),
    "duplicate id": (
        "id: s-single-2",
        "id: s-single  # duplicate",
        "# duplicate",
        "id `s-single` is already used in quizzes/sample.yaml",
        None,
    ),
    "pool smaller than the draw": (
        "    count: 3",
        "    count: 9",
        "count: 9",
        "cannot draw 9 items from pool `main`, which has 4",
        None,
    ),
    "unknown module": (
        "  days: [1]",
        "  modules: [no-such-module]",
        "no-such-module",
        "module `no-such-module` does not exist in courses/",
        None,
    ),
    "unknown type": (
        "type: true-false\n        prompt: Behavioural",
        "type: yes-no\n        prompt: Behavioural",
        "type: yes-no",
        "`type` must be one of",
        None,
    ),
    "bad tag": (
        "topic_areas: [reducing-relapses]",
        "topic_areas: [relapses]",
        "[relapses]",
        "`relapses` is not one of",
        None,
    ),
    "no tags at all": (
        "{strategies: [educational], topic_areas: []}",
        "{strategies: [], topic_areas: []}",
        "{strategies: [], topic_areas: []}",
        "tag the question with at least one",
        None,
    ),
    "an accepted order missing a step": (
        STEPS_LINE,
        STEPS_LINE + "\n        orders: [[1, 3, 2, 4]]",
        "orders: [[1, 3, 2, 4]]",
        "an accepted order must list each step number from 1 to 5 exactly once",
        None,
    ),
    "an accepted order repeating a step": (
        STEPS_LINE,
        STEPS_LINE + "\n        orders:\n          - [1, 3, 2, 5, 5]",
        "[1, 3, 2, 5, 5]",
        "an accepted order must list each step number from 1 to 5 exactly once",
        None,
    ),
    "an accepted order listed twice": (
        STEPS_LINE,
        STEPS_LINE
        + "\n        orders:\n          - [1, 3, 2, 4, 5]\n          - [1, 3, 2, 4, 5]  # again",
        "# again",
        "this accepted order is listed twice",
        None,
    ),
    "an accepted order that is the written one": (
        STEPS_LINE,
        STEPS_LINE + "\n        orders:\n          - [1, 2, 3, 4, 5]",
        "[1, 2, 3, 4, 5]",
        "this accepted order is the written order of the steps",
        None,
    ),
    "accepted orders on a question that is not ordering": (
        "answer: false",
        "answer: false\n        orders: [[2, 1]]",
        "orders: [[2, 1]]",
        "unknown key `orders`",
        None,
    ),
    "a grading method that does not exist": (
        "pass_mark: 80",
        "pass_mark: 80\ngrading: average",
        "grading: average",
        "`grading` must be one of `highest`, `last` (default `highest`)",
        None,
    ),
    "a question review setting that does not exist": (
        "question_review: after-last-attempt-or-passed",
        "question_review: always",
        "question_review: always",
        "`question_review` must be one of `after-last-attempt`, `once-passed`, "
        "`after-last-attempt-or-passed`, `never`",
        None,
    ),
    "the retired feedback key": (
        "question_review: after-last-attempt-or-passed",
        "feedback: full",
        "feedback: full",
        "unknown key `feedback`",
        None,
    ),
    "unknown key": (
        "pass_mark: 80",
        "pass_mark: 80\npassmark: 70",
        "passmark:",
        "unknown key `passmark`",
        None,
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_banks_are_reported_with_file_and_line(tmp_path: Path, catalog, case: str):
    old, new, locate, message, _ = BROKEN[case]
    folder = _copy(tmp_path)
    bank = folder / "sample.yaml"
    text = bank.read_text()
    assert old in text
    bank.write_text(text.replace(old, new, 1))
    expected_line = _line_of(bank, locate)
    with pytest.raises(ContentInvalid) as raised:
        load_quizzes(folder, catalog)
    errors = [str(e) for e in raised.value.errors]
    matching = [e for e in errors if message in e]
    assert matching, errors
    assert matching[0].startswith("quizzes/sample.yaml:"), matching[0]
    line = int(matching[0].split(":")[1])
    assert line == expected_line, (matching[0], expected_line)


def test_the_real_banks_pass_structural_validation(catalog):
    # structure only: the cue thresholds of `quizzes check` are test_quiz_cues.py's (#16)
    banks = load_quizzes(ROOT_DIR / "quizzes", catalog)
    assert len(banks) == 6


def test_quizzes_check_cli_reports_and_exits_non_zero(runner, tmp_path: Path):
    ok = runner.invoke(args=["quizzes", "check", "--path", str(FIXTURES.parent / "cues" / "clean")])
    assert ok.exit_code == 0, ok.output
    assert "questions in 1 banks" in ok.output
    folder = _copy(tmp_path)
    bank = folder / "sample.yaml"
    bank.write_text(bank.read_text().replace("answer: false", "answer: maybe", 1))
    failed = runner.invoke(args=["quizzes", "check", "--path", str(folder)])
    assert failed.exit_code == 1
    assert (
        f"quizzes/sample.yaml:{_line_of(bank, 'answer: maybe')}: `answer` must be true or false"
        in failed.output
    )


def test_accepted_orders_load_score_and_survive_the_snapshot(tmp_path: Path, catalog):
    folder = _copy(tmp_path)
    bank = folder / "sample.yaml"
    bank.write_text(
        bank.read_text().replace(STEPS_LINE, STEPS_LINE + "\n        orders: [[1, 3, 2, 4, 5]]")
    )
    question = load_quizzes(folder, catalog)["sample"].questions["s-order"]
    assert question.orders == ((0, 2, 1, 3, 4),)
    # situation, thought, feeling, evidence, accurate thought: right under the accepted order
    assert score_question(question, [0, 2, 1, 3, 4]).points == 1
    assert from_snapshot(snapshot(question)) == question
    old = {key: value for key, value in snapshot(question).items() if key != "orders"}
    assert from_snapshot(old).orders == ()
    assert score_question(from_snapshot(old), [0, 2, 1, 3, 4]).points == Fraction(9, 10)


def test_grading_and_question_review_load_and_default(tmp_path: Path, catalog):
    folder = _copy(tmp_path)
    bank = folder / "sample.yaml"
    original = bank.read_text()
    bank.write_text(original.replace("question_review: after-last-attempt-or-passed\n", ""))
    defaults = load_quizzes(folder, catalog)["sample"]
    assert (defaults.grading, defaults.question_review) == (
        GradingMethod.HIGHEST,
        QuestionReview.AFTER_LAST_ATTEMPT_OR_PASSED,
    )
    bank.write_text(
        original.replace(
            "question_review: after-last-attempt-or-passed",
            "grading: last\nquestion_review: never",
        )
    )
    chosen = load_quizzes(folder, catalog)["sample"]
    assert (chosen.grading, chosen.question_review) == (GradingMethod.LAST, QuestionReview.NEVER)


def test_a_draws_answers_score_exactly_the_questions_it_answers_right(catalog):
    """The demo seed's practitioners answer through it: right where asked, wrong elsewhere."""
    from app.domain.quizzes import Draw
    from app.domain.scoring import score_attempt

    bank = load_quizzes(FIXTURES, catalog)["sample"]
    draw = draw_attempt(bank, random.Random(3))
    ids = [q.id for q in drawn_questions(draw)]
    right = set(ids[::2])
    scored = score_attempt(
        drawn_questions(draw),
        Draw.of(draw).decode(Draw.of(draw).answers(lambda q: q in right)),
        bank.pass_mark,
    )
    full = {s.question_id for s in scored.questions if s.points == s.maximum}
    assert full == right
    assert all(s.points <= 0 for s in scored.questions if s.question_id not in right)
