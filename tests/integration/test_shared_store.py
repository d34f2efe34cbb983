"""The shared store that carries launch state between workers: database and Redis alike."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from app import shared_store
from app.extensions import db
from app.models.base import utc_now
from app.shared_store import DatabaseStore, RedisStore, SharedStore
from tests.support.services import REDIS_URL, require_redis, wait_until


@pytest.fixture(params=["database", "redis"])
def store(request: pytest.FixtureRequest, app: Flask) -> Iterator[SharedStore]:
    if request.param == "database":
        with app.app_context():
            yield DatabaseStore(db.engine)
        return
    require_redis()
    yield RedisStore(REDIS_URL, prefix=f"test-{uuid.uuid4()}:")


def _let_seconds_pass(store: SharedStore, seconds: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database store reads the clock, so move its clock on; Redis expires keys itself,
    so wait until it has, however long the machine takes."""
    if isinstance(store, DatabaseStore):
        later = utc_now() + timedelta(seconds=seconds)
        monkeypatch.setattr(shared_store, "utc_now", lambda: later)
        return
    probe = f"probe-{uuid.uuid4()}"
    store.set(probe, True, seconds)
    wait_until(lambda: store.get(probe) is None, f"Redis expired a {seconds} s key")


def test_values_round_trip_as_json(store: SharedStore):
    store.set("launch-1", {"sub": "u1", "roles": ["Learner"]}, 60)
    assert store.get("launch-1") == {"sub": "u1", "roles": ["Learner"]}
    store.set("launch-1", {"sub": "u2"}, 60)
    assert store.get("launch-1") == {"sub": "u2"}


def test_values_expire(store: SharedStore, monkeypatch: pytest.MonkeyPatch):
    store.set("short", True, 1)
    store.set("long", True, 600)
    _let_seconds_pass(store, 1, monkeypatch)
    assert store.get("long") is True
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


def test_delete_and_purge(store: SharedStore, monkeypatch: pytest.MonkeyPatch):
    store.set("gone", 1, 60)
    store.delete("gone")
    assert store.get("gone") is None
    store.set("stale", 1, 1)
    _let_seconds_pass(store, 1, monkeypatch)
    store.purge_expired()
    assert store.get("stale") is None


def test_periodic_purge_runs_from_the_cli(app: Flask, runner, monkeypatch: pytest.MonkeyPatch):
    with app.app_context():
        store = DatabaseStore(db.engine)
        store.set("stale", 1, 1)
        _let_seconds_pass(store, 1, monkeypatch)
    result = runner.invoke(args=["tasks", "run-periodic"])
    assert result.exit_code == 0
    assert "purge-expired-launch-state: 1" in result.output
