"""Program fidelity reviews: drafts until submitted; corrections are new versions with the reason kept."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.fidelity import ReviewStatus
from app.models.base import Base, OrganisationOwned, TimestampMixin


class FidelityReview(OrganisationOwned, TimestampMixin, Base):
    """One review of one program on the IMR Fidelity Scale."""

    __tablename__ = "fidelity_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    program_id: Mapped[int] = mapped_column(
        ForeignKey("program.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=ReviewStatus.DRAFT)
    reviewed_on: Mapped[date]
    reviewers: Mapped[str] = mapped_column(String(300))
    sources: Mapped[list[str]] = mapped_column(JSON, default=list)
    ratings: Mapped[dict[str, int | None]] = mapped_column(JSON, default=dict)
    evidence: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    mean: Mapped[Decimal | None] = mapped_column(Numeric(5, 3))
    classification: Mapped[str | None] = mapped_column(String(40))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("fidelity_review.id"))
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("fidelity_review.id"))
    correction_reason: Mapped[str | None] = mapped_column(Text)

    @property
    def editable(self) -> bool:
        return self.status == ReviewStatus.DRAFT
