"""The practitioner toolkit as values: session plans, worksheets and checklists, and finding them.

A practitioner comes back every week to prepare a session; what they need is the plan for the
topic they are teaching and the worksheet the person will fill in on paper. Search and filters
are plain rules here so they can be tested without a web page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class ItemKind(StrEnum):
    """What a toolkit item is for; each kind lives in its own folder."""

    SESSION_PLAN = "session-plan"
    WORKSHEET = "worksheet"
    CHECKLIST = "checklist"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()

    @property
    def folder(self) -> str:
        return self.value + "s"


FORMATS = {"individual": "Individual sessions", "group": "Groups"}

# IMR's usual session structure; a session plan has each stage once, in this order.
SESSION_STAGES: dict[str, str] = {
    "check-in": "Informal check-in",
    "review": "Review of the last session",
    "home-assignment-review": "Home assignment review",
    "goal-follow-up": "Goal follow-up",
    "agenda": "Agenda",
    "new-material": "New material with practice",
    "summary": "Summary",
    "next-home-assignment": "Next home assignment",
}

# Blocks a person fills in on paper: every worksheet and checklist has at least one.
FILL_IN_BLOCKS = frozenset({"checkboxes", "write", "fields", "table", "rating"})


@dataclass(frozen=True)
class RatingLine:
    """One thing rated on a scale, with an optional reminder of what it means."""

    label: str
    hint: str = ""


@dataclass(frozen=True)
class Block:
    """One piece of a section. Only the fields of its kind are filled."""

    kind: str
    text: str = ""
    items: tuple[str, ...] = ()
    title: str = ""
    prompt: str = ""
    lines: int = 0
    columns: tuple[str, ...] = ()
    rows: int = 0
    row_labels: tuple[str, ...] = ()
    rating_lines: tuple[RatingLine, ...] = ()
    scale: tuple[str, ...] = ()

    @property
    def words(self) -> str:
        """Everything written in the block, for search."""
        parts = [self.text, self.title, self.prompt, *self.items, *self.columns, *self.row_labels]
        parts += [line.label for line in self.rating_lines]
        return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class Section:
    """A titled part of an item; in a session plan, one stage of the session."""

    heading: str
    blocks: tuple[Block, ...]
    stage: str | None = None
    minutes: int | None = None


@dataclass(frozen=True)
class ToolkitItem:
    """One session plan, worksheet or checklist, at one content version."""

    id: str
    title: str
    kind: ItemKind
    summary: str
    topic_areas: tuple[str, ...]
    strategies: tuple[str, ...]
    formats: tuple[str, ...]
    modules: tuple[str, ...]
    sections: tuple[Section, ...]
    practitioner_notes: tuple[str, ...] = ()
    minutes: int | None = None
    version: str = ""

    @property
    def notes_print(self) -> bool:
        """A worksheet's printout belongs to the person, so the practitioner's notes stay off it."""
        return self.kind is not ItemKind.WORKSHEET

    def searchable_text(self) -> str:
        parts = [self.title, self.summary, *self.practitioner_notes]
        for section in self.sections:
            parts.append(section.heading)
            parts += [block.words for block in section.blocks]
        return " ".join(parts).casefold()


@dataclass(frozen=True)
class ToolkitQuery:
    """What the practitioner typed and picked on the toolkit page."""

    words: str = ""
    topic_area: str = ""
    strategy: str = ""
    format: str = ""
    kind: str = ""

    def matches(self, item: ToolkitItem) -> bool:
        """Every filter given must hold, and every word typed must appear somewhere in the item."""
        if self.topic_area and self.topic_area not in item.topic_areas:
            return False
        if self.strategy and self.strategy not in item.strategies:
            return False
        if self.format and self.format not in item.formats:
            return False
        if self.kind and self.kind != item.kind.value:
            return False
        text = item.searchable_text()
        return all(word in text for word in re.findall(r"\w+", self.words.casefold()))


@dataclass(frozen=True)
class Toolkit:
    """All toolkit items, ordered by kind and title."""

    items: tuple[ToolkitItem, ...]

    def item(self, item_id: str) -> ToolkitItem | None:
        return next((item for item in self.items if item.id == item_id), None)

    def find(self, query: ToolkitQuery) -> list[ToolkitItem]:
        return [item for item in self.items if query.matches(item)]

    def for_module(self, module_id: str) -> list[ToolkitItem]:
        """The materials a training module uses, for its "materials" links."""
        return [item for item in self.items if module_id in item.modules]

    def gaps(self, topic_areas: Iterable[str]) -> list[str]:
        """Topic areas lacking a session plan or a worksheet: each needs both."""
        missing = []
        for topic in topic_areas:
            kinds = {item.kind for item in self.items if topic in item.topic_areas}
            for kind in (ItemKind.SESSION_PLAN, ItemKind.WORKSHEET):
                if kind not in kinds:
                    missing.append(f"{topic} has no {kind.label.lower()}")
        return missing
