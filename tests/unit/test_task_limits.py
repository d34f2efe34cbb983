"""How long a task may run, and how long the broker lets a worker hold one: no task runs twice."""

from __future__ import annotations

import pytest

from app.tasks import LONGEST_RETRY_COUNTDOWN_SECONDS, time_limits
from config import load_settings


@pytest.mark.parametrize("limit", ["60", "1800", "86400"])
def test_a_stuck_task_is_interrupted_before_its_process_is_replaced(limit):
    limits = time_limits(load_settings({"IMR_PROFILE": "test", "TASK_TIME_LIMIT_SECONDS": limit}))
    assert 0 < limits["task_soft_time_limit"] < limits["task_time_limit"] == int(limit)


@pytest.mark.parametrize("limit", ["60", "1800", "86400"])
def test_a_retry_waiting_its_longest_countdown_is_not_handed_to_a_second_worker(limit):
    """Redis hands a task it has not heard back about to another worker after the visibility
    timeout (an hour unless told): a grade retried with an hour's countdown, then running to
    its limit, was handed out again while the first worker still held it."""
    limits = time_limits(load_settings({"IMR_PROFILE": "test", "TASK_TIME_LIMIT_SECONDS": limit}))
    held_at_most = LONGEST_RETRY_COUNTDOWN_SECONDS + limits["task_time_limit"]
    assert limits["broker_transport_options"]["visibility_timeout"] > held_at_most
