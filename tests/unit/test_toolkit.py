"""The toolkit files: the real ones are valid and complete; broken ones name their file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.loader import load_catalog
from app.content.model import TOPIC_AREAS
from app.content.rubrics import load_rubric
from app.content.source import ContentInvalid
from app.content.toolkit import load_toolkit
from app.domain.toolkit import SESSION_STAGES, ItemKind, ToolkitQuery
from config import ROOT_DIR

CATALOG = load_catalog(ROOT_DIR / "courses")
RUBRIC = load_rubric(ROOT_DIR / "rubrics" / "treatment-integrity.yaml")
REAL = load_toolkit(ROOT_DIR / "toolkit", CATALOG, RUBRIC)


FIRST_TEN = [topic for topic in TOPIC_AREAS if topic != "healthy-lifestyles"]


def test_the_first_ten_plans_keep_their_ids_and_each_of_their_topics_has_a_worksheet():
    """LMS links point at the first plans; v2's sequences and handouts are checked by
    tests/unit/test_completeness.py."""
    for topic in FIRST_TEN:
        kinds = {item.kind for item in REAL.items if topic in item.topic_areas}
        assert {ItemKind.SESSION_PLAN, ItemKind.WORKSHEET} <= kinds, topic
    plans = {item.id for item in REAL.items if item.kind is ItemKind.SESSION_PLAN}
    assert set(FIRST_TEN) <= plans


def test_session_plans_follow_the_imr_session_structure():
    for plan in (item for item in REAL.items if item.kind is ItemKind.SESSION_PLAN):
        assert [section.stage for section in plan.sections] == list(SESSION_STAGES), plan.id
        assert sum(section.minutes for section in plan.sections) == plan.minutes
        new_material = plan.sections[list(SESSION_STAGES).index("new-material")]
        assert {"questions", "practice"} <= {block.kind for block in new_material.blocks}


def test_every_module_link_resolves_and_the_self_check_uses_the_rubric():
    for item in REAL.items:
        assert item.modules, item.id
        assert all(CATALOG.module(module) for module in item.modules), item.id
    self_check = REAL.item("session-fidelity-self-check")
    rating = next(b for s in self_check.sections for b in s.blocks if b.kind == "rating")
    assert [line.label for line in rating.rating_lines] == [
        i.title + ("" if i.applies_to("individual") else " (groups only)") for i in RUBRIC.items
    ]
    assert "Involves every group member (groups only)" in [
        line.label for line in rating.rating_lines
    ]
    assert rating.scale == ("1", "2", "3", "4", "5")


def test_the_worksheets_the_issue_names_exist():
    worksheets = {item.id for item in REAL.items if item.kind is ItemKind.WORKSHEET}
    assert {
        "recovery-goal-and-steps",
        "weekly-action-plan",
        "pros-and-cons-of-change",
        "stress-vulnerability-picture",
        "social-support-map",
        "medication-routine",
        "relapse-prevention-plan",
        "coping-plan",
        "problem-solving-steps",
        "services-and-self-advocacy",
    } <= worksheets
    assert {"group-facilitation", "session-fidelity-self-check"} <= {
        item.id for item in REAL.items if item.kind is ItemKind.CHECKLIST
    }


def test_search_needs_every_word_and_every_filter():
    found = {i.id for i in REAL.find(ToolkitQuery(words="early warning signs"))}
    assert "relapse-prevention-plan" in found
    assert not REAL.find(ToolkitQuery(words="early warning xylophone"))
    medication = {i.id for i in REAL.find(ToolkitQuery(topic_area="medication"))}
    assert {"medication", "medication-routine", "pros-and-cons-of-change"} <= medication
    assert all(
        "medication" in i.topic_areas for i in REAL.find(ToolkitQuery(topic_area="medication"))
    )
    groups = REAL.find(ToolkitQuery(format="group", kind="checklist"))
    assert "group-facilitation" in {i.id for i in groups}
    assert all(i.kind is ItemKind.CHECKLIST and "group" in i.formats for i in groups)
    motivational = REAL.find(ToolkitQuery(strategy="motivational", kind="worksheet"))
    assert all("motivational" in i.strategies for i in motivational)
    assert len(motivational) < len(REAL.find(ToolkitQuery(kind="worksheet")))


@pytest.fixture
def toolkit_copy(tmp_path: Path) -> Path:
    root = tmp_path / "toolkit"
    shutil.copytree(ROOT_DIR / "toolkit", root)
    return root


def _errors(root: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as raised:
        load_toolkit(root, CATALOG, RUBRIC)
    return [str(error) for error in raised.value.errors]


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_an_unknown_module_is_named_with_its_line(toolkit_copy: Path):
    sheet = toolkit_copy / "worksheets" / "coping-plan.yaml"
    _edit(sheet, "modules: [teaching-coping-with-stress]", "modules: [teaching-juggling]")
    line = _line_of(sheet, "modules:")
    assert _errors(toolkit_copy) == [
        f"toolkit/worksheets/coping-plan.yaml:{line}: unknown module `teaching-juggling` "
        "(allowed: " + ", ".join(sorted(CATALOG.modules)) + ")"
    ]


def test_a_question_without_a_question_mark_is_named_with_its_line(toolkit_copy: Path):
    plan = toolkit_copy / "session-plans" / "medication.yaml"
    first_questions = _line_of(plan, "- questions:")
    lines = plan.read_text().splitlines()
    question = next(n for n in range(first_questions, len(lines)) if lines[n].strip().endswith("?"))
    lines[question] = lines[question].rstrip("?")
    plan.write_text("\n".join(lines) + "\n")
    assert _errors(toolkit_copy) == [
        f"toolkit/session-plans/medication.yaml:{first_questions}: "
        "every question ends with a question mark"
    ]


def test_a_missing_stage_and_wrong_minutes_are_reported_together(toolkit_copy: Path):
    plan = toolkit_copy / "session-plans" / "social-support.yaml"
    _edit(plan, "stage: agenda", "stage: small-talk")
    errors = _errors(toolkit_copy)
    assert any(
        e.startswith(f"toolkit/session-plans/social-support.yaml:{_line_of(plan, 'sections:')}:")
        and "the eight stages, once each, in this order" in e
        for e in errors
    )


def test_a_worksheet_with_nothing_to_fill_in_is_refused(toolkit_copy: Path):
    sheet = toolkit_copy / "worksheets" / "tiny.yaml"
    sheet.write_text(
        "id: tiny\ntitle: Tiny\nkind: worksheet\nsummary: Nothing to write.\n"
        "topic_areas: [coping-with-stress]\nstrategies: [educational]\nformats: [individual]\n"
        "modules: [teaching-coping-with-stress]\nsections:\n"
        "  - heading: Read this\n    blocks:\n      - text: Just words.\n"
    )
    assert _errors(toolkit_copy) == [
        "toolkit/worksheets/tiny.yaml:9: a worksheet needs at least one block to fill in "
        "(checkboxes, fields, rating, table, write)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("kind: worksheet", "kind: session-plan", "kind:", "`kind` must be `worksheet`"),
        ("id: coping-plan", "id: coping", "id:", "`id` must be the file name, `coping-plan`"),
        (
            "formats: [individual, group]",
            "formats: [online]",
            "formats:",
            "unknown format `online`",
        ),
        ("strategies: [", "strategies: [hypnosis, ", "strategies:", "unknown strategy `hypnosis`"),
        ("      - table:", "      - grid:", "- grid:", "a block is one of:"),
        ("rows: 5", "rows: 40", "rows: 40", "`rows` must be a whole number from 1 to 12"),
        ('prompt: "People', 'prompt: "**People**', "**People**", "plain prose only"),
        ("summary: >-", "summary: [oops", "A personal stress coping plan", "not valid YAML"),
    ],
)
def test_broken_worksheets_name_the_file_and_line(
    toolkit_copy: Path, old: str, new: str, needle: str, message: str
):
    sheet = toolkit_copy / "worksheets" / "coping-plan.yaml"
    _edit(sheet, old, new)
    errors = _errors(toolkit_copy)
    line = _line_of(sheet, needle)
    assert any(
        e.startswith(f"toolkit/worksheets/coping-plan.yaml:{line}") and message in e for e in errors
    ), errors
