"""Cohort rosters from the LMS (LTI Names and Role Provisioning Services).

Practitioners who have not launched yet appear too; people who left the course are marked
inactive, never deleted, so their training and attendance records stay. A roster lists course
membership only: it never lowers a role a launch granted, and never marks as left a director,
whose access comes from the organisation (a site administrator need not be enrolled).

When the LMS refuses, the refusal is summarised (status, a short reason) for the trainer or
operator, and its full answer goes to the log only.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from flask import current_app
from sqlalchemy import select

from app.domain.roles import Role, after_roster, held_outside_the_course, strongest
from app.extensions import db
from app.lti.nrps import REFUSALS, Member, members
from app.lti.refusals import describe
from app.models.base import insert_for, utc_now
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort, Organisation


@dataclass(frozen=True)
class RosterResult:
    """What one refresh changed."""

    added: int
    updated: int
    left: int

    @property
    def summary(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.left} marked as left"


@dataclass(frozen=True)
class RosterOutcome:
    """How a refresh ended, in one line a trainer or an operator can read."""

    succeeded: bool
    line: str


class RosterRefused(Exception):
    """The LMS did not give the roster this time; the message is short enough to show anyone."""


def _person(platform_id: int, member: Member) -> Person:
    keys = {"platform_id": platform_id, "subject": member.subject}
    db.session.execute(
        insert_for(db.session.get_bind().dialect.name)(Person)
        .values(**keys, name="", created_at=utc_now(), updated_at=utc_now())
        .on_conflict_do_nothing(index_elements=list(keys))
    )
    person = db.session.scalars(select(Person).filter_by(**keys)).one()
    person.name = member.name or person.name
    person.given_name = member.given_name or person.given_name
    person.family_name = member.family_name or person.family_name
    person.email = member.email or person.email
    return person


def _listed_members(organisation: Organisation, nrps_url: str) -> list[Member]:
    """Every member the LMS lists, or RosterRefused with a short reason (the detail is logged)."""
    try:
        return list(members(organisation.platform, nrps_url))
    except (requests.RequestException, *REFUSALS) as error:
        current_app.logger.warning("roster of %s refused: %s", nrps_url, error)
        raise RosterRefused(describe(error)) from error


def _update(enrolment: Enrolment, member: Member, role: Role) -> bool:
    """Bring a known enrolment in line with the roster; whether anything changed."""
    kept = after_roster(enrolment.role, role, launched=enrolment.last_launch_at is not None)
    if (enrolment.role, enrolment.active) == (kept, member.active):
        return False
    enrolment.role, enrolment.active = kept, member.active
    return True


def _mark_left(enrolments: list[Enrolment]) -> int:
    """People no longer listed have left the course, unless their place never depended on it."""
    left = [e for e in enrolments if e.active and not held_outside_the_course(e.role)]
    for enrolment in left:
        enrolment.active = False
    return len(left)


def sync_roster(cohort: Cohort) -> RosterResult:
    """Bring the cohort's enrolments in line with the LMS's membership list (all its pages)."""
    if not cohort.nrps_url:
        raise LookupError(
            "this course's LMS has not offered its roster (no Names and Roles service in the launch)"
        )
    organisation = db.session.get_one(Organisation, cohort.organisation_id)
    enrolments = {
        e.person_id: e for e in db.session.scalars(select(Enrolment).filter_by(cohort_id=cohort.id))
    }
    seen, added, updated = set(), 0, 0
    for member in _listed_members(organisation, cohort.nrps_url):
        role = strongest(member.roles)
        if role is None:
            continue
        person = _person(organisation.platform_id, member)
        db.session.flush()
        if person.id in seen:
            continue  # listed twice (an LMS's paging can repeat a member): the first entry counts
        seen.add(person.id)
        enrolment = enrolments.get(person.id)
        if enrolment is None:
            db.session.add(
                Enrolment(person_id=person.id, cohort_id=cohort.id, role=role, active=member.active)
            )
            added += 1
        elif _update(enrolment, member, role):
            updated += 1
    left = _mark_left([e for pid, e in enrolments.items() if pid not in seen])
    cohort.roster_synced_at = utc_now()
    db.session.flush()
    return RosterResult(added, updated, left)
