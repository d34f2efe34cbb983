"""Recording a validated launch: the person, their course (cohort) and their role in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import Integer, and_, bindparam, delete, select

from app.domain.identity import Identity
from app.domain.roles import Role, strongest
from app.extensions import db
from app.lti.context import LaunchContext
from app.lti.errors import LaunchRejected
from app.lti.http import private_host
from app.lti.registry import find_organisation, find_platform
from app.models.base import Base, insert_for, utc_now
from app.models.people import Director, Enrolment, Person
from app.models.tenancy import Cohort, Organisation

Row = TypeVar("Row", bound=Base)


@cache
def _upsert_statement(
    dialect: str, model: type[Any], keys: frozenset[str], changed: frozenset[str]
) -> Any:
    """INSERT … ON CONFLICT DO UPDATE … RETURNING for one model, built once per shape.

    Building the construct (its `excluded` columns above all) cost more than running it; the
    statement is immutable, so each launch only binds its values to the cached one.
    """
    statement = insert_for(dialect)(model)
    return statement.on_conflict_do_update(
        index_elements=sorted(keys),
        set_={name: getattr(statement.excluded, name) for name in sorted(changed)},
    ).returning(model)


def _upsert(
    model: type[Row], keys: dict[str, Any], inserted: dict[str, Any], refreshed: dict[str, Any]
) -> Row:
    """The row with these key values, inserted if missing, in one statement.

    INSERT … ON CONFLICT DO UPDATE … RETURNING lets two workers record the same person at once
    without either failing, on SQLite and PostgreSQL alike, and hands back the row without a
    second SELECT. `refreshed` columns take their new values on a repeat launch too; with none,
    the key columns are set to themselves so that the existing row is still returned.
    """
    shape = _upsert_statement(
        db.session.get_bind().dialect.name, model, frozenset(keys), frozenset(refreshed or keys)
    )
    statement = shape.values(**keys, **inserted, **refreshed)
    row: Row = db.session.scalars(statement, execution_options={"populate_existing": True}).one()
    return row


@dataclass(frozen=True)
class _Recorded:
    """What earlier launches stored of this person in this organisation and course."""

    person: Person
    cohort: Cohort | None
    enrolment: Enrolment | None
    director_since: datetime | None  # the director row's last launch; None when there is none


@cache
def _recorded_statement(in_course: bool) -> Any:
    """The person, their director row and (in a course) the course and their place in it, in one
    statement built once: most launches are of someone already recorded, and they then write
    only what changed (usually nothing), instead of an upsert for every row."""
    organisation_id = bindparam("organisation_id", type_=Integer)
    query = (
        select(Person, Director.last_launch_at)
        .outerjoin(
            Director,
            and_(Director.person_id == Person.id, Director.organisation_id == organisation_id),
        )
        .where(Person.platform_id == bindparam("platform_id"))
        .where(Person.subject == bindparam("subject"))
    )
    if not in_course:
        return query
    course = and_(
        Cohort.organisation_id == organisation_id, Cohort.context_id == bindparam("context_id")
    )
    place = and_(Enrolment.person_id == Person.id, Enrolment.cohort_id == Cohort.id)
    return (
        query.add_columns(Cohort, Enrolment).outerjoin(Cohort, course).outerjoin(Enrolment, place)
    )


def _recorded(platform_id: int, organisation_id: int, launch: LaunchContext) -> _Recorded | None:
    """What earlier launches recorded, or None for a person this platform never launched."""
    values: dict[str, object] = {"platform_id": platform_id, "organisation_id": organisation_id}
    values |= {"subject": launch.subject, "context_id": launch.context_id}
    row = db.session.execute(_recorded_statement(launch.context_id is not None), values).first()
    if row is None:
        return None
    person, director_since, *course = row
    cohort, enrolment = course or (None, None)
    return _Recorded(person, cohort, enrolment, director_since)


def _person(platform_id: int, launch: LaunchContext) -> Person:
    """A person first recorded now (or by a launch racing this one)."""
    return _upsert(
        Person,
        {"platform_id": platform_id, "subject": launch.subject},
        {"name": "", "created_at": utc_now(), "updated_at": utc_now()},
        {},
    )


def _take_names(person: Person, launch: LaunchContext) -> None:
    """The names the LMS sent; a claim it withheld never erases one we have (an unchanged
    name writes nothing)."""
    person.name = launch.name or person.name
    person.given_name = launch.given_name or person.given_name
    person.family_name = launch.family_name or person.family_name
    person.email = launch.email or person.email


def _cohort(organisation: Organisation, launch: LaunchContext) -> Cohort:
    """A course first launched now (or by a launch racing this one)."""
    return _upsert(
        Cohort,
        {"organisation_id": organisation.id, "context_id": launch.context_id},
        {"title": launch.context_title or "", "created_at": utc_now()},
        {},
    )


def _take_course_details(cohort: Cohort, launch: LaunchContext) -> None:
    """The course's title and service URLs as the LMS sends them now."""
    cohort.title = launch.context_title or cohort.title
    cohort.label = launch.context_label
    if launch.ags_lineitems_url:
        # Kept on the cohort so grade delivery, a background task, never needs the launch again.
        cohort.ags_lineitems_url = launch.ags_lineitems_url
        cohort.ags_scopes = list(launch.ags_scopes)
    if launch.nrps_url:
        cohort.nrps_url = launch.nrps_url  # the roster service, for syncs outside any launch


def _enrol(person: Person, cohort: Cohort, role: Role, enrolment: Enrolment | None) -> None:
    """The launch's role in this course, active again, with the time of this launch (to the
    minute, as the trainer's roster shows it): a returning person's launch writes nothing."""
    if enrolment is None:
        _upsert(
            Enrolment,
            {"person_id": person.id, "cohort_id": cohort.id},
            {},
            {"role": role, "active": True, "last_launch_at": utc_now()},
        )
        return
    enrolment.role = role
    enrolment.active = True
    if _due(enrolment.last_launch_at):
        enrolment.last_launch_at = utc_now()


def _record_director(
    person: Person, organisation: Organisation, is_director: bool, recorded: _Recorded | None
) -> None:
    """Directors are who the latest launch says: a launch without the role ends the standing.

    What an earlier launch recorded spares the statement when nothing changes; for a person
    first seen now (perhaps by a launch racing this one) the row is written or removed outright.
    """
    since = recorded.director_since if recorded else None
    if not is_director:
        if recorded is None or since is not None:
            db.session.execute(
                delete(Director).where(
                    Director.person_id == person.id, Director.organisation_id == organisation.id
                )
            )
        return
    if since is not None and not _due(since):
        return
    _upsert(
        Director,
        {"person_id": person.id, "organisation_id": organisation.id},
        {},
        {"last_launch_at": utc_now()},
    )


LAST_LAUNCH_PRECISION = timedelta(minutes=1)


def _due(last: datetime | None) -> bool:
    """Whether a last-launch stamp is older than the minute the pages show it to.

    Every launch would otherwise write the organisation's one row (so launches from several
    workers would queue on its lock) and the person's enrolment; within a minute the stamp is
    already true.
    """
    return last is None or utc_now() - last >= LAST_LAUNCH_PRECISION


def _stamp_last_launch(organisation: Organisation) -> None:
    """Note when the organisation last launched, to the minute its connection page shows."""
    if _due(organisation.last_launch_at):
        organisation.last_launch_at = utc_now()


def _refused(launch: LaunchContext, reason: str, detail: str) -> LaunchRejected:
    """A refusal after the launch verified: its facts are the LMS's own."""
    facts = {
        "issuer": launch.issuer,
        "client_id": launch.client_id,
        "deployment_id": launch.deployment_id,
    }
    return LaunchRejected(reason, detail, facts, verified=True)


def _check_service_urls(launch: LaunchContext) -> None:
    """Refuse a launch whose gradebook or roster URL names a private address outright.

    Those URLs are kept on the cohort and later called with the LMS's access token, so outside
    development one on this machine or its network (http://127.0.0.1/…, https://10.0.0.5/…)
    is refused here, by name, for the LMS administrator; names are checked when called.
    """
    if current_app.config["IMR_SETTINGS"].private_outbound_allowed:
        return  # a developer's machine: the test and demo LMSs are on it
    for label, url in (
        ("AGS line items", launch.ags_lineitems_url),
        ("names and roles", launch.nrps_url),
    ):
        host = private_host(url)
        if host is not None:
            raise _refused(
                launch, "bad-claim", f"the {label} URL is on a private network address ({host})"
            )


def record_launch(launch: LaunchContext) -> tuple[Person, Identity]:
    """Store who launched and return the identity their session will carry (flushed, not committed)."""
    _check_service_urls(launch)
    role = strongest(launch.roles)
    if role is None:
        raise _refused(launch, "no-role", "no IMR role among the launch's roles")
    if launch.context_id is None and role is not Role.DIRECTOR:
        raise _refused(launch, "no-course", "launch without a context claim")
    platform = find_platform(launch.issuer, launch.client_id)
    organisation = find_organisation(platform, launch.deployment_id) if platform else None
    if platform is None or organisation is None:
        raise _refused(launch, "unknown-deployment", "registration removed during the launch")
    if organisation.awaiting_approval:
        raise _refused(
            launch, "awaiting-approval", "registered by dynamic registration, not yet approved"
        )
    _stamp_last_launch(organisation)
    recorded = _recorded(platform.id, organisation.id, launch)
    person = recorded.person if recorded else _person(platform.id, launch)
    _take_names(person, launch)
    cohort = None
    if launch.context_id:
        cohort = (recorded.cohort if recorded else None) or _cohort(organisation, launch)
        _take_course_details(cohort, launch)
        _enrol(person, cohort, role, recorded.enrolment if recorded else None)
    _record_director(person, organisation, Role.DIRECTOR in launch.roles, recorded)
    db.session.flush()
    identity = Identity(
        person_id=person.id,
        organisation_id=organisation.id,
        cohort_id=cohort.id if cohort else None,
        role=role,
        roles=launch.roles,
        launch_id=launch.launch_id,
    )
    return person, identity
