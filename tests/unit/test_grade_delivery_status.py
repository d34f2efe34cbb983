"""The states of a grade's delivery to the LMS, and the moves each allows."""

from __future__ import annotations

import pytest

from app.domain.grades import DeliveryRefused, DeliveryStatus

PENDING, DELIVERED, FAILED = DeliveryStatus


def test_a_claimed_try_ends_delivered_or_failed_and_a_failed_one_is_claimed_again():
    assert PENDING.delivered() is DELIVERED
    assert PENDING.failed() is FAILED
    assert FAILED.claimed() is PENDING
    assert PENDING.claimed() is PENDING  # an expired claim is taken over


@pytest.mark.parametrize(
    "move", [DeliveryStatus.claimed, DeliveryStatus.delivered, DeliveryStatus.failed]
)
def test_nothing_moves_a_delivered_grade(move):
    with pytest.raises(DeliveryRefused):
        move(DELIVERED)


def test_an_outcome_needs_a_claim_first():
    with pytest.raises(DeliveryRefused, match="being sent"):
        FAILED.delivered()
    with pytest.raises(DeliveryRefused):
        FAILED.failed()


def test_the_stored_values_stay_as_they_were():
    assert [s.value for s in DeliveryStatus] == ["pending", "delivered", "failed"]
