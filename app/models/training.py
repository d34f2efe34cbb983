"""A practitioner's work in the five-day training: activity responses and module completions.

Records name modules and activities by their stable ids and keep the content version they were
made against, so editing courses/ later never rewrites or loses what someone completed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utc_now


class _PractitionerRecord:
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )


class ActivityResponse(_PractitionerRecord, Base):
    """What a practitioner did with one practice activity: a reflection, notes, ticked items."""

    __tablename__ = "activity_response"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", "module_id", "activity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[str] = mapped_column(String(100))
    activity_id: Mapped[str] = mapped_column(String(100))
    content_version: Mapped[str] = mapped_column(String(16))
    done: Mapped[bool] = mapped_column(default=False)
    text: Mapped[str | None] = mapped_column(Text)
    checked_items: Mapped[list[int] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class ModuleCompletion(_PractitionerRecord, Base):
    """The moment a module's required activities were all done, at that content version."""

    __tablename__ = "module_completion"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[str] = mapped_column(String(100))
    content_version: Mapped[str] = mapped_column(String(16))
    completed_at: Mapped[datetime] = mapped_column(default=utc_now)


class ReflectionConsent(_PractitionerRecord, Base):
    """Whether the practitioner lets their trainers read their reflections (asked once, changeable)."""

    __tablename__ = "reflection_consent"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shares_with_trainers: Mapped[bool]
    decided_at: Mapped[datetime] = mapped_column(default=utc_now)


class ToolkitPdf(Base):
    """A toolkit item's PDF, built once per content version, organisation and print size.

    Kept in the database so every worker on every machine serves the same cached file.
    """

    __tablename__ = "toolkit_pdf"
    __table_args__ = (
        UniqueConstraint(
            "item_id",
            "content_version",
            "organisation_id",
            "large_print",
            name="uq_toolkit_pdf_version",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[str] = mapped_column(String(100))
    content_version: Mapped[str] = mapped_column(String(16))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    large_print: Mapped[bool]
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
