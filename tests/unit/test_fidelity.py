"""Fidelity scoring and classification at every threshold edge, and due dates, by hand."""

from __future__ import annotations

import re
from datetime import date
from fractions import Fraction

import pytest

from app.content.fidelity import load_fidelity_scale
from app.content.loader import load_catalog
from app.domain.fidelity import (
    REVIEW_DATE_RULE,
    FidelityRatingError,
    ReviewDateError,
    ReviewLocked,
    ReviewStatus,
    check_review_date,
    items_staying_low,
    next_review,
    parse_review_date,
    review_status,
    score,
)
from config import ROOT_DIR


@pytest.fixture(scope="module")
def scale():
    return load_fidelity_scale(
        ROOT_DIR / "rubrics" / "fidelity-scale.yaml", load_catalog(ROOT_DIR / "courses")
    )


def test_the_scale_has_thirteen_items_and_marks_unconfirmed_anchors(scale):
    assert len(scale.items) == 13
    assert [i.confirmed for i in scale.items[:4]] == [True] * 4
    assert not any(i.confirmed for i in scale.items[4:])


def test_the_unconfirmed_items_count_people_in_percentage_bands(scale):
    """Items 6 to 13 give reviewers a number to find, not "few", "some" or "most"."""
    for item in scale.items[5:]:
        assert item.criterion.startswith("Count people"), item.id
        for anchor in item.anchors:
            assert re.search(r"\d+%", anchor), (item.id, anchor)
            assert not re.search(r"\b(few|some|most|about half)\b", anchor, re.I), anchor


def test_goal_follow_up_counts_people_not_sessions(scale):
    item = next(i for i in scale.items if i.id == "goal-follow-up")
    assert item.criterion.startswith("Count people, not sessions")
    assert all("session" not in anchor for anchor in item.anchors)


def test_a_recorded_choice_not_to_share_the_relapse_plan_still_counts(scale):
    item = next(i for i in scale.items if i.id == "relapse-prevention-training")
    assert "chose to share it with no one counts too" in item.criterion
    assert not any("shared with supporters" in anchor for anchor in item.anchors)


def test_groups_larger_than_eight_score_below_five(scale):
    item = scale.items[0]
    assert item.anchors[0] == "Groups of more than 15 people"
    assert item.anchors[4] == "Individual sessions only, or groups of 8 or fewer"
    assert "any group larger than 8 scores lower" in item.criterion


def _ratings(scale, total: int) -> dict[str, int]:
    """13 ratings adding up to `total` (as evenly as possible)."""
    base, extra = divmod(total, 13)
    return {item.id: base + (1 if index < extra else 0) for index, item in enumerate(scale.items)}


@pytest.mark.parametrize(
    ("total", "mean", "label"),
    [
        (65, 5, "High fidelity"),
        (52, 4, "High fidelity"),  # exactly 4.0 is high
        (51, Fraction(51, 13), "Moderate fidelity"),  # 3.92…
        (39, 3, "Moderate fidelity"),  # exactly 3.0 is moderate
        (38, Fraction(38, 13), "Low fidelity"),  # 2.92…
        (13, 1, "Low fidelity"),
    ],
)
def test_classification_at_each_threshold(scale, total, mean, label):
    result = score(scale, _ratings(scale, total))
    assert (result.mean, result.label) == (Fraction(mean), label)


def test_every_item_needs_a_rating_from_1_to_5(scale):
    ratings = _ratings(scale, 52)
    with pytest.raises(FidelityRatingError, match="rate “Goal setting”"):
        score(scale, {**ratings, "goal-setting": None})
    with pytest.raises(FidelityRatingError, match="from 1 to 5"):
        score(scale, {**ratings, "group-size": 0})


def test_due_dates_and_statuses():
    today = date(2026, 11, 24)
    assert next_review(date(2026, 6, 1), 6, today) == date(2026, 12, 1)
    assert review_status(date(2026, 12, 1), today, ever_reviewed=True) == "due within 30 days"
    assert review_status(date(2026, 12, 25), today, ever_reviewed=True) == "scheduled"
    assert review_status(date(2026, 12, 24), today, ever_reviewed=True) == "due within 30 days"
    assert review_status(date(2026, 11, 23), today, ever_reviewed=True) == "overdue"
    never = next_review(None, 6, today)
    assert never == today
    assert review_status(never, today, ever_reviewed=False) == "never reviewed"


def test_a_last_review_at_the_calendar_end_makes_the_next_due_now_not_a_crash():
    """Six months after 9999-12-31 is past the calendar: no such review took place."""
    today = date(2026, 11, 24)
    assert next_review(date(9999, 12, 31), 6, today) == today
    assert next_review(date(9999, 7, 1), 6, today) == today
    assert next_review(date(9999, 6, 30), 6, today) == date(9999, 12, 30)


def test_a_review_date_is_today_or_earlier_and_not_before_2000():
    today = date(2026, 11, 24)
    for day in (date(2000, 1, 1), date(2026, 6, 1), today, date(2026, 11, 25)):
        assert check_review_date(day, today) == day  # a day of slack: it is already tomorrow east
    for day in (date(1999, 12, 31), date(2026, 11, 26), date(9999, 12, 31), date(1, 1, 1)):
        with pytest.raises(ReviewDateError) as refused:
            check_review_date(day, today)
        assert str(refused.value) == REVIEW_DATE_RULE
    assert REVIEW_DATE_RULE == (
        "Give the date of the review: today or earlier, and not before 1 January 2000."
    )


def test_a_posted_review_date_must_be_a_date():
    assert parse_review_date(" 2026-06-01 ") == date(2026, 6, 1)
    for text in ("", "not a date", "2026-02-30", "99999-01-01"):
        with pytest.raises(ReviewDateError, match="today or earlier"):
            parse_review_date(text)


def test_items_staying_low_need_two_low_reviews_in_a_row():
    assert items_staying_low([{"a": 2, "b": 4}, {"a": 2, "b": 2}]) == ["a"]
    assert items_staying_low([{"a": 2}]) == ["a"]
    assert items_staying_low([]) == []


def test_a_broken_scale_file_is_reported_with_file_and_line(tmp_path):
    from app.content.source import ContentInvalid

    original = (ROOT_DIR / "rubrics" / "fidelity-scale.yaml").read_text()
    broken = tmp_path / "rubrics" / "fidelity-scale.yaml"
    broken.parent.mkdir()
    broken.write_text(
        original.replace("modules: [teaching-medication]", "modules: [no-such-module]")
    )
    line = next(
        i
        for i, text in enumerate(broken.read_text().splitlines(), start=1)
        if "no-such-module" in text
    )
    with pytest.raises(ContentInvalid) as raised:
        load_fidelity_scale(broken, load_catalog(ROOT_DIR / "courses"))
    assert [str(e) for e in raised.value.errors] == [
        f"rubrics/fidelity-scale.yaml:{line}: module `no-such-module` does not exist in courses/"
    ]
    broken.write_text(original.replace('anchors: ["Groups of more than 15 people", ', "anchors: ["))
    with pytest.raises(ContentInvalid, match="`anchors` needs exactly 5 entries, not 4"):
        load_fidelity_scale(broken, load_catalog(ROOT_DIR / "courses"))
    goal_follow_up = re.compile(
        r"criterion: >-\n      Count people, not sessions.*?\n(?=    anchors)", re.S
    )
    broken.write_text(goal_follow_up.sub("criterion: 7\n", original))
    line = next(
        i
        for i, text in enumerate(broken.read_text().splitlines(), start=1)
        if "criterion: 7" in text
    )
    with pytest.raises(ContentInvalid) as raised:
        load_fidelity_scale(broken, load_catalog(ROOT_DIR / "courses"))
    assert [str(e) for e in raised.value.errors] == [
        f"rubrics/fidelity-scale.yaml:{line}: `criterion` must be non-empty text"
    ]


def test_a_review_is_submitted_once_and_then_locked():
    assert ReviewStatus.DRAFT.submitted() is ReviewStatus.SUBMITTED
    with pytest.raises(ReviewLocked, match="already submitted"):
        ReviewStatus.SUBMITTED.submitted()
