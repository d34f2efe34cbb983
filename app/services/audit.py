"""The organisation's audit log: who did what, when and why (committed with the change it records)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased, joinedload

from app.domain.paging import Page, PageRequest
from app.extensions import db
from app.models.certification import AuditEntry
from app.models.people import Person
from app.services.listing import Orders, ordered, paged


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


def _entries(organisation_id: int, action: str) -> Select[Any]:
    query = (
        select(AuditEntry)
        .options(joinedload(AuditEntry.actor))
        .filter_by(organisation_id=organisation_id)
    )
    return query.filter_by(action=action) if action else query


def audit_entries(organisation_id: int, action: str = "") -> list[AuditEntry]:
    """The organisation's whole audit log, newest first, optionally one kind of action (for CSV)."""
    query = _entries(organisation_id, action).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return list(db.session.scalars(query))


_ACTOR = aliased(Person)
AUDIT_SORTS: Orders = {
    "at": [AuditEntry.at, AuditEntry.id],
    "who": [_ACTOR.name, AuditEntry.id],
    "action": [AuditEntry.action, AuditEntry.at, AuditEntry.id],
    "subject": [AuditEntry.subject, AuditEntry.id],
}


def audit_page(
    organisation_id: int, action: str, request: PageRequest
) -> tuple[Page, list[AuditEntry]]:
    """One page of the audit log in the order asked for, with each entry's actor loaded alongside."""
    query = _entries(organisation_id, action).outerjoin(_ACTOR, _ACTOR.id == AuditEntry.actor_id)
    page, rows = paged(ordered(query, request, AUDIT_SORTS), request)
    return page, list(db.session.scalars(rows))


def audit_actions(organisation_id: int) -> list[str]:
    """Every kind of action the organisation's log holds, for its filter."""
    query = select(AuditEntry.action).filter_by(organisation_id=organisation_id).distinct()
    return sorted(db.session.scalars(query))
