"""The practitioner toolkit as values: session plans and their sequences, handouts, worksheets,
checklists, leaflets and the trainer's guide, and finding them.

A practitioner comes back every week to prepare a session; what they need is the plan for the
session they are teaching, the handout and the worksheet the person will read and fill in on
paper. Search, filters, the order of a topic's sessions and what is still missing are plain rules
here so they can be tested without a web page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum


class ItemKind(StrEnum):
    """What a toolkit item is for; each kind lives in its own folder."""

    SESSION_PLAN = "session-plan"
    HANDOUT = "handout"
    WORKSHEET = "worksheet"
    CHECKLIST = "checklist"
    LEAFLET = "leaflet"
    TRAINER_GUIDE = "trainer-guide"

    @property
    def label(self) -> str:
        if self is ItemKind.TRAINER_GUIDE:
            return "Trainer's guide"
        return self.value.replace("-", " ").capitalize()

    @property
    def plural(self) -> str:
        return "Trainer's guide" if self is ItemKind.TRAINER_GUIDE else self.label + "s"

    @property
    def folder(self) -> str:
        return "trainer-guide" if self is ItemKind.TRAINER_GUIDE else self.value + "s"

    @property
    def trainers_only(self) -> bool:
        """The trainer's guide is for trainers and directors; practitioners never see it."""
        return self is ItemKind.TRAINER_GUIDE

    @property
    def belongs_to_reader(self) -> bool:
        """Printouts a person in recovery or a supporter keeps: no practitioner's notes on them."""
        return self in {ItemKind.WORKSHEET, ItemKind.HANDOUT, ItemKind.LEAFLET}


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

# Where an adaptation commonly applies in a session; a plan's `adaptations` say what to do.
ADAPTATIONS: dict[str, str] = {
    "culture-and-language": "Culture and language",
    "trauma-informed": "Trauma-informed practice",
    "cognitive": "Cognitive difficulties",
    "peer-co-facilitation": "Peer co-facilitation",
    "literacy": "Reading and writing",
    "sensory": "Hearing or sight",
}

# A handout's parts, in the order they appear.
HANDOUT_PARTS: dict[str, str] = {
    "key-points": "Key points",
    "questions": "Questions to think about",
    "checklist": "Checklist",
    "planning-sheet": "Planning sheet",
}

LEAFLET_AUDIENCES: dict[str, str] = {
    "supporters": "Family members and other supporters",
    "people-considering-imr": "People considering IMR",
}

# Handouts and leaflets are read by people in recovery and their supporters: plain language.
MAX_READING_GRADE = 7.0
READING_BLOCKS = ("text", "bullets", "steps", "questions")

TRAINER_GUIDE_FILES = {f"day-{n}": f"trainer-guide-day-{n}" for n in range(1, 6)} | {
    "consultation": "consultation-guide"
}
CONSULTATION_GUIDE = "consultation-guide"


def reading_text(sections: Iterable[Section]) -> str:
    """The text a reader reads (not headings, not fill-in labels), one sentence-ended line each.

    A bullet without a full stop is still a sentence to a reader, so each piece ends with one;
    otherwise a list would count as one long sentence.
    """
    pieces = []
    for section in sections:
        for block in section.blocks:
            if block.kind in READING_BLOCKS:
                pieces += [block.text] if block.kind == "text" else list(block.items)
    return "\n".join(p if p.rstrip()[-1:] in ".!?:;" else p + "." for p in pieces if p.strip())


def reading_grade_problem(grade: float, what: str = "it") -> str | None:
    """The readability rule: grade 6 or lower is the aim, above 7 is refused."""
    if grade > MAX_READING_GRADE:
        return (
            f"{what} reads at Flesch-Kincaid grade {grade:.1f}; the limit is "
            f"{MAX_READING_GRADE:.0f} (aim for 6 or lower): shorter sentences, shorter words"
        )
    return None


@dataclass(frozen=True)
class RatingLine:
    """One thing rated on a scale, with an optional reminder of what it means."""

    label: str
    hint: str = ""


@dataclass(frozen=True)
class AgendaEntry:
    """One timed line of a training day's or a consultation session's agenda."""

    start: str
    minutes: int
    activity: str
    module: str | None = None
    how: str = ""

    @property
    def start_minutes(self) -> int:
        hours, minutes = self.start.split(":")
        return int(hours) * 60 + int(minutes)

    @property
    def end_minutes(self) -> int:
        return self.start_minutes + self.minutes

    @property
    def end(self) -> str:
        return f"{self.end_minutes // 60:02d}:{self.end_minutes % 60:02d}"


@dataclass(frozen=True)
class Adaptation:
    """Where an adaptation commonly applies in a session, and what to do."""

    kind: str
    text: str

    @property
    def label(self) -> str:
        return ADAPTATIONS[self.kind]


@dataclass(frozen=True)
class Focus:
    """A skill focus of the consultation guide, offered when a trainer schedules a session."""

    id: str
    week: int
    title: str
    skill: str
    activity: str
    modules: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"Week {self.week}: {self.title}"


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
    agenda: tuple[AgendaEntry, ...] = ()

    @property
    def words(self) -> str:
        """Everything written in the block, for search."""
        parts = [self.text, self.title, self.prompt, *self.items, *self.columns, *self.row_labels]
        parts += [line.label for line in self.rating_lines]
        parts += [f"{entry.activity} {entry.how}" for entry in self.agenda]
        return " ".join(part for part in parts if part)


@dataclass(frozen=True)
class Section:
    """A titled part of an item; in a session plan, one stage of the session."""

    heading: str
    blocks: tuple[Block, ...]
    stage: str | None = None
    minutes: int | None = None
    part: str | None = None


def with_group_sections(
    sections: tuple[Section, ...], group: tuple[Section, ...]
) -> tuple[Section, ...]:
    """A handout's group version: each group section replaces the section with the same part and
    heading, or is added after the last section of its part (keeping the parts in order)."""
    result = list(sections)
    order = list(HANDOUT_PARTS)
    for extra in group:
        same = [
            i for i, s in enumerate(result) if (s.part, s.heading) == (extra.part, extra.heading)
        ]
        if same:
            result[same[0]] = extra
            continue
        rank = order.index(extra.part) if extra.part in order else len(order)
        earlier = [
            i
            for i, s in enumerate(result)
            if (order.index(s.part) if s.part in order else 0) <= rank
        ]
        result.insert(earlier[-1] + 1 if earlier else 0, extra)
    return tuple(result)


@dataclass(frozen=True)
class ToolkitItem:
    """One toolkit item (a session plan, handout, worksheet, checklist, leaflet or a part of the
    trainer's guide), at one content version.

    `id` is the item's address (page, PDF, LMS link). A handout's file is named after its topic
    area, like the topic's first session plan, so a handout's address is `<topic-area-id>-handout`.
    """

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
    session: int | None = None
    of: int | None = None
    handout: str | None = None
    worksheets: tuple[str, ...] = ()
    adaptations: tuple[Adaptation, ...] = ()
    group_sections: tuple[Section, ...] = ()
    audience: str | None = None
    day: int | None = None
    prework: tuple[str, ...] = ()
    focuses: tuple[Focus, ...] = ()
    reading_grade: float | None = None
    group_reading_grade: float | None = None
    reading_words: int = 0
    group_version: bool = False

    @property
    def notes_print(self) -> bool:
        """A worksheet's, handout's or leaflet's printout belongs to its reader: no notes on it."""
        return not self.kind.belongs_to_reader

    @property
    def topic(self) -> str | None:
        return self.topic_areas[0] if self.topic_areas else None

    @property
    def is_group_plan(self) -> bool:
        """A plan written for groups only: the group version of one session of the sequence."""
        return self.kind is ItemKind.SESSION_PLAN and self.formats == ("group",)

    @property
    def in_sequence(self) -> bool:
        """An individual plan, one of the sessions 1..of of its topic."""
        return self.kind is ItemKind.SESSION_PLAN and "individual" in self.formats

    @property
    def has_group_version(self) -> bool:
        return bool(self.group_sections)

    def as_group_version(self) -> ToolkitItem:
        """The handout with its group sections swapped in (itself when it has none)."""
        if not self.group_sections:
            return self
        return replace(
            self,
            sections=with_group_sections(self.sections, self.group_sections),
            group_version=True,
        )

    def searchable_text(self) -> str:
        parts = [self.title, self.summary, *self.practitioner_notes]
        parts += [adaptation.text for adaptation in self.adaptations]
        parts += [f"{focus.title} {focus.skill} {focus.activity}" for focus in self.focuses]
        for section in (*self.sections, *self.group_sections):
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
    trainer: bool = False

    def matches(self, item: ToolkitItem) -> bool:
        """Every filter given must hold, and every word typed must appear somewhere in the item.

        The trainer's guide is found only by trainers and directors."""
        if item.kind.trainers_only and not self.trainer:
            return False
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
class TopicCoverage:
    """What the toolkit holds for one topic area, for the coverage table of `content check`."""

    topic: str
    handout: str | None
    sessions: tuple[int, ...]
    of: int | None
    group_sessions: tuple[int, ...]

    @property
    def complete_sequence(self) -> bool:
        return self.of is not None and sorted(self.sessions) == list(range(1, self.of + 1))


@dataclass(frozen=True)
class Toolkit:
    """All toolkit items, ordered by kind and title, with the sessions each topic usually takes.

    `unfinished` lists problems that do not stop the app (a plan still missing a new required
    key, as `file:line: message`), reported with the completeness rules by `content check`.
    """

    items: tuple[ToolkitItem, ...]
    sessions: dict[str, int] = field(default_factory=dict)
    unfinished: tuple[str, ...] = ()

    def item(self, item_id: str) -> ToolkitItem | None:
        return next((item for item in self.items if item.id == item_id), None)

    def of_kind(self, kind: ItemKind) -> list[ToolkitItem]:
        return [item for item in self.items if item.kind is kind]

    def find(self, query: ToolkitQuery) -> list[ToolkitItem]:
        return [item for item in self.items if query.matches(item)]

    def for_module(self, module_id: str, trainer: bool = False) -> list[ToolkitItem]:
        """The materials a training module uses, for its "materials" links."""
        return [
            item
            for item in self.items
            if module_id in item.modules and (trainer or not item.kind.trainers_only)
        ]

    def handout_of(self, topic: str) -> ToolkitItem | None:
        return next((i for i in self.of_kind(ItemKind.HANDOUT) if i.topic == topic), None)

    def worksheet(self, worksheet_id: str) -> ToolkitItem | None:
        return next((i for i in self.of_kind(ItemKind.WORKSHEET) if i.id == worksheet_id), None)

    def consultation_guide(self) -> ToolkitItem | None:
        return self.item(CONSULTATION_GUIDE)

    def plans_of(self, topic: str) -> list[ToolkitItem]:
        """A topic's session plans in sequence order, each group plan after its session."""
        plans = [i for i in self.of_kind(ItemKind.SESSION_PLAN) if i.topic == topic]
        return sorted(plans, key=lambda p: (p.session or 0, p.is_group_plan, p.id))

    def plans_using(self, item: ToolkitItem) -> list[ToolkitItem]:
        """The session plans that use a handout or a worksheet, in sequence order."""
        plans = [
            plan
            for plan in self.of_kind(ItemKind.SESSION_PLAN)
            if (item.kind is ItemKind.HANDOUT and plan.handout == item.topic)
            or (item.kind is ItemKind.WORKSHEET and item.id in plan.worksheets)
        ]
        return sorted(plans, key=lambda p: (p.topic or "", p.session or 0, p.is_group_plan))

    def session_of(self, topic: str | None, session: int | None, group: bool) -> ToolkitItem | None:
        """The individual (or group) plan of one session of a topic."""
        if topic is None or session is None:
            return None
        return next(
            (
                plan
                for plan in self.plans_of(topic)
                if plan.session == session and (plan.is_group_plan if group else plan.in_sequence)
            ),
            None,
        )

    def neighbours(self, plan: ToolkitItem) -> tuple[ToolkitItem | None, ToolkitItem | None]:
        """The previous and next individual session of the plan's sequence."""
        if plan.session is None:
            return None, None
        return (
            self.session_of(plan.topic, plan.session - 1, group=False),
            self.session_of(plan.topic, plan.session + 1, group=False),
        )

    def other_version(self, plan: ToolkitItem) -> ToolkitItem | None:
        """For an individual plan its group version, for a group plan the individual one."""
        return self.session_of(plan.topic, plan.session, group=not plan.is_group_plan)

    def coverage(self, topic: str) -> TopicCoverage:
        plans = self.plans_of(topic)
        handout = self.handout_of(topic)
        return TopicCoverage(
            topic=topic,
            handout=handout.id if handout else None,
            sessions=tuple(p.session for p in plans if p.in_sequence and p.session),
            of=self.sessions.get(topic),
            group_sessions=tuple(p.session for p in plans if p.is_group_plan and p.session),
        )

    def completeness(self, topic_areas: Iterable[str]) -> list[str]:
        """What is still missing: the rules `content check` fails on, but start-up does not.

        Every topic area has its handout, a complete individual sequence 1..of and at least one
        group plan; the thought-record worksheet exists.
        """
        missing = list(self.unfinished)
        for topic in topic_areas:
            found = self.coverage(topic)
            if found.handout is None:
                missing.append(f"{topic} has no handout (toolkit/handouts/{topic}.yaml)")
            if found.of is not None and not found.complete_sequence:
                gaps = [n for n in range(1, found.of + 1) if n not in found.sessions]
                missing.append(
                    f"{topic} has no individual session plan for session "
                    + ", ".join(str(n) for n in gaps)
                    + f" of {found.of}"
                )
            if not found.group_sessions:
                missing.append(f"{topic} has no group session plan")
            for session in found.group_sessions:
                if session not in found.sessions:
                    missing.append(
                        f"{topic}'s group plan for session {session} has no individual session {session}"
                    )
        if self.worksheet("thought-record") is None:
            missing.append(
                "the thought-record worksheet is missing (toolkit/worksheets/thought-record.yaml)"
            )
        return missing
