"""Use cases of weekly consultation: groups, their schedules, attendance, apologies, summaries."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from app.domain.consultation import (
    SCHEDULING_WINDOW,
    ApologyDecision,
    AttendanceRules,
    AttendanceSummary,
    Mark,
    SessionRecord,
    SessionStatus,
    WeeklyRule,
    check_window,
    local_wall_time,
    occurrences,
    summarise,
)
from app.domain.consultation import (
    ConsultationRefused as ConsultationRefused,  # the service's refusal, for its callers
)
from app.domain.paging import Page, PageRequest, page_in_python
from app.extensions import db
from app.models.base import utc_now
from app.models.consultation import (
    Apology,
    AttendanceChange,
    AttendanceMark,
    CalendarFeed,
    ConsultationGroup,
    ConsultationSession,
    GroupMember,
)
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort
from app.services.audit import audit
from app.services.policies import policy_of


def rule_of(group: ConsultationGroup) -> WeeklyRule:
    return WeeklyRule(
        group.weekday,
        group.local_time,
        group.timezone,
        group.duration_minutes,
        group.first_date,
        group.weeks,
        group.end_date,
    )


def _schedule(group: ConsultationGroup, after: datetime | None = None) -> None:
    for start in occurrences(rule_of(group)):
        if after is None or start > after:
            db.session.add(
                ConsultationSession(
                    group=group, starts_at=start, duration_minutes=group.duration_minutes
                )
            )


def create_group(cohort: Cohort, **fields: object) -> ConsultationGroup:
    """A group and all its sessions, generated from its weekly rule."""
    group = ConsultationGroup(cohort_id=cohort.id, **fields)
    rule = rule_of(group)
    check_window(rule, utc_now().date())  # both raise ScheduleError before anything is written
    occurrences(rule)
    db.session.add(group)
    _schedule(group)
    db.session.flush()
    return group


def _has_history(session: ConsultationSession, marked: set[int]) -> bool:
    return (
        session.id in marked
        or session.is_makeup
        or session.moved_from is not None
        or session.cancelled
    )


def edit_group(group: ConsultationGroup, now: datetime | None = None, **fields: object) -> None:
    """Change the group and its rule. Sessions that happened, and any with attendance or
    changes, are kept; so is every upcoming session the new rule still holds, with its
    apologies and skill focus (a new name or room moves nothing). Upcoming sessions the rule no
    longer holds go, and the ones it adds are created. All of it in the request's one
    transaction: a bad rule changes nothing."""
    now = now or utc_now()
    candidate = WeeklyRule(
        **{
            **rule_of(group).__dict__,
            **{k: v for k, v in fields.items() if k in WeeklyRule.__dataclass_fields__},
        }
    )
    # Validate first: a bad edit changes nothing.
    check_window(candidate, now.date(), saved=rule_of(group))
    wanted = {start for start in occurrences(candidate) if start > now}
    marked = set(
        db.session.scalars(
            select(AttendanceMark.session_id)
            .join(ConsultationSession)
            .where(ConsultationSession.group_id == group.id)
        )
    )
    for key, value in fields.items():
        setattr(group, key, value)
    kept: set[datetime] = set()  # a moved session still holds the slot it left
    for session in group.sessions:
        if session.starts_at <= now or _has_history(session, marked):
            kept.update(filter(None, [session.starts_at, session.moved_from]))
        elif session.starts_at in wanted:
            session.duration_minutes = group.duration_minutes
            kept.add(session.starts_at)
        else:
            db.session.delete(session)
    for start in sorted(wanted - kept):
        db.session.add(
            ConsultationSession(
                group=group, starts_at=start, duration_minutes=group.duration_minutes
            )
        )
    db.session.flush()
    db.session.expire(group, ["sessions"])  # the deleted ones leave the loaded list too


def choose_focuses(group: ConsultationGroup, chosen: Mapping[int, str | None]) -> int:
    """Give the group's upcoming sessions the skill focuses chosen (guide ids, or None), and
    say how many changed.

    All or nothing: a session of another group, or a held or cancelled one whose focus would
    change, refuses the whole change, so a page saved late never half-applies.
    """
    sessions = {session.id: session for session in group.sessions}
    changed = {
        session_id: focus
        for session_id, focus in chosen.items()
        if session_id not in sessions or sessions[session_id].focus != focus
    }
    for session_id in changed:
        session = sessions.get(session_id)
        if session is None:
            raise ConsultationRefused(
                "A session on that page is not in this group; nothing was saved."
            )
        if session.cancelled or session.starts_at <= utc_now():
            raise ConsultationRefused(
                "A session was held or cancelled since the page opened, and only an upcoming "
                "session's focus can change; nothing was saved. Choose again below."
            )
    for session_id, focus in changed.items():
        sessions[session_id].focus = focus
    db.session.flush()
    return len(changed)


def cancel_session(session: ConsultationSession, reason: str) -> None:
    """Cancel an upcoming session with the reason members see; refused once it is held."""
    held = session.starts_at <= utc_now()
    session.status = SessionStatus(session.status).cancelled(held)
    session.cancel_reason = reason.strip()
    db.session.flush()


def move_session(session: ConsultationSession, starts_at: datetime) -> None:
    """Move a session to another day or time, remembering where it was first.

    A date outside the scheduling window raises ScheduleError before anything changes.
    """
    SCHEDULING_WINDOW.check(starts_at.date(), utc_now().date())
    if session.cancelled:
        raise ConsultationRefused(
            "A cancelled session cannot be moved; add a make-up session instead."
        )
    session.moved_from = session.moved_from or session.starts_at
    session.starts_at = starts_at
    db.session.flush()


def add_makeup(
    group: ConsultationGroup, starts_at: datetime, duration: int, replaces: ConsultationSession
) -> ConsultationSession:
    """A make-up session for one of the group's sessions (it does not count in the period's total).

    A date outside the scheduling window raises ScheduleError before anything is written.
    """
    SCHEDULING_WINDOW.check(starts_at.date(), utc_now().date())
    if replaces.group_id != group.id or replaces.is_makeup:
        raise ConsultationRefused(
            "A make-up session must replace one of this group's regular sessions."
        )
    session = ConsultationSession(
        group=group, starts_at=starts_at, duration_minutes=duration, makeup_for_id=replaces.id
    )
    db.session.add(session)
    db.session.flush()
    return session


def set_members(group: ConsultationGroup, practitioners: Iterable[Person]) -> None:
    """Make the group's members exactly these practitioners; attendance already taken stays."""
    wanted = {p.id for p in practitioners}
    for member in list(group.members):
        if member.person_id not in wanted:
            db.session.delete(member)
    present = {m.person_id for m in group.members}
    for person_id in wanted - present:
        db.session.add(GroupMember(group=group, person_id=person_id))
    db.session.flush()


def marks_of(person_id: int, organisation_id: int) -> dict[int, Mark]:
    """A practitioner's own marks in one organisation, by session id."""
    rows = db.session.execute(
        select(AttendanceMark.session_id, AttendanceMark.mark)
        .join(ConsultationSession, ConsultationSession.id == AttendanceMark.session_id)
        .join(ConsultationGroup)
        .join(Cohort)
        .where(AttendanceMark.person_id == person_id, Cohort.organisation_id == organisation_id)
    )
    return dict(rows.all())


def marks_for(session: ConsultationSession) -> dict[int, AttendanceMark]:
    return {
        m.person_id: m
        for m in db.session.scalars(select(AttendanceMark).filter_by(session_id=session.id))
    }


ATTENDANCE_OPENS = timedelta(hours=1)


def attendance_open(session: ConsultationSession, now: datetime | None = None) -> bool:
    """Attendance is taken from an hour before a session starts, never for weeks ahead."""
    return not session.cancelled and session.starts_at - ATTENDANCE_OPENS <= (now or utc_now())


def record_attendance(
    session: ConsultationSession,
    marks: Mapping[int, tuple[Mark, str | None]],
    by: int,
    now: datetime | None = None,
) -> int:
    """Record every member's mark in one go; changes to earlier marks go to the audit trail."""
    if session.cancelled:
        raise ConsultationRefused("This session was cancelled: there is no attendance to take.")
    if not attendance_open(session, now):
        raise ConsultationRefused("Attendance can be taken from an hour before the session starts.")
    existing, changed = marks_for(session), 0
    session.attendance_taken_at = session.attendance_taken_at or utc_now()
    for person_id, (mark, note) in marks.items():
        note = (note or "").strip() or None
        previous = existing.get(person_id)
        if previous is None:
            db.session.add(
                AttendanceMark(
                    session_id=session.id,
                    person_id=person_id,
                    mark=mark,
                    note=note,
                    recorded_by_id=by,
                )
            )
        elif (previous.mark, previous.note) != (mark, note):
            _audit_change(session, person_id, previous.mark, mark, by)
            db.session.add(
                AttendanceChange(
                    session_id=session.id,
                    person_id=person_id,
                    old_mark=previous.mark,
                    new_mark=mark,
                    old_note=previous.note,
                    new_note=note,
                    changed_by_id=by,
                )
            )
            previous.mark, previous.note, previous.recorded_by_id, previous.recorded_at = (
                mark,
                note,
                by,
                utc_now(),
            )
            changed += 1
    db.session.flush()
    return changed


def _audit_change(
    session: ConsultationSession, person_id: int, old: Mark, new: Mark, by: int
) -> None:
    """Attendance overrides belong in the organisation's audit log, not only in the group's trail."""
    cohort = db.session.get_one(Cohort, session.group.cohort_id)
    person = db.session.get_one(Person, person_id)
    held_on = local_wall_time(session.starts_at, session.group.timezone)  # the group's day
    subject = f"{person.display_name}, {session.group.name}, {held_on:%d %b %Y}"
    audit(cohort.organisation_id, by, "attendance changed", subject, f"{old.value} → {new.value}")


def send_apology(
    session: ConsultationSession, person_id: int, reason: str, now: datetime | None = None
) -> Apology:
    if session.starts_at <= (now or utc_now()) or session.cancelled:
        raise ConsultationRefused("Apologies are sent before a session that is still going ahead.")
    apology = db.session.scalar(
        select(Apology).filter_by(session_id=session.id, person_id=person_id)
    )
    apology = apology or Apology(session_id=session.id, person_id=person_id, reason="")
    apology.reason, apology.sent_at = reason.strip(), utc_now()
    apology.decision = ApologyDecision.PENDING  # a new reason asks the trainer to decide again
    db.session.add(apology)
    db.session.flush()
    return apology


def decide_apology(apology: Apology, accept: bool, by: int) -> None:
    """Accepted apologies mark the practitioner excused (unless attendance says they came)."""
    apology.decision = ApologyDecision(apology.decision).decided(accept)
    apology.decided_by_id, apology.decided_at = by, utc_now()
    if accept and apology.person_id not in marks_for(apology.session):
        db.session.add(
            AttendanceMark(
                session_id=apology.session_id,
                person_id=apology.person_id,
                mark=Mark.EXCUSED,
                note=None,
                recorded_by_id=by,
            )
        )
    db.session.flush()


@dataclass(frozen=True)
class MemberStanding:
    person: Person
    summary: AttendanceSummary


def _records(
    sessions: list[ConsultationSession], marks: dict[tuple[int, int], Mark], member: GroupMember
) -> tuple[list[SessionRecord], list[SessionRecord]]:
    """The member's period: the group's sessions, less those whose attendance was taken
    before they joined, without them (nobody misses a session of a group they were not yet in;
    one whose attendance is still to take may yet be marked for them)."""
    person_id = member.person_id
    scheduled: list[SessionRecord] = []
    makeups: list[SessionRecord] = []
    for s in sessions:
        if s.cancelled:
            continue
        taken = s.attendance_taken_at
        if taken is not None and taken < member.added_at and (s.id, person_id) not in marks:
            continue
        record = SessionRecord(
            s.id,
            s.starts_at,
            s.duration_minutes,
            marks.get((s.id, person_id)),
            s.makeup_for_id,
            taken=s.attendance_taken,
        )
        (makeups if s.is_makeup else scheduled).append(record)
    return scheduled, makeups


def attendance_rules(group: ConsultationGroup) -> AttendanceRules:
    """The group's attendance counted against its organisation's certification policy."""
    policy = policy_of(group.cohort.organisation_id)
    return AttendanceRules(
        required_rate=policy.consultation_rate,
        minimum_sessions=policy.consultation_sessions,
        excused_allowed=group.excused_allowed,
    )


def group_standings(group: ConsultationGroup, now: datetime | None = None) -> list[MemberStanding]:
    """Each member's attendance over the group's whole period, in two queries."""
    now = now or utc_now()
    sessions = list(group.sessions)
    marks = {
        (m.session_id, m.person_id): m.mark
        for m in db.session.scalars(
            select(AttendanceMark).where(AttendanceMark.session_id.in_([s.id for s in sessions]))
        )
    }
    rules = attendance_rules(group)
    members = list(
        db.session.scalars(
            select(GroupMember)
            .options(joinedload(GroupMember.person))
            .join(Person, Person.id == GroupMember.person_id)
            .where(GroupMember.group_id == group.id)
            .order_by(Person.name)
        )
    )
    return [
        MemberStanding(m.person, summarise(*_records(sessions, marks, m), rules, now))
        for m in members
    ]


MEMBER_SORTS = ("name", "attended", "made_up", "excused", "missed", "not_taken")


def standings_page(
    group: ConsultationGroup, request: PageRequest, now: datetime | None = None
) -> tuple[Page, list[MemberStanding]]:
    """One page of the members' attendance, sorted by name or by any of its counts.

    A group's rates are computed from all its marks, which the page reads in one query anyway.
    """
    keys: dict[str, Callable[[MemberStanding], Any]] = {
        "name": lambda s: s.person.display_name.casefold(),
        "attended": lambda s: s.summary.credited,
        "made_up": lambda s: s.summary.made_up,
        "excused": lambda s: s.summary.forgiven,
        "missed": lambda s: s.summary.missed,
        "not_taken": lambda s: s.summary.not_taken,
    }
    return page_in_python(group_standings(group, now), request, keys)


def apologies_of(person_id: int, organisation_id: int) -> dict[int, Apology]:
    """A practitioner's apologies in one organisation, by session id."""
    query = (
        select(Apology)
        .join(ConsultationSession, ConsultationSession.id == Apology.session_id)
        .join(ConsultationGroup)
        .join(Cohort)
        .where(Apology.person_id == person_id, Cohort.organisation_id == organisation_id)
    )
    return {apology.session_id: apology for apology in db.session.scalars(query)}


def groups_in(cohort_id: int) -> list[ConsultationGroup]:
    """The cohort's consultation groups by name."""
    query = select(ConsultationGroup).where(ConsultationGroup.cohort_id == cohort_id)
    return list(db.session.scalars(query.order_by(ConsultationGroup.name, ConsultationGroup.id)))


def groups_of(person_id: int, organisation_id: int) -> list[ConsultationGroup]:
    """The consultation groups a practitioner belongs to in one organisation (never another's)."""
    query = (
        select(ConsultationGroup)
        .join(GroupMember)
        .join(Cohort, Cohort.id == ConsultationGroup.cohort_id)
        .where(GroupMember.person_id == person_id, Cohort.organisation_id == organisation_id)
    )
    return list(db.session.scalars(query.order_by(ConsultationGroup.name)))


def standing_of(
    group: ConsultationGroup, person_id: int, now: datetime | None = None
) -> AttendanceSummary:
    return next(s.summary for s in group_standings(group, now) if s.person.id == person_id)


def feed_of(
    organisation_id: int, *, person_id: int | None = None, group_id: int | None = None
) -> CalendarFeed | None:
    """The live private feed of a practitioner or group, if one has been made."""
    query = select(CalendarFeed).filter_by(
        organisation_id=organisation_id, person_id=person_id, group_id=group_id, revoked_at=None
    )
    return db.session.scalar(query)


def new_feed(
    organisation_id: int, *, person_id: int | None = None, group_id: int | None = None
) -> CalendarFeed:
    """A new private address for a practitioner's or group's calendar; the old one stops working."""
    current = feed_of(organisation_id, person_id=person_id, group_id=group_id)
    if current is not None:
        current.revoked_at = utc_now()
    feed = CalendarFeed(
        token=secrets.token_urlsafe(32),
        organisation_id=organisation_id,
        person_id=person_id,
        group_id=group_id,
    )
    db.session.add(feed)
    db.session.flush()
    return feed


def feed_sessions(token: str) -> list[ConsultationSession] | None:
    """The sessions a private calendar address shows, or None once it shows nothing: revoked,
    or a practitioner's own feed once they have no place left in the organisation's courses.

    A practitioner who has left loses their session at once; their calendar must not go on
    telling them (or whoever they passed the address to) where the group meets. One still in
    some course sees only the groups of the courses they are in.
    """
    feed = db.session.scalar(select(CalendarFeed).filter_by(token=token))
    if feed is None or feed.revoked_at is not None:
        return None
    if feed.group_id:
        groups = [db.session.get_one(ConsultationGroup, feed.group_id)]
    else:
        places = _places_of(feed.person_id or 0, feed.organisation_id)
        if not places:
            return None
        groups = [
            group
            for group in groups_of(feed.person_id or 0, feed.organisation_id)
            if group.cohort_id in places
        ]
    return sorted((s for g in groups for s in g.sessions), key=lambda s: s.starts_at)


def _places_of(person_id: int, organisation_id: int) -> set[int]:
    """The cohorts of the organisation where the person still has an active enrolment."""
    query = (
        select(Enrolment.cohort_id)
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(
            Enrolment.person_id == person_id,
            Enrolment.active.is_(True),
            Cohort.organisation_id == organisation_id,
        )
    )
    return set(db.session.scalars(query))


def attendance_to_take(cohort_id: int, now: datetime | None = None) -> list[ConsultationSession]:
    """The cohort's held sessions whose attendance nobody has taken: the trainer's work to do."""
    query = (
        select(ConsultationSession)
        .join(ConsultationGroup, ConsultationGroup.id == ConsultationSession.group_id)
        .options(contains_eager(ConsultationSession.group))
        .where(
            ConsultationGroup.cohort_id == cohort_id,
            ConsultationSession.status != SessionStatus.CANCELLED,
            ConsultationSession.starts_at <= (now or utc_now()),
            ConsultationSession.attendance_taken_at.is_(None),
        )
        .order_by(ConsultationSession.starts_at)
    )
    return list(db.session.scalars(query))


def apologies_for(session: ConsultationSession) -> dict[int, Apology]:
    """Each member's apology for this session, by person, for the attendance form."""
    found = db.session.scalars(select(Apology).filter_by(session_id=session.id))
    return {apology.person_id: apology for apology in found}


def apologies_waiting(cohort_id: int, group_id: int | None = None) -> list[Apology]:
    """Apologies nobody has decided yet, oldest session first: the trainer's work to do."""
    query = (
        select(Apology)
        .join(ConsultationSession, ConsultationSession.id == Apology.session_id)
        .join(ConsultationGroup, ConsultationGroup.id == ConsultationSession.group_id)
        .options(
            contains_eager(Apology.session).contains_eager(ConsultationSession.group),
            joinedload(Apology.person),
        )
        .where(
            ConsultationGroup.cohort_id == cohort_id, Apology.decision == ApologyDecision.PENDING
        )
        .order_by(ConsultationSession.starts_at, Apology.id)
    )
    if group_id is not None:
        query = query.where(ConsultationGroup.id == group_id)
    return list(db.session.scalars(query))


def default_end(start: datetime, minutes: int) -> datetime:
    return start + timedelta(minutes=minutes)


def sessions_attended_since(person_id: int, organisation_id: int, since: date) -> int:
    """Consultation sessions attended (present or late) since a date, for certificate renewal."""
    query = (
        select(AttendanceMark.id)
        .join(ConsultationSession, ConsultationSession.id == AttendanceMark.session_id)
        .join(ConsultationGroup)
        .join(Cohort)
        .where(
            AttendanceMark.person_id == person_id,
            Cohort.organisation_id == organisation_id,
            AttendanceMark.mark.in_([Mark.PRESENT, Mark.LATE]),
            ConsultationSession.status != SessionStatus.CANCELLED,
            ConsultationSession.starts_at
            >= datetime.combine(since, datetime.min.time(), tzinfo=UTC),
        )
    )
    return len(list(db.session.scalars(query)))
