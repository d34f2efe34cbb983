"""The moves a consultation session and an apology may make, and the ones refused in words."""

from __future__ import annotations

import pytest

from app.domain.consultation import ApologyDecision, ConsultationRefused, SessionStatus


def test_an_upcoming_session_can_be_cancelled_once():
    assert SessionStatus.SCHEDULED.cancelled(held=False) is SessionStatus.CANCELLED
    with pytest.raises(ConsultationRefused, match="already cancelled"):
        SessionStatus.CANCELLED.cancelled(held=False)


def test_a_held_session_cannot_be_cancelled():
    with pytest.raises(ConsultationRefused, match="take its attendance instead"):
        SessionStatus.SCHEDULED.cancelled(held=True)


@pytest.mark.parametrize(
    ("accept", "decision"), [(True, ApologyDecision.ACCEPTED), (False, ApologyDecision.DECLINED)]
)
def test_a_pending_apology_is_decided_once(accept: bool, decision: ApologyDecision):
    assert ApologyDecision.PENDING.decided(accept) is decision
    with pytest.raises(ConsultationRefused, match=f"already {decision.value}"):
        decision.decided(not accept)
