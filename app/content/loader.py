"""Loading courses/ into a Catalog, with every error named by file and line.

Loading is all or nothing: a single error anywhere raises ContentInvalid with the full list, so
the app never serves half-loaded content.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from app.content.model import (
    TOPIC_AREAS,
    Activity,
    ActivityType,
    Catalog,
    Day,
    Module,
    Strategy,
    Turn,
)
from app.content.render import render_markdown
from app.content.source import (
    Checker,
    ContentError,
    ContentInvalid,
    parse_yaml_file,
    read_front_matter,
)

ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MODULE_FILE = re.compile(r"^(\d{2})-[a-z0-9-]+\.md$")
DAY_FOLDER = re.compile(r"^day-(\d+)$")
MODULE_LINK = re.compile(r"\]\(module:([^)\s]*)\)")
RAW_HTML = re.compile(r"<(/?[A-Za-z][A-Za-z0-9-]*)(\s[^>]*)?/?>|<!--")
MODULE_KEYS = {"id", "title", "minutes", "objectives", "strategies", "topic_areas", "activities"}
ACTIVITY_FIELDS: dict[ActivityType, set[str]] = {
    ActivityType.ROLE_PLAY: {"scenario", "practitioner_goal", "observer_watches_for"},
    ActivityType.REFLECTION: {"prompt"},
    ActivityType.WORKED_EXAMPLE: {"context", "transcript"},
    ActivityType.CHECKLIST: {"items"},
}
SPEAKERS = {"practitioner", "person", "supporter"}

Loaded = TypeVar("Loaded")


def _version(path: Path) -> str:
    """A content version: the file's SHA-256, so any edit makes a new version."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _turns(check: Checker, raw: Any, path: tuple[str | int, ...]) -> tuple[Turn, ...]:
    if not isinstance(raw, list) or not raw:
        check.error("`transcript` must be a list of turns", *path)
        return ()
    turns = []
    for index, turn in enumerate(raw):
        where = (*path, index)
        if not check.keys(turn, {"speaker", "says", "commentary"}, {"speaker", "says"}, *where):
            continue
        if turn.get("speaker") not in SPEAKERS:
            check.error(
                f"`speaker` must be one of {', '.join(sorted(SPEAKERS))}", *where, "speaker"
            )
        turns.append(
            Turn(
                str(turn.get("speaker")),
                check.text(turn, "says", *where),
                check.text(turn, "commentary", *where) or None,
            )
        )
    return tuple(turns)


def _activity(check: Checker, raw: Any, index: int) -> Activity | None:
    path = ("activities", index)
    base = {"id", "type", "required", "title"}
    if not check.keys(raw, set(raw) | base if isinstance(raw, dict) else base, base, *path):
        return None
    try:
        kind = ActivityType(raw.get("type"))
    except ValueError:
        check.error(
            f"activity `type` must be one of {', '.join(t.value for t in ActivityType)}",
            *path,
            "type",
        )
        return None
    check.keys(
        {k: v for k, v in raw.items() if k not in base},
        ACTIVITY_FIELDS[kind],
        ACTIVITY_FIELDS[kind],
        *path,
    )
    if not isinstance(raw.get("id"), str) or not ID_PATTERN.match(raw.get("id", "")):
        check.error("activity `id` must be lowercase words joined by hyphens", *path, "id")
    if not isinstance(raw.get("required"), bool):
        check.error("`required` must be true or false", *path, "required")
    return Activity(
        id=str(raw.get("id")),
        type=kind,
        required=raw.get("required") is True,
        title=check.text(raw, "title", *path),
        scenario=check.text(raw, "scenario", *path),
        practitioner_goal=check.text(raw, "practitioner_goal", *path),
        observer_watches_for=check.texts(raw, "observer_watches_for", 3, 6, *path),
        prompt=check.text(raw, "prompt", *path),
        context=check.text(raw, "context", *path),
        transcript=_turns(check, raw["transcript"], (*path, "transcript"))
        if "transcript" in raw
        else (),
        items=check.texts(raw, "items", 3, 12, *path),
    )


def _activities(check: Checker, raw: Any) -> tuple[Activity, ...]:
    if not isinstance(raw, list) or not raw:
        check.error("`activities` must list at least one practice activity", "activities")
        return ()
    found = [a for i, item in enumerate(raw) if (a := _activity(check, item, i)) is not None]
    seen: set[str] = set()
    for index, activity in enumerate(found):
        if activity.id in seen:
            check.error(
                f"activity id `{activity.id}` is used twice in this module",
                "activities",
                index,
                "id",
            )
        seen.add(activity.id)
    if found and not any(activity.required for activity in found):
        check.error("at least one activity must be `required: true`", "activities")
    return tuple(found)


def _choices(
    check: Checker, header: dict[str, Any], key: str, allowed: set[str], need_one: bool
) -> tuple[str, ...]:
    value = header.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or (need_one and not value):
        check.error(f"`{key}` must be a list{' with at least one entry' if need_one else ''}", key)
        return ()
    for index, item in enumerate(value):
        if item not in allowed:
            check.error(f"`{item}` is not one of: {', '.join(sorted(allowed))}", key, index)
    return tuple(item for item in value if item in allowed)


def _body_errors(file: str, body: str, first_line: int) -> list[ContentError]:
    errors, fenced = [], False
    for number, line in enumerate(body.splitlines(), start=first_line):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        if RAW_HTML.search(re.sub(r"`[^`]*`", "", line)):
            errors.append(
                ContentError(file, number, "raw HTML is not allowed in a lesson: use Markdown")
            )
        if line.startswith("# "):
            errors.append(
                ContentError(
                    file, number, "lesson headings start at `##` (the page shows the title)"
                )
            )
    return errors


def _module(
    path: Path, root: Path, day: int, errors: list[ContentError]
) -> tuple[Module, dict[str, int]] | None:
    file = str(path.relative_to(root.parent))
    matched = MODULE_FILE.match(path.name)
    if not matched:
        errors.append(
            ContentError(file, 0, "module files are named NN-some-name.md (NN orders them)")
        )
        return None
    source = read_front_matter(path, file)
    check = Checker(file, source.header, errors)
    header = source.header.data
    if not check.keys(header, MODULE_KEYS, MODULE_KEYS):
        return None
    module_id = header.get("id")
    if not isinstance(module_id, str) or not ID_PATTERN.match(module_id):
        check.error("`id` must be lowercase words joined by hyphens", "id")
    minutes = header.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 10 <= minutes <= 240:
        check.error("`minutes` must be a whole number from 10 to 240", "minutes")
    errors.extend(_body_errors(file, source.body, source.body_first_line))
    links: dict[str, int] = {}
    for number, line in enumerate(source.body.splitlines(), start=source.body_first_line):
        for target in MODULE_LINK.findall(line):
            links.setdefault(target, number)
    module = Module(
        id=str(module_id),
        title=check.text(header, "title"),
        day=day,
        position=int(matched.group(1)),
        minutes=minutes if isinstance(minutes, int) else 0,
        objectives=check.texts(header, "objectives", 2, 6),
        strategies=tuple(
            Strategy(s)
            for s in _choices(check, header, "strategies", {s.value for s in Strategy}, True)
        ),
        topic_areas=_choices(check, header, "topic_areas", set(TOPIC_AREAS), False),
        activities=_activities(check, header.get("activities")),
        lesson_html=render_markdown(source.body),
        version=_version(path),
        source=file,
    )
    return module, links


def _yaml_file(
    path: Path, root: Path, keys: set[str], errors: list[ContentError]
) -> tuple[dict[str, Any], Checker] | None:
    file = str(path.relative_to(root.parent))
    if not path.exists():
        errors.append(ContentError(file, 0, "file is missing"))
        return None
    located = parse_yaml_file(path, file)
    check = Checker(file, located, errors)
    return (located.data, check) if check.keys(located.data, keys, keys) else None


def _day(
    folder: Path, root: Path, errors: list[ContentError]
) -> tuple[Day, list[tuple[Module, dict[str, int]]]] | None:
    number = int(DAY_FOLDER.match(folder.name).group(1))  # type: ignore[union-attr]  # only matching folders come here
    loaded = _yaml_file(folder / "day.yaml", root, {"number", "title", "summary"}, errors)
    parsed = [
        m
        for path in sorted(folder.glob("*.md"))
        if (m := _guard(errors, partial(_module, path, root, number, errors)))
    ]
    if loaded is None:
        return None
    data, check = loaded
    if data.get("number") != number:
        check.error(f"`number` must be {number}, as the folder name says", "number")
    if not parsed:
        check.error("a day needs at least one module file")
    modules = tuple(module for module, _ in parsed)
    return Day(number, check.text(data, "title"), check.text(data, "summary"), modules), parsed


def _guard(errors: list[ContentError], load: Callable[[], Loaded]) -> Loaded | None:
    """Run one file's loader; its fatal errors (unreadable YAML) join the list."""
    try:
        return load()
    except ContentInvalid as invalid:
        errors.extend(invalid.errors)
        return None


def _cross_checks(
    days: list[tuple[Day, list[tuple[Module, dict[str, int]]]]], errors: list[ContentError]
) -> dict[str, Module]:
    modules: dict[str, Module] = {}
    for _, parsed in days:
        for module, _ in parsed:
            if module.id in modules:
                errors.append(
                    ContentError(
                        module.source,
                        2,
                        f"module id `{module.id}` is already used by {modules[module.id].source}",
                    )
                )
            modules.setdefault(module.id, module)
    for _, parsed in days:
        for module, links in parsed:
            for target, line in links.items():
                if target not in modules:
                    errors.append(
                        ContentError(
                            module.source, line, f"link to unknown module `module:{target}`"
                        )
                    )
    return modules


def _coverage_errors(catalog: Catalog, root: Path) -> list[ContentError]:
    """Every strategy must be taught, or the training cannot start."""
    strategies = {s.value for s in Strategy}
    missing = [k for k, by_day in catalog.coverage().items() if k in strategies and not by_day]
    return [
        ContentError(root.name, 0, f"no module teaches `{key}`: every strategy needs one")
        for key in missing
    ]


def untaught_topic_areas(catalog: Catalog) -> list[str]:
    """Topic areas no module teaches yet.

    A completeness rule, reported by `content check` rather than refused at start-up: a new
    topic area (Healthy Lifestyles) is declared before its module lands.
    """
    coverage = catalog.coverage()
    return [topic for topic in TOPIC_AREAS if not coverage[topic]]


def load_catalog(root: Path) -> Catalog:
    """Load and validate the whole training; raises ContentInvalid listing every error."""
    errors: list[ContentError] = []
    training = _guard(
        errors, lambda: _yaml_file(root / "training.yaml", root, {"id", "title", "summary"}, errors)
    )
    folders = (
        sorted(
            (p for p in root.iterdir() if p.is_dir() and DAY_FOLDER.match(p.name)),
            key=lambda p: int(p.name.split("-")[1]),
        )
        if root.is_dir()
        else []
    )
    if not folders:
        errors.append(ContentError(root.name, 0, "no day folders (day-1, day-2, …) found"))
    days = [d for folder in folders if (d := _guard(errors, partial(_day, folder, root, errors)))]
    numbers = [day.number for day, _ in days]
    if numbers and numbers != list(range(1, len(numbers) + 1)):
        errors.append(
            ContentError(
                root.name,
                0,
                f"days must be numbered 1 to {len(numbers)} without gaps, found {numbers}",
            )
        )
    modules = _cross_checks(days, errors)
    if errors or training is None:
        raise ContentInvalid(errors)
    data, check = training
    catalog = Catalog(
        check.text(data, "id"),
        check.text(data, "title"),
        check.text(data, "summary"),
        tuple(day for day, _ in days),
        modules,
    )
    errors.extend(_coverage_errors(catalog, root))
    if errors:
        raise ContentInvalid(errors)
    return catalog
