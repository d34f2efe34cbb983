"""The cue report: each cue a test-wise candidate exploits is measured, and breaks the check."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from app.content import cues
from app.content.cues import ModuleText, cue_report, module_text, seen_share
from app.content.model import Activity, ActivityType, Module, Turn
from app.domain.quizzes import DrawRule, GradingMethod, Item, Pool, QuestionReview, QuizBank
from app.domain.scoring import Choice, Question

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cues"


def _single(qid: str, texts: list[str], key: int, prompt: str = "What do you do?") -> Question:
    choices = tuple(Choice("abcdef"[i], text, i == key, "because") for i, text in enumerate(texts))
    return Question(qid, "single-choice", prompt, "r", ("motivational",), (), choices=choices)


def _statement(qid: str, answer: bool) -> Question:
    return Question(
        qid, "true-false", f"Statement {qid}.", "r", ("educational",), (), answer=answer
    )


def _bank(
    questions: list[Question],
    *,
    bank_id: str = "b",
    count: int = 1,
    attempts: int = 1,
    items: list[Item] | None = None,
    pool_size: int | None = None,
) -> QuizBank:
    found = items or [Item(q.id, (q,)) for q in questions]
    padding = [
        Item(f"{bank_id}-pad-{n}", (_statement(f"{bank_id}-pad-{n}", n % 2 == 0),))
        for n in range(max(0, (pool_size or 0) - len(found)))
    ]
    pool = Pool("main", "Main", tuple(found + padding))
    lines = {item.id: 10 * (n + 1) for n, item in enumerate(pool.items)}
    lines |= {q.id: lines[item.id] for item in pool.items for q in item.questions}
    lines |= {
        f"{q.id}#{c.id}": lines[q.id] + 1 + i
        for item in pool.items
        for q in item.questions
        for i, c in enumerate(q.choices)
    }
    lines["draw:main"] = 5
    return QuizBank(
        id=bank_id,
        title="Bank",
        days=(1,),
        modules=(),
        pass_mark=80,
        attempts_allowed=attempts,
        time_limit_minutes=None,
        grading=GradingMethod.HIGHEST,
        question_review=QuestionReview.AFTER_LAST_ATTEMPT_OR_PASSED,
        draws=(DrawRule("main", count),),
        pools=(pool,),
        version="v",
        source=f"quizzes/{bank_id}.yaml",
        lines=lines,
    )


def _check(bank: QuizBank, metric: str, texts: dict[str, ModuleText] | None = None) -> cues.Check:
    report = cue_report({bank.id: bank}, texts or {})[0]
    return next(check for check in report.checks if check.metric.startswith(metric))


# four options of plainly different lengths, none asking a question or using cue words
PLAIN = ["Go on.", "Note it down.", "Move to the next topic.", "Read the handout aloud slowly."]


def test_true_false_keyed_almost_always_false_fails_and_names_the_statements():
    bank = _bank([_statement("t1", True)] + [_statement(f"f{n}", False) for n in range(4)])
    check = _check(bank, "true/false")
    assert not check.passed
    assert check.measured == "1 : 4 (20% true)"
    assert str(check.findings[0]) == "quizzes/b.yaml:20 f0: keyed false"
    assert len(check.findings) == 4


@pytest.mark.parametrize(("true", "false"), [(2, 3), (3, 3), (2, 2), (0, 1), (0, 0)])
def test_balanced_true_false_passes(true: int, false: int):
    statements = [_statement(f"t{n}", True) for n in range(true)]
    statements += [_statement(f"f{n}", False) for n in range(false)]
    assert _check(_bank(statements or [_single("s", PLAIN, 0)]), "true/false").passed


def test_a_key_that_is_always_the_longest_fails_and_lists_the_items():
    questions = [_single(f"s{n}", PLAIN, 3) for n in range(4)]
    check = _check(_bank(questions), "key is the longest")
    assert not check.passed
    assert "4 of 4 (100%)" in check.measured
    assert "chance 25%" in check.measured
    assert [f.item for f in check.findings] == ["s0", "s1", "s2", "s3"]
    assert str(check.findings[0]) == "quizzes/b.yaml:10 s0: the key is the longest"


def test_a_key_that_is_never_the_longest_also_fails_as_a_cue():
    questions = [_single(f"s{n}", PLAIN, n % 3) for n in range(8)]
    check = _check(_bank(questions), "key is the longest")
    assert not check.passed
    assert "too rarely the longest" in check.advice


def test_key_lengths_as_chance_would_place_them_pass():
    questions = [_single(f"s{n}", PLAIN, n % 4) for n in range(8)]
    report = cue_report({"b": _bank(questions)}, {})[0]
    by_metric = {c.metric: c for c in report.checks}
    assert by_metric["key is the longest option"].passed
    assert by_metric["key is the shortest option"].passed


def test_a_tie_for_longest_is_not_the_key_being_longest():
    tied = _single("s", ["Same length A.", "Same length B.", "Short.", "Tiny."], 0)
    assert not cues._extreme_is_keyed(tied, "longest")
    assert cues._extreme_is_keyed(_single("s", PLAIN, 0), "shortest")


def test_only_the_key_asking_a_quoted_question_fails():
    asking = ['"What has helped before?"', "Give advice.", "Move on.", "Read it aloud."]
    questions = [_single(f"s{n}", asking, 0) for n in range(4)]
    check = _check(_bank(questions), "only the key holds a quoted question")
    assert not check.passed
    # each question: one option asks, so chance puts the key on it 1 time in 4
    assert "4 of 4 (100%), chance 25% (1.0 questions)" in check.measured
    assert len(check.findings) == 4


def test_a_distractor_asking_too_or_an_unquoted_question_mark_is_no_quoted_cue():
    both = ['"What has helped before?"', '"Why not stop?"', "Move on.", "Read it aloud."]
    unquoted = ["What has helped before?", "Give advice.", "Move on.", "Read it aloud."]
    questions = [_single("s1", both, 0), _single("s2", unquoted, 0)]
    assert _check(_bank(questions), "only the key holds a quoted question").passed
    assert cues.asks_quoted_question("“Shall we look at it together?”")
    assert cues.asks_quoted_question('Say: "What would help? Tell me.')  # unclosed quote runs on
    assert not cues.asks_quoted_question('"I do not know." Then ask why?')


def test_chance_that_quoted_options_are_all_keys_in_a_multiple_response_question():
    choices = tuple(Choice(c, "x", c in "abc", "w") for c in "abcde")
    question = Question("m", "multiple-response", "?", "r", (), ("medication",), choices=choices)
    assert cues._only_keyed_chance(question, 1) == Fraction(3, 5)
    assert cues._only_keyed_chance(question, 2) == Fraction(3, 10)  # C(3,2) / C(5,2)
    assert cues._only_keyed_chance(question, 4) == 0
    assert cues._only_keyed_chance(question, 0) == 0


LESSON = ModuleText(
    "lesson",
    1,
    "The practitioner asks what has got the person through the hardest weeks, then listens.",
)


def test_keys_copied_from_the_module_text_fail_and_quote_the_shared_words():
    copied = [
        "Ask what has got the person through the hardest weeks.",
        "Give advice.",
        "Move on.",
        "Read it aloud.",
    ]
    check = _check(_bank([_single("s", copied, 0)]), "options sharing", {"lesson": LESSON})
    assert not check.passed
    assert check.measured == "keys 1 of 1 (100%), distractors 0 of 3 (0%)"
    assert str(check.findings[0]) == (
        'quizzes/b.yaml:11 s choice a: "what has got the person through the hardest weeks"'
    )


def test_verbatim_runs_count_only_at_six_words_and_only_from_assessed_modules():
    five = ["Ask what has got the person.", "Give advice.", "Move on.", "Read it aloud."]
    assert _check(_bank([_single("s", five, 0)]), "options sharing", {"lesson": LESSON}).passed
    copied = [
        "Ask what has got the person through the hardest weeks.",
        "Give advice.",
        "Move on.",
        "Read it aloud.",
    ]
    other_day = {"lesson": ModuleText("lesson", 2, LESSON.text)}
    assert _check(_bank([_single("s", copied, 0)]), "options sharing", other_day).passed


def test_distractors_copied_as_often_as_keys_pass():
    texts = [
        "Ask what has got the person through the hardest weeks.",
        "Say the practitioner asks what has got the person through it.",
        "Move on.",
        "Read it aloud.",
    ]
    bank = _bank([_single("s", texts, 0)])
    check = _check(bank, "options sharing", {"lesson": LESSON})
    assert check.measured == "keys 1 of 1 (100%), distractors 1 of 3 (33%)"
    assert not check.passed
    texts[2] = (
        "Ask the person through the hardest weeks about it."  # "the person through the hardest weeks"
    )
    texts[3] = "Ask what has got the person through anything."  # "what has got the person through"
    assert _check(_bank([_single("s", texts, 0)]), "options sharing", {"lesson": LESSON}).passed


def test_module_text_holds_the_lesson_activity_prompts_and_transcripts():
    module = Module(
        id="m",
        title="M",
        day=1,
        position=1,
        minutes=30,
        objectives=(),
        strategies=(),
        topic_areas=(),
        activities=(
            Activity("r", ActivityType.REFLECTION, True, "R", prompt="Think of a session."),
            Activity(
                "w",
                ActivityType.WORKED_EXAMPLE,
                False,
                "W",
                context="A first session.",
                transcript=(
                    Turn("Practitioner", "What brings you here today?", "An open question."),
                ),
            ),
        ),
        lesson_html="<h2>Goals</h2><p>Goals &amp; hope come first.</p>",
        version="v",
        source="courses/day-1/m.md",
    )
    text = module_text(module)
    assert (text.id, text.day) == ("m", 1)
    for part in (
        "Goals & hope come first.",
        "Think of a session.",
        "A first session.",
        "What brings you here today?",
        "An open question.",
    ):
        assert part in text.text
    assert "<p>" not in text.text


def test_a_stem_reused_under_a_new_name_is_found_across_banks_with_both_places():
    day = _bank(
        [
            _single(
                "d-med",
                PLAIN,
                0,
                "Tunde, who has a diagnosis of schizophrenia, starts Using Medication Effectively and "
                'says: "Why do I need to learn about tablets? I just want to drive my cab." '
                "What is the best response?",
            )
        ],
        bank_id="day",
    )
    final = _bank(
        [
            _single(
                "f-med",
                PLAIN,
                1,
                "Hamid, who has a diagnosis of bipolar disorder, starts Using Medication Effectively. "
                'He says: "Why do I need to learn about tablets? I just want to get back to work." '
                "What is the best response?",
            ),
            _single("f-other", PLAIN, 2, "A group member talks over everyone else. What helps?"),
        ],
        bank_id="final",
    )
    reports = {r.bank: r for r in cue_report({"day": day, "final": final}, {})}
    across = next(c for c in reports["final"].checks if c.metric == "stems alike across banks")
    assert not across.passed
    assert [str(f) for f in across.findings] == [
        f"quizzes/final.yaml:10 f-med: {across.findings[0].detail.split()[0]} alike "
        "quizzes/day.yaml:10 d-med"
    ]
    assert float(across.findings[0].detail.split()[0]) >= cues.STEM_SIMILARITY
    within = next(c for c in reports["final"].checks if c.metric == "stems alike within the bank")
    assert within.passed


def test_different_situations_are_not_alike_and_vignettes_compare_by_scenario():
    first = "Lena wants to talk about a row with her sister before the stress topic."
    second = "Pavel kept a sleep log this week as agreed with his practitioner."
    assert cues.similarity(first, second) < cues.STEM_SIMILARITY
    assert cues.similarity(first, first) == 1.0
    vignette = Item("v", (_single("v-1", PLAIN, 0, "What first?"),), scenario=first)
    assert cues.item_stem(vignette) == first


def test_pool_seen_share_follows_the_formula():
    assert seen_share(3, 7, 3) == 1 - Fraction(4, 7) ** 3  # about 81%
    assert seen_share(1, 8, 3) == 1 - Fraction(7, 8) ** 3  # about 33%: the limit
    assert seen_share(2, 2, 1) == 1


def test_a_shallow_pool_fails_naming_the_draw_rule():
    shallow = _bank([_statement("t", True)], count=3, attempts=3, pool_size=7)
    check = _check(shallow, "pool seen")
    assert not check.passed
    assert (
        str(check.findings[0]) == "quizzes/b.yaml:5 pool main: 3 of 7 items per attempt, 81% seen"
    )
    deep = _bank([_statement("t", True)], count=1, attempts=3, pool_size=8)
    assert _check(deep, "pool seen").passed


def test_the_guesser_reads_only_the_options():
    asks = _single(
        "s",
        ["Tell her to rest now.", '"What would help?"', "Warn her of it.", "Just wait a week."],
        1,
    )
    assert cues.guess(asks) == 1
    # never the longest: the questioning option is also the longest, so it is ruled out
    longest = _single(
        "s", ["Go on.", '"What would help you most this week, do you think?"', "Wait.", "Stop."], 1
    )
    assert cues.guess(longest) == 0
    # practitioner wording beats directive wording when no option asks
    wording = _single(
        "s",
        ["Explore it together.", "Tell her the facts.", "Warn her.", "Read it out loud now."],
        0,
    )
    assert cues.guess(wording) == 1
    # no cue at all: a random pick among the three that are not the longest
    assert cues.guess(_single("s", PLAIN, 0)) == Fraction(1, 3)
    assert cues.guess(_single("s", PLAIN, 3)) == 0


def test_a_bank_the_guesser_beats_fails_and_one_at_chance_passes():
    cued = [
        _single(
            f"s{n}",
            ["Tell her to rest now.", '"What would help?"', "Warn her of it.", "Just wait a week."],
            1,
        )
        for n in range(4)
    ]
    check = _check(_bank(cued), "options-only guesser")
    assert not check.passed
    assert check.measured == "100% of 4, chance 25%"
    assert len(check.findings) == 4
    fair = [_single(f"s{n}", PLAIN, n % 4) for n in range(4)]
    assert _check(_bank(fair), "options-only guesser").passed  # 3 × 1/3 + 0, of 4: 25%


# ------------------------------------------------------------------ `quizzes check` on fixtures


def test_a_bank_full_of_cues_fails_quizzes_check_naming_file_metric_and_items(runner):
    folder = FIXTURES / "test-wise"
    bank = (folder / "test-wise.yaml").read_text().splitlines()

    def line(text: str) -> int:
        return next(n for n, row in enumerate(bank, start=1) if text in row)

    result = runner.invoke(args=["quizzes", "check", "--path", str(folder)])
    assert result.exit_code == 1
    out = result.output
    assert "test-wise (test-wise/test-wise.yaml)" in out  # the table
    for message in (
        "test-wise/test-wise.yaml: true/false keyed true : false: 0 : 3 (0% true)",
        "test-wise/test-wise.yaml: key is the longest option: 2 of 5 (40%)",
        "test-wise/test-wise.yaml: only the key holds a quoted question: 5 of 5 (100%)",
        "test-wise/test-wise.yaml: options sharing 6 words in a row with the modules: "
        "keys 1 of 5 (20%), distractors 0 of 15 (0%)",
        "test-wise/test-wise.yaml: stems alike within the bank: 1 pair",
        "test-wise/test-wise.yaml: pool seen over 3 attempts: at most 76%",
        "test-wise/test-wise.yaml: options-only guesser on single-choice: 60% of 5, chance 25%",
    ):
        assert message in out, message
    assert f"test-wise/test-wise.yaml:{line('id: tw-tf-1')} tw-tf-1: keyed false" in out
    assert f"test-wise/test-wise.yaml:{line('id: tw-home')} tw-home: the wording alone" in out
    assert f"test-wise/test-wise.yaml:{line('count: 3') - 1} pool main: 3 of 8" in out
    assert "8 cue check(s) failed in 1 bank(s)" in out


def test_a_bank_without_cues_passes_quizzes_check(runner):
    result = runner.invoke(args=["quizzes", "check", "--path", str(FIXTURES / "clean")])
    assert result.exit_code == 0, result.output
    assert "clean (clean/clean.yaml)" in result.output
    assert "FAIL" not in result.output


def test_real_banks_pass_the_cue_thresholds(runner):
    result = runner.invoke(args=["quizzes", "check"])
    assert result.exit_code == 0, result.output
