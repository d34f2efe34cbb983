"""Use cases of fidelity reviews: drafts, submission, corrections, and which programs are due."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.domain.fidelity import (
    FidelityResult,
    FidelityScale,
    ReviewStatus,
    check_review_date,
    next_review,
    review_status,
    score,
)
from app.domain.fidelity import (
    ReviewLocked as ReviewLocked,  # the service's refusal, for its callers
)
from app.domain.paging import Page, PageRequest, page_in_python
from app.extensions import db
from app.models.base import utc_now
from app.models.fidelity import FidelityReview
from app.models.tenancy import Organisation, Program
from app.pdf.fidelity import ReviewReport
from app.services.audit import audit

SOURCES = ("interviews", "an observed session", "records")


def draft(program: Program, created_by: int, reviewed_on: date) -> FidelityReview:
    """A new draft review of the program, dated as given (raises ReviewDateError if no review
    could have taken place that day)."""
    review = FidelityReview(
        organisation_id=program.organisation_id,
        program_id=program.id,
        reviewed_on=check_review_date(reviewed_on, utc_now().date()),
        reviewers="",
        sources=[],
        ratings={},
        evidence={},
        created_by_id=created_by,
    )
    db.session.add(review)
    db.session.flush()
    return review


def save(
    review: FidelityReview,
    *,
    reviewed_on: date,
    reviewers: str,
    sources: list[str],
    ratings: dict[str, int | None],
    evidence: dict[str, str],
) -> None:
    """Keep what the reviewers entered on a draft; raises ReviewDateError, changing nothing,
    when the date cannot be that of a review (so the due dates computed from it stay real)."""
    if not review.editable:
        raise ReviewLocked(
            "This review was submitted and cannot change: make a correction instead."
        )
    check_review_date(reviewed_on, utc_now().date())
    review.reviewed_on, review.reviewers = reviewed_on, reviewers.strip()
    review.sources = [s for s in sources if s in SOURCES]
    review.ratings, review.evidence = (
        ratings,
        {k: v.strip() for k, v in evidence.items() if v.strip()},
    )
    db.session.flush()


def submit(review: FidelityReview, scale: FidelityScale, by: int) -> FidelityResult:
    """Score and lock the review, and return its score; raises FidelityRatingError when an item
    is unrated, ReviewDateError when its date cannot be that of a review."""
    status = ReviewStatus(review.status).submitted()
    check_review_date(review.reviewed_on, utc_now().date())  # a correction copies an old date
    if not review.reviewers:
        raise ValueError("Name the reviewers (two reviewers rate by consensus).")
    result = score(scale, review.ratings)
    review.mean = round(Decimal(result.mean.numerator) / Decimal(result.mean.denominator), 3)
    review.classification, review.status, review.submitted_at = result.label, status, utc_now()
    program = db.session.get_one(Program, review.program_id)
    audit(
        review.organisation_id,
        by,
        "fidelity review submitted",
        f"{program.name}, {review.reviewed_on:%d %b %Y}",
        f"mean {float(result.mean):.2f}, {result.label}",
    )
    db.session.flush()
    return result


def correct(review: FidelityReview, reason: str, by: int) -> FidelityReview:
    """A new draft version of a submitted review, with the reason for the correction kept."""
    if review.editable or review.corrected_by_id is not None:
        raise ReviewLocked("Only the latest submitted version of a review can be corrected.")
    new = FidelityReview(
        organisation_id=review.organisation_id,
        program_id=review.program_id,
        reviewed_on=review.reviewed_on,
        reviewers=review.reviewers,
        sources=list(review.sources),
        ratings=dict(review.ratings),
        evidence=dict(review.evidence),
        created_by_id=by,
        version=review.version + 1,
        corrects_id=review.id,
        correction_reason=reason.strip(),
    )
    db.session.add(new)
    db.session.flush()
    review.corrected_by_id = new.id
    audit(
        review.organisation_id,
        by,
        "fidelity review corrected",
        f"review {review.id}, version {new.version}",
        reason,
    )
    db.session.flush()
    return new


def report_of(review: FidelityReview, scale: FidelityScale) -> ReviewReport:
    """The submitted review as the values its printed report shows, item by item in scale order."""
    program = db.session.get_one(Program, review.program_id)
    organisation = db.session.get_one(Organisation, review.organisation_id)
    return ReviewReport(
        program=program.name,
        organisation=organisation.name,
        reviewed_on=review.reviewed_on,
        version=review.version,
        reviewers=review.reviewers,
        sources=tuple(review.sources),
        mean=float(review.mean or 0),
        classification=review.classification or "",
        correction_reason=review.correction_reason,
        items=tuple(
            (item.title, str(review.ratings.get(item.id) or ""), review.evidence.get(item.id, ""))
            for item in scale.items
        ),
    )


def current_reviews(program_id: int) -> list[FidelityReview]:
    """Submitted reviews not replaced by a correction, oldest first."""
    query = select(FidelityReview).where(
        FidelityReview.program_id == program_id,
        FidelityReview.status == ReviewStatus.SUBMITTED,
        FidelityReview.corrected_by_id.is_(None),
    )
    return list(db.session.scalars(query.order_by(FidelityReview.reviewed_on)))


@dataclass(frozen=True)
class ProgramStanding:
    program: Program
    last: FidelityReview | None
    due: date
    status: str
    drafts: int


def standings(organisation_id: int, scale: FidelityScale, today: date) -> list[ProgramStanding]:
    """Every program with its latest review, next due date and status, in two queries."""
    programs = list(
        db.session.scalars(
            select(Program).filter_by(organisation_id=organisation_id).order_by(Program.name)
        )
    )
    reviews = list(
        db.session.scalars(select(FidelityReview).filter_by(organisation_id=organisation_id))
    )
    result = []
    for program in programs:
        mine = [r for r in reviews if r.program_id == program.id]
        submitted = sorted(
            (r for r in mine if r.status == ReviewStatus.SUBMITTED and r.corrected_by_id is None),
            key=lambda r: r.reviewed_on,
        )
        last = submitted[-1] if submitted else None
        due = next_review(last.reviewed_on if last else None, scale.review_every_months, today)
        result.append(
            ProgramStanding(
                program,
                last,
                due,
                review_status(due, today, last is not None),
                sum(1 for r in mine if r.status == ReviewStatus.DRAFT),
            )
        )
    return result


NEEDS_ATTENTION = ("overdue", "never reviewed", "due within 30 days")
STANDING_SORTS = ("program", "last", "due", "status")


def standings_page(
    rows: list[ProgramStanding], request: PageRequest
) -> tuple[Page, list[ProgramStanding]]:
    """One page of the programs' standings, by name, last review, due date or status."""
    keys: dict[str, Callable[[ProgramStanding], Any]] = {
        "program": lambda r: r.program.name.casefold(),
        "last": lambda r: r.last.reviewed_on if r.last else None,
        "due": lambda r: r.due,
        "status": lambda r: r.status,
    }
    return page_in_python(rows, request, keys)


EXPORT_COLUMNS = [
    "Program",
    "Reviewed on",
    "Version",
    "Status",
    "Reviewers",
    "Sources",
    "Mean",
    "Class",
    "Correction reason",
]


def export_header(scale: FidelityScale) -> list[str]:
    """The CSV export's columns: the review's own, then one per item of the scale."""
    return [*EXPORT_COLUMNS, *(item.title for item in scale.items)]


def export_rows(organisation_id: int, scale: FidelityScale) -> list[list[object]]:
    """Every review of the organisation as the CSV export writes it, by program and date."""
    named = select(Program.id, Program.name).where(Program.organisation_id == organisation_id)
    programs: dict[int, str] = dict(db.session.execute(named).all())
    reviews = db.session.scalars(
        select(FidelityReview)
        .where(FidelityReview.organisation_id == organisation_id)
        .order_by(FidelityReview.program_id, FidelityReview.reviewed_on, FidelityReview.version)
    )
    return [
        [
            programs.get(r.program_id, ""),
            r.reviewed_on.isoformat(),
            r.version,
            "corrected" if r.corrected_by_id else r.status,
            r.reviewers,
            "; ".join(r.sources),
            f"{float(r.mean):.2f}" if r.mean is not None else "",
            r.classification or "",
            r.correction_reason or "",
            *(r.ratings.get(item.id) or "" for item in scale.items),
        ]
        for r in reviews
    ]
