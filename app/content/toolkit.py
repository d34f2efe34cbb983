"""Loading toolkit/ (session plans, worksheets, checklists), every error named by file and line.

The format is described in toolkit/README.md; this module enforces it. A file's content version
is the hash of its bytes, so a cached PDF is rebuilt exactly when its file changes.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from app.content.loader import ID_PATTERN
from app.content.model import TOPIC_AREAS, Catalog, Strategy
from app.content.source import Checker, ContentError, ContentInvalid, parse_yaml
from app.domain.certification import Rubric
from app.domain.toolkit import (
    FILL_IN_BLOCKS,
    FORMATS,
    SESSION_STAGES,
    Block,
    ItemKind,
    RatingLine,
    Section,
    Toolkit,
    ToolkitItem,
)

KEYS = {
    "id",
    "title",
    "kind",
    "summary",
    "topic_areas",
    "strategies",
    "formats",
    "modules",
    "minutes",
    "practitioner_notes",
    "sections",
}
REQUIRED = KEYS - {"minutes", "practitioner_notes"}
# Each list block's (low, high) number of entries, as toolkit/README.md states them.
LIST_LIMITS = {
    "bullets": (1, 12),
    "steps": (2, 12),
    "questions": (1, 10),
    "checkboxes": (2, 20),
    "fields": (1, 8),
}
SINGULAR = {
    "topic_areas": "topic area",
    "strategies": "strategy",
    "formats": "format",
    "modules": "module",
}
BLOCK_KINDS = {*LIST_LIMITS, "text", "practice", "write", "table", "rating"}
MARKUP = re.compile(r"<[a-zA-Z/!]|\*\*|__|^#{1,6} ", re.MULTILINE)


def load_toolkit(root: Path, catalog: Catalog, rubric: Rubric) -> Toolkit:
    """Every item under root; raises ContentInvalid listing every problem in every file."""
    errors: list[ContentError] = []
    items = []
    for kind in ItemKind:
        for path in sorted((root / kind.folder).glob("*.yaml")):
            item = _load_item(path, kind, catalog, rubric, errors)
            if item is not None:
                items.append(item)
    toolkit = Toolkit(tuple(sorted(items, key=lambda i: (list(ItemKind).index(i.kind), i.title))))
    for gap in toolkit.gaps(TOPIC_AREAS):
        errors.append(ContentError(f"{root.name}/", 0, gap))
    if errors:
        raise ContentInvalid(errors)
    return toolkit


class _ItemChecker(Checker):
    """The checks shared by every part of an item."""

    def integer(self, mapping: dict[str, Any], key: str, low: int, high: int, *path: Any) -> int:
        value = mapping.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            self.error(f"`{key}` must be a whole number from {low} to {high}", *path, key)
            return 0
        return value

    def prose(self, value: str, *path: Any) -> str:
        if MARKUP.search(value):
            self.error("plain prose only: no Markdown or HTML", *path)
        return value

    def choices(
        self, mapping: dict[str, Any], key: str, allowed: set[str], low: int, *path: Any
    ) -> tuple[str, ...]:
        value = mapping.get(key)
        if not isinstance(value, list) or len(value) < low:
            self.error(f"`{key}` must be a list of at least {low}", *path, key)
            return ()
        for index, entry in enumerate(value):
            if entry not in allowed:
                self.error(
                    f"unknown {SINGULAR[key]} `{entry}` (allowed: {', '.join(sorted(allowed))})",
                    *path,
                    key,
                    index,
                )
        return tuple(value)


def _load_item(
    path: Path, kind: ItemKind, catalog: Catalog, rubric: Rubric, errors: list[ContentError]
) -> ToolkitItem | None:
    file = f"toolkit/{kind.folder}/{path.name}"
    raw = path.read_bytes()
    try:
        located = parse_yaml(raw.decode("utf-8"), file)
    except ContentInvalid as invalid:
        errors.extend(invalid.errors)
        return None
    check = _ItemChecker(file, located, errors)
    data = located.data
    if not check.keys(data, KEYS, REQUIRED):
        return None
    if data.get("id") != path.stem or not ID_PATTERN.match(str(data.get("id"))):
        check.error(f"`id` must be the file name, `{path.stem}`", "id")
    if data.get("kind") != kind.value:
        check.error(f"`kind` must be `{kind.value}` for a file in {kind.folder}/", "kind")
    topic_areas = check.choices(data, "topic_areas", set(TOPIC_AREAS), 0)
    if kind is ItemKind.SESSION_PLAN and topic_areas != (path.stem,):
        check.error(f"a session plan has exactly one topic area, `{path.stem}`", "topic_areas")
    modules = check.choices(data, "modules", set(catalog.modules), 1)
    sections = _sections(check, data.get("sections"), kind, rubric)
    minutes = _minutes(check, data, kind, sections)
    summary = check.prose(check.text(data, "summary"), "summary")
    notes = check.prose(check.text(data, "practitioner_notes"), "practitioner_notes")
    return ToolkitItem(
        id=path.stem,
        title=check.text(data, "title"),
        kind=kind,
        summary=summary,
        topic_areas=topic_areas,
        strategies=check.choices(data, "strategies", {s.value for s in Strategy}, 1),
        formats=check.choices(data, "formats", set(FORMATS), 1),
        modules=modules,
        sections=sections,
        practitioner_notes=tuple(p.strip() for p in notes.split("\n\n") if p.strip()),
        minutes=minutes,
        version=hashlib.sha256(raw).hexdigest()[:16],
    )


def _minutes(
    check: _ItemChecker, data: dict[str, Any], kind: ItemKind, sections: tuple[Section, ...]
) -> int | None:
    if kind is not ItemKind.SESSION_PLAN:
        if "minutes" in data:
            check.error("only a session plan has `minutes`", "minutes")
        return None
    minutes = check.integer(data, "minutes", 30, 120)
    total = sum(section.minutes or 0 for section in sections)
    if minutes and total != minutes:
        check.error(f"the sections' minutes add up to {total}, not {minutes}", "minutes")
    return minutes


def _sections(check: _ItemChecker, raw: Any, kind: ItemKind, rubric: Rubric) -> tuple[Section, ...]:
    if not isinstance(raw, list) or not raw:
        check.error("`sections` must be a list of one or more sections", "sections")
        return ()
    planned = kind is ItemKind.SESSION_PLAN
    keys = {"heading", "blocks", "stage", "minutes"} if planned else {"heading", "blocks"}
    sections = []
    for index, entry in enumerate(raw):
        where = ("sections", index)
        if not check.keys(entry, keys, keys, *where):
            continue
        blocks = _blocks(check, entry.get("blocks"), rubric, *where)
        sections.append(
            Section(
                heading=check.text(entry, "heading", *where),
                blocks=blocks,
                stage=entry.get("stage") if planned else None,
                minutes=check.integer(entry, "minutes", 1, 60, *where) if planned else None,
            )
        )
    if planned:
        _check_stages(check, sections)
    elif not any(block.kind in FILL_IN_BLOCKS for s in sections for block in s.blocks):
        check.error(
            f"a {kind.value} needs at least one block to fill in "
            f"({', '.join(sorted(FILL_IN_BLOCKS))})",
            "sections",
        )
    return tuple(sections)


def _check_stages(check: _ItemChecker, sections: list[Section]) -> None:
    stages = [section.stage for section in sections]
    if stages != list(SESSION_STAGES):
        check.error(
            "a session plan's sections are the eight stages, once each, in this order: "
            + ", ".join(SESSION_STAGES),
            "sections",
        )
    for section in sections:
        if section.stage == "new-material":
            kinds = {block.kind for block in section.blocks}
            if not {"questions", "practice"} <= kinds:
                check.error("the new-material stage needs a `questions` and a `practice` block")


def _blocks(check: _ItemChecker, raw: Any, rubric: Rubric, *where: Any) -> tuple[Block, ...]:
    if not isinstance(raw, list) or not raw:
        check.error("`blocks` must be a list of one or more blocks", *where, "blocks")
        return ()
    blocks = []
    for index, entry in enumerate(raw):
        path = (*where, "blocks", index)
        if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in BLOCK_KINDS:
            check.error(
                f"a block is one of: {', '.join(sorted(BLOCK_KINDS))} (exactly one key)", *path
            )
            continue
        kind, value = next(iter(entry.items()))
        block = _block(check, kind, value, entry, rubric, *path)
        if block is not None:
            blocks.append(block)
    return tuple(blocks)


def _block(
    check: _ItemChecker,
    kind: str,
    value: Any,
    entry: dict[str, Any],
    rubric: Rubric,
    *path: Any,
) -> Block | None:
    if kind == "text":
        return Block(kind, text=check.prose(check.text(entry, "text", *path), *path))
    if kind in LIST_LIMITS:
        items = check.texts(entry, kind, *LIST_LIMITS[kind], *path)
        for position, item in enumerate(items):
            check.prose(item, *path, kind, position)
        if kind == "questions" and not all(item.endswith("?") for item in items):
            check.error("every question ends with a question mark", *path, kind)
        return Block(kind, items=items)
    if not isinstance(value, dict):
        check.error(f"`{kind}` must be a mapping of keys to values", *path, kind)
        return None
    where = (*path, kind)
    for text in _texts_in(value):
        check.prose(text, *where)
    if kind == "practice":
        check.keys(value, {"title", "steps"}, {"title", "steps"}, *where)
        return Block(
            kind,
            title=check.text(value, "title", *where),
            items=check.texts(value, "steps", 2, 10, *where),
        )
    if kind == "write":
        check.keys(value, {"prompt", "lines"}, {"prompt", "lines"}, *where)
        return Block(
            kind,
            prompt=check.text(value, "prompt", *where),
            lines=check.integer(value, "lines", 1, 12, *where),
        )
    if kind == "table":
        return _table(check, value, *where)
    return _rating(check, value, rubric, *where)


def _texts_in(value: dict[str, Any]) -> list[str]:
    """Every text inside a block's mapping, for the plain-prose check."""
    texts = []
    for entry in value.values():
        entries = entry if isinstance(entry, list) else [entry]
        texts += [text for text in entries if isinstance(text, str)]
    return texts


def _table(check: _ItemChecker, value: dict[str, Any], *where: Any) -> Block:
    check.keys(value, {"columns", "rows", "row_labels"}, {"columns"}, *where)
    if ("rows" in value) == ("row_labels" in value):
        check.error("a table has either `rows` or `row_labels`", *where)
    labels = check.texts(value, "row_labels", 1, 12, *where)
    rows = len(labels) if labels else check.integer(value, "rows", 1, 12, *where)
    return Block(
        "table", columns=check.texts(value, "columns", 2, 5, *where), rows=rows, row_labels=labels
    )


def _rating(check: _ItemChecker, value: dict[str, Any], rubric: Rubric, *where: Any) -> Block:
    """A rating grid; `rubric: <id>` takes the competency rubric's items and its 1 to 5 scale."""
    if "rubric" in value:
        check.keys(value, {"rubric"}, {"rubric"}, *where)
        if value["rubric"] != rubric.id:
            check.error(f"the only rubric is `{rubric.id}`", *where, "rubric")
        lines = tuple(
            RatingLine(
                item.title if item.applies_to("individual") else f"{item.title} (groups only)",
                item.guide,
            )
            for item in rubric.items
        )
        return Block("rating", rating_lines=lines, scale=("1", "2", "3", "4", "5"))
    check.keys(value, {"items", "scale"}, {"items", "scale"}, *where)
    items = check.texts(value, "items", 2, 20, *where)
    return Block(
        "rating",
        rating_lines=tuple(RatingLine(item) for item in items),
        scale=check.texts(value, "scale", 2, 5, *where),
    )
