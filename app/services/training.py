"""Use cases of the five-day training: progress, saving practice, consent to share reflections."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from app.content.model import Activity, ActivityType, Catalog, Module
from app.domain.paging import Page, PageRequest
from app.domain.roles import Role
from app.domain.training import ModuleOutline, TrainingProgress, module_done, training_progress
from app.extensions import db
from app.models.base import insert_for, utc_now
from app.models.people import Enrolment, Person
from app.models.tenancy import Cohort
from app.models.training import ActivityResponse, ModuleCompletion, ReflectionConsent
from app.services.listing import Orders, ordered, paged
from app.services.policies import policy_of

REFLECTION_LIMIT = 5000


def outline(catalog: Catalog) -> list[ModuleOutline]:
    """The training as progress sees it."""
    return [ModuleOutline(m.id, m.day, m.required_activity_ids) for m in catalog.ordered_modules]


@dataclass
class _Records:
    completed: set[str]
    done: dict[str, set[str]]
    touched: dict[str, datetime]


def _records(person_ids: list[int], organisation_id: int) -> dict[int, _Records]:
    """Completions and responses of several practitioners in two queries."""
    records = {pid: _Records(set(), defaultdict(set), {}) for pid in person_ids}
    completions = db.session.execute(
        select(ModuleCompletion.person_id, ModuleCompletion.module_id).where(
            ModuleCompletion.person_id.in_(person_ids),
            ModuleCompletion.organisation_id == organisation_id,
        )
    )
    for person_id, module_id in completions:
        records[person_id].completed.add(module_id)
    responses = db.session.execute(
        select(
            ActivityResponse.person_id,
            ActivityResponse.module_id,
            ActivityResponse.activity_id,
            ActivityResponse.done,
            ActivityResponse.updated_at,
        ).where(
            ActivityResponse.person_id.in_(person_ids),
            ActivityResponse.organisation_id == organisation_id,
        )
    )
    for person_id, module_id, activity_id, done, updated_at in responses:
        record = records[person_id]
        if done:
            record.done[module_id].add(activity_id)
        record.touched[module_id] = max(updated_at, record.touched.get(module_id, updated_at))
    return records


def _progress(catalog: Catalog, record: _Records, in_order: bool) -> TrainingProgress:
    last = max(record.touched, key=record.touched.__getitem__, default=None)
    return training_progress(
        outline(catalog),
        frozenset(record.completed),
        {k: frozenset(v) for k, v in record.done.items()},
        in_order=in_order,
        touched=frozenset(record.touched),
        last_touched=last,
    )


def progress_of(catalog: Catalog, person_id: int, cohort: Cohort) -> TrainingProgress:
    """One practitioner's progress, with their cohort's day-unlocking rule."""
    record = _records([person_id], cohort.organisation_id)[person_id]
    return _progress(catalog, record, cohort.days_unlock_in_order)


def quiz_opens_when(
    catalog: Catalog, days: Iterable[int], person_id: int, cohort: Cohort
) -> str | None:
    """Why a quiz on these days cannot be started yet, or None when it can.

    The organisation decides (on by default) whether a day's quiz waits for its day to open, so
    nobody is examined on modules they could not yet read.
    """
    if not policy_of(cohort.organisation_id).quizzes_wait_for_day:
        return None
    progress = progress_of(catalog, person_id, cohort)
    locked = progress.first_locked(days)
    return None if locked is None else progress.opens_when(locked)


def cohort_practitioners(cohort: Cohort) -> list[Person]:
    """The practitioners of a cohort, by name."""
    query = (
        select(Person)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.role == Role.PRACTITIONER)
        .order_by(Person.name, Person.id)
    )
    return list(db.session.scalars(query))


def cohort_progress(catalog: Catalog, cohort: Cohort) -> list[tuple[Person, TrainingProgress]]:
    """Every practitioner's progress in a cohort, in a fixed number of queries."""
    people = cohort_practitioners(cohort)
    records = _records([p.id for p in people], cohort.organisation_id)
    return [
        (person, _progress(catalog, records[person.id], cohort.days_unlock_in_order))
        for person in people
    ]


GRID_SORTS = ("name", "progress")


def cohort_progress_page(
    catalog: Catalog, cohort: Cohort, request: PageRequest
) -> tuple[Page, list[tuple[Person, TrainingProgress]]]:
    """One page of the cohort's progress grid, by name or by modules completed, in four queries."""
    completed = (
        select(ModuleCompletion.person_id, func.count().label("modules"))
        .where(
            ModuleCompletion.organisation_id == cohort.organisation_id,
            ModuleCompletion.module_id.in_([m.id for m in catalog.ordered_modules]),
        )
        .group_by(ModuleCompletion.person_id)
        .subquery()
    )
    query = (
        select(Person)
        .join(Enrolment, Enrolment.person_id == Person.id)
        .outerjoin(completed, completed.c.person_id == Person.id)
        .where(Enrolment.cohort_id == cohort.id, Enrolment.role == Role.PRACTITIONER)
    )
    orders: Orders = {
        "name": [Person.name, Person.id],
        "progress": [func.coalesce(completed.c.modules, 0), Person.name, Person.id],
    }
    page, rows = paged(ordered(query, request, orders), request)
    people = list(db.session.scalars(rows))
    records = _records([p.id for p in people], cohort.organisation_id)
    return page, [
        (person, _progress(catalog, records[person.id], cohort.days_unlock_in_order))
        for person in people
    ]


def responses_of(
    person_id: int, organisation_id: int, module_id: str | None = None
) -> dict[tuple[str, str], ActivityResponse]:
    """A practitioner's responses, by (module id, activity id)."""
    query = select(ActivityResponse).where(
        ActivityResponse.person_id == person_id, ActivityResponse.organisation_id == organisation_id
    )
    if module_id is not None:
        query = query.where(ActivityResponse.module_id == module_id)
    return {(r.module_id, r.activity_id): r for r in db.session.scalars(query)}


class ResponseRefused(ValueError):
    """The practice response cannot be saved as given (the message says why)."""


def _apply(
    activity: Activity,
    response: ActivityResponse,
    text: str | None,
    practised: bool,
    checked: list[int],
) -> None:
    """Fill the response as its activity type defines, and decide whether it is done."""
    if activity.type is ActivityType.REFLECTION:
        if not text or not text.strip():
            raise ResponseRefused("Write your reflection before saving it.")
        response.text, response.done = text.strip(), True
    elif activity.type is ActivityType.ROLE_PLAY:
        if not practised:
            raise ResponseRefused("Tick “I practised this role-play” once you have, then save.")
        response.text, response.done = (text or "").strip() or None, True
    elif activity.type is ActivityType.WORKED_EXAMPLE:
        response.done = True
    else:
        valid = sorted({i for i in checked if 0 <= i < len(activity.items)})
        response.checked_items, response.done = valid, len(valid) == len(activity.items)
    if response.text and len(response.text) > REFLECTION_LIMIT:
        raise ResponseRefused(f"Keep it under {REFLECTION_LIMIT} characters.")


def _response_row(
    person_id: int, organisation_id: int, module: Module, activity: Activity
) -> ActivityResponse:
    keys = {
        "person_id": person_id,
        "organisation_id": organisation_id,
        "module_id": module.id,
        "activity_id": activity.id,
    }
    db.session.execute(
        insert_for(db.session.get_bind().dialect.name)(ActivityResponse)
        .values(**keys, content_version=module.version, done=False, updated_at=utc_now())
        .on_conflict_do_nothing(index_elements=list(keys))
    )
    return db.session.scalars(select(ActivityResponse).filter_by(**keys)).one()


def _complete_if_done(person_id: int, organisation_id: int, module: Module) -> bool:
    done = frozenset(
        db.session.scalars(
            select(ActivityResponse.activity_id).where(
                ActivityResponse.person_id == person_id,
                ActivityResponse.organisation_id == organisation_id,
                ActivityResponse.module_id == module.id,
                ActivityResponse.done.is_(True),
            )
        )
    )
    if not module_done(module.required_activity_ids, done):
        return False
    keys = {"person_id": person_id, "organisation_id": organisation_id, "module_id": module.id}
    db.session.execute(
        insert_for(db.session.get_bind().dialect.name)(ModuleCompletion)
        .values(**keys, content_version=module.version, completed_at=utc_now())
        .on_conflict_do_nothing(index_elements=list(keys))
    )
    return True


def save_response(
    person_id: int,
    organisation_id: int,
    module: Module,
    activity: Activity,
    *,
    text: str | None = None,
    practised: bool = False,
    checked: list[int] | None = None,
) -> bool:
    """Save a practitioner's work on one activity; returns whether the module is now complete."""
    response = _response_row(person_id, organisation_id, module, activity)
    try:
        _apply(activity, response, text, practised, checked or [])
    except ResponseRefused:
        db.session.rollback()
        raise
    response.content_version = module.version
    response.updated_at = utc_now()
    db.session.flush()
    complete = _complete_if_done(person_id, organisation_id, module)
    db.session.flush()
    return complete


def consent_of(person_id: int, organisation_id: int) -> ReflectionConsent | None:
    """The practitioner's choice about sharing reflections, if they have made one."""
    return db.session.scalar(
        select(ReflectionConsent).filter_by(person_id=person_id, organisation_id=organisation_id)
    )


def record_consent(person_id: int, organisation_id: int, shares: bool) -> ReflectionConsent:
    """Record (or change) whether trainers may read this practitioner's reflections."""
    consent = consent_of(person_id, organisation_id)
    if consent is None:
        consent = ReflectionConsent(
            person_id=person_id, organisation_id=organisation_id, shares_with_trainers=shares
        )
        db.session.add(consent)
    consent.shares_with_trainers, consent.decided_at = shares, utc_now()
    db.session.flush()
    return consent


def set_day_unlocking(cohort: Cohort, in_order: bool) -> None:
    """A trainer's cohort setting: days open one after another, or all at once."""
    cohort.days_unlock_in_order = in_order
    db.session.flush()
