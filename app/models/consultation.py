"""Weekly consultation groups, their sessions, members, attendance (with its audit trail),
apologies, and private calendar feeds."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.consultation import ApologyDecision, Mark, SessionStatus
from app.models.base import Base, Owner, TimestampMixin, utc_now

if TYPE_CHECKING:
    from app.models.people import Person
    from app.models.tenancy import Cohort

MARK_TYPE = Enum(
    Mark, native_enum=False, length=20, values_callable=lambda marks: [m.value for m in marks]
)


class ConsultationGroup(TimestampMixin, Base):
    """A trainer's weekly consultation group in a cohort, and the rule its sessions follow."""

    __tablename__ = "consultation_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    weekday: Mapped[int]
    local_time: Mapped[time]
    timezone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int]
    location: Mapped[str] = mapped_column(String(500))
    first_date: Mapped[date]
    weeks: Mapped[int | None]
    end_date: Mapped[date | None]
    excused_allowed: Mapped[int] = mapped_column(default=2)

    sessions: Mapped[list[ConsultationSession]] = relationship(
        back_populates="group",
        order_by="ConsultationSession.starts_at",
        foreign_keys="ConsultationSession.group_id",
    )
    members: Mapped[list[GroupMember]] = relationship(back_populates="group")
    cohort: Mapped[Cohort] = relationship()

    @property
    def owner(self) -> Owner:
        return Owner(self.cohort.organisation_id, self.cohort_id)


class ConsultationSession(Base):
    """One meeting of a group: scheduled by the rule, moved, cancelled, or a make-up."""

    __tablename__ = "consultation_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_group.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default=SessionStatus.SCHEDULED)
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    makeup_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_session.id", ondelete="SET NULL")
    )
    moved_from: Mapped[datetime | None]
    location: Mapped[str | None] = mapped_column(String(500))
    # The id of a skill focus of the consultation guide (toolkit/trainer-guide/consultation.yaml),
    # chosen from the guide's list: never free text, never anything about a person in recovery.
    focus: Mapped[str | None] = mapped_column(String(60))
    # When the trainer first saved this session's attendance. A held session without it is
    # "attendance not taken": the trainer's work to do, counted neither attended nor missed.
    attendance_taken_at: Mapped[datetime | None]

    group: Mapped[ConsultationGroup] = relationship(
        back_populates="sessions", foreign_keys=[group_id]
    )
    makeup_for: Mapped[ConsultationSession | None] = relationship(remote_side=[id])

    @property
    def owner(self) -> Owner:
        return self.group.owner

    @property
    def cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def attendance_taken(self) -> bool:
        return self.attendance_taken_at is not None

    def attendance_due(self, now: datetime) -> bool:
        """Held, not cancelled, and nobody has taken its attendance yet."""
        return not self.cancelled and self.starts_at <= now and not self.attendance_taken

    @property
    def is_makeup(self) -> bool:
        return self.makeup_for_id is not None

    @property
    def where(self) -> str:
        return self.location or self.group.location


class GroupMember(Base):
    """A practitioner assigned to a consultation group."""

    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_group.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(default=utc_now)

    group: Mapped[ConsultationGroup] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()


class AttendanceMark(Base):
    """A practitioner's attendance at one session, with an optional note on their participation."""

    __tablename__ = "attendance_mark"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_session.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    mark: Mapped[Mark] = mapped_column(MARK_TYPE)
    note: Mapped[str | None] = mapped_column(String(500))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utc_now)


class AttendanceChange(Base):
    """The audit trail: every change to a mark after it was first recorded."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_session.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    old_mark: Mapped[Mark] = mapped_column(MARK_TYPE)
    new_mark: Mapped[Mark] = mapped_column(MARK_TYPE)
    old_note: Mapped[str | None] = mapped_column(String(500))
    new_note: Mapped[str | None] = mapped_column(String(500))
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utc_now)


class Apology(Base):
    """A practitioner's apology ahead of a session; the trainer accepts it as excused or not."""

    __tablename__ = "apology"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("consultation_session.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime] = mapped_column(default=utc_now)
    decision: Mapped[str] = mapped_column(String(20), default=ApologyDecision.PENDING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    session: Mapped[ConsultationSession] = relationship()

    @property
    def owner(self) -> Owner:
        """The practitioner's, within the session's cohort (their trainer decides it)."""
        group = self.session.owner
        return Owner(group.organisation_id, group.cohort_id, self.person_id)


class CalendarFeed(TimestampMixin, Base):
    """A private iCalendar address (a secret token) for one practitioner or one group; revocable."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultation_group.id", ondelete="CASCADE")
    )
    revoked_at: Mapped[datetime | None]
