"""Recording a validated launch: the person, their course (cohort) and their role in it."""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import delete

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


def _person(platform_id: int, launch: LaunchContext) -> Person:
    """The person, with the names the LMS sent; a claim it withheld never erases one we have."""
    person = _upsert(
        Person,
        {"platform_id": platform_id, "subject": launch.subject},
        {"name": "", "created_at": utc_now(), "updated_at": utc_now()},
        {},
    )
    person.name = launch.name or person.name
    person.given_name = launch.given_name or person.given_name
    person.family_name = launch.family_name or person.family_name
    person.email = launch.email or person.email
    return person


def _cohort(organisation: Organisation, launch: LaunchContext) -> Cohort:
    cohort = _upsert(
        Cohort,
        {"organisation_id": organisation.id, "context_id": launch.context_id},
        {"title": launch.context_title or "", "created_at": utc_now()},
        {},
    )
    cohort.title = launch.context_title or cohort.title
    cohort.label = launch.context_label
    if launch.ags_lineitems_url:
        # Kept on the cohort so grade delivery, a background task, never needs the launch again.
        cohort.ags_lineitems_url = launch.ags_lineitems_url
        cohort.ags_scopes = list(launch.ags_scopes)
    if launch.nrps_url:
        cohort.nrps_url = launch.nrps_url  # the roster service, for syncs outside any launch
    return cohort


def _enrol(person: Person, cohort: Cohort, role: Role) -> None:
    """The launch's role in this course, active again, with the time of this launch."""
    _upsert(
        Enrolment,
        {"person_id": person.id, "cohort_id": cohort.id},
        {},
        {"role": role, "active": True, "last_launch_at": utc_now()},
    )


def _record_director(person: Person, organisation: Organisation, is_director: bool) -> None:
    """Directors are who the latest launch says: a launch without the role ends the standing."""
    if not is_director:
        db.session.execute(
            delete(Director).where(
                Director.person_id == person.id, Director.organisation_id == organisation.id
            )
        )
        return
    _upsert(
        Director,
        {"person_id": person.id, "organisation_id": organisation.id},
        {},
        {"last_launch_at": utc_now()},
    )


LAST_LAUNCH_PRECISION = timedelta(minutes=1)


def _stamp_last_launch(organisation: Organisation) -> None:
    """Note when the organisation last launched, to the minute its connection page shows.

    Every launch of an organisation would otherwise write its one row, so launches from
    several workers would queue on that row's lock; within a minute the stamp is already true.
    """
    now = utc_now()
    last = organisation.last_launch_at
    if last is None or now - last >= LAST_LAUNCH_PRECISION:
        organisation.last_launch_at = now


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
    person = _person(platform.id, launch)
    cohort = _cohort(organisation, launch) if launch.context_id else None
    if cohort is not None:
        _enrol(person, cohort, role)
    _record_director(person, organisation, Role.DIRECTOR in launch.roles)
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
