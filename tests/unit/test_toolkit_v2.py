"""Toolkit v2 (#20): sequences, handouts, leaflets, the trainer's guide, readability.

A small valid toolkit lives in tests/fixtures/toolkit-v2/valid; each broken case below is that
toolkit with one rule broken, and names the file and line the error must point at.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.content.loader import load_catalog
from app.content.readability import flesch_kincaid_grade, readability
from app.content.rubrics import load_rubric
from app.content.source import ContentInvalid
from app.content.toolkit import load_toolkit
from app.domain.toolkit import (
    Block,
    ItemKind,
    Section,
    Toolkit,
    reading_grade_problem,
    reading_text,
    with_group_sections,
)
from config import ROOT_DIR

CATALOG = load_catalog(ROOT_DIR / "courses")
RUBRIC = load_rubric(ROOT_DIR / "rubrics" / "treatment-integrity.yaml")
VALID = ROOT_DIR / "tests" / "fixtures" / "toolkit-v2" / "valid"
HARD = (
    "Comprehensive psychoeducational interventions facilitate the consolidation of "
    "individualised pharmacological adherence strategies notwithstanding considerable "
    "organisational heterogeneity."
)


def _load(root: Path = VALID) -> Toolkit:
    return load_toolkit(root, CATALOG, RUBRIC)


@pytest.fixture
def fixture_copy(tmp_path: Path) -> Path:
    root = tmp_path / "toolkit"
    shutil.copytree(VALID, root)
    return root


def _errors(root: Path) -> list[str]:
    with pytest.raises(ContentInvalid) as raised:
        _load(root)
    return [str(error) for error in raised.value.errors]


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def _apply(root: Path, change: tuple[str, ...]) -> None:
    """("edit", file, old, new), ("copy", from, to, old, new) or ("delete", file)."""
    if change[0] == "delete":
        (root / change[1]).unlink()
        return
    if change[0] == "copy":
        _, source, target, old, new = change
        shutil.copy(root / source, root / target)
        change = ("edit", target, old, new)
    _, file, old, new = change
    path = root / file
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_the_valid_fixture_loads_with_its_sequence_and_versions():
    toolkit = _load()
    first, second, group = (
        toolkit.item(k) for k in ("medication-1", "medication-2", "medication-2-group")
    )
    assert (first.session, first.of, second.session, group.session) == (1, 4, 2, 2)
    assert group.is_group_plan
    assert not second.is_group_plan
    assert toolkit.neighbours(second) == (first, None)
    assert toolkit.other_version(second) is group
    assert toolkit.other_version(group) is second
    assert toolkit.other_version(first) is None
    handout = toolkit.item("medication-handout")
    assert handout.kind is ItemKind.HANDOUT
    assert handout.topic_areas == ("medication",)
    assert toolkit.handout_of("medication") is handout
    assert [p.id for p in toolkit.plans_using(handout)] == [
        "medication-1",
        "medication-2",
        "medication-2-group",
    ]
    assert [p.id for p in toolkit.plans_using(toolkit.item("thought-record"))] == ["medication-1"]
    assert [a.kind for a in first.adaptations] == ["cognitive", "literacy"]
    assert toolkit.item("for-supporters").audience == "supporters"
    day = toolkit.item("trainer-guide-day-1")
    assert (day.day, day.prework) == (1, ("imr-at-a-glance", "ten-topic-areas"))
    agenda = next(b for s in day.sections for b in s.blocks if b.kind == "agenda")
    assert (agenda.agenda[0].start, agenda.agenda[0].end) == ("09:00", "10:00")
    focuses = toolkit.consultation_guide().focuses
    assert len(focuses) == 8
    assert focuses[0].label == "Week 1: Keeping the session structure"


def test_the_handouts_group_version_swaps_and_adds_its_group_sections():
    handout = _load().item("medication-handout")
    group = handout.as_group_version()
    headings = [(s.part, s.heading) for s in group.sections]
    assert headings == [
        ("key-points", "What medication can do"),
        ("key-points", "Side effects"),
        ("key-points", "Make it part of your day"),
        ("questions", "Questions to think about"),
        ("checklist", "What I do now"),
        ("planning-sheet", "My plan"),
        ("planning-sheet", "A group planning round"),
    ]
    questions = group.sections[3].blocks
    assert questions[0].text == "Talk about this with the group."
    assert handout.sections[3].blocks[0].kind == "questions"
    assert group.group_version
    assert not handout.group_version
    assert handout.reading_grade is not None
    assert handout.reading_grade <= 7
    assert handout.group_reading_grade is not None


def test_a_plan_without_the_new_keys_loads_but_is_unfinished(fixture_copy: Path):
    plan = fixture_copy / "session-plans" / "medication-2.yaml"
    text = plan.read_text()
    start = text.index("adaptations:")
    plan.write_text(text[:start] + text[text.index("practitioner_notes:") :])
    toolkit = _load(fixture_copy)
    assert toolkit.unfinished == (
        "toolkit/session-plans/medication-2.yaml:1: missing required key `adaptations` (toolkit v2)",
    )
    assert toolkit.unfinished[0] in toolkit.completeness(["medication"])


def test_completeness_names_every_gap():
    toolkit = _load()
    assert toolkit.completeness(["medication"]) == [
        "medication has no individual session plan for session 3, 4 of 4"
    ]
    assert toolkit.completeness(["social-support"]) == [
        "social-support has no handout (toolkit/handouts/social-support.yaml)",
        "social-support has no individual session plan for session 1, 2, 3, 4, 5, 6, 7 of 7",
        "social-support has no group session plan",
    ]
    without = Toolkit(tuple(i for i in toolkit.items if i.id != "thought-record"), toolkit.sessions)
    assert (
        "the thought-record worksheet is missing (toolkit/worksheets/thought-record.yaml)"
        in without.completeness([])
    )
    coverage = toolkit.coverage("medication")
    assert (coverage.handout, coverage.sessions, coverage.of, coverage.group_sessions) == (
        "medication-handout",
        (1, 2),
        4,
        (2,),
    )


def test_the_readability_rule():
    easy = "You can set a goal. It can be small. We will help you take one step at a time."
    assert flesch_kincaid_grade(easy) <= 6
    assert reading_grade_problem(flesch_kincaid_grade(easy)) is None
    assert flesch_kincaid_grade(HARD) > 7
    assert "grade" in reading_grade_problem(flesch_kincaid_grade(HARD), "the handout")
    assert reading_grade_problem(7.0) is None
    assert reading_grade_problem(7.1) is not None


def test_reading_text_takes_what_a_reader_reads_and_ends_each_piece():
    sections = (
        Section(
            "Not read: a heading",
            (
                Block("text", text="One sentence."),
                Block("bullets", items=("a bullet", "another!")),
                Block("questions", items=("Why?",)),
                Block("fields", items=("Date",)),
                Block("write", prompt="Not read: a label", lines=2),
            ),
        ),
    )
    assert reading_text(sections) == "One sentence.\na bullet.\nanother!\nWhy?"
    assert readability(sections).words == 6


def test_group_sections_replace_by_part_and_heading_or_are_added_in_part_order():
    sections = (
        Section("A", (), part="key-points"),
        Section("Q", (), part="questions"),
        Section("P", (), part="planning-sheet"),
    )
    group = (
        Section("Q", (Block("text", text="x"),), part="questions"),
        Section("B", (), part="key-points"),
    )
    merged = with_group_sections(sections, group)
    assert [s.heading for s in merged] == ["A", "B", "Q", "P"]
    assert merged[2].blocks


PLANS = "session-plans"
P1, P2, PG = (
    f"{PLANS}/medication-1.yaml",
    f"{PLANS}/medication-2.yaml",
    f"{PLANS}/medication-2-group.yaml",
)
HANDOUT = "handouts/medication.yaml"
LEAFLET = "leaflets/for-supporters.yaml"
DAY1, CONSULT = "trainer-guide/day-1.yaml", "trainer-guide/consultation.yaml"
SHEET = "worksheets/thought-record.yaml"

# (changes, file the error is in, text on the error's line after the change, message)
BROKEN: dict[str, tuple[list[tuple[str, ...]], str, str, str]] = {
    "session-not-as-named": (
        [("edit", P2, "session: 2", "session: 3")],
        P2,
        "session: 3",
        "`session` must be 2, as the file name says",
    ),
    "of-not-as-topics-yaml": (
        [("edit", P1, "of: 4", "of: 5")],
        P1,
        "of: 5",
        "`of` must be 4: toolkit/topics.yaml gives medication 4 sessions",
    ),
    "handout-of-another-topic": (
        [("edit", P1, "handout: medication", "handout: coping-with-stress")],
        P1,
        "handout:",
        "`handout` must be `medication`, the handout of this plan's topic area",
    ),
    "handout-missing": (
        [("delete", HANDOUT)],
        P2,
        "handout:",
        "there is no handout `medication` (toolkit/handouts/medication.yaml)",
    ),
    "worksheet-missing": (
        [("edit", P1, "worksheets: [thought-record]", "worksheets: [thought-diary]")],
        P1,
        "worksheets:",
        "there is no worksheet `thought-diary`",
    ),
    "adaptation-unknown": (
        [("edit", P1, "for: cognitive", "for: memory")],
        P1,
        "for: memory",
        "`for` must be one of: culture-and-language, trauma-informed, cognitive",
    ),
    "adaptation-too-long": (
        [("edit", P2, "stop whenever they wish.", "stop. Go slowly. Check in. Offer a break.")],
        P2,
        "text: Let the person",
        "`text` is one to three sentences, not 4",
    ),
    "adaptations-too-few": (
        [("edit", P2, "adaptations:\n  - for: trauma-informed", "adaptations: []\nx:\n  - for: t")],
        P2,
        "adaptations: []",
        "`adaptations` must be a list of 1 to 5 entries",
    ),
    "title-without-session": (
        [
            (
                "edit",
                P1,
                '"Using Medication Effectively, session 1 of 4:',
                '"Using Medication Effectively:',
            )
        ],
        P1,
        "title:",
        'the title reads "<Topic>, session 1 of 4: <what it covers>"',
    ),
    "review-does-not-look-back": (
        [("edit", P2, "In session 1 the person named", "The person names")],
        P2,
        "- stage: review",
        "the review stage of session 2 says what session 1 covered",
    ),
    "session-twice": (
        [("copy", P2, f"{PLANS}/medication.yaml", "id: medication-2", "id: medication")],
        f"{PLANS}/medication.yaml",
        "session: 2",
        "toolkit/session-plans/medication-2.yaml is already the individual plan of medication session 2",
    ),
    "practice-shared": (
        [
            (
                "edit",
                P2,
                "title: Raising a side effect\n          steps:\n"
                "            - Model telling a prescriber about a side effect.\n"
                "            - The person tries it; praise one thing and suggest one change.",
                "title: Naming each medication's purpose\n          steps:\n"
                "            - Lay out the person's medications.\n"
                "            - The person says what each is for, in their words.",
            )
        ],
        P2,
        "- stage: new-material",
        "its practice “Naming each medication's purpose” is the same as in "
        "toolkit/session-plans/medication-1.yaml",
    ),
    "home-assignment-shared": (
        [
            (
                "edit",
                P2,
                "Write down one question for the next appointment.",
                "Note one thing you notice after taking your medication each day.",
            )
        ],
        P2,
        "- stage: next-home-assignment",
        "its home assignment is the same as in toolkit/session-plans/medication-1.yaml",
    ),
    "group-only-but-not-named-group": (
        [("edit", P1, "formats: [individual, group]", "formats: [group]")],
        P1,
        "formats:",
        "a group plan has `formats: [group]` and is named `<topic-area-id>-<n>-group`",
    ),
    "named-group-but-individual": (
        [("edit", PG, "formats: [group]", "formats: [individual, group]")],
        PG,
        "formats:",
        "a group plan has `formats: [group]`",
    ),
    "group-too-short": (
        [("edit", PG, "minutes: 75", "minutes: 50")],
        PG,
        "minutes: 50",
        "a group plan runs 60 to 120 minutes (for 4 to 8 members)",
    ),
    "group-home-assignment-review-too-short": (
        [
            (
                "edit",
                PG,
                "minutes: 15\n    blocks:\n      - text: Each member says",
                "minutes: 8\n    blocks:\n      - text: Each member says",
            )
        ],
        PG,
        "minutes: 8",
        "a group plan's home-assignment-review stage takes at least 10 minutes",
    ),
    "group-without-mutual-support": (
        [
            ("edit", PG, "title: Rehearsing in pairs", "title: Rehearsing"),
            ("edit", PG, "Members pair up; one plays the prescriber.", "Members take turns."),
            ("edit", PG, "Partners give each other one piece", "The practitioner gives one piece"),
        ],
        PG,
        "- stage: new-material",
        "a group plan's new material has a mutual-support activity",
    ),
    "group-notes-without-dominant-and-quiet": (
        [
            ("edit", PG, "Invite quiet members", "Invite members"),
            ("edit", PG, "Thank a dominant", "Thank a"),
        ],
        PG,
        "practitioner_notes:",
        "a group plan's `practitioner_notes` say how to manage dominant and quiet members",
    ),
    "plan-badly-named": (
        [("copy", P1, f"{PLANS}/medicine-1.yaml", "id: medication-1", "id: medicine-1")],
        f"{PLANS}/medicine-1.yaml",
        "id: medicine-1",
        "a session plan is named `<topic-area-id>`, `<topic-area-id>-<n>`",
    ),
    "handout-part-unknown": (
        [("edit", HANDOUT, "part: checklist", "part: quiz")],
        HANDOUT,
        "part: quiz",
        "`part` must be one of: key-points, questions, checklist, planning-sheet",
    ),
    "handout-parts-out-of-order": (
        [
            (
                "edit",
                HANDOUT,
                "  - part: key-points\n    heading: What medication",
                "  - part: checklist\n    heading: What medication",
            )
        ],
        HANDOUT,
        "sections:",
        "a handout's parts come in this order: key-points, questions, checklist, planning-sheet",
    ),
    "handout-too-few-key-points": (
        [
            (
                "edit",
                HANDOUT,
                "  - part: key-points\n    heading: Side effects\n    blocks:\n"
                "      - text: Some people get side effects. Tell your prescriber about them. "
                "There is often a fix.\n",
                "",
            )
        ],
        HANDOUT,
        "sections:",
        "a handout has 3 to 8 `key-points` sections, not 2",
    ),
    "handout-two-checklists": (
        [
            (
                "edit",
                HANDOUT,
                "part: planning-sheet\n    heading: My plan",
                "part: checklist\n    heading: My plan",
            )
        ],
        HANDOUT,
        "sections:",
        "a handout has one `checklist` section, not 2",
    ),
    "key-points-with-a-fill-in": (
        [
            (
                "edit",
                HANDOUT,
                "There is often a fix.",
                "There is often a fix.\n      - write: {prompt: Mine, lines: 2}",
            )
        ],
        HANDOUT,
        "heading: Side effects",
        "a `key-points` section holds `bullets`, `steps`, `text` blocks, not `write`",
    ),
    "questions-too-few": (
        [
            (
                "edit",
                HANDOUT,
                "          - Which side effects have you noticed?\n          - What could help you remember?\n",
                "",
            )
        ],
        HANDOUT,
        "heading: Questions to think about",
        "a `questions` section holds a `questions` block of 3 to 10 questions",
    ),
    "checklist-without-checkboxes": (
        [
            (
                "edit",
                HANDOUT,
                "      - checkboxes:\n          - I keep",
                "      - bullets:\n          - I keep",
            )
        ],
        HANDOUT,
        "heading: What I do now",
        "a `checklist` section holds a `checkboxes` block",
    ),
    "planning-sheet-without-fill-in": (
        [
            (
                "edit",
                HANDOUT,
                "      - fields: [Date, My daily habit]\n      - write: {prompt: What I will try this week, lines: 3}",
                "      - text: Plan your week.",
            )
        ],
        HANDOUT,
        "heading: My plan",
        "a `planning-sheet` section holds a block to fill in",
    ),
    "handout-too-hard-to-read": (
        [("edit", HANDOUT, "It can also make a relapse less likely.", HARD * 6)],
        HANDOUT,
        "sections:",
        "the handout reads at Flesch-Kincaid grade",
    ),
    "group-version-too-hard-to-read": (
        [("edit", HANDOUT, "The group cheers them on.", HARD * 12)],
        HANDOUT,
        "group_sections:",
        "the handout's group version reads at Flesch-Kincaid grade",
    ),
    "handout-not-named-after-a-topic": (
        [("copy", HANDOUT, "handouts/pills.yaml", "id: medication", "id: pills")],
        "handouts/pills.yaml",
        "id: pills",
        "a handout is named after its topic area",
    ),
    "handout-of-another-topic-area": (
        [("edit", HANDOUT, "topic_areas: [medication]", "topic_areas: [coping-with-stress]")],
        HANDOUT,
        "topic_areas:",
        "a handout has exactly one topic area, `medication`",
    ),
    "group-sections-on-a-worksheet": (
        [("edit", SHEET, "sections:", "group_sections: []\nsections:")],
        SHEET,
        "group_sections:",
        "only a handout has `group_sections`",
    ),
    "leaflet-audience-unknown": (
        [("edit", LEAFLET, "audience: supporters", "audience: neighbours")],
        LEAFLET,
        "audience:",
        "`audience` must be one of: people-considering-imr, supporters",
    ),
    "leaflet-too-hard-to-read": (
        [
            (
                "edit",
                LEAFLET,
                "work toward their own goals.",
                "work toward their own goals. " + HARD * 4,
            )
        ],
        LEAFLET,
        "sections:",
        "the leaflet reads at Flesch-Kincaid grade",
    ),
    "trainer-guide-file-unknown": (
        [("copy", DAY1, "trainer-guide/day-6.yaml", "day: 1", "day: 1")],
        "trainer-guide/day-6.yaml",
        "id:",
        "a trainer's guide file is day-1.yaml to day-5.yaml or consultation.yaml",
    ),
    "trainer-guide-id": (
        [("edit", DAY1, "id: trainer-guide-day-1", "id: day-1")],
        DAY1,
        "id: day-1",
        "`id` must be what the file name makes it, `trainer-guide-day-1`",
    ),
    "trainer-guide-day-not-as-named": (
        [("edit", DAY1, "day: 1", "day: 2")],
        DAY1,
        "day: 2",
        "`day` must be 1, as the file name says",
    ),
    "agenda-overlap": (
        [("edit", DAY1, 'start: "10:00"', 'start: "09:45"')],
        DAY1,
        '"09:45"',
        "`09:45` starts before the entry before it ends (10:00)",
    ),
    "agenda-outside-the-day": (
        [("edit", DAY1, 'start: "09:00", minutes: 60', 'start: "08:00", minutes: 60')],
        DAY1,
        "- agenda:",
        "the day runs between 08:30 and 17:30, not 08:00 to 16:15",
    ),
    "agenda-misses-a-module": (
        [
            (
                "edit",
                DAY1,
                "activity: Formats and pacing, module: formats-and-pacing",
                "activity: Formats and pacing",
            )
        ],
        DAY1,
        "- agenda:",
        "module `formats-and-pacing` of day 1 is in neither an agenda entry's `module` nor `prework`",
    ),
    "agenda-unknown-module": (
        [("edit", DAY1, "module: recovery-orientation", "module: recovery-101")],
        DAY1,
        "recovery-101",
        "unknown module `recovery-101`",
    ),
    "agenda-start-not-a-time": (
        [("edit", DAY1, 'start: "13:00"', "start: 1pm")],
        DAY1,
        "start: 1pm",
        '`start` is a time of day, "HH:MM"',
    ),
    "agenda-how-too-long": (
        [("edit", DAY1, "rotating roles.", "rotating roles. Then swap. Then swap again.")],
        DAY1,
        "how: Model",
        "`how` is one to three sentences, not 4",
    ),
    "agenda-in-a-worksheet": (
        [
            (
                "edit",
                SHEET,
                "      - write: {prompt: The situation, lines: 2}",
                '      - write: {prompt: The situation, lines: 2}\n      - agenda: [{start: "09:00", minutes: 5, activity: A}]',
            )
        ],
        SHEET,
        "- agenda:",
        "a block is one of: bullets, checkboxes, fields, practice, questions, rating, steps, table, text, write",
    ),
    "agenda-too-short": (
        [
            (
                "edit",
                CONSULT,
                '          - {start: "14:50", minutes: 25, activity: Practice questions}\n',
                "",
            )
        ],
        CONSULT,
        "- agenda:",
        "an `agenda` is a list of 3 to 30 entries",
    ),
    "day-without-debrief-questions": (
        [
            (
                "edit",
                DAY1,
                "      - questions:\n          - What did the person in the role-play notice first?\n          - Which stage was hardest to keep short?",
                "      - text: Ask what they noticed.",
            )
        ],
        DAY1,
        "sections:",
        "a trainer's guide day has debrief questions (a `questions` block)",
    ),
    "consultation-too-long": (
        [
            (
                "edit",
                CONSULT,
                "minutes: 25, activity: Practice questions",
                "minutes: 55, activity: Practice questions",
            )
        ],
        CONSULT,
        "- agenda:",
        "a consultation session's agenda runs 60 to 90 minutes, not 105",
    ),
    "focuses-too-few": (
        [("edit", CONSULT, "  - {id: thought-records,", "x:\n  - {id: thought-records,")],
        CONSULT,
        "focuses:",
        "`focuses` must be a list of 8 to 24 skill focuses",
    ),
    "focuses-out-of-week-order": (
        [("edit", CONSULT, "id: thought-records, week: 8", "id: thought-records, week: 1")],
        CONSULT,
        "id: thought-records",
        "focuses are in week order: week 1 comes after week 7",
    ),
    "focus-id-twice": (
        [("edit", CONSULT, "id: reinforcement,", "id: oars,")],
        CONSULT,
        "title: Praising steps",
        "focus id `oars` is used twice",
    ),
    "focus-unknown-module": (
        [("edit", CONSULT, "modules: [cognitive-restructuring]}", "modules: [cbt-101]}")],
        CONSULT,
        "cbt-101",
        "unknown module `cbt-101`",
    ),
    "focus-skill-too-long": (
        [
            (
                "edit",
                CONSULT,
                "skill: Praise effort and each step toward a skill.",
                "skill: Praise effort. Praise steps. Praise skill.",
            )
        ],
        CONSULT,
        "Praise effort.",
        "`skill` is one to two sentences, not 3",
    ),
    "focuses-on-a-day": (
        [("edit", DAY1, "day: 1", "day: 1\nfocuses: []")],
        DAY1,
        "focuses: []",
        "only the consultation guide has `focuses`",
    ),
    "day-on-the-consultation-guide": (
        [("edit", CONSULT, "focuses:", "day: 1\nfocuses:")],
        CONSULT,
        "day: 1",
        "only a trainer's guide day has `day`",
    ),
    "topics-yaml-missing-a-topic": (
        [("edit", "topics.yaml", "healthy-lifestyles: 4\n", "")],
        "topics.yaml",
        "#",
        "missing required key `healthy-lifestyles`",
    ),
    "topics-yaml-bad-count": (
        [("edit", "topics.yaml", "social-support: 7", "social-support: 0")],
        "topics.yaml",
        "social-support: 0",
        "`social-support` must be a whole number from 1 to 12",
    ),
    "topics-yaml-unknown-topic": (
        [("edit", "topics.yaml", "medication: 4", "medication: 4\nastrology: 2")],
        "topics.yaml",
        "astrology",
        "unknown key `astrology`",
    ),
    "address-taken": (
        [
            (
                "copy",
                SHEET,
                "worksheets/medication-handout.yaml",
                "id: thought-record",
                "id: medication-handout",
            )
        ],
        "worksheets/medication-handout.yaml",
        "id: medication-handout",
        "`medication-handout` is already the address of toolkit/handouts/medication.yaml",
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_every_broken_rule_names_its_file_and_line(fixture_copy: Path, case: str):
    changes, file, needle, message = BROKEN[case]
    for change in changes:
        _apply(fixture_copy, change)
    errors = _errors(fixture_copy)
    line = _line_of(fixture_copy / file, needle)
    assert any(e.startswith(f"toolkit/{file}:{line}: ") and message in e for e in errors), (
        "\n".join(errors)
    )


def test_a_missing_topics_file_is_named(fixture_copy: Path):
    (fixture_copy / "topics.yaml").unlink()
    assert "toolkit/topics.yaml: file is missing: it gives each topic area's sessions" in _errors(
        fixture_copy
    )
