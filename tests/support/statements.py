"""Counting the SQL statements a request runs, to show a page's cost does not grow with its data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event

from app.extensions import db


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """Every statement sent to the database inside the block, in order (the list fills as it runs)."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
