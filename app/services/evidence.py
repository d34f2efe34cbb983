"""A practitioner's evidence for certification, read once per decision and passed on.

Eligibility, the certificate's evidence snapshot and the checklist pages all read the same
`Gathered` record, so one issuing decision reads the training, quizzes, consultation and
sign-offs once, whichever of them it then needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.domain.certification import (
    CertificationRules,
    Eligibility,
    Evidence,
    closest_to_met,
    counted_signoffs,
    eligibility,
)
from app.domain.quizzes import AttemptStatus
from app.domain.training import TrainingProgress
from app.extensions import content, db
from app.models.certification import CertificationPolicy, CompetencySignoff
from app.models.consultation import ConsultationGroup
from app.models.quizzes import QuizAttempt
from app.models.tenancy import Cohort
from app.services.consultation import group_standings, groups_of
from app.services.policies import policy_of, rules_of
from app.services.signoffs import as_record, signoffs_of
from app.services.training import progress_of


@dataclass(frozen=True)
class Gathered:
    """Everything certification looks at for one practitioner of one cohort."""

    person_id: int
    cohort: Cohort
    policy: CertificationPolicy
    progress: TrainingProgress
    passed: tuple[QuizAttempt, ...]
    groups: tuple[ConsultationGroup, ...]
    consultation: tuple[int, int] | None  # credited and counted sessions of the best group
    signoffs: tuple[CompetencySignoff, ...]

    @property
    def rules(self) -> CertificationRules:
        return rules_of(self.policy)

    def evidence(self) -> Evidence:
        banks = content().quizzes
        passed = {attempt.quiz_id for attempt in self.passed}
        credited, counted = self.consultation or (None, None)
        return Evidence(
            days_incomplete=tuple(d.number for d in self.progress.days if not d.complete),
            quizzes_not_passed=tuple(quiz for quiz in banks if quiz not in passed),
            consultation_credited=credited,
            consultation_counted=counted,
            signoffs=tuple(as_record(signoff) for signoff in self.signoffs),
            quiz_titles={quiz: bank.title for quiz, bank in banks.items()},
        )

    def eligibility(self) -> Eligibility:
        return eligibility(self.evidence(), self.rules)

    def snapshot(self) -> dict[str, Any]:
        """What a certificate keeps of its evidence, for verification to show later."""
        banks = content().quizzes
        quizzes: dict[str, Any] = {}
        for attempt in self.passed:
            title = banks[attempt.quiz_id].title if attempt.quiz_id in banks else attempt.quiz_id
            quizzes.setdefault(
                title,
                {
                    "passed_on": (attempt.submitted_at or attempt.started_at).date().isoformat(),
                    "percent": float(attempt.percent or 0),
                },
            )
        evidence = self.evidence()
        counted = counted_signoffs(evidence, self.rules)
        return {
            "training_completed": [d.number for d in self.progress.days if d.complete],
            "quizzes_passed": quizzes,
            "consultation_sessions": evidence.consultation_credited or 0,
            "consultation_rate": round(float(evidence.consultation_rate), 1),
            "signoffs": [
                {
                    "observed_on": record.observed_on.isoformat(),
                    "observed": record.observed,
                    "mean": float(record.result.mean),
                    "band": record.result.band,
                }
                for record in counted
            ],
        }


def _passed_attempts(person_id: int, organisation_id: int) -> tuple[QuizAttempt, ...]:
    query = (
        select(QuizAttempt)
        .where(
            QuizAttempt.person_id == person_id,
            QuizAttempt.organisation_id == organisation_id,
            QuizAttempt.status == AttemptStatus.SUBMITTED,
            QuizAttempt.passed.is_(True),
        )
        .order_by(QuizAttempt.submitted_at)
    )
    return tuple(db.session.scalars(query))


def _consultation(
    person_id: int, groups: tuple[ConsultationGroup, ...], rules: CertificationRules
) -> tuple[int, int] | None:
    """The standing that counts among the person's groups in this organisation (the one
    closest to meeting the requirement): only its evidence counts."""
    standings = (
        next(s.summary for s in group_standings(group) if s.person.id == person_id)
        for group in groups
    )
    best = closest_to_met(standings, rules)
    return (best.credited, best.counted) if best else None


def gather(person_id: int, cohort: Cohort) -> Gathered:
    """Read a practitioner's evidence once."""
    organisation_id = cohort.organisation_id
    groups = tuple(groups_of(person_id, organisation_id))
    policy = policy_of(organisation_id)
    return Gathered(
        person_id=person_id,
        cohort=cohort,
        policy=policy,
        progress=progress_of(content().catalog, person_id, cohort),
        passed=_passed_attempts(person_id, organisation_id),
        groups=groups,
        consultation=_consultation(person_id, groups, rules_of(policy)),
        signoffs=tuple(signoffs_of(person_id, organisation_id)),
    )
