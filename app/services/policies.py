"""An organisation's certification requirements: read with their defaults, and changed by a director."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.certification import Approval, CertificationRules, SignoffRule
from app.extensions import db
from app.models.certification import CertificationPolicy
from app.services.audit import audit

DEFAULTS = CertificationRules()


def policy_of(organisation_id: int) -> CertificationPolicy:
    """The organisation's policy (the defaults, unsaved, until a director changes them)."""
    found = db.session.get(CertificationPolicy, organisation_id)
    return found or CertificationPolicy(
        organisation_id=organisation_id,
        consultation_sessions=DEFAULTS.consultation_sessions,
        consultation_rate=DEFAULTS.consultation_rate,
        require_signoff=DEFAULTS.require_signoff,
        approval=DEFAULTS.approval.value,
        validity_months=DEFAULTS.validity_months,
        signatory_name="",
        signatory_title="Program Director",
        renewal_sessions=6,
        reminder_days=list(DEFAULTS.reminder_days),
        signoffs_needed=DEFAULTS.signoffs_needed,
        real_session_needed=DEFAULTS.real_session_needed,
        signoff_rule=DEFAULTS.signoff_rule.value,
        timezone="",
        quizzes_wait_for_day=True,
    )


def rules_of(policy: CertificationPolicy) -> CertificationRules:
    """The policy as the eligibility rules read it."""
    return CertificationRules(
        consultation_sessions=policy.consultation_sessions,
        consultation_rate=policy.consultation_rate,
        require_signoff=policy.require_signoff,
        approval=Approval(policy.approval),
        validity_months=policy.validity_months,
        reminder_days=tuple(policy.reminder_days or ()),
        signoffs_needed=policy.signoffs_needed,
        real_session_needed=policy.real_session_needed,
        signoff_rule=SignoffRule(policy.signoff_rule),
    )


@dataclass(frozen=True)
class PolicyChange:
    """What a director set on the requirements form."""

    consultation_sessions: int
    consultation_rate: int
    require_signoff: bool
    approval: str
    validity_months: int
    renewal_sessions: int
    reminder_days: list[int]
    signatory_name: str
    signatory_title: str
    signoffs_needed: int
    real_session_needed: bool
    signoff_rule: str
    timezone: str
    quizzes_wait_for_day: bool


def save_policy(
    organisation_id: int, director_id: int, change: PolicyChange
) -> CertificationPolicy:
    """Keep the new requirements and say so in the audit log (certificates issued keep theirs)."""
    policy = db.session.merge(
        CertificationPolicy(organisation_id=organisation_id, **change.__dict__)
    )
    audit(
        organisation_id,
        director_id,
        "certification policy changed",
        "certification requirements",
        f"{change.consultation_sessions} sessions, {change.consultation_rate}%, "
        + (
            f"{change.signoffs_needed} sign-off(s) ({change.signoff_rule})"
            if change.require_signoff
            else "no sign-off"
        )
        + f", {change.approval} issuing, valid {change.validity_months} months",
    )
    db.session.flush()
    return policy
