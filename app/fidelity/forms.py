"""What the review form shows: the stored draft, or what was just posted when it was refused."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from app.forms import whole_number
from app.models.fidelity import FidelityReview

REVIEWERS_LIMIT = 300
EVIDENCE_LIMIT = 2000


@dataclass(frozen=True)
class ReviewEntries:
    """The form's values, the date as text: read once from a post (reviewers and evidence cut to
    their columns), they are what the service saves, and what a refused save shows again
    instead of the stored draft, so fixing the date never means typing a dozen ratings and
    their evidence again."""

    reviewed_on: str
    reviewers: str
    sources: list[str]
    ratings: dict[str, int | None]
    evidence: dict[str, str]

    @classmethod
    def of(cls, review: FidelityReview) -> ReviewEntries:
        return cls(
            reviewed_on=review.reviewed_on.isoformat(),
            reviewers=review.reviewers,
            sources=list(review.sources),
            ratings=dict(review.ratings),
            evidence=dict(review.evidence),
        )

    @classmethod
    def posted(cls, form: MultiDict[str, str], item_ids: Iterable[str]) -> ReviewEntries:
        ids = list(item_ids)
        return cls(
            reviewed_on=form.get("reviewed_on", ""),
            reviewers=form.get("reviewers", "")[:REVIEWERS_LIMIT],
            sources=form.getlist("sources"),
            ratings={i: whole_number(form.get(f"rating-{i}")) for i in ids},
            evidence={i: form.get(f"evidence-{i}", "")[:EVIDENCE_LIMIT] for i in ids},
        )
