"""LMS registrations, the tool's own signing keys, and short-lived launch state."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, TimestampMixin

if TYPE_CHECKING:
    from app.models.tenancy import Organisation


class Platform(TimestampMixin, Base):
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
