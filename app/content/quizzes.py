"""Loading quizzes/ into quiz banks, every error named by file and line; all or nothing."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from app.content.loader import ID_PATTERN
from app.content.model import TOPIC_AREAS, Catalog, Strategy
from app.content.source import Checker, ContentError, ContentInvalid, parse_yaml_file
from app.domain.quizzes import DrawRule, GradingMethod, Item, Pool, QuestionReview, QuizBank
from app.domain.scoring import Choice, Question

TOP_KEYS = {
    "id",
    "title",
    "assesses",
    "pass_mark",
    "attempts_allowed",
    "time_limit_minutes",
    "grading",
    "question_review",
    "draw",
    "pools",
}
BASE_KEYS = {"id", "type", "prompt", "rationale", "tags"}
TYPE_KEYS = {
    "single-choice": {"choices"},
    "multiple-response": {"choices"},
    "true-false": {"answer"},
    "ordering": {"steps"},
}
OPTIONAL_KEYS = {"ordering": {"orders"}}
OPTIONAL_TOP_KEYS = {"time_limit_minutes", "grading", "question_review"}
STRATEGIES = {s.value for s in Strategy}
E = TypeVar("E", bound=StrEnum)


class _BankReader:
    """Reads one bank file, collecting errors; `seen` holds ids across every bank."""

    def __init__(self, check: Checker, seen: dict[str, str]) -> None:
        self.check, self.seen = check, seen
        self.lines: dict[str, int] = {}

    def _unique(self, identifier: Any, *path: str | int) -> str:
        if not isinstance(identifier, str) or not ID_PATTERN.match(identifier):
            self.check.error("`id` must be lowercase words joined by hyphens", *path, "id")
            return str(identifier)
        if identifier in self.seen:
            self.check.error(
                f"id `{identifier}` is already used in {self.seen[identifier]}", *path, "id"
            )
        self.seen.setdefault(identifier, self.check.file)
        self.lines.setdefault(identifier, self.check.located.line(*path))
        return identifier

    def _tags(
        self, raw: dict[str, Any], *path: str | int
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        tags = raw.get("tags")
        if not self.check.keys(
            tags, {"strategies", "topic_areas"}, {"strategies", "topic_areas"}, *path, "tags"
        ) or not isinstance(tags, dict):
            return (), ()
        found = []
        for key, allowed in (("strategies", STRATEGIES), ("topic_areas", set(TOPIC_AREAS))):
            values = tags.get(key) or []
            if not isinstance(values, list):
                self.check.error(f"`{key}` must be a list", *path, "tags", key)
                values = []
            for index, value in enumerate(values):
                if value not in allowed:
                    self.check.error(
                        f"`{value}` is not one of: {', '.join(sorted(allowed))}",
                        *path,
                        "tags",
                        key,
                        index,
                    )
            found.append(tuple(v for v in values if v in allowed))
        if not found[0] and not found[1]:
            self.check.error(
                "tag the question with at least one strategy or topic area", *path, "tags"
            )
        return found[0], found[1]

    def _choices(self, raw: Any, kind: str, path_id: str, *path: str | int) -> tuple[Choice, ...]:
        low, high = (3, 6) if kind == "single-choice" else (4, 8)
        if not isinstance(raw, list) or not low <= len(raw) <= high:
            self.check.error(f"a {kind} question needs {low} to {high} choices", *path, "choices")
            return ()
        choices, ids = [], set()
        for index, choice in enumerate(raw):
            where = (*path, "choices", index)
            if not self.check.keys(
                choice, {"id", "text", "correct", "why"}, {"id", "text", "why"}, *where
            ):
                continue
            self.lines[f"{path_id}#{choice.get('id')}"] = self.check.located.line(*where)
            if choice.get("id") in ids:
                self.check.error(f"choice id `{choice.get('id')}` is used twice", *where, "id")
            ids.add(choice.get("id"))
            if choice.get("correct", False) not in (True, False):
                self.check.error("`correct` must be true or false", *where, "correct")
            choices.append(
                Choice(
                    str(choice.get("id")),
                    self.check.text(choice, "text", *where),
                    choice.get("correct") is True,
                    self.check.text(choice, "why", *where),
                )
            )
        right = sum(1 for c in choices if c.correct)
        if kind == "single-choice" and right != 1:
            self.check.error(
                f"a single-choice question needs exactly one correct choice, not {right}",
                *path,
                "choices",
            )
        if kind == "multiple-response" and right < 2:
            self.check.error(
                f"a multiple-response question needs at least two correct choices, not {right}",
                *path,
                "choices",
            )
        return tuple(choices)

    def _orders(self, raw: Any, count: int, *path: str | int) -> tuple[tuple[int, ...], ...]:
        """Further accepted orders: each lists every step's 1-based written position once."""
        if raw is None:
            return ()
        if not isinstance(raw, list) or not raw:
            self.check.error(
                "`orders` must be a list of orders, each a list of step numbers", *path, "orders"
            )
            return ()
        found: list[tuple[int, ...]] = []
        expected = list(range(1, count + 1))
        for index, order in enumerate(raw):
            where = (*path, "orders", index)
            numbers = order if isinstance(order, list) else []
            if (
                not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers)
                or sorted(numbers) != expected
            ):
                self.check.error(
                    f"an accepted order must list each step number from 1 to {count} exactly once",
                    *where,
                )
            elif numbers == expected:
                self.check.error("this accepted order is the written order of the steps", *where)
            elif tuple(n - 1 for n in numbers) in found:
                self.check.error("this accepted order is listed twice", *where)
            else:
                found.append(tuple(n - 1 for n in numbers))
        return tuple(found)

    def question(self, raw: Any, scenario: str | None, *path: str | int) -> Question | None:
        kind = raw.get("type") if isinstance(raw, dict) else None
        if kind not in TYPE_KEYS:
            self.check.error(
                f"`type` must be one of {', '.join([*TYPE_KEYS, 'vignette'])}", *path, "type"
            )
            return None
        if not self.check.keys(
            raw,
            BASE_KEYS | TYPE_KEYS[kind] | OPTIONAL_KEYS.get(kind, set()) | {"points"},
            BASE_KEYS | TYPE_KEYS[kind],
            *path,
        ):
            return None
        points = raw.get("points", 1)
        if not isinstance(points, int) or isinstance(points, bool) or not 1 <= points <= 10:
            self.check.error("`points` must be a whole number from 1 to 10", *path, "points")
            points = 1
        steps = self.check.texts(raw, "steps", 3, 8, *path)
        if len(set(steps)) != len(steps):
            self.check.error("two steps have the same text", *path, "steps")
        if kind == "true-false" and not isinstance(raw.get("answer"), bool):
            self.check.error("`answer` must be true or false", *path, "answer")
        strategies, topics = self._tags(raw, *path)
        identifier = self._unique(raw.get("id"), *path)
        return Question(
            id=identifier,
            type=kind,
            prompt=self.check.text(raw, "prompt", *path),
            rationale=self.check.text(raw, "rationale", *path),
            strategies=strategies,
            topic_areas=topics,
            points=Fraction(points),
            choices=self._choices(raw.get("choices"), kind, identifier, *path)
            if "choices" in TYPE_KEYS[kind]
            else (),
            answer=raw.get("answer") if kind == "true-false" else None,
            steps=steps,
            scenario=scenario,
            orders=self._orders(raw.get("orders"), len(steps), *path),
        )

    def item(self, raw: Any, *path: str | int) -> Item | None:
        if not isinstance(raw, dict) or raw.get("type") != "vignette":
            question = self.question(raw, None, *path)
            return Item(question.id, (question,)) if question else None
        if not self.check.keys(
            raw,
            {"id", "type", "scenario", "questions"},
            {"id", "type", "scenario", "questions"},
            *path,
        ):
            return None
        identifier = self._unique(raw.get("id"), *path)
        scenario = self.check.text(raw, "scenario", *path)
        parts = raw.get("questions")
        if not isinstance(parts, list) or not 2 <= len(parts) <= 4:
            self.check.error("a vignette needs 2 to 4 questions", *path, "questions")
            return None
        questions = [
            q
            for i, part in enumerate(parts)
            if (q := self.question(part, scenario, *path, "questions", i))
        ]
        return Item(identifier, tuple(questions), scenario)

    def pools(self, raw: Any) -> tuple[Pool, ...]:
        if not isinstance(raw, list) or not raw:
            self.check.error("`pools` must list at least one pool", "pools")
            return ()
        pools = []
        for index, pool in enumerate(raw):
            if not self.check.keys(
                pool, {"id", "title", "items"}, {"id", "title", "items"}, "pools", index
            ):
                continue
            items = pool.get("items") if isinstance(pool.get("items"), list) else []
            if not items:
                self.check.error("a pool needs at least one item", "pools", index, "items")
            found = [
                i
                for n, entry in enumerate(items)
                if (i := self.item(entry, "pools", index, "items", n))
            ]
            pools.append(
                Pool(
                    str(pool.get("id")),
                    self.check.text(pool, "title", "pools", index),
                    tuple(found),
                )
            )
        return tuple(pools)

    def draws(self, raw: Any, pools: tuple[Pool, ...]) -> tuple[DrawRule, ...]:
        by_id = {pool.id: pool for pool in pools}
        if not isinstance(raw, list) or not raw:
            self.check.error("`draw` must list at least one pool to draw from", "draw")
            return ()
        rules = []
        for index, rule in enumerate(raw):
            if not self.check.keys(rule, {"pool", "count"}, {"pool", "count"}, "draw", index):
                continue
            pool, count = by_id.get(rule.get("pool")), rule.get("count")
            if pool is None:
                self.check.error(
                    f"there is no pool `{rule.get('pool')}` in this file", "draw", index, "pool"
                )
            elif not isinstance(count, int) or count < 1:
                self.check.error(
                    "`count` must be a whole number of at least 1", "draw", index, "count"
                )
            elif count > len(pool.items):
                self.check.error(
                    f"cannot draw {count} items from pool `{pool.id}`, which has {len(pool.items)}",
                    "draw",
                    index,
                    "count",
                )
            else:
                rules.append(DrawRule(pool.id, count))
                self.lines[f"draw:{pool.id}"] = self.check.located.line("draw", index)
        return tuple(rules)


def _settings(
    check: Checker, data: dict[str, Any], catalog: Catalog
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    for key, low, high in (
        ("pass_mark", 1, 100),
        ("attempts_allowed", 1, 20),
        ("time_limit_minutes", 1, 240),
    ):
        value = data.get(key)
        if key in data and (
            not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high
        ):
            check.error(f"`{key}` must be a whole number from {low} to {high}", key)
    assesses = data.get("assesses")
    if not check.keys(assesses, {"days", "modules"}, set(), "assesses") or not assesses:
        check.error("`assesses` names `days` or `modules`", "assesses")
        return (), ()
    days = tuple(assesses.get("days") or ())
    modules = tuple(assesses.get("modules") or ())
    for index, day in enumerate(days):
        if catalog.day(day) is None:
            check.error(f"the training has no day {day}", "assesses", "days", index)
    for index, module in enumerate(modules):
        if catalog.module(module) is None:
            check.error(
                f"module `{module}` does not exist in courses/", "assesses", "modules", index
            )
    return days, modules


def _setting(check: Checker, data: dict[str, Any], key: str, default: E) -> E:
    """An optional top-level setting naming one of its enum's values; the default when absent."""
    if key not in data:
        return default
    kind = type(default)
    try:
        return kind(data[key])
    except ValueError:
        allowed = ", ".join(f"`{value}`" for value in kind)
        check.error(f"`{key}` must be one of {allowed} (default `{default}`)", key)
        return default


def _bank(
    path: Path, catalog: Catalog, seen: dict[str, str], errors: list[ContentError]
) -> QuizBank | None:
    file = f"{path.parent.name}/{path.name}"
    located = parse_yaml_file(path, file)
    check = Checker(file, located, errors)
    data = located.data
    if not check.keys(data, TOP_KEYS, TOP_KEYS - OPTIONAL_TOP_KEYS):
        return None
    reader = _BankReader(check, seen)
    if not isinstance(data.get("id"), str) or not ID_PATTERN.match(data["id"]):
        check.error("`id` must be lowercase words joined by hyphens", "id")
    days, modules = _settings(check, data, catalog)
    pools = reader.pools(data.get("pools"))
    return QuizBank(
        id=str(data.get("id")),
        title=check.text(data, "title"),
        days=days,
        modules=modules,
        pass_mark=data.get("pass_mark", 80),
        attempts_allowed=data.get("attempts_allowed", 1),
        time_limit_minutes=data.get("time_limit_minutes"),
        grading=_setting(check, data, "grading", GradingMethod.HIGHEST),
        question_review=_setting(
            check, data, "question_review", QuestionReview.AFTER_LAST_ATTEMPT_OR_PASSED
        ),
        draws=reader.draws(data.get("draw"), pools),
        pools=pools,
        version=hashlib.sha256(path.read_bytes()).hexdigest()[:16],
        source=file,
        lines=reader.lines,
    )


def load_quizzes(root: Path, catalog: Catalog) -> dict[str, QuizBank]:
    """Every bank in quizzes/, keyed by quiz id in file order; raises ContentInvalid on any error."""
    errors: list[ContentError] = []
    seen: dict[str, str] = {}
    banks: dict[str, QuizBank] = {}
    files = sorted(root.glob("*.yaml")) if root.is_dir() else []
    if not files:
        errors.append(ContentError(root.name, 0, "no quiz files (*.yaml) found"))
    for path in files:
        try:
            bank = _bank(path, catalog, seen, errors)
        except ContentInvalid as invalid:
            errors.extend(invalid.errors)
            continue
        if bank is not None and bank.id in banks:
            errors.append(
                ContentError(
                    bank.source,
                    1,
                    f"quiz id `{bank.id}` is already used by {banks[bank.id].source}",
                )
            )
        elif bank is not None:
            banks[bank.id] = bank
    if errors:
        raise ContentInvalid(errors)
    return banks
