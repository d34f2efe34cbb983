"""An attempt's draw read as values (what a form posts, what the graders read) and its status."""

from __future__ import annotations

import random
from dataclasses import replace
from types import SimpleNamespace

import pytest

from app.content.loader import load_catalog
from app.content.quizzes import load_quizzes
from app.domain.quizzes import (
    ANSWER_FORMATS,
    AnswerRefused,
    AttemptClosed,
    AttemptStatus,
    Draw,
    DrawRule,
    draw_attempt,
)
from app.domain.scoring import GRADERS, score_attempt
from config import ROOT_DIR
from tests.support.quizzes import FIXTURES, FormData, form_for


@pytest.fixture(scope="module")
def drawn():
    bank = load_quizzes(FIXTURES, load_catalog(ROOT_DIR / "courses"))["sample"]
    whole = replace(bank, draws=tuple(DrawRule(p.id, len(p.items)) for p in bank.pools))
    return whole, draw_attempt(whole, random.Random(7))  # every question, so every type


def test_every_question_type_has_an_answer_format_beside_its_grader():
    assert set(ANSWER_FORMATS) == set(GRADERS)


@pytest.mark.parametrize(("right", "percent"), [(True, 100), (False, 0)])
def test_a_posted_form_reads_and_decodes_to_what_the_graders_score(drawn, right, percent):
    _, draw = drawn
    value = Draw.of(draw)
    raw = value.read(FormData(form_for(SimpleNamespace(draw=draw), right)))
    scored = score_attempt([d.question for d in value.questions], value.decode(raw), 80)
    assert scored.percent == percent


def test_tokens_reach_the_form_never_choice_ids(drawn):
    _, draw = drawn
    raw = Draw.of(draw).read(FormData(form_for(SimpleNamespace(draw=draw))))
    choice_ids = {c.id for d in Draw.of(draw).questions for c in d.question.choices}
    posted = [v for v in raw.values() if isinstance(v, str) and v not in ("true", "false")]
    assert posted
    assert not set(posted) & choice_ids


@pytest.mark.parametrize(
    ("kind", "posted", "message"),
    [
        ("single-choice", "a", "did not match this attempt"),
        ("true-false", "maybe", "did not match this attempt"),
        ("ordering", "²", "as a number from 1 to"),
        ("ordering", "99", "as a number from 1 to"),
    ],
)
def test_a_forged_or_stale_answer_is_refused_with_what_to_do(drawn, kind, posted, message):
    _, draw = drawn
    target = next(d for d in Draw.of(draw).questions if d.question.type == kind)
    form = FormData(form_for(SimpleNamespace(draw=draw)))
    if kind == "ordering":
        form[f"{target.field}-{target.steps[0][0]}"] = posted
    else:
        form[target.field] = posted
    with pytest.raises(AnswerRefused, match=message):
        Draw.of(draw).read(form)


def test_decoding_drops_unknown_tokens_so_a_forged_answer_only_loses_points(drawn):
    _, draw = drawn
    value = Draw.of(draw)
    multiple = next(d for d in value.questions if d.question.type == "multiple-response")
    assert value.decode({multiple.question.id: ["not-a-token"]}) == {multiple.question.id: []}


def test_states_say_which_questions_are_answered_and_flagged_in_the_order_shown(drawn):
    _, draw = drawn
    value = Draw.of(draw)
    first, second = value.questions[0], value.questions[1]
    raw = value.read(FormData(form_for(SimpleNamespace(draw=draw))))
    partial = {first.question.id: raw[first.question.id], second.question.id: []}
    states = value.states(partial, [second.question.id, "not-drawn"])
    assert [s.number for s in states] == list(range(1, len(value.questions) + 1))
    assert (states[0].answered, states[0].flagged) == (True, False)
    assert (states[1].answered, states[1].flagged) == (False, True), "an empty choice is none"
    assert not any(s.answered or s.flagged for s in states[2:])


def test_an_attempt_is_submitted_once_and_for_good():
    assert AttemptStatus.IN_PROGRESS.submit() is AttemptStatus.SUBMITTED
    with pytest.raises(AttemptClosed, match="already submitted"):
        AttemptStatus.SUBMITTED.submit()
    assert [s.value for s in AttemptStatus] == ["in-progress", "submitted"], "the stored strings"
