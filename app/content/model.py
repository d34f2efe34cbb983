"""The curriculum as immutable values: the training, its days, their modules and activities."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Strategy(StrEnum):
    """IMR's three families of practitioner strategies."""

    MOTIVATIONAL = "motivational"
    EDUCATIONAL = "educational"
    COGNITIVE_BEHAVIOURAL = "cognitive-behavioural"

    @property
    def label(self) -> str:
        return {"cognitive-behavioural": "Cognitive-behavioural"}.get(
            self.value, self.value.capitalize()
        )


TOPIC_AREAS: dict[str, str] = {
    "recovery-strategies": "Recovery Strategies",
    "practical-facts": "Practical Facts about Mental Illness",
    "stress-vulnerability": "The Stress-Vulnerability Model and Treatment Strategies",
    "social-support": "Building Social Support",
    "medication": "Using Medication Effectively",
    "drug-and-alcohol": "Drug and Alcohol Use",
    "reducing-relapses": "Reducing Relapses",
    "coping-with-stress": "Coping with Stress",
    "coping-with-problems": "Coping with Problems and Persistent Symptoms",
    "mental-health-system": "Getting Your Needs Met in the Mental Health System",
    # The eleventh topic area of later IMR editions.
    "healthy-lifestyles": "Healthy Lifestyles",
}


class ActivityType(StrEnum):
    """The kinds of practice a module asks for."""

    ROLE_PLAY = "role-play"
    REFLECTION = "reflection"
    WORKED_EXAMPLE = "worked-example"
    CHECKLIST = "checklist"


@dataclass(frozen=True)
class Turn:
    """One turn of a worked example's transcript."""

    speaker: str
    says: str
    commentary: str | None = None


@dataclass(frozen=True)
class Activity:
    """A practice activity. Only the fields of its type are filled."""

    id: str
    type: ActivityType
    required: bool
    title: str
    scenario: str = ""
    practitioner_goal: str = ""
    observer_watches_for: tuple[str, ...] = ()
    prompt: str = ""
    context: str = ""
    transcript: tuple[Turn, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Module:
    """A module: objectives, a lesson, and practice activities, at one content version."""

    id: str
    title: str
    day: int
    position: int
    minutes: int
    objectives: tuple[str, ...]
    strategies: tuple[Strategy, ...]
    topic_areas: tuple[str, ...]
    activities: tuple[Activity, ...]
    lesson_html: str
    version: str
    source: str

    @property
    def required_activity_ids(self) -> frozenset[str]:
        """What a practitioner must do for the module to be complete."""
        return frozenset(activity.id for activity in self.activities if activity.required)

    def activity(self, activity_id: str) -> Activity | None:
        return next((a for a in self.activities if a.id == activity_id), None)


@dataclass(frozen=True)
class Day:
    """One of the intensive training's days."""

    number: int
    title: str
    summary: str
    modules: tuple[Module, ...]

    @property
    def minutes(self) -> int:
        return sum(module.minutes for module in self.modules)


@dataclass(frozen=True)
class Catalog:
    """The whole training, loaded once and never changed while the app runs."""

    id: str
    title: str
    summary: str
    days: tuple[Day, ...]
    modules: dict[str, Module] = field(default_factory=dict)

    def module(self, module_id: str) -> Module | None:
        return self.modules.get(module_id)

    def day(self, number: int) -> Day | None:
        return next((day for day in self.days if day.number == number), None)

    @property
    def ordered_modules(self) -> list[Module]:
        """Every module in training order (day, then position)."""
        return [module for day in self.days for module in day.modules]

    def coverage(self) -> dict[str, dict[int, int]]:
        """For each strategy and topic area: how many modules of each day teach it."""
        keys = [*(s.value for s in Strategy), *TOPIC_AREAS]
        rows: dict[str, dict[int, int]] = {key: {} for key in keys}
        for module in self.ordered_modules:
            for key in [s.value for s in module.strategies] + list(module.topic_areas):
                rows[key][module.day] = rows[key].get(module.day, 0) + 1
        return rows
