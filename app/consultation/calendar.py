"""Consultation sessions as an iCalendar feed (RFC 5545), made with the icalendar library."""

from __future__ import annotations

from collections.abc import Iterable

from icalendar import Calendar, Event

from app.models.base import utc_now
from app.models.consultation import ConsultationSession
from app.services.consultation import default_end


def _event(session: ConsultationSession) -> Event:
    event = Event()
    event.add("uid", f"consultation-session-{session.id}@imr-academy")
    event.add("dtstamp", utc_now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", default_end(session.starts_at, session.duration_minutes))
    title = f"IMR consultation: {session.group.name}" + (" (make-up)" if session.is_makeup else "")
    event.add("summary", f"Cancelled: {title}" if session.cancelled else title)
    event.add("location", session.where)
    event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    if session.cancelled and session.cancel_reason:
        event.add("description", f"Cancelled: {session.cancel_reason}")
    return event


def calendar_bytes(name: str, sessions: Iterable[ConsultationSession]) -> bytes:
    """A calendar apps can subscribe to; cancelled sessions stay in it, marked CANCELLED."""
    calendar = Calendar()
    calendar.add("prodid", "-//IMR Academy//Weekly consultation//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        calendar.add_component(_event(session))
    return calendar.to_ical()
