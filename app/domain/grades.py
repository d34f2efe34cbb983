"""Delivering a quiz grade to the LMS gradebook: the states a delivery passes through.

A delivery is stored PENDING with the submission, claimed (still PENDING, a try begun) by one
sender at a time, and ends each try DELIVERED or FAILED; a FAILED one is claimed again by the
next retry. Once DELIVERED nothing changes it: the gradebook has the grade.
"""

from __future__ import annotations

from enum import StrEnum


class DeliveryRefused(ValueError):
    """A delivery was asked to move in a way its state does not allow."""


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"

    def claimed(self) -> DeliveryStatus:
        """A sender takes the delivery for a try: only one not yet delivered. (The claim itself
        is one conditional UPDATE in services.grades, so that two senders cannot both win.)"""
        self._refuse_if_delivered("claimed")
        return DeliveryStatus.PENDING

    def delivered(self) -> DeliveryStatus:
        """The LMS took the grade during a claimed try."""
        self._refuse_unless_claimed("delivered")
        return DeliveryStatus.DELIVERED

    def failed(self) -> DeliveryStatus:
        """The LMS did not take the grade this try; a retry claims it again."""
        self._refuse_unless_claimed("failed")
        return DeliveryStatus.FAILED

    def _refuse_if_delivered(self, change: str) -> None:
        if self is DeliveryStatus.DELIVERED:
            raise DeliveryRefused(f"A delivered grade cannot be {change} again.")

    def _refuse_unless_claimed(self, outcome: str) -> None:
        if self is not DeliveryStatus.PENDING:
            raise DeliveryRefused(
                f"Only a delivery being sent can be {outcome}; this one is {self}."
            )
