"""Progress through the five-day training: module status, day unlocking, continuing.

Completions are facts recorded when they happened; this module only reads them. A module stays
complete after its content is edited, and a day or the training is complete when every one of
its current modules is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum


class ModuleStatus(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


@dataclass(frozen=True)
class ModuleOutline:
    """What progress needs to know of a module: its id, day, and required activities."""

    id: str
    day: int
    required: frozenset[str]


@dataclass(frozen=True)
class ModuleProgress:
    id: str
    status: ModuleStatus


@dataclass(frozen=True)
class DayProgress:
    number: int
    modules: tuple[ModuleProgress, ...]
    unlocked: bool

    @property
    def completed(self) -> int:
        return sum(1 for module in self.modules if module.status is ModuleStatus.COMPLETE)

    @property
    def total(self) -> int:
        return len(self.modules)

    @property
    def percent(self) -> int:
        return percent(self.completed, self.total)

    @property
    def complete(self) -> bool:
        return self.completed == self.total


@dataclass(frozen=True)
class TrainingProgress:
    days: tuple[DayProgress, ...]
    continue_module: str | None

    @property
    def completed(self) -> int:
        return sum(day.completed for day in self.days)

    @property
    def total(self) -> int:
        return sum(day.total for day in self.days)

    @property
    def percent(self) -> int:
        return percent(self.completed, self.total)

    @property
    def complete(self) -> bool:
        return all(day.complete for day in self.days)

    def status_of(self, module_id: str) -> ModuleStatus:
        return next(m.status for day in self.days for m in day.modules if m.id == module_id)

    def day_unlocked(self, number: int) -> bool:
        return any(day.unlocked for day in self.days if day.number == number)

    def opens_when(self, number: int) -> str | None:
        """Why a day is still locked, in the words its page shows; None once it is open.

        Naming the earlier days that are not yet complete tells the practitioner what to do,
        which a bare refusal does not.
        """
        if self.day_unlocked(number):
            return None
        waiting = [day.number for day in self.days if day.number < number and not day.complete]
        return f"Day {number} opens when {_days_phrase(waiting)} complete."

    def first_locked(self, numbers: Iterable[int]) -> int | None:
        """The first of these days that is still locked (what a quiz on them waits for)."""
        return next((n for n in sorted(numbers) if not self.day_unlocked(n)), None)


def _days_phrase(numbers: Sequence[int]) -> str:
    """`Day 2 is`, `Day 1 and Day 2 are`, `Day 1, Day 2 and Day 3 are`."""
    names = [f"Day {number}" for number in numbers]
    if len(names) == 1:
        return f"{names[0]} is"
    return f"{', '.join(names[:-1])} and {names[-1]} are"


def percent(part: int, whole: int) -> int:
    """A whole-number percentage that reaches 100 only when everything is done."""
    return 0 if whole == 0 else part * 100 // whole


def module_done(required: frozenset[str], done_activities: frozenset[str]) -> bool:
    """A module is complete when every required activity is done."""
    return required <= done_activities


def _status(
    module: ModuleOutline,
    completed: frozenset[str],
    done: Mapping[str, frozenset[str]],
    touched: frozenset[str],
) -> ModuleStatus:
    if module.id in completed:
        return ModuleStatus.COMPLETE
    if done.get(module.id) or module.id in touched:
        return ModuleStatus.IN_PROGRESS
    return ModuleStatus.NOT_STARTED


def _days(
    outline: Sequence[ModuleOutline], statuses: Mapping[str, ModuleStatus], in_order: bool
) -> tuple[DayProgress, ...]:
    numbers = sorted({module.day for module in outline})
    days, earlier_complete = [], True
    for number in numbers:
        modules = tuple(ModuleProgress(m.id, statuses[m.id]) for m in outline if m.day == number)
        day = DayProgress(number, modules, unlocked=earlier_complete or not in_order)
        earlier_complete = earlier_complete and day.complete
        days.append(day)
    return tuple(days)


def _continue(
    outline: Sequence[ModuleOutline], days: tuple[DayProgress, ...], last_touched: str | None
) -> str | None:
    """The module to resume: the last one worked on if unfinished, else the next unfinished one."""
    unlocked = {day.number for day in days if day.unlocked}
    statuses = {m.id: m.status for day in days for m in day.modules}
    open_ids = [
        m.id for m in outline if m.day in unlocked and statuses[m.id] is not ModuleStatus.COMPLETE
    ]
    ids = [m.id for m in outline]
    start = ids.index(last_touched) if last_touched in ids else 0
    after = [module_id for module_id in open_ids if ids.index(module_id) >= start]
    return next(iter(after or open_ids), None)


def training_progress(
    outline: Sequence[ModuleOutline],
    completed: frozenset[str],
    done: Mapping[str, frozenset[str]],
    *,
    in_order: bool = True,
    touched: frozenset[str] = frozenset(),
    last_touched: str | None = None,
) -> TrainingProgress:
    """Progress through the training in order.

    `completed` are module ids with a recorded completion; `done` maps module ids to their done
    activity ids; `touched` are modules with any saved response. With `in_order`, a day opens
    once every earlier day is complete.
    """
    statuses = {module.id: _status(module, completed, done, touched) for module in outline}
    days = _days(outline, statuses, in_order)
    return TrainingProgress(days, _continue(outline, days, last_touched))
