"""Two transactions at once, made to meet at a lock in a known order (PostgreSQL).

A race is shown without timing: one transaction takes the lock, the other is started in a
thread, and the test waits until the database itself reports that the other is waiting for a
lock (or has finished, which means it did not wait). Nothing depends on how fast either runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from app.extensions import db

DEADLINE_SECONDS = 60


def postgresql_only(app: Flask) -> None:
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are PostgreSQL's: SQLite lets one writer in at a time")


def _someone_waits_for_a_lock() -> bool:
    with db.engine.connect() as connection:
        waiting = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        ).scalar_one()
    return bool(waiting)


class Meanwhile:
    """Another request or task, run in its own thread and app context (its own transaction)."""

    def __init__(self, app: Flask, work: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None

        def run() -> None:
            with app.app_context():
                try:
                    self.result = work()
                    db.session.commit()
                except BaseException as error:  # reported by finish()
                    self.error = error
                    db.session.rollback()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def waits_for_a_lock(self) -> bool:
        """True once the database shows it waiting for a lock; False if it finished instead."""
        return self.still_running_when(_someone_waits_for_a_lock)

    def still_running_when(self, condition: Callable[[], bool]) -> bool:
        """True once the condition holds while this still runs; False if it finished first."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while self._thread.is_alive() and time.monotonic() < deadline:
            if condition():
                return True
            self._thread.join(timeout=0.02)  # a poll of the condition, not a wait for time
        return False

    def finish(self) -> Any:
        self._thread.join(timeout=DEADLINE_SECONDS)
        assert not self._thread.is_alive(), "the other transaction never finished"
        if self.error is not None:
            raise self.error
        return self.result
