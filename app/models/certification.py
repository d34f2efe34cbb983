"""Competency sign-offs, certificates (immutable once issued), certification policies, and the audit log.

A certificate's state changes only through its named moves (`apply`), which refuse an illegal one
(app.domain.certificates holds the rules).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    exists,
)
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from app.domain.certificates import CertificateState, Transition, after
from app.models.base import Base, PractitionerOwned, TimestampMixin, utc_now

STATE_TYPE = Enum(
    CertificateState,
    native_enum=False,
    length=20,
    values_callable=lambda states: [s.value for s in states],
)

if TYPE_CHECKING:
    from app.models.people import Person


class CompetencySignoff(PractitionerOwned, TimestampMixin, Base):
    """A trainer's rating of an observed session on the rubric, item by item, with comments."""

    __tablename__ = "competency_signoff"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    trainer_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    observed_on: Mapped[date]
    observed: Mapped[str] = mapped_column(String(40))  # domain.certification.OBSERVED_KINDS
    session_format: Mapped[str] = mapped_column(
        String(20), default="individual", server_default="individual"
    )
    ratings: Mapped[dict[str, int | None]] = mapped_column(JSON)
    comments: Mapped[dict[str, str]] = mapped_column(JSON)
    summary: Mapped[str | None] = mapped_column(Text)
    mean: Mapped[Decimal] = mapped_column(Numeric(5, 3))
    band: Mapped[str] = mapped_column(String(40))
    passed: Mapped[bool]
    # Items rated below their minimum, as [title, rating, minimum]: why a high mean did not pass.
    below_minimum: Mapped[list[list[Any]] | None] = mapped_column(JSON)
    rubric_id: Mapped[str] = mapped_column(String(100))

    trainer: Mapped[Person] = relationship(foreign_keys=[trainer_id])


class CertificationPolicy(Base):
    """An organisation's certification requirements and who signs its certificates."""

    __tablename__ = "certification_policy"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    consultation_sessions: Mapped[int] = mapped_column(default=12)
    consultation_rate: Mapped[int] = mapped_column(default=75)
    require_signoff: Mapped[bool] = mapped_column(default=True)
    approval: Mapped[str] = mapped_column(String(20), default="automatic")
    validity_months: Mapped[int] = mapped_column(default=24)
    renewal_sessions: Mapped[int] = mapped_column(default=6, server_default="6")
    reminder_days: Mapped[list[int]] = mapped_column(
        JSON, default=lambda: [60, 30, 7], server_default="[60, 30, 7]"
    )
    signatory_name: Mapped[str] = mapped_column(String(200), default="")
    signatory_title: Mapped[str] = mapped_column(String(200), default="Program Director")
    signoffs_needed: Mapped[int] = mapped_column(default=2, server_default="2")
    real_session_needed: Mapped[bool] = mapped_column(default=True, server_default="1")
    signoff_rule: Mapped[str] = mapped_column(String(20), default="latest", server_default="latest")
    # The organisation's clocks ("" for UTC), for every time the app shows its people.
    timezone: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # A day's quiz may be started only once the day is open to the practitioner.
    quizzes_wait_for_day: Mapped[bool] = mapped_column(default=True, server_default="1")


class Certificate(PractitionerOwned, TimestampMixin, Base):
    """An issued certificate: a snapshot that later edits never change (corrections replace it)."""

    __tablename__ = "certificate"
    # What the director's dashboard reads of each certificate, so it never reads the rows
    # themselves (on SQLite the columns after the PDF sit behind its overflow pages).
    __table_args__ = (
        Index(
            "ix_certificate_standing",
            "organisation_id",
            "person_id",
            "id",
            "state",
            "expires_on",
            "issued_on",
            "code",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    program_name: Mapped[str | None] = mapped_column(String(200))
    holder_name: Mapped[str] = mapped_column(String(300))
    organisation_name: Mapped[str] = mapped_column(String(200))
    credential: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date]
    expires_on: Mapped[date]
    training_hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    consultation_hours: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    # The two large columns load only when read (or undeferred by a route that serves them):
    # a list of certificates never pulls every sealed PDF and evidence snapshot.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    signatory_name: Mapped[str] = mapped_column(String(200))
    signatory_title: Mapped[str] = mapped_column(String(200))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[CertificateState] = mapped_column(STATE_TYPE, default=CertificateState.ISSUED)
    suspended_at: Mapped[datetime | None]
    suspended_reason: Mapped[str | None] = mapped_column(Text)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    # Indexed: whether a renewal follows a certificate decides its standing, on every page
    # that shows one (and on SQLite a scan would walk every sealed PDF to read this column).
    renews_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"), index=True)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))
    replaced_at: Mapped[datetime | None]
    # The revoked certificate this one re-certifies, after a director decided so explicitly.
    recertifies_id: Mapped[int | None] = mapped_column(ForeignKey("certificate.id"))

    @property
    def awaiting_approval(self) -> bool:
        return self.state is CertificateState.AWAITING_APPROVAL

    def apply(self, move: Transition, now: datetime, reason: str | None = None) -> None:
        """Make one named move of the certificate's life; IllegalTransition when it may not."""
        self.state = after(self.state, move)
        if move is Transition.SUSPEND:
            self.suspended_at, self.suspended_reason = now, reason
        elif move is Transition.REINSTATE:
            self.suspended_at = self.suspended_reason = None
        elif move is Transition.REVOKE:
            self.revoked_at, self.revoked_reason = now, reason
        elif move is Transition.REPLACE:
            self.replaced_at = now

    @property
    def changed_on(self) -> datetime | None:
        """When its standing last changed from issued (for the public page)."""
        return {
            CertificateState.SUSPENDED: self.suspended_at,
            CertificateState.REVOKED: self.revoked_at,
            CertificateState.REPLACED: self.replaced_at,
        }.get(self.state)


def not_renewed() -> ColumnElement[bool]:
    """SQL: no renewal follows this certificate. A renewed one is no longer its holder's proof,
    so it counts as expiring for no one and reminds no one to renew it."""
    renewal = aliased(Certificate)
    return ~exists().where(renewal.renews_id == Certificate.id)


class AuditEntry(Base):
    """Who did what, when and why: issues, renewals, suspensions, revocations, overrides."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(60), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utc_now, index=True)

    actor: Mapped[Person | None] = relationship()


class RenewalReminder(Base):
    """A reminder that a certificate is about to expire, at one of the policy's offsets."""

    __tablename__ = "renewal_reminder"
    __table_args__ = (UniqueConstraint("certificate_id", "days_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(
        ForeignKey("certificate.id", ondelete="CASCADE"), index=True
    )
    days_before: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    emailed_to: Mapped[str | None] = mapped_column(Text)


class IssuerKey(Base):
    """An organisation's own signing key for its Open Badges credentials (made on first use)."""

    __tablename__ = "issuer_key"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    kid: Mapped[str] = mapped_column(String(100))
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
