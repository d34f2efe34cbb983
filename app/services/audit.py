"""The organisation's audit log: who did what, when and why (committed with the change it records)."""

from __future__ import annotations

from app.extensions import db
from app.models.certification import AuditEntry


def audit(
    organisation_id: int, actor_id: int | None, action: str, subject: str, reason: str | None = None
) -> None:
    """Add one line to the audit log in the current transaction."""
    db.session.add(
        AuditEntry(
            organisation_id=organisation_id,
            actor_id=actor_id,
            action=action,
            subject=subject,
            reason=reason,
        )
    )
