"""Cohort rosters from the LMS (LTI Names and Role Provisioning Services).

Practitioners who have not launched yet appear too; people who left the course are marked
inactive, never deleted, so their training and attendance records stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.domain.roles import strongest
from app.extensions import db
from app.lti.nrps import Member, members
from app.models.base import insert_for, utc_now
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort, Organisation


@dataclass(frozen=True)
class RosterResult:
    added: int
    updated: int
    left: int


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
    for member in members(organisation.platform, cohort.nrps_url):
        role = strongest(member.roles)
        if role is None:
            continue
        person = _person(organisation.platform_id, member)
        db.session.flush()
        seen.add(person.id)
        enrolment = enrolments.get(person.id)
        if enrolment is None:
            db.session.add(
                Enrolment(person_id=person.id, cohort_id=cohort.id, role=role, active=member.active)
            )
            added += 1
        elif (enrolment.role, enrolment.active) != (role, member.active):
            enrolment.role, enrolment.active = role, member.active
            updated += 1
    left = [e for pid, e in enrolments.items() if pid not in seen and e.active]
    for enrolment in left:
        enrolment.active = False
    cohort.roster_synced_at = utc_now()
    db.session.flush()
    return RosterResult(added, updated, len(left))
