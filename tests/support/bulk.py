"""An organisation grown to a chosen size with fast bulk inserts: practitioners and their records.

Every list page reads something here (roster, completions, attempts, certificates, attendance,
audit entries, programs with draft reviews), so growing it shows whether a page's statements
grow with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from flask import Flask
from sqlalchemy import insert, select

from app.domain.consultation import Mark
from app.domain.quizzes import Draw
from app.domain.roles import Role
from app.extensions import db
from app.models.certification import AuditEntry, Certificate
from app.models.consultation import AttendanceMark, ConsultationGroup, GroupMember
from app.models.fidelity import FidelityReview
from app.models.people import Enrolment, Person
from app.models.quizzes import QuizAttempt
from app.models.tenancy import Cohort, Program
from app.models.training import ModuleCompletion
from app.services.quizzes import start_or_resume, submit
from tests.support.content import content_of
from tests.support.journey import weekly_group
from tests.support.quizzes import FormData, form_for


def _group(cohort: Cohort) -> ConsultationGroup:
    found = db.session.scalar(select(ConsultationGroup).filter_by(cohort_id=cohort.id))
    return found or weekly_group(cohort, weeks_ago=3, sessions=12)


def _template_attempts(app: Flask, person_id: int, cohort: Cohort) -> list[QuizAttempt]:
    """One real submitted attempt per quiz, copied for everyone else (same draw and answers)."""
    made = []
    for bank in content_of(app).quizzes.values():
        attempt = start_or_resume(bank, person_id, cohort.organisation_id, cohort.id)
        submit(attempt.id, bank, Draw.of(attempt.draw).read(FormData(form_for(attempt))))
        made.append(db.session.get_one(QuizAttempt, attempt.id))
    return made


def _people(platform_id: int, cohort: Cohort, count: int, start: int) -> list[int]:
    subjects = [f"bulk-{start + i}" for i in range(count)]
    db.session.execute(
        insert(Person),
        [
            {"platform_id": platform_id, "subject": s, "name": f"Practitioner {start + i:05d}"}
            for i, s in enumerate(subjects)
        ],
    )
    ids = list(db.session.scalars(select(Person.id).where(Person.subject.in_(subjects))))
    db.session.execute(
        insert(Enrolment),
        [{"person_id": i, "cohort_id": cohort.id, "role": Role.PRACTITIONER} for i in ids],
    )
    return ids


def _records(app: Flask, ids: list[int], cohort: Cohort, trainer_id: int) -> None:
    organisation_id = cohort.organisation_id
    module = content_of(app).catalog.ordered_modules[0]
    db.session.execute(
        insert(ModuleCompletion),
        [
            {"person_id": i, "organisation_id": organisation_id, "module_id": module.id}
            | {"content_version": module.version}
            for i in ids
        ],
    )
    db.session.execute(
        insert(AuditEntry),
        [
            {"organisation_id": organisation_id, "actor_id": i, "action": "bulk"}
            | {"subject": f"person {i}"}
            for i in ids
        ],
    )
    group = _group(cohort)
    db.session.execute(insert(GroupMember), [{"group_id": group.id, "person_id": i} for i in ids])
    held = group.sessions[0]
    db.session.execute(
        insert(AttendanceMark),
        [
            {"session_id": held.id, "person_id": i, "mark": Mark.PRESENT}
            | {"recorded_by_id": trainer_id}
            for i in ids
        ],
    )


def _certificates(ids: list[int], cohort: Cohort) -> None:
    today = date.today()
    db.session.execute(
        insert(Certificate),
        [
            {
                "code": f"IMR-BULK-{i}",
                "organisation_id": cohort.organisation_id,
                "person_id": i,
                "holder_name": f"Holder {i}",
                "organisation_name": "Riverside Mental Health",
                "credential": "IMR Practitioner",
                "issued_on": today - timedelta(days=n),
                "expires_on": today + timedelta(days=30 * (n % 30) - 100),
                "training_hours": Decimal("30.00"),
                "consultation_hours": Decimal("12.00"),
                "evidence": {},
                "signatory_name": "Director",
                "signatory_title": "Program Director",
                "pdf_sha256": "0" * 64,
            }
            for n, i in enumerate(ids)
            if n % 3 == 0
        ],
    )


def _attempts(templates: list[QuizAttempt], ids: list[int]) -> None:
    columns = {c.key for c in QuizAttempt.__table__.columns} - {"id", "person_id"}
    for template in templates:
        copied = {key: getattr(template, key) for key in columns}
        others = [i for i in ids if i != template.person_id]
        db.session.execute(insert(QuizAttempt), [copied | {"person_id": i} for i in others])


def _programs(cohort: Cohort, count: int, start: int, director_id: int) -> None:
    names = [f"Program {start + n:05d}" for n in range(0, count, 3)]
    db.session.execute(
        insert(Program), [{"organisation_id": cohort.organisation_id, "name": n} for n in names]
    )
    programs = db.session.scalars(select(Program.id).where(Program.name.in_(names)))
    db.session.execute(
        insert(FidelityReview),
        [
            {"organisation_id": cohort.organisation_id, "program_id": p, "reviewers": ""}
            | {"reviewed_on": date.today(), "sources": [], "ratings": {}, "evidence": {}}
            | {"created_by_id": director_id}
            for p in programs
        ],
    )


def grow(app: Flask, count: int, start: int, trainer: str, director: str) -> None:
    """Add `count` practitioners, each with records on every list page, to the only cohort."""
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        staff = {p.subject: p for p in db.session.scalars(select(Person))}
        ids = _people(staff[trainer].platform_id, cohort, count, start)
        first = db.session.scalar(select(QuizAttempt.person_id).limit(1))
        templates = (
            list(db.session.scalars(select(QuizAttempt).filter_by(person_id=first)))
            if first
            else _template_attempts(app, ids[0], cohort)
        )
        _records(app, ids, cohort, staff[trainer].id)
        _certificates(ids, cohort)
        _attempts(templates, ids)
        _programs(cohort, count, start, staff[director].id)
        db.session.commit()


def add_practitioners(app: Flask, count: int, platform_of: str) -> None:
    """Only the roster: `count` practitioners in the only cohort, on the platform of a subject."""
    with app.app_context():
        cohort = db.session.scalars(select(Cohort)).one()
        platform_id = db.session.scalars(select(Person.platform_id).filter_by(subject=platform_of))
        _people(platform_id.one(), cohort, count, 0)
        db.session.commit()
