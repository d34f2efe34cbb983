"""The hours ledger: training-module minutes, passed quizzes, and consultation attended.

One ledger feeds the certificate and the per-practitioner export, computed in three queries for
a whole organisation (or one person).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select

from app.content.model import Catalog
from app.domain.consultation import Mark, SessionStatus
from app.domain.quizzes import AttemptStatus, QuizBank
from app.extensions import db
from app.models.consultation import (
    AttendanceMark,
    ConsultationGroup,
    ConsultationSession,
)
from app.models.quizzes import QuizAttempt
from app.models.tenancy import Cohort
from app.models.training import ModuleCompletion


@dataclass(frozen=True)
class Ledger:
    training_minutes: int = 0
    quiz_minutes: int = 0
    consultation_minutes: int = 0

    @property
    def training_hours(self) -> Fraction:
        """Training modules completed plus the time allowed for each quiz passed."""
        return Fraction(self.training_minutes + self.quiz_minutes, 60)

    @property
    def consultation_hours(self) -> Fraction:
        return Fraction(self.consultation_minutes, 60)


def ledgers(
    catalog: Catalog,
    banks: Mapping[str, QuizBank],
    organisation_id: int,
    person_id: int | None = None,
) -> dict[int, Ledger]:
    """Every practitioner's ledger in the organisation (or just one person's)."""
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    completions = select(ModuleCompletion.person_id, ModuleCompletion.module_id).where(
        ModuleCompletion.organisation_id == organisation_id
    )
    passes = (
        select(QuizAttempt.person_id, QuizAttempt.quiz_id)
        .distinct()
        .where(
            QuizAttempt.organisation_id == organisation_id,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
            QuizAttempt.passed.is_(True),
        )
    )
    attended = (
        select(AttendanceMark.person_id, ConsultationSession.duration_minutes)
        .join(ConsultationSession, ConsultationSession.id == AttendanceMark.session_id)
        .join(ConsultationGroup)
        .join(Cohort)
        .where(
            Cohort.organisation_id == organisation_id,
            ConsultationSession.status != SessionStatus.CANCELLED,
            AttendanceMark.mark.in_([Mark.PRESENT, Mark.LATE]),
        )
    )
    if person_id is not None:
        completions = completions.where(ModuleCompletion.person_id == person_id)
        passes = passes.where(QuizAttempt.person_id == person_id)
        attended = attended.where(AttendanceMark.person_id == person_id)
    for pid, module_id in db.session.execute(completions):
        module = catalog.module(module_id)
        totals[pid][0] += module.minutes if module else 0
    for pid, quiz_id in db.session.execute(passes):
        bank = banks.get(quiz_id)
        totals[pid][1] += (bank.time_limit_minutes or 0) if bank else 0
    for pid, minutes in db.session.execute(attended):
        totals[pid][2] += minutes
    return {pid: Ledger(*values) for pid, values in totals.items()}
