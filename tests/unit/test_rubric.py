"""The sign-off rubric file: formats, minimums and level descriptions, and how it scores a session."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from app.content.rubrics import load_rubric
from app.content.source import ContentInvalid
from app.domain.certification import (
    CertificationRules,
    Evidence,
    RatingError,
    SignoffRecord,
    eligibility,
    score_rubric,
)
from config import ROOT_DIR

RUBRIC_FILE = ROOT_DIR / "rubrics" / "treatment-integrity.yaml"
RUBRIC = load_rubric(RUBRIC_FILE)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rubrics"
GROUP_ONLY = {"involving-all-members", "mutual-support"}
CORE = {"goal-setting", "weekly-action-planning", "action-plan-review", "cbt-techniques"}


def _ratings(session_format: str, rating: int = 4, **changes: int) -> dict[str, int | None]:
    """What the sign-off form sends: every item, None where the trainer left it unrated."""
    ratings: dict[str, int | None] = {
        item.id: rating if item.required and item.applies_to(session_format) else None
        for item in RUBRIC.items
    }
    return ratings | {key.replace("_", "-"): value for key, value in changes.items()}


def test_the_rubric_has_sixteen_items_each_described_at_every_level():
    assert len(RUBRIC.items) == 16
    assert sum(item.required for item in RUBRIC.items) == 13
    for item in RUBRIC.items:
        assert len(item.levels) == 5, item.id
        assert len(set(item.levels)) == 5, f"{item.id}: each level says something different"
        assert "rate individual sessions" not in item.guide, item.id
    assert {i.id for i in RUBRIC.items if not i.applies_to("individual")} == GROUP_ONLY
    assert all(i.applies_to("group") for i in RUBRIC.items)
    assert {i.id: i.minimum for i in RUBRIC.items if i.minimum} == dict.fromkeys(CORE, 3)


def test_the_bands_are_the_it_is_bands():
    assert RUBRIC.pass_mean == 3
    assert [(float(start), label) for start, label in RUBRIC.bands] == [
        (1.0, "Unsatisfactory"),
        (2.0, "Needs improvement"),
        (3.0, "Satisfactory"),
        (4.0, "Very good"),
        (5.0, "Excellent"),
    ]


def test_an_individual_session_passes_without_the_group_items():
    result = score_rubric(RUBRIC, _ratings("individual", 3), "individual")
    assert (result.mean, result.band, result.passed, result.rated) == (3, "Satisfactory", True, 11)
    assert result.below_minimum == ()


def test_a_group_item_rated_in_an_individual_session_is_refused():
    ratings = _ratings("individual", involving_all_members=2)
    with pytest.raises(RatingError, match="“Involves every group member” is rated in group"):
        score_rubric(RUBRIC, ratings, "individual")


def test_a_group_session_requires_the_group_items():
    ratings = _ratings("group", mutual_support=None)
    with pytest.raises(RatingError, match="rate “Enlists mutual support”: it is required"):
        score_rubric(RUBRIC, ratings, "group")
    result = score_rubric(RUBRIC, _ratings("group", mutual_support=1), "group")
    assert (result.rated, result.mean) == (13, Fraction(49, 13))


def test_one_item_below_its_minimum_fails_a_mean_of_3_8_and_is_named():
    ratings = _ratings("group", structure_and_time=3, weekly_action_planning=2, coping_skills=4)
    ratings["relapse-prevention"] = 4
    result = score_rubric(RUBRIC, ratings, "group")
    assert (result.mean, result.band, result.rated) == (Fraction(19, 5), "Satisfactory", 15)
    assert result.mean >= RUBRIC.pass_mean
    assert not result.passed
    assert [tuple(s) for s in result.below_minimum] == [("Agrees a weekly action plan", 2, 3)]
    evidence = Evidence(
        (), (), 12, Fraction(80), (SignoffRecord(date(2026, 11, 20), "real session", result),)
    )
    rules = CertificationRules(signoffs_needed=1)
    [signoff] = [r for r in eligibility(evidence, rules).requirements if r.key == "signoff"]
    assert not signoff.met
    assert "“Agrees a weekly action plan” rated 2, below the minimum of 3" in signoff.missing


def test_the_skipped_elements_cannot_be_averaged_away():
    """Without floors, action planning, its review and CBT practice at 2 passed on a mean of 3.45."""
    ratings = _ratings(
        "individual", weekly_action_planning=2, action_plan_review=2, cbt_techniques=2
    )
    result = score_rubric(RUBRIC, ratings, "individual")
    assert result.mean == Fraction(38, 11)
    assert not result.passed
    assert [s.title for s in result.below_minimum] == [
        "Agrees a weekly action plan",
        "Reviews the last action plan",
        "Uses cognitive-behavioural techniques",
    ]


def test_a_rating_at_the_minimum_passes():
    ratings = _ratings("individual", goal_setting=3, cbt_techniques=3)
    assert score_rubric(RUBRIC, ratings, "individual").passed


def test_a_low_optional_item_lowers_the_mean_but_has_no_floor():
    result = score_rubric(RUBRIC, _ratings("individual", coping_skills=1), "individual")
    assert (result.rated, result.mean, result.passed) == (12, Fraction(45, 12), True)


def test_an_unknown_session_format_is_refused():
    with pytest.raises(RatingError, match="individual or group"):
        score_rubric(RUBRIC, _ratings("individual"), "family")


def test_every_mistake_in_a_rubric_file_is_named_by_file_and_line():
    with pytest.raises(ContentInvalid) as raised:
        load_rubric(FIXTURES / "broken.yaml")
    assert [str(error) for error in raised.value.errors] == [
        "rubrics/broken.yaml:13: unknown key `anchor` (allowed: formats, guide, id, levels, "
        "minimum, required, title)",
        "rubrics/broken.yaml:21: missing level 4: describe every rating from 1 to 5",
        "rubrics/broken.yaml:32: level `0` is not a rating from 1 to 5",
        "rubrics/broken.yaml:31: missing level 5: describe every rating from 1 to 5",
        "rubrics/broken.yaml:41: `minimum` must be a whole number from 1 to 5, not `0` "
        "(leave it out for no minimum)",
        "rubrics/broken.yaml:47: unknown format `family` (allowed: individual, group)",
        "rubrics/broken.yaml:53: the item applies to no session format: list one or both of "
        "individual, group",
        "rubrics/broken.yaml:61: level 2 must be a non-empty description",
        "rubrics/broken.yaml:62: missing required key `levels`",
    ]


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    formats: [group]\n", "    formats: [groups]\n", "unknown format `groups`"),
        ("    minimum: 3\n", "    minimum: 6\n", "`minimum` must be a whole number from 1 to 5"),
        ("      1: No recognisable", "      6: No recognisable", "level `6` is not a rating"),
    ],
)
def test_a_mistake_in_the_real_rubric_points_at_its_line(tmp_path, old, new, message):
    broken = tmp_path / "rubrics" / "treatment-integrity.yaml"
    broken.parent.mkdir()
    broken.write_text(RUBRIC_FILE.read_text().replace(old, new, 1))
    lines = broken.read_text().splitlines()
    line = next(i for i, text in enumerate(lines, start=1) if text.startswith(new.rstrip("\n")))
    with pytest.raises(ContentInvalid) as raised:
        load_rubric(broken)
    assert any(
        str(error).startswith(f"rubrics/treatment-integrity.yaml:{line}: {message}")
        for error in raised.value.errors
    ), raised.value.errors
