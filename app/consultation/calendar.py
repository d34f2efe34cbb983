"""Consultation sessions as an iCalendar feed (RFC 5545), made with the icalendar library."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from icalendar import Calendar, Event

from app.domain.toolkit import Focus
from app.models.base import utc_now
from app.models.consultation import ConsultationSession
from app.services.consultation import default_end


def _description(session: ConsultationSession, focuses: Mapping[str, Focus]) -> str:
    """The cancellation reason, or the session's skill focus from the consultation guide."""
    if session.cancelled:
        return f"Cancelled: {session.cancel_reason}" if session.cancel_reason else ""
    focus = focuses.get(session.focus or "")
    return f"Skill focus: {focus.title}. {focus.skill} {focus.activity}" if focus else ""


def _event(session: ConsultationSession, focuses: Mapping[str, Focus]) -> Event:
    event = Event()
    event.add("uid", f"consultation-session-{session.id}@imr-academy")
    event.add("dtstamp", utc_now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", default_end(session.starts_at, session.duration_minutes))
    title = f"IMR consultation: {session.group.name}" + (" (make-up)" if session.is_makeup else "")
    event.add("summary", f"Cancelled: {title}" if session.cancelled else title)
    event.add("location", session.where)
    event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    description = _description(session, focuses)
    if description:
        event.add("description", description)
    return event


def calendar_bytes(
    name: str, sessions: Iterable[ConsultationSession], focuses: Mapping[str, Focus] | None = None
) -> bytes:
    """A calendar apps can subscribe to; cancelled sessions stay in it, marked CANCELLED; a
    session's skill focus is in its description."""
    calendar = Calendar()
    calendar.add("prodid", "-//IMR Academy//Weekly consultation//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(_event(session, focuses or {}))
    return calendar.to_ical()
