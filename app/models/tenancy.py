"""Organisations (LTI deployments), their logos, their IMR programs, and cohorts (LMS courses)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import (
    Base,
    LaunchProblemMixin,
    OrganisationOwned,
    Owner,
    TimestampMixin,
    utc_now,
)

if TYPE_CHECKING:
    from app.models.lti import Platform


class Organisation(LaunchProblemMixin, TimestampMixin, Base):
    """A provider of IMR services: one deployment of IMR Academy in one LMS.

    Everything a person sees is scoped to the organisation of their launch; no query may cross it.
    """

    __tablename__ = "organisation"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("platform.id", ondelete="CASCADE"))
    deployment_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    awaiting_approval: Mapped[bool] = mapped_column(default=False, server_default=false())
    last_launch_at: Mapped[datetime | None]

    platform: Mapped[Platform] = relationship(back_populates="organisations")
    programs: Mapped[list[Program]] = relationship(
        back_populates="organisation", order_by="Program.name"
    )


class OrganisationLogo(Base):
    """The logo a director uploaded, shown on the organisation's public verification pages.

    A table of its own, so loading an organisation (every request does) never loads an image;
    the PNG itself is deferred too, so asking whether there is a logo reads only its fingerprint.
    It is always a PNG that IMR Academy re-encoded itself, never the uploaded bytes.
    """

    __tablename__ = "organisation_logo"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    png: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    sha256: Mapped[str] = mapped_column(String(64))
    width: Mapped[int]
    height: Mapped[int]
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Program(OrganisationOwned, TimestampMixin, Base):
    """One of the organisation's IMR programs, such as "Residential" or "Supported housing"."""

    __tablename__ = "program"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))

    organisation: Mapped[Organisation] = relationship(back_populates="programs")
    cohorts: Mapped[list[Cohort]] = relationship(back_populates="program")


class Cohort(TimestampMixin, Base):
    """A group of practitioners training together: one LMS course (LTI context)."""

    __tablename__ = "cohort"
    __table_args__ = (UniqueConstraint("organisation_id", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(300))
    label: Mapped[str | None] = mapped_column(String(120))
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("program.id", ondelete="SET NULL"), index=True
    )
    days_unlock_in_order: Mapped[bool] = mapped_column(default=True, server_default="1")
    ags_lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[list[str] | None] = mapped_column(JSON)
    nrps_url: Mapped[str | None] = mapped_column(String(1000))
    roster_synced_at: Mapped[datetime | None]

    organisation: Mapped[Organisation] = relationship()
    program: Mapped[Program | None] = relationship(back_populates="cohorts")

    @property
    def owner(self) -> Owner:
        return Owner(self.organisation_id, self.id)

    @property
    def display_name(self) -> str:
        """The course title, with its short code when the LMS sent one."""
        return f"{self.title} ({self.label})" if self.label else self.title
