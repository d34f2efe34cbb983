"""The organisation's audit log: who did what, when and why (committed with the change it records)."""

from __future__ import annotations

from sqlalchemy import select

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


AUDIT_PAGE_LIMIT = 2000


def audit_entries(organisation_id: int, action: str = "") -> list[AuditEntry]:
    """The organisation's audit log, newest first, optionally one kind of action."""
    query = select(AuditEntry).filter_by(organisation_id=organisation_id)
    if action:
        query = query.filter_by(action=action)
    return list(db.session.scalars(query.order_by(AuditEntry.at.desc()).limit(AUDIT_PAGE_LIMIT)))


def audit_actions(organisation_id: int) -> list[str]:
    """Every kind of action the organisation's log holds, for its filter."""
    query = select(AuditEntry.action).filter_by(organisation_id=organisation_id).distinct()
    return sorted(db.session.scalars(query))
