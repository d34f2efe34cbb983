"""`flask --app wsgi demo seed`: the living demo, seeded once through the services."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.demo_lms.demo import COURSE, PERSONAS
from app.domain.consultation import Mark
from app.domain.roles import Role
from app.extensions import content, db
from app.models.base import Base, utc_now
from app.models.certification import Certificate
from app.models.consultation import AttendanceMark, ConsultationGroup, ConsultationSession
from app.models.fidelity import FidelityReview
from app.models.people import Enrolment, Person
from app.models.quizzes import QuizAttempt
from app.models.tenancy import Cohort
from app.models.training import ModuleCompletion
from app.services.policies import policy_of, rules_of


def _count(model: object, *where: object) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _row_counts() -> dict[str, int]:
    return {table.name: _count(table) for table in Base.metadata.sorted_tables}


def _alex() -> Person:
    sub = PERSONAS["practitioner"][0].sub
    return db.session.scalars(select(Person).filter_by(subject=sub)).one()


def test_seed_fills_the_demo_course_once(app, runner):
    first = runner.invoke(args=["demo", "seed"])
    assert first.exit_code == 0, first.output
    assert "Seeded the demo organisation" in first.output
    with app.app_context():
        cohort = db.session.scalars(select(Cohort).filter_by(context_id=COURSE.id)).one()
        practitioners = _count(
            Enrolment, Enrolment.cohort_id == cohort.id, Enrolment.role == Role.PRACTITIONER
        )
        assert practitioners == 40
        now = utc_now()
        held = ConsultationSession.starts_at <= now
        assert (
            _count(ConsultationSession, held, ConsultationSession.attendance_taken_at.is_not(None))
            == 26
        )
        untaken = _count(
            ConsultationSession,
            held,
            ConsultationSession.attendance_taken_at.is_(None),
            ConsultationSession.status != "cancelled",
        )
        assert untaken == 1  # last week's session: the trainer's work to do
        assert _count(AttendanceMark, AttendanceMark.mark == Mark.EXCUSED) == 2
        assert _count(ConsultationGroup) == 2

        certificates = list(db.session.scalars(select(Certificate)))
        revoked = [c for c in certificates if c.revoked_at is not None]
        assert len(certificates) == 10
        assert len(revoked) == 1
        assert revoked[0].revoked_reason
        today = now.date()
        window = timedelta(
            days=rules_of(policy_of(revoked[0].organisation_id)).expiring_within_days
        )
        expiring = [
            c
            for c in certificates
            if c.revoked_at is None and today <= c.expires_on <= today + window
        ]
        assert len(expiring) == 1
        months = {c.issued_on.strftime("%Y-%m") for c in certificates}
        assert len(months) >= 8  # the director's chart has a bar most months
        assert all(c.pdf_sha256 for c in certificates)

        reviews = list(db.session.scalars(select(FidelityReview)))
        assert sorted(r.status for r in reviews) == ["draft", "submitted", "submitted"]

        alex = _alex()
        modules = _count(ModuleCompletion, ModuleCompletion.person_id == alex.id)
        assert 0 < modules < len(content().catalog.modules)
        attempts = list(db.session.scalars(select(QuizAttempt).filter_by(person_id=alex.id)))
        assert {a.quiz_id for a in attempts if a.passed} == {"day-1", "day-2"}
        assert any(not a.passed for a in attempts)  # a quiz failed once before it was passed
        assert all(a.started_at < now - timedelta(days=1) for a in attempts)
        counts = _row_counts()

    second = runner.invoke(args=["demo", "seed"])
    assert second.exit_code == 0, second.output
    assert "already seeded" in second.output
    with app.app_context():
        assert _row_counts() == counts
