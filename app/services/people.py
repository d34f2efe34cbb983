"""Reading who is in a cohort and how an organisation's programs and cohorts are made up."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from app.domain.paging import Page, PageRequest
from app.domain.roles import Role
from app.extensions import db
from app.models.people import Director, Enrolment, Person
from app.models.tenancy import Cohort, Organisation, Program
from app.services.listing import Orders, ordered, paged


def cohort_roster(cohort_id: int, role: Role | None = None) -> list[Enrolment]:
    """A cohort's enrolments with their people, active first, then by name."""
    query = (
        select(Enrolment)
        .join(Enrolment.person)
        .options(joinedload(Enrolment.person))
        .where(Enrolment.cohort_id == cohort_id)
        .order_by(Enrolment.active.desc(), Person.name, Person.id)
    )
    if role is not None:
        query = query.where(Enrolment.role == role)
    return list(db.session.scalars(query))


ROSTER_SORTS: Orders = {
    "name": [Person.name, Person.id],
    "role": [Enrolment.role, Person.name, Person.id],
    "email": [Person.email, Person.name, Person.id],
    "last": [Enrolment.last_launch_at, Person.name, Person.id],
}


def roster_page(cohort_id: int, request: PageRequest) -> tuple[Page, list[Enrolment]]:
    """One page of a cohort's roster, people still in the course before those who left."""
    query = (
        select(Enrolment)
        .join(Enrolment.person)
        .options(joinedload(Enrolment.person))
        .where(Enrolment.cohort_id == cohort_id)
        .order_by(Enrolment.active.desc())
    )
    page, rows = paged(ordered(query, request, ROSTER_SORTS), request)
    return page, list(db.session.scalars(rows))


@dataclass
class CohortSummary:
    """A cohort with how many active practitioners and trainers it has."""

    cohort: Cohort
    counts: Counter[Role] = field(default_factory=Counter)


@dataclass
class OrganisationOverview:
    """An organisation's programs, each with its cohorts, and the cohorts not yet assigned."""

    organisation: Organisation
    programs: list[tuple[Program, list[CohortSummary]]]
    unassigned: list[CohortSummary]


def organisation_overview(organisation_id: int) -> OrganisationOverview:
    """Programs and cohorts of one organisation in three queries, whatever their number."""
    organisation = db.session.get_one(Organisation, organisation_id)
    cohorts = list(
        db.session.scalars(
            select(Cohort).where(Cohort.organisation_id == organisation_id).order_by(Cohort.title)
        )
    )
    summaries = {cohort.id: CohortSummary(cohort) for cohort in cohorts}
    counts = db.session.execute(
        select(Enrolment.cohort_id, Enrolment.role, func.count())
        .join(Cohort, Cohort.id == Enrolment.cohort_id)
        .where(Cohort.organisation_id == organisation_id, Enrolment.active.is_(True))
        .group_by(Enrolment.cohort_id, Enrolment.role)
    )
    for cohort_id, role, count in counts:
        summaries[cohort_id].counts[role] = count
    programs = list(
        db.session.scalars(
            select(Program).where(Program.organisation_id == organisation_id).order_by(Program.name)
        )
    )
    by_program = [
        (program, [s for s in summaries.values() if s.cohort.program_id == program.id])
        for program in programs
    ]
    unassigned = [s for s in summaries.values() if s.cohort.program_id is None]
    return OrganisationOverview(organisation, by_program, unassigned)


def practitioner_in_cohort(cohort_id: int, person_id: int) -> Person | None:
    """A practitioner of this cohort, or None: trainers see only their own cohort's people."""
    enrolment = db.session.scalar(
        select(Enrolment).filter_by(
            cohort_id=cohort_id, person_id=person_id, role=Role.PRACTITIONER
        )
    )
    return enrolment.person if enrolment else None


def granting_access(
    person_id: int, organisation_id: int, cohort_id: int | None, role: Role
) -> Enrolment | Director | None:
    """The enrolment or directorship that still gives this person the role their session acts
    in, or None when the organisation no longer does.

    A roster sync that marks someone as having left, or a later launch with a lesser role,
    takes away what an open session was given; this is the check that makes it take effect.
    It runs on every page, so the same statement also brings the person, their course and
    organisation, which the page's header and the view then read without statements of their
    own (while the row returned is held: the session's identity map keeps rows only as long as
    something refers to them).
    """
    if role is Role.DIRECTOR:
        return db.session.scalar(
            select(Director)
            .filter_by(person_id=person_id, organisation_id=organisation_id)
            .options(joinedload(Director.person), joinedload(Director.organisation))
        )
    if cohort_id is None:
        return None
    enrolment = db.session.scalar(
        select(Enrolment)
        .filter_by(person_id=person_id, cohort_id=cohort_id)
        .options(
            joinedload(Enrolment.person),
            joinedload(Enrolment.cohort).joinedload(Cohort.organisation),
        )
    )
    if enrolment is None or not enrolment.active or enrolment.role.rank < role.rank:
        return None
    return enrolment


def sign_out_everywhere(person_id: int) -> None:
    """End every session the person has open: this browser's, and any copy of its cookie.

    Counted in the database (one UPDATE, so two sign-outs at once both count): the signed
    cookie cannot be recalled, so each request compares the count it began with (app.auth).
    """
    db.session.execute(
        update(Person).where(Person.id == person_id).values(sign_outs=Person.sign_outs + 1)
    )
