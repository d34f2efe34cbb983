"""The practitioner's progress tracker: each certification requirement as done of needed.

It reads the same evidence and eligibility certification decides on, so the home's numbers and
the checklist's verdicts cannot disagree; it only adds how far along each requirement is.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.certification import (
    CertificationRules,
    Eligibility,
    Evidence,
    consultation_needed,
    counted_signoffs,
)


@dataclass(frozen=True)
class Step:
    """One requirement on the tracker: how much is done of what it needs, and whether it is met."""

    key: str
    label: str
    done: int
    needed: int
    met: bool
    missing: str

    @property
    def shown(self) -> int:
        """Done, capped at needed, so a bar never runs past its end."""
        return min(self.done, self.needed)


_LABELS = {
    "training": "Training modules",
    "quizzes": "Competency quizzes passed",
    "consultation": "Consultation sessions attended",
    "signoff": "Competency sign-offs passed",
}


def _amounts(
    key: str, evidence: Evidence, rules: CertificationRules, modules: tuple[int, int], quizzes: int
) -> tuple[int, int]:
    """(done, needed) for one requirement."""
    if key == "training":
        return modules
    if key == "quizzes":
        return quizzes - len(evidence.quizzes_not_passed), quizzes
    if key == "consultation":
        return evidence.consultation_credited or 0, consultation_needed(evidence, rules)
    passed = sum(1 for record in counted_signoffs(evidence, rules) if record.result.passed)
    return passed, rules.signoffs_needed


def steps(
    evidence: Evidence,
    rules: CertificationRules,
    result: Eligibility,
    modules: tuple[int, int],
    quizzes: int,
) -> tuple[Step, ...]:
    """Each requirement of `result` with its count: `modules` is (completed, total) and `quizzes`
    the number of quizzes there are."""
    made = []
    for requirement in result.requirements:
        done, needed = _amounts(requirement.key, evidence, rules, modules, quizzes)
        label = _LABELS.get(requirement.key, requirement.label)
        made.append(
            Step(requirement.key, label, done, needed, requirement.met, requirement.missing)
        )
    return tuple(made)
