"""Practitioners, trainers and directors as the LMS identifies them, and their places in cohorts.

Only these people are ever stored: IMR Academy holds no information about the people in recovery
whom practitioners serve.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.roles import Role
from app.models.base import Base, TimestampMixin, utc_now

if TYPE_CHECKING:
    from app.models.tenancy import Cohort, Organisation

ROLE_TYPE = Enum(
    Role, native_enum=False, length=20, values_callable=lambda roles: [r.value for r in roles]
)


class Person(TimestampMixin, UserMixin, Base):
    """Someone who launched from (or is on a roster of) an LMS, identified by issuer and `sub`."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("platform_id", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(300), default="")
    given_name: Mapped[str | None] = mapped_column(String(150))
    family_name: Mapped[str | None] = mapped_column(String(150))
    email: Mapped[str | None] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)
    # How many times the person has signed out: a session begun before the latest sign-out is
    # over, in this browser and in any copy of its cookie (the cookie alone cannot be recalled).
    sign_outs: Mapped[int] = mapped_column(default=0, server_default="0")

    enrolments: Mapped[list[Enrolment]] = relationship(back_populates="person")

    @property
    def display_name(self) -> str:
        """A name to show even when the LMS withholds names (privacy settings)."""
        return (
            self.name
            or " ".join(filter(None, [self.given_name, self.family_name]))
            or (self.email or f"LMS user {self.subject[:12]}")
        )


class Enrolment(Base):
    """A person's place in a cohort, from a launch or from the LMS roster."""

    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("person_id", "cohort_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(ROLE_TYPE)
    active: Mapped[bool] = mapped_column(default=True)
    last_launch_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(back_populates="enrolments")
    cohort: Mapped[Cohort] = relationship()


class Director(Base):
    """A person who has launched as a director of an organisation (they oversee all its programs)."""

    __tablename__ = "director"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    last_launch_at: Mapped[datetime] = mapped_column(default=utc_now)

    person: Mapped[Person] = relationship()
    organisation: Mapped[Organisation] = relationship()
