"""Cohort rosters from the LMS (LTI Names and Role Provisioning Services).

Practitioners who have not launched yet appear too; people who left the course are marked
inactive, never deleted, so their training and attendance records stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy import select

from app.domain.roles import roles_from_lti, strongest
from app.extensions import db
from app.lti.tool import service_connector
from app.models.base import insert_for, utc_now
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort, Organisation


@dataclass(frozen=True)
class RosterResult:
    added: int
    updated: int
    left: int


def _person(platform_id: int, member: dict) -> Person:
    keys = {"platform_id": platform_id, "subject": member["user_id"]}
    db.session.execute(
        insert_for(db.session.get_bind().dialect.name)(Person)
        .values(**keys, name="", created_at=utc_now(), updated_at=utc_now())
        .on_conflict_do_nothing(index_elements=list(keys))
    )
    person = db.session.scalars(select(Person).filter_by(**keys)).one()
    person.name = member.get("name") or person.name
    person.given_name = member.get("given_name") or person.given_name
    person.family_name = member.get("family_name") or person.family_name
    person.email = member.get("email") or person.email
    return person


def sync_roster(cohort: Cohort) -> RosterResult:
    """Bring the cohort's enrolments in line with the LMS's membership list (all its pages)."""
    if not cohort.nrps_url:
        raise LookupError(
            "this course's LMS has not offered its roster (no Names and Roles service in the launch)"
        )
    organisation = db.session.get_one(Organisation, cohort.organisation_id)
    service = NamesRolesProvisioningService(
        service_connector(organisation.platform), {"context_memberships_url": cohort.nrps_url}
    )
    enrolments = {
        e.person_id: e for e in db.session.scalars(select(Enrolment).filter_by(cohort_id=cohort.id))
    }
    seen, added, updated = set(), 0, 0
    for member in service.get_members():
        role = strongest(roles_from_lti(member.get("roles") or []))
        if role is None or not member.get("user_id"):
            continue
        person = _person(organisation.platform_id, member)
        db.session.flush()
        seen.add(person.id)
        active = member.get("status", "Active") == "Active"
        enrolment = enrolments.get(person.id)
        if enrolment is None:
            db.session.add(
                Enrolment(person_id=person.id, cohort_id=cohort.id, role=role, active=active)
            )
            added += 1
        elif (enrolment.role, enrolment.active) != (role, active):
            enrolment.role, enrolment.active = role, active
            updated += 1
    left = [e for pid, e in enrolments.items() if pid not in seen and e.active]
    for enrolment in left:
        enrolment.active = False
    cohort.roster_synced_at = utc_now()
    db.session.commit()
    return RosterResult(added, updated, len(left))
