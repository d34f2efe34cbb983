"""The work waiting on a trainer's and a director's home, in a fixed number of aggregate queries.

Each trainer queue is one query that the home counts and the queue's own list pages, so the
number on the home and the rows behind its link never disagree, whatever the cohort's size.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, Subquery, and_, case, func, or_, select, tuple_, union_all

from app.content.model import ActivityType, Catalog
from app.domain.certificates import CertificateState
from app.domain.certification import CertificationRules, Evidence, closest_to_met, eligibility
from app.domain.consultation import AttendanceSummary, SessionStatus
from app.domain.paging import Page, PageRequest, page_in_python
from app.domain.quizzes import AttemptStatus
from app.domain.roles import Role
from app.extensions import content, db
from app.models.certification import Certificate, CompetencySignoff, not_renewed
from app.models.consultation import ConsultationGroup, ConsultationSession
from app.models.lti import Platform
from app.models.people import Enrolment, Person
from app.models.quizzes import ExtraAttempt, QuizAttempt
from app.models.tenancy import Cohort, Organisation
from app.models.training import ActivityResponse, ModuleCompletion, ReflectionConsent
from app.services import fidelity
from app.services.consultation import group_standings
from app.services.listing import Orders, ordered, paged
from app.services.policies import policy_of, rules_of
from app.services.signoffs import as_record

# What counts as "new" where nothing records when a trainer last looked: the last week.
RECENT = timedelta(days=7)
SHARED_KINDS = (ActivityType.REFLECTION, ActivityType.ROLE_PLAY)
QUEUE_SORTS: dict[str, tuple[str, ...]] = {
    "behind": ("name", "last"),
    "ready": ("name",),
    "reflections": ("name", "latest"),
}


@dataclass(frozen=True)
class TrainerQueues:
    """How many practitioners wait on the trainer in each queue (reflections: how many texts)."""

    behind: int
    ready: int
    reflections: int


@dataclass(frozen=True)
class DirectorQueues:
    awaiting_approval: int
    expiring: int
    reminder_days: int
    fidelity_due: int
    connection_problems: int


@dataclass(frozen=True)
class QueueRow:
    """One practitioner in a queue, with what puts them there."""

    person: Person
    last_progress: datetime | None = None
    used_up: int = 0
    first_used_up: str | None = None
    reflections: int = 0
    latest: datetime | None = None


def _in_cohort(cohort: Cohort) -> Any:
    """Whether a person is an active practitioner of the cohort (people who left are no work)."""
    return select(Enrolment.person_id).where(
        Enrolment.cohort_id == cohort.id,
        Enrolment.role == Role.PRACTITIONER,
        Enrolment.active.is_(True),
    )


def _modules_done(catalog: Catalog, organisation_id: int) -> Subquery:
    return (
        select(ModuleCompletion.person_id, func.count().label("modules"))
        .where(
            ModuleCompletion.organisation_id == organisation_id,
            ModuleCompletion.module_id.in_(list(catalog.modules)),
        )
        .group_by(ModuleCompletion.person_id)
        .subquery()
    )


def _quizzes_passed(organisation_id: int) -> Subquery:
    return (
        select(
            QuizAttempt.person_id,
            func.count(func.distinct(QuizAttempt.quiz_id)).label("quizzes"),
        )
        .where(
            QuizAttempt.organisation_id == organisation_id,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
            QuizAttempt.passed.is_(True),
            QuizAttempt.quiz_id.in_(list(content().quizzes)),
        )
        .group_by(QuizAttempt.person_id)
        .subquery()
    )


def _finished(organisation_id: int) -> tuple[Any, list[Subquery]]:
    """Training complete and every quiz passed, and the subqueries the condition joins."""
    done, passed = (
        _modules_done(content().catalog, organisation_id),
        _quizzes_passed(organisation_id),
    )
    condition = and_(
        func.coalesce(done.c.modules, 0) >= len(content().catalog.modules),
        func.coalesce(passed.c.quizzes, 0) >= len(content().quizzes),
    )
    return condition, [done, passed]


def _last_progress(organisation_id: int) -> Subquery:
    """Each practitioner's latest module completed, practice saved or quiz submitted."""
    moments = union_all(
        select(ModuleCompletion.person_id, ModuleCompletion.completed_at.label("at")).where(
            ModuleCompletion.organisation_id == organisation_id
        ),
        select(ActivityResponse.person_id, ActivityResponse.updated_at.label("at")).where(
            ActivityResponse.organisation_id == organisation_id
        ),
        select(QuizAttempt.person_id, QuizAttempt.submitted_at.label("at")).where(
            QuizAttempt.organisation_id == organisation_id, QuizAttempt.submitted_at.is_not(None)
        ),
    ).subquery()
    return (
        select(moments.c.person_id, func.max(moments.c.at).label("at"))
        .group_by(moments.c.person_id)
        .subquery()
    )


def _used_up(organisation_id: int) -> Subquery:
    """Per practitioner, the quizzes failed on every attempt allowed (extra attempts included)."""
    banks = content().quizzes
    tries = (
        select(
            QuizAttempt.person_id,
            QuizAttempt.quiz_id,
            func.count().label("used"),
            func.max(case((QuizAttempt.passed.is_(True), 1), else_=0)).label("passed"),
        )
        .where(
            QuizAttempt.organisation_id == organisation_id,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
            QuizAttempt.quiz_id.in_(list(banks)),
        )
        .group_by(QuizAttempt.person_id, QuizAttempt.quiz_id)
        .subquery()
    )
    extra = (
        select(ExtraAttempt.person_id, ExtraAttempt.quiz_id, func.count().label("extra"))
        .where(ExtraAttempt.organisation_id == organisation_id)
        .group_by(ExtraAttempt.person_id, ExtraAttempt.quiz_id)
        .subquery()
    )
    allowed = case({q: bank.attempts_allowed for q, bank in banks.items()}, value=tries.c.quiz_id)
    return (
        select(
            tries.c.person_id,
            func.count().label("quizzes"),
            func.min(tries.c.quiz_id).label("first"),
        )
        .outerjoin(
            extra, and_(extra.c.person_id == tries.c.person_id, extra.c.quiz_id == tries.c.quiz_id)
        )
        .where(tries.c.passed == 0, tries.c.used >= allowed + func.coalesce(extra.c.extra, 0))
        .group_by(tries.c.person_id)
        .subquery()
    )


def _behind(cohort: Cohort, now: datetime, days: int) -> tuple[Select[Any], Orders]:
    """Practitioners with no progress in `days` days while training or quizzes remain, or with a
    quiz's attempts used up. Someone who never started counts from when they first launched."""
    organisation_id = cohort.organisation_id
    last, stuck = _last_progress(organisation_id), _used_up(organisation_id)
    finished, joined = _finished(organisation_id)
    last_at = func.coalesce(last.c.at, Person.created_at)
    query = select(Person, last_at, stuck.c.quizzes, stuck.c.first).where(
        Person.id.in_(_in_cohort(cohort)),
        or_(and_(~finished, last_at < now - timedelta(days=days)), stuck.c.quizzes > 0),
    )
    for sub in (last, stuck, *joined):
        query = query.outerjoin(sub, sub.c.person_id == Person.id)
    return query, {"name": [Person.name, Person.id], "last": [last_at, Person.id]}


def _shared_reflections(cohort: Cohort, now: datetime) -> tuple[Select[Any], Orders]:
    """Practitioners who share their reflections and saved one in the last week, with how many."""
    pairs = [
        (module.id, activity.id)
        for module in content().catalog.ordered_modules
        for activity in module.activities
        if activity.type in SHARED_KINDS
    ]
    count: Any = func.count(ActivityResponse.id).label("reflections")
    latest: Any = func.max(ActivityResponse.updated_at).label("latest")
    query = (
        select(Person, count, latest)
        .join(ActivityResponse, ActivityResponse.person_id == Person.id)
        .join(
            ReflectionConsent,
            and_(
                ReflectionConsent.person_id == Person.id,
                ReflectionConsent.organisation_id == cohort.organisation_id,
            ),
        )
        .where(
            Person.id.in_(_in_cohort(cohort)),
            ReflectionConsent.shares_with_trainers.is_(True),
            ActivityResponse.organisation_id == cohort.organisation_id,
            ActivityResponse.updated_at >= now - RECENT,
            func.coalesce(ActivityResponse.text, "") != "",
            tuple_(ActivityResponse.module_id, ActivityResponse.activity_id).in_(pairs),
        )
        .group_by(Person.id)
    )
    orders: Orders = {"name": [Person.name, Person.id], "latest": [latest, Person.id]}
    return query, orders


def _best_attendance(
    cohort: Cohort, now: datetime, rules: CertificationRules
) -> dict[int, AttendanceSummary]:
    """Each member's standing that counts over the cohort's groups, chosen as evidence
    chooses it (the one closest to meeting the requirement)."""
    summaries: dict[int, list[AttendanceSummary]] = defaultdict(list)
    groups = db.session.scalars(select(ConsultationGroup).filter_by(cohort_id=cohort.id))
    for group in groups:
        for standing in group_standings(group, now):
            summaries[standing.person.id].append(standing.summary)
    return {
        person_id: best
        for person_id, found in summaries.items()
        if (best := closest_to_met(found, rules))
    }


def _awaits_signoff(
    summary: AttendanceSummary | None, signoffs: list[CompetencySignoff], rules: CertificationRules
) -> bool:
    """Consultation met and the sign-off requirement not yet: the trainer's sign-off is next."""
    evidence = Evidence(
        days_incomplete=(),
        quizzes_not_passed=(),
        consultation_credited=summary.credited if summary else None,
        consultation_counted=summary.counted if summary else None,
        signoffs=tuple(as_record(s) for s in signoffs),
    )
    met = {r.key: r.met for r in eligibility(evidence, rules).requirements}
    return met["consultation"] and not met.get("signoff", True)


def _ready(cohort: Cohort, now: datetime) -> list[Person]:
    """Practitioners whose training, quizzes and consultation are done and who wait for a sign-off.

    Training and quizzes are counted in SQL; consultation and sign-offs go through the same
    eligibility rules as certification, over every candidate at once.
    """
    finished, joined = _finished(cohort.organisation_id)
    query = select(Person).where(Person.id.in_(_in_cohort(cohort)), finished)
    for sub in joined:
        query = query.outerjoin(sub, sub.c.person_id == Person.id)
    candidates = list(db.session.scalars(query.order_by(Person.name, Person.id)))
    rules = rules_of(policy_of(cohort.organisation_id))
    attendance = _best_attendance(cohort, now, rules)
    signoffs: dict[int, list[CompetencySignoff]] = defaultdict(list)
    for signoff in db.session.scalars(
        select(CompetencySignoff)
        .where(
            CompetencySignoff.organisation_id == cohort.organisation_id,
            CompetencySignoff.person_id.in_([p.id for p in candidates]),
        )
        .order_by(CompetencySignoff.id)
    ):
        signoffs[signoff.person_id].append(signoff)
    return [p for p in candidates if _awaits_signoff(attendance.get(p.id), signoffs[p.id], rules)]


def _count(query: Select[Any]) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def trainer_queues(cohort: Cohort, now: datetime, behind_days: int) -> TrainerQueues:
    """The counts on the trainer's home, in the same statements for 3 practitioners or 3,000."""
    behind, _ = _behind(cohort, now, behind_days)
    shared, _ = _shared_reflections(cohort, now)
    texts = db.session.scalar(select(func.coalesce(func.sum(shared.subquery().c.reflections), 0)))
    return TrainerQueues(_count(behind), len(_ready(cohort, now)), int(texts or 0))


def trainer_queue_page(
    kind: str, cohort: Cohort, now: datetime, behind_days: int, request: PageRequest
) -> tuple[Page, list[QueueRow]]:
    """One page of a trainer's queue: `behind`, `ready` or `reflections`."""
    if kind == "ready":
        keys = {"name": lambda p: (p.name.casefold(), p.id)}
        page, people = page_in_python(_ready(cohort, now), request, keys)
        return page, [QueueRow(p) for p in people]
    if kind == "behind":
        query, orders = _behind(cohort, now, behind_days)
        page, rows = paged(ordered(query, request, orders), request)
        return page, [
            QueueRow(p, at, used or 0, first) for p, at, used, first in db.session.execute(rows)
        ]
    query, orders = _shared_reflections(cohort, now)
    page, rows = paged(ordered(query, request, orders), request)
    return page, [QueueRow(p, reflections=n, latest=at) for p, n, at in db.session.execute(rows)]


def _connection_problems(organisation_id: int, now: datetime) -> int:
    """Launch problems recorded in the last week on the organisation or its LMS connection."""
    since = now - RECENT
    held = db.session.execute(
        select(Organisation.last_problem_at, Platform.last_problem_at)
        .outerjoin(Platform, Platform.id == Organisation.platform_id)
        .where(Organisation.id == organisation_id)
    ).one()
    return sum(1 for at in held if at is not None and _aware(at) >= since)


def _aware(moment: datetime) -> datetime:
    """Stored times are UTC; SQLite hands them back without their zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def director_queues(organisation_id: int, now: datetime, today: date) -> DirectorQueues:
    """The counts on the director's home, in the same statements however large the organisation."""
    window = rules_of(policy_of(organisation_id)).expiring_within_days
    states = db.session.execute(
        select(
            func.count().filter(Certificate.state == CertificateState.AWAITING_APPROVAL),
            func.count().filter(
                Certificate.state == CertificateState.ISSUED,
                Certificate.expires_on >= today,
                Certificate.expires_on <= today + timedelta(days=window),
                not_renewed(),
            ),
        ).where(Certificate.organisation_id == organisation_id)
    ).one()
    due = [
        row
        for row in fidelity.standings(organisation_id, content().fidelity_scale, today)
        if row.status != "scheduled"
    ]
    return DirectorQueues(
        awaiting_approval=states[0],
        expiring=states[1],
        reminder_days=window,
        fidelity_due=len(due),
        connection_problems=_connection_problems(organisation_id, now),
    )


def next_session(groups: Sequence[ConsultationGroup], now: datetime) -> ConsultationSession | None:
    """The next consultation session of these groups (a practitioner's own), not cancelled.

    The groups come already checked (`groups_of` keeps to the practitioner's organisation), so
    a practitioner in no group yet, as everyone is at first, costs no statement at all; each
    session's group is then already in the session's identity map.
    """
    if not groups:
        return None
    query = (
        select(ConsultationSession)
        .where(
            ConsultationSession.group_id.in_([group.id for group in groups]),
            ConsultationSession.status != SessionStatus.CANCELLED,
            ConsultationSession.starts_at > now,
        )
        .order_by(ConsultationSession.starts_at)
        .limit(1)
    )
    return db.session.scalars(query).first()
