"""The machine's Redis for tests that need it, and waiting on a condition instead of a clock."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

import pytest
import redis

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def require_redis() -> None:
    """Skip with the reason where there is no Redis, except under CI, where it must be there."""
    if redis_available():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}")
    pytest.skip(f"no Redis at {REDIS_URL}")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    """Return as soon as the condition holds; fail naming it if it has not within the timeout.

    Polling a condition with a deadline is waiting on the condition: how long the machine takes
    to get there never changes the outcome, only how soon the test finishes.
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {timeout:.0f} s waiting until {what}")
        time.sleep(0.02)
