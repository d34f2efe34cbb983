"""Loading courses/: the real curriculum passes; broken files are reported by file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.content.loader import load_catalog, untaught_topic_areas
from app.content.model import TOPIC_AREAS, ActivityType, Strategy
from app.content.source import ContentInvalid
from config import ROOT_DIR

ALL_TOPICS = ", ".join(TOPIC_AREAS)

MODULE = """\
---
id: {id}
title: A module
minutes: 30
objectives:
  - Explain one thing.
  - Practise another.
strategies: [motivational, educational, cognitive-behavioural]
topic_areas: [{topics}]
activities:
  - id: think
    type: reflection
    required: true
    title: Think
    prompt: What did you notice in your own practice?
  - id: steps
    type: checklist
    required: false
    title: Steps
    items: [One, Two, Three]
---
## Lesson

See [the other module](module:{link}).
"""


def write_course(root: Path) -> Path:
    """A small valid course: two days, one module each."""
    courses = root / "courses"
    (courses / "day-1").mkdir(parents=True)
    (courses / "day-2").mkdir()
    (courses / "training.yaml").write_text("id: t\ntitle: Training\nsummary: Five days.\n")
    for day in (1, 2):
        (courses / f"day-{day}" / "day.yaml").write_text(
            f"number: {day}\ntitle: Day {day}\nsummary: A day.\n"
        )
    (courses / "day-1" / "01-first.md").write_text(
        MODULE.format(id="first", topics=ALL_TOPICS, link="second")
    )
    (courses / "day-2" / "01-second.md").write_text(
        MODULE.format(id="second", topics="", link="first")
    )
    return courses


def errors_of(courses: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as raised:
        load_catalog(courses)
    return [str(error) for error in raised.value.errors]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_real_curriculum_is_valid_and_complete():
    catalog = load_catalog(ROOT_DIR / "courses")
    assert [day.number for day in catalog.days] == [1, 2, 3, 4, 5]
    assert len(catalog.modules) >= 25
    coverage = catalog.coverage()
    for key in [s.value for s in Strategy]:
        assert coverage[key], f"nothing teaches {key}"
    # That every topic area is taught is a completeness rule: see tests/unit/test_completeness.py.
    for module in catalog.modules.values():
        assert len(module.objectives) >= 2
        assert module.required_activity_ids, module.id
        assert len(module.lesson_html) > 3000, f"{module.id} reads like a placeholder"
    kinds = {activity.type for module in catalog.modules.values() for activity in module.activities}
    assert kinds == set(ActivityType)


def test_a_small_valid_course_loads_with_versions_and_links(tmp_path: Path):
    catalog = load_catalog(write_course(tmp_path))
    first = catalog.module("first")
    assert first is not None
    assert first.day == 1
    assert len(first.version) == 16
    assert 'href="second"' in first.lesson_html
    assert first.required_activity_ids == {"think"}


def test_editing_a_module_changes_only_its_version(tmp_path: Path):
    courses = write_course(tmp_path)
    before = load_catalog(courses)
    edit(courses / "day-1" / "01-first.md", "## Lesson", "## Lesson, revised")
    after = load_catalog(courses)
    assert before.module("first").version != after.module("first").version
    assert before.module("second").version == after.module("second").version


BROKEN = {
    "unknown key": (
        "day-1/01-first.md",
        "minutes: 30",
        "minutes: 30\ncolour: blue",
        "courses/day-1/01-first.md:5: unknown key `colour`",
    ),
    "missing field": (
        "day-1/01-first.md",
        "title: A module\n",
        "",
        "courses/day-1/01-first.md:2: missing required key `title`",
    ),
    "broken link": (
        "day-2/01-second.md",
        "module:first",
        "module:nowhere",
        "courses/day-2/01-second.md:24: link to unknown module `module:nowhere`",
    ),
    "duplicate id": (
        "day-2/01-second.md",
        "id: second",
        "id: first",
        "courses/day-2/01-second.md:2: module id `first` is already used by courses/day-1/01-first.md",
    ),
    "unsafe HTML": (
        "day-1/01-first.md",
        "## Lesson",
        "## Lesson\n\n<script>alert(1)</script>",
        "courses/day-1/01-first.md:24: raw HTML is not allowed",
    ),
    "bad strategy": (
        "day-1/01-first.md",
        "[motivational,",
        "[motivation,",
        "courses/day-1/01-first.md:8: `motivation` is not one of",
    ),
    "bad topic": (
        "day-2/01-second.md",
        "topic_areas: []",
        "topic_areas: [medications]",
        "courses/day-2/01-second.md:9: `medications` is not one of",
    ),
    "no required activity": (
        "day-1/01-first.md",
        "required: true",
        "required: false",
        "courses/day-1/01-first.md:10: at least one activity must be `required: true`",
    ),
    "activity type": (
        "day-1/01-first.md",
        "type: reflection",
        "type: quiz",
        "courses/day-1/01-first.md:12: activity `type` must be one of",
    ),
    "activity field": (
        "day-1/01-first.md",
        "    prompt: What",
        "    question: What",
        "courses/day-1/01-first.md:15: unknown key `question` (allowed: prompt)",
    ),
    "too few items": (
        "day-1/01-first.md",
        "[One, Two, Three]",
        "[One]",
        "courses/day-1/01-first.md:20: `items` needs 3 to 12 entries",
    ),
    "minutes": (
        "day-1/01-first.md",
        "minutes: 30",
        "minutes: lots",
        "courses/day-1/01-first.md:4: `minutes` must be a whole number",
    ),
    "YAML syntax": (
        "day-1/01-first.md",
        "title: A module",
        "title: [unclosed",
        "courses/day-1/01-first.md:4: not valid YAML",
    ),
    "impossible date": (
        "day-1/01-first.md",
        "minutes: 30",
        "minutes: 30\nreviewed: 2026-02-30",
        "courses/day-1/01-first.md:5: not valid YAML: '2026-02-30' is not a real date",
    ),
    "year 0": (
        "day-2/day.yaml",
        "number: 2",
        "number: 2\nsince: 0000-01-01",
        "courses/day-2/day.yaml:2: not valid YAML: '0000-01-01' is not a real date",
    ),
    "day number": (
        "day-2/day.yaml",
        "number: 2",
        "number: 3",
        "courses/day-2/day.yaml:1: `number` must be 2",
    ),
    "level-1 heading": (
        "day-1/01-first.md",
        "## Lesson",
        "# Lesson",
        "courses/day-1/01-first.md:22: lesson headings start at `##`",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_content_is_reported_with_file_and_line(tmp_path: Path, case: str):
    file, old, new, expected = BROKEN[case]
    courses = write_course(tmp_path)
    edit(courses / file, old, new)
    found = errors_of(courses)
    assert any(error.startswith(expected) for error in found), found


def _latin1(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"A module", "Un modèle".encode("latin-1"), 1))


def _folder(path: Path) -> None:
    path.unlink()
    path.mkdir()


UNREADABLE = {
    "not UTF-8": ("day-1/01-first.md", _latin1, "courses/day-1/01-first.md:3: is not UTF-8 text"),
    "a folder": ("day-1/day.yaml", _folder, "courses/day-1/day.yaml: cannot be read"),
    "alias in itself": (
        "day-2/day.yaml",
        lambda path: path.write_text("number: &n [*n]\n"),
        "courses/day-2/day.yaml:1: not valid YAML here: an alias refers to itself",
    ),
}


@pytest.mark.parametrize("case", list(UNREADABLE))
def test_a_file_that_cannot_be_read_as_yaml_text_is_named_not_a_traceback(
    tmp_path: Path, case: str
):
    file, spoil, expected = UNREADABLE[case]
    courses = write_course(tmp_path)
    spoil(courses / file)
    found = errors_of(courses)
    assert any(error.startswith(expected) for error in found), found


def test_windows_line_endings_read_as_lines(tmp_path: Path):
    courses = write_course(tmp_path)
    for path in courses.rglob("*.*"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert [day.number for day in load_catalog(courses).days] == [1, 2]


def test_every_error_is_reported_at_once(tmp_path: Path):
    courses = write_course(tmp_path)
    edit(courses / "day-1" / "01-first.md", "minutes: 30", "minutes: 0")
    edit(courses / "day-2" / "01-second.md", "module:first", "module:gone")
    assert len(errors_of(courses)) == 2


def test_a_strategy_nobody_teaches_stops_the_load(tmp_path: Path):
    courses = write_course(tmp_path)
    edit(courses / "day-1" / "01-first.md", "motivational, ", "")
    edit(courses / "day-2" / "01-second.md", "motivational, ", "")
    assert "courses: no module teaches `motivational`: every strategy needs one" in errors_of(
        courses
    )


def test_a_topic_nobody_teaches_is_reported_but_loads(tmp_path: Path):
    """A new topic area is declared before its module lands: `content check` reports it."""
    courses = write_course(tmp_path)
    edit(courses / "day-1" / "01-first.md", "medication, ", "")
    catalog = load_catalog(courses)
    assert untaught_topic_areas(catalog) == ["medication"]


def test_lessons_are_sanitised_even_past_validation():
    from app.content.render import render_markdown

    html = render_markdown("[click](javascript:alert(1)) and <img src=x onerror=alert(1)>")
    assert "javascript:" not in html
    assert "onerror" not in html
