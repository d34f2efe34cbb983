"""LMS registrations, the tool's own signing keys, and short-lived launch state."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, LaunchProblemMixin, TimestampMixin

if TYPE_CHECKING:
    from app.models.tenancy import Organisation


class Platform(LaunchProblemMixin, TimestampMixin, Base):
    """An LMS registered with IMR Academy: one issuer and the client id it gave us."""

    __tablename__ = "platform"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    auth_login_url: Mapped[str] = mapped_column(String(1000))
    auth_token_url: Mapped[str] = mapped_column(String(1000))
    key_set_url: Mapped[str] = mapped_column(String(1000))
    auth_audience: Mapped[str | None] = mapped_column(String(1000))
    product: Mapped[str | None] = mapped_column(String(100))
    registered_via: Mapped[str] = mapped_column(
        String(20), default="operator", server_default="operator"
    )
    last_problem_deployment: Mapped[str | None] = mapped_column(String(255))
    # What a signed launch from a deployment not yet known does: "refuse" (registered by an
    # operator, who adds deployments), or for a dynamic registration whose LMS creates
    # deployments later (Canvas), "await-approval" or "accept" a new organisation.
    new_deployment_policy: Mapped[str] = mapped_column(
        String(20), default="refuse", server_default="refuse"
    )
    # Refused launches whose signature did not verify: counted, never described (anyone can
    # send one naming this LMS).
    unverified_launches: Mapped[int] = mapped_column(default=0, server_default="0")
    # The web origins the LMS's pages frame IMR Academy from, seen on verified launches; they
    # make the Content-Security-Policy's frame-ancestors.
    frame_origins: Mapped[list[str] | None] = mapped_column(JSON)

    organisations: Mapped[list[Organisation]] = relationship(
        back_populates="platform", order_by="Organisation.id"
    )


class ToolKey(TimestampMixin, Base):
    """One RSA key pair of the tool. The newest unretired key signs; all unretired are published."""

    __tablename__ = "tool_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(100), unique=True)
    private_key_pem: Mapped[str] = mapped_column(Text)
    public_jwk: Mapped[str] = mapped_column(Text)
    retired_at: Mapped[datetime | None]


class StoreEntry(Base):
    """A value that every worker must see for a while: OIDC state, nonces, launch data, tokens."""

    __tablename__ = "store_entry"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class RegistrationInvitation(TimestampMixin, Base):
    """A single-use, expiring LTI Dynamic Registration URL an operator hands to an LMS admin.

    Only a hash of the token is stored, so a database reader cannot register an LMS with it.
    """

    __tablename__ = "registration_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(String(200))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime]
    needs_approval: Mapped[bool]
    used_at: Mapped[datetime | None]
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("platform.id", ondelete="SET NULL"))
    # An update link made for one existing connection (`lti registration-url --for-connection`).
    updates_platform_id: Mapped[int | None] = mapped_column(
        ForeignKey("platform.id", ondelete="CASCADE")
    )

    platform: Mapped[Platform | None] = relationship(foreign_keys=[platform_id])
