"""The cue report: does a quiz bank reward reading the options instead of knowing the practice?

A competency quiz should be passed by practitioners who know IMR, not by candidates who have
learnt how quiz writers write. This module measures, per bank, the cues that let a test-wise
candidate score without the competence: keys that are always true or always false, keys that
are the longest or shortest option, keys that alone ask a question, keys copied from the lesson,
stems reused between banks, pools so small that three attempts show most of them, and the score
of a candidate who reads only the options.

It is pure: it takes loaded banks and the modules' texts as values, so tests can build both by
hand. quizzes/README.md documents every metric, formula and threshold; the constants below are
the thresholds, named so the README and the code can be checked against each other.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from app.content.model import Catalog, Module
from app.domain.quizzes import Item, QuizBank
from app.domain.scoring import Question

# true/false: the share keyed true must lie in this range, unless the counts differ by one
TRUE_SHARE_RANGE = (Fraction(40, 100), Fraction(60, 100))
# key strictly longest / strictly shortest: within this many points of chance, either way
LENGTH_MARGIN = Fraction(10, 100)
# the guesser who reads only the options: at most this many points above chance
GUESSER_MARGIN = Fraction(10, 100)
# verbatim runs: this many consecutive words shared with the modules' text
RUN_WORDS = 6
# keyed options holding a verbatim run: at most this many points above distractors
VERBATIM_MARGIN = Fraction(3, 100)
# two stems are "alike" when the Jaccard similarity of their sets of word pairs (content words
# only, names kept) reaches this; reused stems with a new name and goal score 0.22 to 0.38
STEM_SIMILARITY = 0.2
STEM_SHINGLE = 2
# function words left out of stems before comparing them: they make any two stems look alike
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "so",
        "than",
        "then",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "by",
        "from",
        "into",
        "about",
        "over",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "here",
        "he",
        "she",
        "his",
        "her",
        "him",
        "they",
        "them",
        "their",
        "you",
        "your",
        "i",
        "me",
        "my",
        "we",
        "our",
        "who",
        "whom",
        "which",
        "what",
        "when",
        "how",
        "do",
        "does",
        "did",
        "not",
        "no",
        "has",
        "have",
        "had",
        "will",
        "would",
        "can",
        "could",
        "should",
        "may",
        "might",
        "also",
        "just",
        "very",
        "one",
        "two",
    ]
)
# the expected share of a pool one practitioner sees over all their attempts
POOL_SEEN_LIMIT = Fraction(1, 3)

CHOICE_TYPES = ("single-choice", "multiple-response")

# the wording a test-wise candidate trusts (practitioner-style) and distrusts (directive)
PRACTITIONER_WORDS = re.compile(
    r"\b(explor\w*|invit\w*|together|ask(s|ed|ing)?|wonder\w*|curious\w*|reflect\w*"
    r"|collaborat\w*|elicit\w*)\b"
)
DIRECTIVE_WORDS = re.compile(
    r"\b(tell(s|ing)?|told|warn\w*|just|must|remind\w*|insist\w*|lectur\w*|explain\w*|should)\b"
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class ModuleText:
    """Everything a practitioner reads in one module, as plain text."""

    id: str
    day: int
    text: str


@dataclass(frozen=True)
class Finding:
    """One item a failing check blames: where it is (`file:line`), its id, and why."""

    where: str
    item: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where} {self.item}: {self.detail}"


@dataclass(frozen=True)
class Check:
    """One metric of one bank: what was measured, the limit, and the items at fault."""

    metric: str
    measured: str
    limit: str
    passed: bool
    findings: tuple[Finding, ...] = ()
    advice: str = ""


@dataclass(frozen=True)
class BankCues:
    bank: str
    source: str
    checks: tuple[Check, ...]

    @property
    def failed(self) -> list[Check]:
        return [check for check in self.checks if not check.passed]


# ---------------------------------------------------------------------------- text helpers


def words(text: str) -> list[str]:
    """Lowercase words, curly apostrophes made straight, so copies match whatever the typography."""
    return _WORD.findall(text.lower().replace("\u2019", "'").replace("\u2018", "'"))


def quotations(text: str) -> list[str]:
    """The quoted passages of a text (straight or curly double quotes; an unclosed one runs on)."""
    parts = text.replace("\u201c", '"').replace("\u201d", '"').split('"')
    return parts[1::2]


def asks_quoted_question(text: str) -> bool:
    return any("?" in quoted for quoted in quotations(text))


def _runs(tokens: Sequence[str], size: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def module_text(module: Module) -> ModuleText:
    """A module's lesson body, activity prompts and worked-example transcripts as plain text."""
    parts = [html.unescape(_TAG.sub(" ", module.lesson_html))]
    for activity in module.activities:
        parts += [activity.scenario, activity.practitioner_goal, activity.prompt, activity.context]
        parts += [*activity.observer_watches_for, *activity.items]
        for turn in activity.transcript:
            parts += [turn.says, turn.commentary or ""]
    return ModuleText(module.id, module.day, "\n".join(part for part in parts if part))


def module_texts(catalog: Catalog) -> dict[str, ModuleText]:
    return {module.id: module_text(module) for module in catalog.ordered_modules}


def _percent(value: Fraction | float) -> str:
    return f"{float(value) * 100:.0f}%"


def _share(part: int, whole: int) -> Fraction:
    return Fraction(part, whole) if whole else Fraction(0)


def _mean(values: Iterable[Fraction]) -> Fraction:
    found = list(values)
    return sum(found, Fraction(0)) / len(found) if found else Fraction(0)


def _of(part: int, whole: int) -> str:
    return f"{part} of {whole} ({_percent(_share(part, whole))})"


def _choice_questions(bank: QuizBank) -> list[Question]:
    return [q for q in bank.questions.values() if q.type in CHOICE_TYPES]


# ---------------------------------------------------------------------------- the checks


def true_false_balance(bank: QuizBank) -> Check:
    """Keyed true and keyed false should be about as common, or "false" becomes a good guess."""
    statements = [q for q in bank.questions.values() if q.type == "true-false"]
    keyed_true = sum(1 for q in statements if q.answer)
    keyed_false = len(statements) - keyed_true
    share = _share(keyed_true, len(statements))
    low, high = TRUE_SHARE_RANGE
    passed = not statements or low <= share <= high or abs(keyed_true - keyed_false) <= 1
    majority = keyed_true > keyed_false
    findings = (
        ()
        if passed
        else tuple(
            Finding(bank.line(q.id), q.id, f"keyed {'true' if majority else 'false'}")
            for q in statements
            if q.answer is majority
        )
    )
    return Check(
        "true/false keyed true : false",
        f"{keyed_true} : {keyed_false} ({_percent(share)} true)" if statements else "none",
        f"{_percent(low)}–{_percent(high)} true, or counts within 1",
        passed,
        findings,
        "" if passed else f"rewrite some statements keyed {'true' if majority else 'false'}",
    )


def _extreme_is_keyed(question: Question, pick: str) -> bool:
    """Whether one option alone is the longest (or shortest), and it is keyed."""
    lengths = [len(choice.text) for choice in question.choices]
    target = max(lengths) if pick == "longest" else min(lengths)
    holders = [c for c in question.choices if len(c.text) == target]
    return len(holders) == 1 and holders[0].correct


def key_length(bank: QuizBank, pick: str) -> Check:
    """How often the (strictly) longest or shortest option is keyed, against keyed ÷ options.

    Both directions are cues: a key that is nearly always the longest, or nearly never, tells
    a test-wise candidate where to look (or where not to).
    """
    questions = _choice_questions(bank)
    hits = [q for q in questions if _extreme_is_keyed(q, pick)]
    chance = _mean(Fraction(len(q.correct_ids), len(q.choices)) for q in questions)
    rate = _share(len(hits), len(questions))
    too_often, too_rarely = rate > chance + LENGTH_MARGIN, rate < chance - LENGTH_MARGIN
    by_type = ", ".join(
        f"{sum(1 for q in hits if q.type == kind)}/{sum(1 for q in questions if q.type == kind)} "
        f"{kind}"
        for kind in CHOICE_TYPES
    )
    if too_often:
        advice = f"the key is too often the {pick}: vary option lengths in the items listed"
    elif too_rarely:
        advice = (
            f"the key is too rarely the {pick}, so a candidate can rule the {pick} option out: "
            f"let the key be the {pick} in more questions"
        )
    else:
        advice = ""
    return Check(
        f"key is the {pick} option",
        f"{_of(len(hits), len(questions))} [{by_type}], chance {_percent(chance)}",
        f"chance ± {_percent(LENGTH_MARGIN)}",
        not advice,
        tuple(Finding(bank.line(q.id), q.id, f"the key is the {pick}") for q in hits)
        if too_often
        else (),
        advice,
    )


def _only_keyed_chance(question: Question, holders: int) -> Fraction:
    """The chance that all `holders` options are keyed if the key were placed at random."""
    keyed, options = len(question.correct_ids), len(question.choices)
    if not holders or holders > keyed:
        return Fraction(0)
    return Fraction(math.comb(keyed, holders), math.comb(options, holders))


def quoted_question(bank: QuizBank) -> Check:
    """How often only keyed options hold a quoted question ("…?"), against the chance of it."""
    questions = _choice_questions(bank)
    hits, expected = [], Fraction(0)
    for question in questions:
        holders = [c for c in question.choices if asks_quoted_question(c.text)]
        expected += _only_keyed_chance(question, len(holders))
        if holders and all(c.correct for c in holders):
            hits.append(question)
    allowed = math.ceil(expected)
    passed = len(hits) <= allowed
    return Check(
        "only the key holds a quoted question",
        f"{_of(len(hits), len(questions))}, chance "
        f"{_percent(expected / max(1, len(questions)))} ({float(expected):.1f} questions)",
        f"≤ chance, rounded up to {allowed} question{'s' if allowed != 1 else ''}",
        passed,
        ()
        if passed
        else tuple(
            Finding(bank.line(q.id), q.id, "the only quoted question is keyed") for q in hits
        ),
        "" if passed else "let distractors ask questions too, or the key make a statement",
    )


def assessed_runs(bank: QuizBank, texts: Mapping[str, ModuleText]) -> set[tuple[str, ...]]:
    """Every run of RUN_WORDS words in the text of the modules the bank assesses."""
    runs: set[tuple[str, ...]] = set()
    for module in texts.values():
        if bank.assesses(module.id, module.day):
            runs |= _runs(words(module.text), RUN_WORDS)
    return runs


def copied_words(tokens: Sequence[str], runs: set[tuple[str, ...]]) -> str:
    """The first stretch of the option found word for word in the modules ("" if none)."""
    starts = [
        i for i in range(len(tokens) - RUN_WORDS + 1) if tuple(tokens[i : i + RUN_WORDS]) in runs
    ]
    if not starts:
        return ""
    end = starts[0]
    while end + 1 in starts:
        end += 1
    return " ".join(tokens[starts[0] : end + RUN_WORDS])


def verbatim(bank: QuizBank, texts: Mapping[str, ModuleText]) -> Check:
    """Keyed options copied from the lesson are recognised, not understood: compare with distractors."""
    runs = assessed_runs(bank, texts)
    keyed, distractors, copied_keys, copied_distractors = 0, 0, [], 0
    for question in _choice_questions(bank):
        for choice in question.choices:
            shared = copied_words(words(choice.text), runs)
            if choice.correct:
                keyed += 1
                if shared:
                    copied_keys.append((question, choice.id, shared))
            else:
                distractors += 1
                copied_distractors += bool(shared)
    key_share = _share(len(copied_keys), keyed)
    distractor_share = _share(copied_distractors, distractors)
    passed = key_share <= distractor_share + VERBATIM_MARGIN
    return Check(
        f"options sharing {RUN_WORDS} words in a row with the modules",
        f"keys {_of(len(copied_keys), keyed)}, distractors {_of(copied_distractors, distractors)}",
        f"keys ≤ distractors + {_percent(VERBATIM_MARGIN)}",
        passed,
        ()
        if passed
        else tuple(
            Finding(bank.line(f"{q.id}#{choice}"), f"{q.id} choice {choice}", f'"{run}"')
            for q, choice, run in copied_keys
        ),
        "" if passed else "reword these keys in your own words instead of the lesson's",
    )


def item_stem(item: Item) -> str:
    """What a candidate reads before the options: a vignette's scenario, or the question's prompt."""
    return item.scenario or item.questions[0].prompt


def _stem_shingles(text: str) -> frozenset[tuple[str, ...]]:
    content = [word for word in words(text) if word not in STOP_WORDS]
    return frozenset(_runs(content, STEM_SHINGLE))


def similarity(first: str, second: str) -> float:
    """Jaccard similarity of the two stems' sets of STEM_SHINGLE consecutive content words."""
    a, b = _stem_shingles(first), _stem_shingles(second)
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(frozen=True)
class _Stem:
    bank: QuizBank
    item: str
    shingles: frozenset[tuple[str, ...]]


def _stems(banks: Iterable[QuizBank]) -> list[_Stem]:
    return [
        _Stem(bank, item.id, _stem_shingles(item_stem(item)))
        for bank in banks
        for item in bank.items.values()
    ]


def alike_stems(banks: Iterable[QuizBank]) -> list[tuple[_Stem, _Stem, float]]:
    """Every pair of items, in one bank or two, whose stems reach STEM_SIMILARITY."""
    stems = _stems(banks)
    pairs = []
    for index, first in enumerate(stems):
        for second in stems[index + 1 :]:
            union = first.shingles | second.shingles
            score = len(first.shingles & second.shingles) / len(union) if union else 0.0
            if score >= STEM_SIMILARITY:
                pairs.append((first, second, score))
    return pairs


def stem_checks(bank: QuizBank, pairs: Sequence[tuple[_Stem, _Stem, float]]) -> tuple[Check, Check]:
    """Alike stems in this bank, and between this bank and another: a reused stem is recalled."""
    within: list[Finding] = []
    across: list[Finding] = []
    for first, second, score in pairs:
        if bank.id not in (first.bank.id, second.bank.id):
            continue
        mine, other = (first, second) if first.bank.id == bank.id else (second, first)
        finding = Finding(
            bank.line(mine.item),
            mine.item,
            f"{score:.2f} alike {other.bank.line(other.item)} {other.item}",
        )
        (within if first.bank.id == second.bank.id else across).append(finding)
    limit = f"no pair ≥ {STEM_SIMILARITY:.2f}"
    return (
        _stem_check("stems alike within the bank", within, limit),
        _stem_check("stems alike across banks", across, limit),
    )


def _stem_check(metric: str, findings: list[Finding], limit: str) -> Check:
    advice = "write a new situation for one item of each pair" if findings else ""
    count = f"{len(findings)} pair{'' if len(findings) == 1 else 's'}"
    return Check(metric, count, limit, not findings, tuple(findings), advice)


def seen_share(count: int, pool_size: int, attempts: int) -> Fraction:
    """Expected share of a pool one practitioner sees: 1 - (1 - count / pool size) ** attempts."""
    return 1 - (1 - Fraction(count, pool_size)) ** attempts


def pool_depth(bank: QuizBank) -> Check:
    """Small pools and full feedback over several attempts let candidates learn the pool."""
    sizes = {pool.id: len(pool.items) for pool in bank.pools}
    shares = [
        (rule, seen_share(rule.count, sizes[rule.pool], bank.attempts_allowed))
        for rule in bank.draws
    ]
    over = [(rule, share) for rule, share in shares if share > POOL_SEEN_LIMIT]
    worst = max((share for _, share in shares), default=Fraction(0))
    return Check(
        f"pool seen over {bank.attempts_allowed} attempts",
        f"at most {_percent(worst)}; "
        + ", ".join(f"{rule.count}/{sizes[rule.pool]}→{_percent(share)}" for rule, share in shares),
        f"≤ {_percent(POOL_SEEN_LIMIT)} per pool",
        not over,
        tuple(
            Finding(
                bank.line(f"draw:{rule.pool}"),
                f"pool {rule.pool}",
                f"{rule.count} of {sizes[rule.pool]} items per attempt, {_percent(share)} seen",
            )
            for rule, share in over
        ),
        "add items to these pools or draw fewer from them" if over else "",
    )


def _cue_score(text: str) -> tuple[int, int]:
    lowered = text.lower()
    wording = len(PRACTITIONER_WORDS.findall(lowered)) - len(DIRECTIVE_WORDS.findall(lowered))
    return ("?" in text, wording)


def guess(question: Question) -> Fraction:
    """What the options-only guesser expects to score on one single-choice question (0..1).

    Never the longest option (unless every option is as long); of the rest, prefer one that
    asks a question, then the most practitioner-style wording minus directive wording; a tie
    is broken at random, so the expected credit is 1 ÷ the number tied when the key is one.
    """
    longest = max(len(c.text) for c in question.choices)
    candidates = [c for c in question.choices if len(c.text) < longest] or list(question.choices)
    best = max(_cue_score(c.text) for c in candidates)
    tied = [c for c in candidates if _cue_score(c.text) == best]
    return Fraction(sum(1 for c in tied if c.correct), len(tied))


def guesser(bank: QuizBank) -> Check:
    """The score of a candidate who never reads a stem, on single-choice questions, vs chance."""
    questions = [q for q in bank.questions.values() if q.type == "single-choice"]
    expected = [guess(q) for q in questions]
    score = _mean(expected)
    chance = _mean(Fraction(1, len(q.choices)) for q in questions)
    passed = score <= chance + GUESSER_MARGIN
    return Check(
        "options-only guesser on single-choice",
        f"{_percent(score)} of {len(questions)}, chance {_percent(chance)}",
        f"≤ chance + {_percent(GUESSER_MARGIN)}",
        passed,
        ()
        if passed
        else tuple(
            Finding(bank.line(q.id), q.id, "the wording alone picks the key")
            for q, credit in zip(questions, expected, strict=True)
            if credit == 1
        ),
        ""
        if passed
        else "give distractors the questions and collaborative wording keys have, "
        "and keys the plain wording distractors have",
    )


def bank_cues(
    bank: QuizBank,
    texts: Mapping[str, ModuleText],
    pairs: Sequence[tuple[_Stem, _Stem, float]] = (),
) -> BankCues:
    within, across = stem_checks(bank, pairs)
    return BankCues(
        bank.id,
        bank.source,
        (
            true_false_balance(bank),
            key_length(bank, "longest"),
            key_length(bank, "shortest"),
            quoted_question(bank),
            verbatim(bank, texts),
            within,
            across,
            pool_depth(bank),
            guesser(bank),
        ),
    )


def cue_report(banks: Mapping[str, QuizBank], texts: Mapping[str, ModuleText]) -> list[BankCues]:
    """Every bank's cue checks, in bank order; stems are compared within and across all banks."""
    pairs = alike_stems(banks.values())
    return [bank_cues(bank, texts, pairs) for bank in banks.values()]
