"""Loading toolkit/ (session plans, handouts, worksheets, checklists, leaflets, the trainer's
guide and topics.yaml), every error named by file and line.

The format is described in toolkit/README.md; this module enforces it. A file's content version
is the hash of its bytes, so a cached PDF is rebuilt exactly when its file changes.

Two levels of rule. Invalid files and broken references stop the app at start-up. What is still
missing (a topic without its handout, a sequence with a gap, a plan not yet given the keys that
toolkit v2 added) is collected in `Toolkit.unfinished` and `Toolkit.completeness`, which
`content check` reports and fails on, so content can land in pieces.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.content.loader import ID_PATTERN
from app.content.model import TOPIC_AREAS, Catalog, Strategy
from app.content.readability import readability
from app.content.source import (
    Checker,
    ContentError,
    ContentInvalid,
    decoded,
    parse_yaml,
    parse_yaml_file,
    read_bytes,
)
from app.domain.certification import Rubric
from app.domain.toolkit import (
    ADAPTATIONS,
    FILL_IN_BLOCKS,
    FORMATS,
    HANDOUT_PARTS,
    LEAFLET_AUDIENCES,
    SESSION_STAGES,
    TRAINER_GUIDE_FILES,
    Adaptation,
    AgendaEntry,
    Block,
    Focus,
    ItemKind,
    RatingLine,
    Section,
    Toolkit,
    ToolkitItem,
    with_group_sections,
)

COMMON_KEYS = {
    "id",
    "title",
    "kind",
    "summary",
    "topic_areas",
    "strategies",
    "formats",
    "modules",
    "practitioner_notes",
    "sections",
}
REQUIRED = COMMON_KEYS - {"practitioner_notes"}
# Keys only one kind has, and how the error names that kind.
KIND_KEYS: dict[str, tuple[set[ItemKind], str]] = {
    "minutes": ({ItemKind.SESSION_PLAN}, "a session plan"),
    "session": ({ItemKind.SESSION_PLAN}, "a session plan"),
    "of": ({ItemKind.SESSION_PLAN}, "a session plan"),
    "handout": ({ItemKind.SESSION_PLAN}, "a session plan"),
    "worksheets": ({ItemKind.SESSION_PLAN}, "a session plan"),
    "adaptations": ({ItemKind.SESSION_PLAN}, "a session plan"),
    "group_sections": ({ItemKind.HANDOUT}, "a handout"),
    "audience": ({ItemKind.LEAFLET}, "a leaflet"),
    "day": ({ItemKind.TRAINER_GUIDE}, "a trainer's guide day"),
    "prework": ({ItemKind.TRAINER_GUIDE}, "a trainer's guide day"),
    "focuses": ({ItemKind.TRAINER_GUIDE}, "the consultation guide"),
}
KEYS = COMMON_KEYS | set(KIND_KEYS)
# Required by toolkit v2 but, while the content lands, reported by `content check` only.
PLAN_V2_KEYS = ("session", "of", "handout", "adaptations")
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
    "prework": "module",
}
BLOCK_KINDS = {*LIST_LIMITS, "text", "practice", "write", "table", "rating"}
MARKUP = re.compile(r"<[a-zA-Z/!]|\*\*|__|^#{1,6} ", re.MULTILINE)
PLAN_NAME = re.compile(r"^(?P<topic>[a-z-]+?)-(?P<session>\d+)(?P<group>-group)?$")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
# What the spec asks group plans to show, as the words that show it.
MUTUAL_SUPPORT = ("each other", "one another", "pair", "partner", "threes", "another member")
REVIEW_BACK = ("last session", "last time", "last week", "previous session")
# The handout part each kind of block may appear in (a group section may add practice).
PART_BLOCKS = {
    "key-points": {"text", "bullets", "steps"},
    "questions": {"questions", "text", "bullets"},
    "checklist": {"checkboxes", "text"},
    "planning-sheet": {"write", "fields", "table", "text"},
}
NUMBERS = {2: "two", 3: "three"}
DAY_OPENS, DAY_CLOSES = 8 * 60 + 30, 17 * 60 + 30


def _sentences(text: str) -> int:
    return len([s for s in SENTENCE_END.split(text.strip()) if s])


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class _Loaded:
    """An item with the checker of its file, for the checks across files."""

    item: ToolkitItem
    check: _ItemChecker


def load_toolkit(root: Path, catalog: Catalog, rubric: Rubric) -> Toolkit:
    """Every item under root; raises ContentInvalid listing every problem in every file."""
    errors: list[ContentError] = []
    unfinished: list[ContentError] = []
    sessions = _load_sessions(root, errors)
    loaded = []
    for kind in ItemKind:
        for path in sorted((root / kind.folder).glob("*.yaml")):
            found = _ItemLoader(path, kind, catalog, rubric, sessions, errors, unfinished).load()
            if found is not None:
                loaded.append(found)
    _check_addresses(loaded)
    _check_references(loaded)
    _check_sequences(loaded)
    if errors:
        raise ContentInvalid(errors)
    items = sorted(
        (entry.item for entry in loaded),
        key=lambda i: (
            list(ItemKind).index(i.kind),
            i.topic or "",
            i.session or 0,
            i.is_group_plan,
            i.title,
        ),
    )
    return Toolkit(tuple(items), sessions, tuple(str(error) for error in unfinished))


def _load_sessions(root: Path, errors: list[ContentError]) -> dict[str, int]:
    """toolkit/topics.yaml: how many sessions each topic area usually takes (the plans' `of`)."""
    file = "toolkit/topics.yaml"
    path = root / "topics.yaml"
    if not path.exists():
        errors.append(ContentError(file, 0, "file is missing: it gives each topic area's sessions"))
        return {}
    try:
        located = parse_yaml_file(path, file)
    except ContentInvalid as invalid:
        errors.extend(invalid.errors)
        return {}
    check = _ItemChecker(file, located, errors)
    if not check.keys(located.data, set(TOPIC_AREAS), set(TOPIC_AREAS)):
        return {}
    return {
        topic: check.integer(located.data, topic, 1, 12)
        for topic in TOPIC_AREAS
        if topic in located.data
    }


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

    def sentences(self, mapping: dict[str, Any], key: str, high: int, *path: Any) -> str:
        """Plain prose of one to `high` sentences."""
        text = self.prose(self.text(mapping, key, *path), *path, key)
        if text and not 1 <= _sentences(text) <= high:
            wanted = "one sentence" if high == 1 else f"one to {NUMBERS[high]} sentences"
            self.error(f"`{key}` is {wanted}, not {_sentences(text)}", *path, key)
        return text

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

    def located_error(self, message: str, *path: Any) -> ContentError:
        return ContentError(self.file, self.located.line(*path), message)


class _ItemLoader:
    """Reads one file into an item, collecting every problem in it."""

    def __init__(
        self,
        path: Path,
        kind: ItemKind,
        catalog: Catalog,
        rubric: Rubric,
        sessions: dict[str, int],
        errors: list[ContentError],
        unfinished: list[ContentError],
    ) -> None:
        self.path, self.kind, self.catalog, self.rubric = path, kind, catalog, rubric
        self.sessions, self.errors, self.unfinished = sessions, errors, unfinished
        self.file = f"toolkit/{kind.folder}/{path.name}"
        self.agendas: list[tuple[Block, tuple[Any, ...]]] = []

    def load(self) -> _Loaded | None:
        try:
            raw = read_bytes(self.path, self.file)
            located = parse_yaml(decoded(raw, self.file), self.file)
        except ContentInvalid as invalid:
            self.errors.extend(invalid.errors)
            return None
        self.check = check = _ItemChecker(self.file, located, self.errors)
        data = located.data
        if not check.keys(data, KEYS, REQUIRED):
            return None
        self._kind_keys(data)
        item_id = self._id(data)
        if data.get("kind") != self.kind.value:
            check.error(
                f"`kind` must be `{self.kind.value}` for a file in {self.kind.folder}/", "kind"
            )
        topic_areas = check.choices(data, "topic_areas", set(TOPIC_AREAS), 0)
        sections = self._sections(data.get("sections"), "sections")
        notes = check.prose(check.text(data, "practitioner_notes"), "practitioner_notes")
        item = ToolkitItem(
            id=item_id,
            title=check.text(data, "title"),
            kind=self.kind,
            summary=check.prose(check.text(data, "summary"), "summary"),
            topic_areas=topic_areas,
            strategies=check.choices(data, "strategies", {s.value for s in Strategy}, 1),
            formats=check.choices(data, "formats", set(FORMATS), 1),
            modules=check.choices(data, "modules", set(self.catalog.modules), 1),
            sections=sections,
            practitioner_notes=tuple(p.strip() for p in notes.split("\n\n") if p.strip()),
            version=hashlib.sha256(raw).hexdigest()[:16],
        )
        item = self._by_kind(item, data)
        return _Loaded(item, check)

    def _kind_keys(self, data: dict[str, Any]) -> None:
        for key, (kinds, owner) in KIND_KEYS.items():
            if key in data and self.kind not in kinds:
                self.check.error(f"only {owner} has `{key}`", key)

    def _id(self, data: dict[str, Any]) -> str:
        stem = self.path.stem
        expected = stem
        if self.kind is ItemKind.TRAINER_GUIDE:
            if stem not in TRAINER_GUIDE_FILES:
                self.check.error(
                    "a trainer's guide file is day-1.yaml to day-5.yaml or consultation.yaml", "id"
                )
                return stem
            expected = TRAINER_GUIDE_FILES[stem]
        if data.get("id") != expected or not ID_PATTERN.match(str(data.get("id"))):
            named = "the file name" if expected == stem else "what the file name makes it"
            self.check.error(f"`id` must be {named}, `{expected}`", "id")
        if self.kind is ItemKind.HANDOUT and stem not in TOPIC_AREAS:
            self.check.error(
                "a handout is named after its topic area: "
                + ", ".join(f"`{t}`" for t in TOPIC_AREAS),
                "id",
            )
        return f"{stem}-handout" if self.kind is ItemKind.HANDOUT else expected

    def _by_kind(self, item: ToolkitItem, data: dict[str, Any]) -> ToolkitItem:
        """The keys and rules of the item's own kind."""
        if self.kind is ItemKind.SESSION_PLAN:
            return _PlanRules(self, item, data).apply()
        if self.kind is ItemKind.HANDOUT:
            return self._handout(item, data)
        if self.kind is ItemKind.LEAFLET:
            return self._leaflet(item, data)
        if self.kind is ItemKind.TRAINER_GUIDE:
            return _GuideRules(self, item, data).apply()
        return item

    # Sections and blocks

    def _sections(self, raw: Any, *where: Any) -> tuple[Section, ...]:
        if not isinstance(raw, list) or not raw:
            self.check.error(f"`{where[-1]}` must be a list of one or more sections", *where)
            return ()
        planned = self.kind is ItemKind.SESSION_PLAN
        keys = {"heading", "blocks"}
        keys |= {"stage", "minutes"} if planned else set()
        keys |= {"part"} if self.kind is ItemKind.HANDOUT else set()
        sections = []
        for index, entry in enumerate(raw):
            path = (*where, index)
            if not self.check.keys(entry, keys, keys, *path):
                continue
            part = entry.get("part") if "part" in keys else None
            if part is not None and part not in HANDOUT_PARTS:
                self.check.error(
                    f"`part` must be one of: {', '.join(HANDOUT_PARTS)}", *path, "part"
                )
            sections.append(
                Section(
                    heading=self.check.text(entry, "heading", *path),
                    blocks=self._blocks(entry.get("blocks"), *path),
                    stage=entry.get("stage") if planned else None,
                    minutes=self.check.integer(entry, "minutes", 1, 60, *path) if planned else None,
                    part=part,
                )
            )
        if where == ("sections",):
            self._whole_item_rules(sections)
        return tuple(sections)

    def _whole_item_rules(self, sections: list[Section]) -> None:
        if self.kind is ItemKind.SESSION_PLAN:
            _check_stages(self.check, sections)
        elif self.kind in {ItemKind.WORKSHEET, ItemKind.CHECKLIST} and not any(
            block.kind in FILL_IN_BLOCKS for s in sections for block in s.blocks
        ):
            self.check.error(
                f"a {self.kind.value} needs at least one block to fill in "
                f"({', '.join(sorted(FILL_IN_BLOCKS))})",
                "sections",
            )

    def _blocks(self, raw: Any, *where: Any) -> tuple[Block, ...]:
        if not isinstance(raw, list) or not raw:
            self.check.error("`blocks` must be a list of one or more blocks", *where, "blocks")
            return ()
        allowed = BLOCK_KINDS | ({"agenda"} if self.kind is ItemKind.TRAINER_GUIDE else set())
        blocks = []
        for index, entry in enumerate(raw):
            path = (*where, "blocks", index)
            if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in allowed:
                self.check.error(
                    f"a block is one of: {', '.join(sorted(allowed))} (exactly one key)", *path
                )
                continue
            kind, value = next(iter(entry.items()))
            block = self._block(kind, value, entry, *path)
            if block is not None:
                blocks.append(block)
        return tuple(blocks)

    def _block(self, kind: str, value: Any, entry: dict[str, Any], *path: Any) -> Block | None:
        check = self.check
        if kind == "text":
            return Block(kind, text=check.prose(check.text(entry, "text", *path), *path))
        if kind in LIST_LIMITS:
            items = check.texts(entry, kind, *LIST_LIMITS[kind], *path)
            for position, item in enumerate(items):
                check.prose(item, *path, kind, position)
            if kind == "questions" and not all(item.endswith("?") for item in items):
                check.error("every question ends with a question mark", *path, kind)
            return Block(kind, items=items)
        if kind == "agenda":
            block = _agenda(check, self.catalog, value, *path, kind)
            self.agendas.append((block, (*path, kind)))
            return block
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
        return _rating(check, value, self.rubric, *where)

    # Handouts and leaflets

    def _handout(self, item: ToolkitItem, data: dict[str, Any]) -> ToolkitItem:
        check = self.check
        if item.topic_areas != (self.path.stem,):
            check.error(f"a handout has exactly one topic area, `{self.path.stem}`", "topic_areas")
        _check_parts(check, item.sections, "sections")
        group: tuple[Section, ...] = ()
        if "group_sections" in data:
            group = self._sections(data.get("group_sections"), "group_sections")
            for index, section in enumerate(group):
                _check_part_blocks(check, section, True, "group_sections", index)
        normal = readability(item.sections)
        problem = normal.problem("the handout")
        if problem:
            check.error(problem, "sections")
        grouped = readability(with_group_sections(item.sections, group)) if group else None
        if grouped and (problem := grouped.problem("the handout's group version")):
            check.error(problem, "group_sections")
        return replace(
            item,
            group_sections=group,
            reading_grade=normal.grade,
            group_reading_grade=grouped.grade if grouped else None,
            reading_words=normal.words,
        )

    def _leaflet(self, item: ToolkitItem, data: dict[str, Any]) -> ToolkitItem:
        audience = data.get("audience")
        if audience not in LEAFLET_AUDIENCES:
            self.check.error(
                f"`audience` must be one of: {', '.join(sorted(LEAFLET_AUDIENCES))}",
                "audience" if "audience" in data else "id",
            )
        normal = readability(item.sections)
        if problem := normal.problem("the leaflet"):
            self.check.error(problem, "sections")
        return replace(
            item,
            audience=audience if audience in LEAFLET_AUDIENCES else None,
            reading_grade=normal.grade,
            reading_words=normal.words,
        )


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


def _check_parts(check: _ItemChecker, sections: tuple[Section, ...], *where: Any) -> None:
    """A handout's parts: in order, 3 to 8 key points, then one section of each other part."""
    order = list(HANDOUT_PARTS)
    ranks = [order.index(s.part) for s in sections if s.part in order]
    if ranks != sorted(ranks):
        check.error("a handout's parts come in this order: " + ", ".join(order), *where)
    counts = {part: sum(1 for s in sections if s.part == part) for part in order}
    if not 3 <= counts["key-points"] <= 8:
        check.error(
            f"a handout has 3 to 8 `key-points` sections, not {counts['key-points']}", *where
        )
    for part in order[1:]:
        if counts[part] != 1:
            check.error(f"a handout has one `{part}` section, not {counts[part]}", *where)
    for index, section in enumerate(sections):
        _check_part_blocks(check, section, False, *where, index)


def _check_part_blocks(check: _ItemChecker, section: Section, group: bool, *where: Any) -> None:
    """What each part's section holds (a group section may add a `practice` activity)."""
    if section.part not in PART_BLOCKS:
        return
    where = (*where, "heading")
    allowed = PART_BLOCKS[section.part] | ({"practice"} if group else set())
    kinds = [block.kind for block in section.blocks]
    stray = sorted({kind for kind in kinds if kind not in allowed})
    if stray:
        check.error(
            f"a `{section.part}` section holds {', '.join(f'`{k}`' for k in sorted(allowed))} "
            f"blocks, not {', '.join(f'`{k}`' for k in stray)}",
            *where,
        )
    if section.part == "key-points" and not 1 <= len(kinds) <= 4:
        check.error(f"a key-points section holds 1 to 4 blocks, not {len(kinds)}", *where)
    if section.part == "questions" and not any(
        b.kind == "questions" and 3 <= len(b.items) <= 10 for b in section.blocks
    ):
        check.error("a `questions` section holds a `questions` block of 3 to 10 questions", *where)
    if section.part == "checklist" and "checkboxes" not in kinds:
        check.error("a `checklist` section holds a `checkboxes` block", *where)
    if section.part == "planning-sheet" and not {"write", "fields", "table"} & set(kinds):
        check.error(
            "a `planning-sheet` section holds a block to fill in (`write`, `fields` or `table`)",
            *where,
        )


class _PlanRules:
    """A session plan's place in its topic's sequence, its handout, adaptations, and the group
    plan rules."""

    def __init__(self, loader: _ItemLoader, item: ToolkitItem, data: dict[str, Any]) -> None:
        self.loader, self.check, self.item, self.data = loader, loader.check, item, data

    def apply(self) -> ToolkitItem:
        topic, named_session, named_group = self._name()
        minutes = self._minutes()
        missing = [f"`{key}`" for key in PLAN_V2_KEYS if key not in self.data]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            self.loader.unfinished.append(
                self.check.located_error(
                    f"missing required key{plural} {', '.join(missing)} (toolkit v2)"
                )
            )
        of = self._of(topic)
        session = self._session(of, named_session)
        item = replace(
            self.item,
            minutes=minutes,
            session=session or None,
            of=of or None,
            handout=self._handout(topic),
            worksheets=self.check.texts(self.data, "worksheets", 1, 10),
            adaptations=self._adaptations(),
        )
        if session and of:
            self._title(session, of)
            self._review(session)
        if named_group != item.is_group_plan:
            self.check.error(
                "a group plan has `formats: [group]` and is named `<topic-area-id>-<n>-group`",
                "formats",
            )
        if item.is_group_plan:
            self._group_rules(item)
        return item

    def _name(self) -> tuple[str | None, int | None, bool]:
        stem = self.loader.path.stem
        matched = PLAN_NAME.match(stem)
        if stem in TOPIC_AREAS:
            topic, session, group = stem, None, False
        elif matched and matched["topic"] in TOPIC_AREAS:
            topic, session, group = (
                matched["topic"],
                int(matched["session"]),
                bool(matched["group"]),
            )
        else:
            self.check.error(
                "a session plan is named `<topic-area-id>`, `<topic-area-id>-<n>` or "
                "`<topic-area-id>-<n>-group`",
                "id",
            )
            return None, None, False
        if self.item.topic_areas != (topic,):
            self.check.error(f"a session plan has exactly one topic area, `{topic}`", "topic_areas")
        return topic, session, group

    def _minutes(self) -> int:
        minutes = self.check.integer(self.data, "minutes", 30, 120)
        total = sum(section.minutes or 0 for section in self.item.sections)
        if minutes and total != minutes:
            self.check.error(f"the sections' minutes add up to {total}, not {minutes}", "minutes")
        return minutes

    def _of(self, topic: str | None) -> int:
        if "of" not in self.data:
            return 0
        of = self.check.integer(self.data, "of", 1, 12)
        wanted = self.loader.sessions.get(topic or "")
        if of and wanted and of != wanted:
            self.check.error(
                f"`of` must be {wanted}: toolkit/topics.yaml gives {topic} {wanted} sessions", "of"
            )
        return of

    def _session(self, of: int, named: int | None) -> int:
        if "session" not in self.data:
            return 0
        session = self.check.integer(self.data, "session", 1, of or 12)
        if session and named is not None and session != named:
            self.check.error(f"`session` must be {named}, as the file name says", "session")
        return session

    def _handout(self, topic: str | None) -> str | None:
        handout = self.check.text(self.data, "handout") or None
        if handout and topic and handout != topic:
            self.check.error(
                f"`handout` must be `{topic}`, the handout of this plan's topic area", "handout"
            )
        return handout

    def _adaptations(self) -> tuple[Adaptation, ...]:
        raw = self.data.get("adaptations")
        if raw is None:
            return ()
        if not isinstance(raw, list) or not 1 <= len(raw) <= 5:
            self.check.error("`adaptations` must be a list of 1 to 5 entries", "adaptations")
            return ()
        found = []
        for index, entry in enumerate(raw):
            where = ("adaptations", index)
            if not self.check.keys(entry, {"for", "text"}, {"for", "text"}, *where):
                continue
            if entry.get("for") not in ADAPTATIONS:
                self.check.error(f"`for` must be one of: {', '.join(ADAPTATIONS)}", *where, "for")
                continue
            found.append(Adaptation(entry["for"], self.check.sentences(entry, "text", 3, *where)))
        return tuple(found)

    def _title(self, session: int, of: int) -> None:
        if not re.search(rf", session {session} of {of}\b[^:]*: \S", self.item.title):
            self.check.error(
                f'the title reads "<Topic>, session {session} of {of}: <what it covers>"', "title"
            )

    def _review(self, session: int) -> None:
        """Session n > 1 says in its review stage what session n-1 covered."""
        if session < 2:
            return
        index, review = next(
            ((i, s) for i, s in enumerate(self.item.sections) if s.stage == "review"), (0, None)
        )
        if review is None:
            return
        words = " ".join(block.words for block in review.blocks).casefold()
        if f"session {session - 1}" not in words and not any(p in words for p in REVIEW_BACK):
            self.check.error(
                f"the review stage of session {session} says what session {session - 1} covered "
                f'(name "session {session - 1}" or "last session")',
                "sections",
                index,
            )

    def _group_rules(self, item: ToolkitItem) -> None:
        """Groups of 4 to 8 members need more time, a mutual-support activity and notes on
        dominant and quiet members."""
        if item.minutes and not 60 <= item.minutes <= 120:
            self.check.error("a group plan runs 60 to 120 minutes (for 4 to 8 members)", "minutes")
        for index, section in enumerate(item.sections):
            where = ("sections", index)
            if section.stage == "home-assignment-review" and (section.minutes or 0) < 10:
                self.check.error(
                    "a group plan's home-assignment-review stage takes at least 10 minutes",
                    *where,
                    "minutes",
                )
            if section.stage == "new-material" and not any(
                any(words in block.words.casefold() for words in MUTUAL_SUPPORT)
                for block in section.blocks
                if block.kind == "practice"
            ):
                self.check.error(
                    "a group plan's new material has a mutual-support activity: a `practice` "
                    "block whose steps have members help each other (in pairs, with a partner)",
                    *where,
                )
        notes = " ".join(item.practitioner_notes).casefold()
        if "domina" not in notes or "quiet" not in notes:
            self.check.error(
                "a group plan's `practitioner_notes` say how to manage dominant and quiet members",
                "practitioner_notes" if item.practitioner_notes else "id",
            )


class _GuideRules:
    """A trainer's guide day (its agenda fits the day and covers its modules) or the
    consultation guide (one session's agenda, and the skill focuses)."""

    def __init__(self, loader: _ItemLoader, item: ToolkitItem, data: dict[str, Any]) -> None:
        self.loader, self.check, self.item, self.data = loader, loader.check, item, data

    def apply(self) -> ToolkitItem:
        consultation = self.loader.path.stem == "consultation"
        if consultation:
            for key in ("day", "prework"):
                if key in self.data:
                    self.check.error(f"only a trainer's guide day has `{key}`", key)
            if "focuses" not in self.data:
                self.check.error("missing required key `focuses`")
            self._consultation_agenda()
            return replace(self.item, focuses=self._focuses())
        if "focuses" in self.data:
            self.check.error("only the consultation guide has `focuses`", "focuses")
        day = self._day()
        prework = (
            self.check.choices(self.data, "prework", set(self.loader.catalog.modules), 1)
            if "prework" in self.data
            else ()
        )
        self._day_agenda(day, prework)
        if not any(b.kind == "questions" for s in self.item.sections for b in s.blocks):
            self.check.error(
                "a trainer's guide day has debrief questions (a `questions` block)", "sections"
            )
        return replace(self.item, day=day or None, prework=prework)

    def _day(self) -> int:
        if "day" not in self.data:
            self.check.error("missing required key `day`")
            return 0
        day = self.check.integer(self.data, "day", 1, 5)
        named = int(self.loader.path.stem.split("-")[1])
        if day and day != named:
            self.check.error(f"`day` must be {named}, as the file name says", "day")
        return day

    def _day_agenda(self, day: int, prework: tuple[str, ...]) -> None:
        agendas = self.loader.agendas
        if len(agendas) != 1:
            self.check.error(
                f"a trainer's guide day has one `agenda` block, not {len(agendas)}", "sections"
            )
        for block, where in agendas:
            entries = block.agenda
            if entries and (
                entries[0].start_minutes < DAY_OPENS or entries[-1].end_minutes > DAY_CLOSES
            ):
                self.check.error(
                    f"the day runs between 08:30 and 17:30, not {entries[0].start} to "
                    f"{entries[-1].end}",
                    *where,
                )
        found = self.loader.catalog.day(day) if day else None
        if found is None or not agendas:
            return
        covered = {e.module for block, _ in agendas for e in block.agenda} | set(prework)
        for module in found.modules:
            if module.id not in covered:
                self.check.error(
                    f"module `{module.id}` of day {day} is in neither an agenda entry's `module` "
                    "nor `prework`",
                    *agendas[0][1],
                )

    def _consultation_agenda(self) -> None:
        agendas = self.loader.agendas
        if not agendas:
            self.check.error("the consultation guide has an `agenda` block", "sections")
        for block, where in agendas:
            if block.agenda:
                length = block.agenda[-1].end_minutes - block.agenda[0].start_minutes
                if not 60 <= length <= 90:
                    self.check.error(
                        f"a consultation session's agenda runs 60 to 90 minutes, not {length}",
                        *where,
                    )

    def _focuses(self) -> tuple[Focus, ...]:
        raw = self.data.get("focuses")
        if not isinstance(raw, list) or not 8 <= len(raw) <= 24:
            if raw is not None:
                self.check.error("`focuses` must be a list of 8 to 24 skill focuses", "focuses")
            return ()
        keys = {"id", "week", "title", "skill", "activity", "modules"}
        found: list[Focus] = []
        for index, entry in enumerate(raw):
            where = ("focuses", index)
            if not self.check.keys(entry, keys, keys, *where):
                continue
            focus = Focus(
                id=str(entry.get("id")),
                week=self.check.integer(entry, "week", 1, 104, *where),
                title=self.check.prose(self.check.text(entry, "title", *where), *where, "title"),
                skill=self.check.sentences(entry, "skill", 2, *where),
                activity=self.check.sentences(entry, "activity", 3, *where),
                modules=self.check.choices(
                    entry, "modules", set(self.loader.catalog.modules), 1, *where
                ),
            )
            if not ID_PATTERN.match(focus.id):
                self.check.error("a focus `id` is lowercase words joined by hyphens", *where, "id")
            elif focus.id in {f.id for f in found}:
                self.check.error(f"focus id `{focus.id}` is used twice", *where, "id")
            if len(focus.title) > 80:
                self.check.error("a focus `title` is short: 80 characters at most", *where, "title")
            if found and focus.week and focus.week < found[-1].week:
                self.check.error(
                    f"focuses are in week order: week {focus.week} comes after week "
                    f"{found[-1].week}",
                    *where,
                    "week",
                )
            found.append(focus)
        return tuple(found)


def _agenda(check: _ItemChecker, catalog: Catalog, raw: Any, *where: Any) -> Block:
    """A timed agenda: entries in time order, none overlapping the next."""
    if not isinstance(raw, list) or not 3 <= len(raw) <= 30:
        check.error("an `agenda` is a list of 3 to 30 entries", *where)
        return Block("agenda")
    keys = {"start", "minutes", "activity", "module", "how"}
    entries: list[AgendaEntry] = []
    for index, entry in enumerate(raw):
        path = (*where, index)
        if not check.keys(entry, keys, {"start", "minutes", "activity"}, *path):
            continue
        start = entry.get("start")
        if isinstance(start, int) and not isinstance(start, bool):
            start = _clock(start)  # YAML 1.1 reads an unquoted 10:30 as 630 (base 60)
        if not isinstance(start, str) or not CLOCK.match(start):
            check.error('`start` is a time of day, "HH:MM"', *path, "start")
            continue
        module = entry.get("module")
        if module is not None and module not in catalog.modules:
            check.error(f"unknown module `{module}`", *path, "module")
        found = AgendaEntry(
            start=start,
            minutes=check.integer(entry, "minutes", 1, 480, *path),
            activity=check.prose(check.text(entry, "activity", *path), *path, "activity"),
            module=module if isinstance(module, str) else None,
            how=check.sentences(entry, "how", 3, *path) if "how" in entry else "",
        )
        if entries and found.start_minutes < entries[-1].end_minutes:
            check.error(
                f"`{found.start}` starts before the entry before it ends ({entries[-1].end}): "
                "entries are in time order and none overlaps the next",
                *path,
                "start",
            )
        entries.append(found)
    return Block("agenda", agenda=tuple(entries))


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


# Checks across files


def _check_addresses(loaded: list[_Loaded]) -> None:
    """Every item has its own address (a worksheet cannot take a handout's `<id>-handout`)."""
    seen: dict[str, str] = {}
    for entry in loaded:
        key = entry.item.id
        if key in seen:
            entry.check.error(f"`{key}` is already the address of {seen[key]}", "id")
        seen.setdefault(key, entry.check.file)


def _check_references(loaded: list[_Loaded]) -> None:
    """A plan's handout and worksheets exist."""
    handouts = {e.item.topic for e in loaded if e.item.kind is ItemKind.HANDOUT}
    worksheets = {e.item.id for e in loaded if e.item.kind is ItemKind.WORKSHEET}
    for entry in loaded:
        item, check = entry.item, entry.check
        if item.handout and item.handout not in handouts:
            check.error(
                f"there is no handout `{item.handout}` (toolkit/handouts/{item.handout}.yaml)",
                "handout",
            )
        for index, worksheet in enumerate(item.worksheets):
            if worksheet not in worksheets:
                check.error(f"there is no worksheet `{worksheet}`", "worksheets", index)


def _check_sequences(loaded: list[_Loaded]) -> None:
    """Each session of a topic once (individual and group alike); no two plans share their new
    material, practice or home assignment."""
    plans = [e for e in loaded if e.item.kind is ItemKind.SESSION_PLAN and e.item.topic]
    seen: dict[tuple[str, int, bool], str] = {}
    for entry in plans:
        item = entry.item
        if item.session is None:
            continue
        slot = (item.topic or "", item.session, item.is_group_plan)
        if slot in seen:
            version = "group plan" if item.is_group_plan else "individual plan"
            entry.check.error(
                f"{seen[slot]} is already the {version} of {item.topic} session {item.session}",
                "session",
            )
        seen.setdefault(slot, entry.check.file)
    for index, entry in enumerate(plans):
        for earlier in plans[:index]:
            if earlier.item.topic == entry.item.topic:
                _check_own_material(entry, earlier)


def _material(item: ToolkitItem) -> dict[str, tuple[int, Any]]:
    """The parts of a plan that are its own: new material, each practice, the home assignment."""
    found: dict[str, tuple[int, Any]] = {}
    for index, section in enumerate(item.sections):
        if section.stage == "new-material":
            found["new material"] = (index, section.blocks)
            for block in section.blocks:
                if block.kind == "practice":
                    found.setdefault(f"practice “{block.title}”", (index, block))
        if section.stage == "next-home-assignment":
            found["home assignment"] = (index, section.blocks)
    return found


def _check_own_material(entry: _Loaded, earlier: _Loaded) -> None:
    theirs = _material(earlier.item)
    for what, (index, content) in _material(entry.item).items():
        if what in theirs and theirs[what][1] == content:
            entry.check.error(
                f"its {what} is the same as in {earlier.check.file}: each session has its own",
                "sections",
                index,
            )
