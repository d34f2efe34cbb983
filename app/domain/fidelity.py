"""Program fidelity to the IMR model: scoring a review, classifying it, and when the next is due."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from fractions import Fraction

from app.domain.certificates import date_in_words
from app.domain.certification import add_months

DUE_SOON_DAYS = 30

EARLIEST_REVIEW_DATE = date(2000, 1, 1)
"""IMR fidelity reviews did not exist before this: an earlier date is a slip of the keyboard."""

TIME_ZONE_SLACK = timedelta(days=1)
"""How far past today in UTC a review may be dated: east of UTC it is already tomorrow."""

REVIEW_DATE_RULE = (
    "Give the date of the review: today or earlier, "
    f"and not before {date_in_words(EARLIEST_REVIEW_DATE)}."
)


@dataclass(frozen=True)
class FidelityItem:
    """One item: five anchors, and a criterion saying who counts, so two reviewers agree."""

    id: str
    title: str
    confirmed: bool
    modules: tuple[str, ...]
    anchors: tuple[str, ...]
    criterion: str = ""


@dataclass(frozen=True)
class FidelityScale:
    id: str
    title: str
    review_every_months: int
    classes: tuple[tuple[Fraction, str], ...]  # highest threshold first
    items: tuple[FidelityItem, ...]

    def classify(self, mean: Fraction) -> str:
        return next(label for threshold, label in self.classes if mean >= threshold)


@dataclass(frozen=True)
class FidelityResult:
    mean: Fraction
    label: str


class ReviewLocked(ValueError):
    """A submitted review is read-only: corrections are new versions."""


class ReviewStatus(StrEnum):
    """A fidelity review is a draft the reviewers edit until they submit it, once, for good."""

    DRAFT = "draft"
    SUBMITTED = "submitted"

    def submitted(self) -> ReviewStatus:
        if self is ReviewStatus.SUBMITTED:
            raise ReviewLocked("This review was already submitted.")
        return ReviewStatus.SUBMITTED


class FidelityRatingError(ValueError):
    """A review cannot be scored as rated (the message names the item)."""


def score(scale: FidelityScale, ratings: Mapping[str, int | None]) -> FidelityResult:
    """The mean of all items (each 1 to 5) and its class."""
    values = []
    for item in scale.items:
        rating = ratings.get(item.id)
        if rating is None:
            raise FidelityRatingError(f"rate “{item.title}”")
        if not 1 <= rating <= 5:
            raise FidelityRatingError(f"“{item.title}” must be rated from 1 to 5")
        values.append(rating)
    mean = Fraction(sum(values), len(values))
    return FidelityResult(mean, scale.classify(mean))


class ReviewDateError(ValueError):
    """A review date that cannot be the day of a visit (the message says which dates are)."""


def check_review_date(reviewed_on: date, today_utc: date) -> date:
    """The date, if a review could have taken place on it: a review records a visit that
    happened, so not later than today anywhere on Earth, and not before IMR fidelity reviews."""
    if not EARLIEST_REVIEW_DATE <= reviewed_on <= today_utc + TIME_ZONE_SLACK:
        raise ReviewDateError(REVIEW_DATE_RULE)
    return reviewed_on


def parse_review_date(posted: str) -> date:
    """A review date typed in a form (YYYY-MM-DD); anything else is refused with the rule, so
    the reviewer reads one message whatever was wrong."""
    try:
        return date.fromisoformat(posted.strip())
    except ValueError:
        raise ReviewDateError(REVIEW_DATE_RULE) from None


def next_review(last_review: date | None, months: int, today: date) -> date:
    """When the next review is due: six months (or as set) after the last; now if never reviewed.

    Also now when the last review is dated so late that months cannot be added (9999-12-31,
    stored before dates were checked): no such visit happened, so the program needs a review,
    and the director's pages must show that rather than fail.
    """
    if last_review is None:
        return today
    try:
        return add_months(last_review, months)
    except ValueError:
        return today


def review_status(due: date, today: date, ever_reviewed: bool) -> str:
    """What the director's list says of a program."""
    if not ever_reviewed:
        return "never reviewed"
    if due < today:
        return "overdue"
    if due <= today + timedelta(days=DUE_SOON_DAYS):
        return "due within 30 days"
    return "scheduled"


def items_staying_low(history: Sequence[Mapping[str, int | None]], below: int = 3) -> list[str]:
    """Items rated below `below` in each of the last two reviews (or the only one); an item
    unrated or missing in either is not counted as low."""
    recent = list(history)[-2:]
    if not recent:
        return []

    def low(rating: int | None) -> bool:
        return rating is not None and rating < below

    return [item for item in recent[-1] if all(low(r.get(item)) for r in recent)]
