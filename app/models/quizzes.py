"""Quiz attempts, extra attempts granted by trainers, and the delivery of grades to the LMS."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.grades import DeliveryStatus
from app.domain.quizzes import AttemptStatus
from app.models.base import Base, Owner, PractitionerOwned, utc_now

if TYPE_CHECKING:
    from app.models.people import Person


class QuizAttempt(Base):
    """One attempt at a competency quiz, exactly as drawn, answered and scored."""

    __tablename__ = "quiz_attempt"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", "quiz_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    quiz_id: Mapped[str] = mapped_column(String(100))
    bank_version: Mapped[str] = mapped_column(String(16))
    number: Mapped[int]
    draw: Mapped[list[Any]] = mapped_column(JSON)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # questions the practitioner flagged to come back to (ids), kept with the draft answers
    flagged: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS)
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    deadline: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    points: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    max_points: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    percent: Mapped[Decimal | None] = mapped_column(Numeric(7, 3))
    passed: Mapped[bool | None]
    results: Mapped[list[Any] | None] = mapped_column(JSON)

    person: Mapped[Person] = relationship()
    delivery: Mapped[GradeDelivery | None] = relationship(back_populates="attempt")

    @property
    def owner(self) -> Owner:
        """The practitioner's, within the cohort they took it in."""
        return Owner(self.organisation_id, self.cohort_id, self.person_id)


class ExtraAttempt(PractitionerOwned, Base):
    """One more attempt a trainer granted a practitioner, with the reason."""

    __tablename__ = "extra_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    quiz_id: Mapped[str] = mapped_column(String(100))
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    granted_at: Mapped[datetime] = mapped_column(default=utc_now)


class GradeDelivery(Base):
    """Posting one attempt's score to the LMS gradebook: stored first, then sent and retried."""

    __tablename__ = "grade_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempt.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[str] = mapped_column(String(20), default=DeliveryStatus.PENDING)
    tries: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_tried_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    attempt: Mapped[QuizAttempt] = relationship(back_populates="delivery")
