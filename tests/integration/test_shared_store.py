"""The shared store that carries launch state between workers: database and Redis alike."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator

import pytest
import redis
from flask import Flask

from app.extensions import db
from app.shared_store import DatabaseStore, RedisStore, SharedStore

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest, app: Flask) -> Iterator[SharedStore]:
    if request.param == "database":
        with app.app_context():
            yield DatabaseStore(db.engine)
        return
    if not _redis_available():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI but not reachable at {REDIS_URL}")
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield RedisStore(REDIS_URL, prefix=f"test-{uuid.uuid4()}:")


def test_values_round_trip_as_json(store: SharedStore):
    store.set("launch-1", {"sub": "u1", "roles": ["Learner"]}, 60)
    assert store.get("launch-1") == {"sub": "u1", "roles": ["Learner"]}
    store.set("launch-1", {"sub": "u2"}, 60)
    assert store.get("launch-1") == {"sub": "u2"}


def test_values_expire(store: SharedStore):
    store.set("short", True, 1)
    time.sleep(1.1)
    assert store.get("short") is None
    assert store.take("short") is None


def test_take_gives_a_value_to_one_caller_only(store: SharedStore):
    store.set("nonce-abc", True, 60)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(store.take("nonce-abc"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(True) == 1
    assert results.count(None) == 7


def test_increment_is_atomic_under_concurrency(store: SharedStore):
    counts: list[int] = []
    threads = [
        threading.Thread(target=lambda: counts.append(store.increment("verify-rate-a", 60)))
        for _ in range(12)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == list(range(1, 13))  # every request got its own count
    assert store.increment("verify-rate-b", 60) == 1


def test_delete_and_purge(store: SharedStore):
    store.set("gone", 1, 60)
    store.delete("gone")
    assert store.get("gone") is None
    store.set("stale", 1, 1)
    time.sleep(1.1)
    store.purge_expired()
    assert store.get("stale") is None


def test_periodic_purge_runs_from_the_cli(app: Flask, runner):
    with app.app_context():
        DatabaseStore(db.engine).set("stale", 1, 1)
    time.sleep(1.1)
    result = runner.invoke(args=["tasks", "run-periodic"])
    assert result.exit_code == 0
    assert "purge-expired-launch-state: 1" in result.output
